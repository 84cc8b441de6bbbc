import type { Clock } from '../../src/domain/clock.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import { Venue, type FeeAssets, type VenueEvent } from '../matching/engine.js';
import { DerivativesVenue } from '../matching/derivatives.js';
import { bundledFundingRates, type FundingRates } from '../matching/funding.js';
import { DEFAULT_FUTURES_BALANCES, PERP_VENUES, futuresWalletOf, perpSpecs } from '../matching/perp-markets.js';
import type { PricePath } from '../matching/price-path.js';
import type { MarketSpec, SimFill } from '../matching/types.js';
import type { SimAccount, SimBalance, SimContext } from '../types.js';
import { z } from 'zod';
import { FaultStore, type FaultRule } from './faults.js';
import { RequestLog, type LoggedRequest } from './request-log.js';
import { WsFaults } from '../ws/faults.js';
import type { SimCandle } from '../matching/price-path.js';
import {
  accountInputSchema,
  balancesInputSchema,
  clockSkewSchema,
  type AccountInput,
  type BalancesInput,
  type FaultRuleInput,
  type RequestFilter,
} from './schemas.js';

export interface SimControlOptions {
  clock: Clock;
  markets: readonly MarketSpec[];
  paths: ReadonlyMap<string, PricePath>;
  /** Step the price paths automatically every this many ms of clock time (off when absent). */
  autoStepMs?: number;
  /**
   * Clock time the auto-step schedule counts from (default: now). A wall-clock simulator counts from
   * the current candle's open, so every step lands on a candle boundary, as an exchange closes candles.
   */
  autoStepFrom?: number;
  /** Funding rates of the perpetuals (default: the bundled XRP rates, 0.0001 for every other symbol and time). */
  funding?: FundingRates;
}

/**
 * The simulator's state and its in-process control surface: accounts, fault rules, clock skew,
 * request log, price steps. Tests hold this object; the HTTP control API is a thin layer over it.
 */
export class SimControl {
  readonly #clock: Clock;
  readonly #accounts = new Map<string, SimAccount>();
  readonly #faults = new FaultStore();
  readonly #log = new RequestLog();
  readonly #skews = new Map<ExchangeId, number>();
  readonly #venues = new Map<ExchangeId, Venue>();
  readonly #derivatives = new Map<ExchangeId, DerivativesVenue>();
  readonly #funding: FundingRates;
  readonly #counters = new Map<string, { windowStart: number; used: number }>();
  readonly #markets: readonly MarketSpec[];
  readonly #paths: ReadonlyMap<string, PricePath>;
  readonly #autoStepMs: number | undefined;
  #lastAutoStep: number;
  readonly #stepListeners = new Set<(moves: readonly CandleMove[]) => void>();
  readonly #venueListeners = new Set<(exchange: ExchangeId, event: VenueEvent) => void>();
  /** Websocket faults (drop, silent, delay, reorder, duplicate), per exchange. */
  readonly wsFaults = new WsFaults();

  constructor(options: SimControlOptions) {
    this.#clock = options.clock;
    this.#markets = options.markets;
    this.#paths = options.paths;
    this.#autoStepMs = options.autoStepMs;
    this.#lastAutoStep = options.autoStepFrom ?? options.clock.now();
    this.#funding = options.funding ?? bundledFundingRates();
  }

  // ---- accounts ----------------------------------------------------------------------------

  /** Creates or replaces the account owning `apiKey` on `exchange`; returns a live reference. */
  /**
   * Creates or replaces the account owning `apiKey` on `exchange`; returns a live reference. On an
   * exchange whose futures wallet is apart from spot (Binance), the account gets one too:
   * `futuresBalances`, or 10000 USDT.
   */
  addAccount(exchange: ExchangeId, input: AccountInput): SimAccount {
    const parsed = accountInputSchema.parse(input);
    const separate = PERP_VENUES[exchange]?.futuresWallet === true;
    if (parsed.futuresBalances !== undefined && !separate) throw noFuturesWallet(exchange);
    const account: SimAccount = {
      apiKey: parsed.apiKey,
      secret: parsed.secret,
      ...(parsed.passphrase !== undefined ? { passphrase: parsed.passphrase } : {}),
      permissions: parsed.permissions,
      balances: toBalances(parsed.balances),
      ...(separate ? { futures: { balances: toBalances(parsed.futuresBalances ?? DEFAULT_FUTURES_BALANCES) } } : {}),
    };
    this.#accounts.set(accountKey(exchange, parsed.apiKey), account);
    return account;
  }

  /** Replaces what the futures wallet of an account holds (an exchange that keeps one apart only); returns the account. */
  setFuturesBalances(exchange: ExchangeId, apiKey: string, input: BalancesInput): SimAccount | undefined {
    const balances = toBalances(balancesInputSchema.parse(input));
    if (PERP_VENUES[exchange]?.futuresWallet !== true) throw noFuturesWallet(exchange);
    const account = this.account(exchange, apiKey);
    if (!account) return undefined;
    account.futures = { balances };
    return account;
  }

  account(exchange: ExchangeId, apiKey: string): SimAccount | undefined {
    return this.#accounts.get(accountKey(exchange, apiKey));
  }

  removeAccount(exchange: ExchangeId, apiKey: string): boolean {
    return this.#accounts.delete(accountKey(exchange, apiKey));
  }

  // ---- faults and clock --------------------------------------------------------------------

  injectFault(input: FaultRuleInput): FaultRule {
    return this.#faults.add(input);
  }

  faults(): FaultRule[] {
    return this.#faults.list();
  }

  /** Clears one fault rule by id, or all of them. */
  clearFaults(id?: string): boolean {
    return this.#faults.clear(id);
  }

  /** Shifts the exchange's clock (what it reports and checks timestamps against) by `ms`. */
  setClockSkew(exchange: ExchangeId, ms: number): void {
    clockSkewSchema.parse({ ms });
    if (ms === 0) this.#skews.delete(exchange);
    else this.#skews.set(exchange, ms);
  }

  clockSkew(exchange: ExchangeId): number {
    return this.#skews.get(exchange) ?? 0;
  }

  now(): number {
    return this.#clock.now();
  }

  // ---- request log -------------------------------------------------------------------------

  requests(filter: RequestFilter = {}): LoggedRequest[] {
    return this.#log.list(filter);
  }

  clearRequests(): void {
    this.#log.clear();
  }

  // ---- market ------------------------------------------------------------------------------

  /** The matching engine of one exchange, created on first use. */
  venue(exchange: ExchangeId): Venue {
    let venue = this.#venues.get(exchange);
    if (!venue) {
      venue = new Venue({
        markets: this.#markets,
        paths: this.#paths,
        feeAssets: { buy: getProfile(exchange).fees.buy, sell: getProfile(exchange).fees.sell },
        now: () => this.#clock.now() + this.clockSkew(exchange),
        // Distinct id ranges per exchange make cross-wiring bugs visible in tests.
        firstOrderId: 1_000_001 + EXCHANGE_IDS.indexOf(exchange) * 100_000_000,
      });
      venue.onEvent((event) => {
        for (const listener of this.#venueListeners) listener(exchange, event);
      });
      this.#venues.set(exchange, venue);
    }
    return venue;
  }

  /**
   * The USDT perpetuals of one exchange (positions, leverage, funding, liquidation), created on first
   * use; they follow the same price paths as the spot markets.
   */
  derivatives(exchange: ExchangeId): DerivativesVenue {
    let venue = this.#derivatives.get(exchange);
    if (!venue) {
      const rules = PERP_VENUES[exchange] ?? {};
      venue = new DerivativesVenue({
        perps: perpSpecs(this.#markets, rules.tiers, rules.contracts),
        paths: this.#paths,
        funding: this.#funding,
        ...(rules.fees !== undefined ? { fees: rules.fees } : {}),
        ...(rules.defaultLeverage !== undefined ? { defaultLeverage: rules.defaultLeverage } : {}),
        ...(rules.liquidation !== undefined ? { liquidation: rules.liquidation } : {}),
        ...(rules.futuresWallet === true ? { walletOf: futuresWalletOf } : {}),
        now: () => this.#clock.now() + this.clockSkew(exchange),
        // Beside the exchange's spot id range, so a spot and a perpetual order never share an id.
        firstOrderId: 50_000_001 + EXCHANGE_IDS.indexOf(exchange) * 100_000_000,
      });
      this.#derivatives.set(exchange, venue);
    }
    return venue;
  }

  /**
   * Which asset spot fees are taken from on `exchange`, per side: for the whole exchange, or for one
   * account (`apiKey`; null clears the account's own setting). Each exchange starts with its real
   * default from its profile (Binance and Bybit: the asset received, so a buy pays in base).
   */
  setFeeAssets(exchange: ExchangeId, assets: FeeAssets | null, apiKey?: string): FeeAssets {
    const venue = this.venue(exchange);
    venue.setFeeAssets(assets, apiKey);
    return venue.feeAssets(apiKey);
  }

  feeAssets(exchange: ExchangeId, apiKey?: string): FeeAssets {
    return this.venue(exchange).feeAssets(apiKey);
  }

  /** Moves every price path `steps` candles; resting orders fill as prices reach them. */
  step(steps = 1): SimFill[] {
    const fills: SimFill[] = [];
    for (let i = 0; i < steps; i++) {
      const moves: CandleMove[] = [];
      for (const [symbol, path] of this.#paths) {
        const closed = path.current();
        moves.push({ symbol, intervalMs: path.intervalMs, closed, current: path.step() });
      }
      for (const venue of this.#venues.values()) fills.push(...venue.afterPriceStep());
      for (const venue of this.#derivatives.values()) venue.afterPriceStep();
      // After the fills, so a stream sees the orders and balances the new candle left behind.
      for (const listener of this.#stepListeners) listener(moves);
    }
    return fills;
  }

  /** Calls `listener` after every price step with each symbol's closed and new forming candle; returns an unsubscribe. */
  onStep(listener: (moves: readonly CandleMove[]) => void): () => void {
    this.#stepListeners.add(listener);
    return () => this.#stepListeners.delete(listener);
  }

  /** Calls `listener` with every order change of every exchange's matching engine; returns an unsubscribe. */
  onVenueEvent(listener: (exchange: ExchangeId, event: VenueEvent) => void): () => void {
    this.#venueListeners.add(listener);
    return () => this.#venueListeners.delete(listener);
  }

  /** The auto-step period, if time-driven steps are on. */
  get autoStepMs(): number | undefined {
    return this.#autoStepMs;
  }

  /** Clock time the next time-driven step is due (a timer sleeps until it), if time-driven steps are on. */
  nextAutoStepAt(): number | undefined {
    return this.#autoStepMs === undefined ? undefined : this.#lastAutoStep + this.#autoStepMs;
  }

  /** Current mid price (candle close) of a unified symbol. */
  price(symbol: string): string | undefined {
    return this.#paths.get(symbol)?.current().close;
  }

  /** Current mid price of every symbol. */
  prices(): Record<string, string> {
    return Object.fromEntries([...this.#paths].map(([symbol, path]) => [symbol, path.current().close]));
  }

  /** Forgets accounts, faults, skews, the log, orders and counters (price paths keep their place). */
  reset(): void {
    this.#accounts.clear();
    this.#faults.clear();
    this.#skews.clear();
    this.#log.clear();
    this.#venues.clear();
    this.#derivatives.clear();
    this.#counters.clear();
    this.wsFaults.clear();
  }

  // ---- for the server ----------------------------------------------------------------------

  get log(): RequestLog {
    return this.#log;
  }

  get faultStore(): FaultStore {
    return this.#faults;
  }

  /** Applies time-driven price steps, if configured; called before each exchange request. */
  syncTime(): void {
    if (this.#autoStepMs === undefined) return;
    const due = Math.floor((this.#clock.now() - this.#lastAutoStep) / this.#autoStepMs);
    if (due <= 0) return;
    this.#lastAutoStep += due * this.#autoStepMs;
    this.step(Math.min(due, 1000));
  }

  /** The context one handler sees for one request. */
  contextFor(exchange: ExchangeId, options: { authFailure: boolean }): SimContext {
    return {
      exchangeNow: () => this.#clock.now() + this.clockSkew(exchange),
      // An injected auth failure hides every account, so the handler answers with its real error.
      findAccount: (ex, apiKey) => (options.authFailure ? undefined : this.account(ex, apiKey)),
      venue: () => this.venue(exchange),
      derivatives: () => this.derivatives(exchange),
      countInWindow: (key, windowMs, weight = 1) => this.#count(`${exchange}:${key}`, windowMs, weight, exchange),
    };
  }

  #count(key: string, windowMs: number, weight: number, exchange: ExchangeId): { used: number; resetAt: number } {
    const now = this.#clock.now() + this.clockSkew(exchange);
    const windowStart = now - (now % windowMs);
    let counter = this.#counters.get(key);
    if (!counter || counter.windowStart !== windowStart) {
      counter = { windowStart, used: 0 };
      this.#counters.set(key, counter);
    }
    counter.used += weight;
    return { used: counter.used, resetAt: windowStart + windowMs };
  }
}

/** One symbol's candle change in one price step. */
export interface CandleMove {
  symbol: string;
  intervalMs: number;
  /** The candle that just ended (REST returns it unchanged from now on). */
  closed: SimCandle;
  /** The new forming candle. */
  current: SimCandle;
}

function toBalances(input: Readonly<Record<string, string | { free: string; used: string }>>): Record<string, SimBalance> {
  const balances: Record<string, SimBalance> = {};
  for (const [asset, b] of Object.entries(input)) balances[asset] = typeof b === 'string' ? { free: b, used: '0' } : { free: b.free, used: b.used };
  return balances;
}

function noFuturesWallet(exchange: ExchangeId): z.ZodError {
  return new z.ZodError([
    { code: 'custom', path: ['futuresBalances'], message: `${exchange} keeps no futures wallet apart: its perpetuals trade from the account's balances`, input: undefined },
  ]);
}

function accountKey(exchange: ExchangeId, apiKey: string): string {
  return `${exchange}\u0000${apiKey}`;
}
