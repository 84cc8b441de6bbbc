import { Dec } from '../../src/domain/money.js';
import type { SimAccount, SimWallet } from '../types.js';
import type {
  FundingPayment,
  MarginMode,
  PerpFill,
  PerpOrder,
  PerpPlaceInput,
  PerpPlaceResult,
  PerpPosition,
  PerpRejection,
  PerpSettings,
  PerpSpec,
  SettingsRejection,
} from './derivatives-types.js';
import { constantFundingRate, fundingTimesBetween, nextFundingTime, type FundingRates } from './funding.js';
import { bookFree, burnUsed, freeOf, release, reserve } from './margin.js';
import { MONEY_DP, FLAT, applyFill, bankruptcyPrice, initialMargin, isLiquidated, liquidationPrice, maintenanceMargin, unrealizedPnl, type PositionState } from './positions.js';
import type { PricePath } from './price-path.js';
import { stopCrossed, triggerExecutionPrice } from './stops.js';
import type { OrderRef, Side } from './types.js';

export interface DerivativesOptions {
  perps: readonly PerpSpec[];
  /** The shared price paths, by unified symbol: a perpetual follows its spot market's path. */
  paths: ReadonlyMap<string, PricePath>;
  /** Fee rates on the traded value (default Bybit's non-VIP USDT perpetual rates, 0.02 % / 0.055 %). */
  fees?: { maker: string; taker: string };
  /** Funding rates (default a constant 0.0001 per 8 h). */
  funding?: FundingRates;
  /** Leverage of a symbol never set (default 10). */
  defaultLeverage?: string;
  defaultMarginMode?: MarginMode;
  now: () => number;
  firstOrderId?: number;
  /**
   * The wallet an account's margin, PnL, fees and funding move (default the account's own balances,
   * a unified account as Bybit's; Binance keeps a futures wallet apart from spot).
   */
  walletOf?: (account: SimAccount) => SimWallet;
  /**
   * How a liquidation closes the position (default `bankruptcy`): at the bankruptcy price, the loss
   * being the whole collateral (Bybit's trade record); or `clearance`: at the liquidation price, its
   * trading loss realized there and what is left of the collateral charged apart as a clearance fee
   * (Binance's REALIZED_PNL and INSURANCE_CLEAR income). The account loses the same either way.
   */
  liquidation?: 'bankruptcy' | 'clearance';
}

interface Held {
  state: PositionState;
  realised: Dec;
  createdAt: number;
  updatedAt: number;
}

interface Resting {
  order: PerpOrder;
  account: SimAccount;
}

type SettingsResult = { ok: true; settings: PerpSettings } | { ok: false; rejection: SettingsRejection };

const OPEN = new Set<PerpOrder['status']>(['new', 'partially_filled']);

/**
 * One exchange's USDT-margined linear perpetuals: one-way positions per account and symbol, leverage
 * and margin mode, margin taken from the settle coin, reduce-only, funding at every 8 h boundary the
 * price path's candles cross, and liquidation at the mark price. Simplifications: the mark price is
 * the current candle's close (no index, no premium); orders fill whole (no per-step liquidity);
 * market orders take at the close ± one tick; one risk tier per symbol.
 */
export class DerivativesVenue {
  readonly #perps = new Map<string, PerpSpec>();
  readonly #paths: ReadonlyMap<string, PricePath>;
  readonly #fees: { maker: Dec; taker: Dec };
  readonly #funding: FundingRates;
  readonly #defaults: PerpSettings;
  readonly #now: () => number;
  readonly #walletOf: (account: SimAccount) => SimWallet;
  readonly #liquidation: 'bankruptcy' | 'clearance';
  readonly #settings = new Map<string, PerpSettings>();
  readonly #positions = new Map<string, Held>();
  readonly #orders = new Map<number, Resting>();
  readonly #fills: PerpFill[] = [];
  readonly #payments: FundingPayment[] = [];
  readonly #accounts = new Map<string, SimAccount>();
  /** Per symbol, the candle open time funding was last settled up to. */
  readonly #fundedUntil = new Map<string, number>();
  #nextOrderId: number;
  #nextTradeId: number;
  #nextFundingId = 1;

  constructor(options: DerivativesOptions) {
    this.#paths = options.paths;
    for (const spec of options.perps) {
      const path = options.paths.get(spec.symbol);
      if (!path) throw new Error(`Expected a price path for ${spec.symbol}, got none`);
      this.#perps.set(spec.symbol, spec);
      this.#fundedUntil.set(spec.symbol, path.current().openTime);
    }
    this.#fees = { maker: new Dec(options.fees?.maker ?? '0.0002'), taker: new Dec(options.fees?.taker ?? '0.00055') };
    this.#funding = options.funding ?? constantFundingRate();
    this.#defaults = { leverage: options.defaultLeverage ?? '10', marginMode: options.defaultMarginMode ?? 'cross' };
    this.#now = options.now;
    this.#walletOf = options.walletOf ?? ((account) => account);
    this.#liquidation = options.liquidation ?? 'bankruptcy';
    this.#nextOrderId = options.firstOrderId ?? 5_000_001;
    this.#nextTradeId = this.#nextOrderId * 10;
  }

  get fees(): { maker: string; taker: string } {
    return { maker: this.#fees.maker.toFixed(), taker: this.#fees.taker.toFixed() };
  }

  perps(): PerpSpec[] {
    return [...this.#perps.values()];
  }

  perp(symbol: string): PerpSpec | undefined {
    return this.#perps.get(symbol);
  }

  /** The mark price: the current candle's close (a simplification; exchanges smooth an index). */
  markPrice(symbol: string): Dec {
    const path = this.#paths.get(symbol);
    if (!path) throw new Error(`No price path for ${symbol}`);
    return new Dec(path.current().close);
  }

  /** The next funding time of `symbol` and the rate it will settle at. */
  nextFunding(symbol: string): { time: number; rate: Dec } {
    const time = nextFundingTime(this.#fundedUntil.get(symbol) ?? this.#now());
    return { time, rate: this.#funding.rateAt(symbol, time) };
  }

  /** The rates of the funding times in [from, to], for the funding-history endpoints. */
  fundingHistory(symbol: string, from: number, to: number): { time: number; rate: Dec }[] {
    return fundingTimesBetween(from - 1, to).map((time) => ({ time, rate: this.#funding.rateAt(symbol, time) }));
  }

  /** Funding times already settled (the last candle boundary funding reached). */
  fundedUntil(symbol: string): number | undefined {
    return this.#fundedUntil.get(symbol);
  }

  // ---- settings ----------------------------------------------------------------------------

  settings(owner: string, symbol: string): PerpSettings {
    return this.#settings.get(key(owner, symbol)) ?? this.#defaults;
  }

  /** Sets the leverage; an open position's margin is re-taken at the new leverage from free margin. */
  setLeverage(account: SimAccount, symbol: string, leverage: string): SettingsResult {
    const spec = this.#perps.get(symbol);
    if (!spec) return { ok: false, rejection: { kind: 'unknown_symbol' } };
    this.#accounts.set(account.apiKey, account);
    const lev = new Dec(leverage);
    if (lev.lt(1) || lev.gt(spec.maxLeverage)) return { ok: false, rejection: { kind: 'leverage_out_of_range', max: spec.maxLeverage } };
    const current = this.settings(account.apiKey, symbol);
    if (lev.eq(current.leverage)) return { ok: false, rejection: { kind: 'not_modified' } };
    const held = this.#positions.get(key(account.apiKey, symbol));
    if (held && !held.state.size.isZero()) {
      const margin = initialMargin(held.state.size, held.state.entry, lev);
      const delta = margin.sub(held.state.margin);
      const wallet = this.#walletOf(account);
      if (delta.gt(freeOf(wallet, spec.settle))) return { ok: false, rejection: { kind: 'insufficient_margin' } };
      if (delta.gt(0)) reserve(wallet, spec.settle, delta);
      else release(wallet, spec.settle, delta.neg());
      held.state = { ...held.state, margin };
      held.updatedAt = this.#now();
    }
    const settings = { ...current, leverage: lev.toFixed() };
    this.#settings.set(key(account.apiKey, symbol), settings);
    return { ok: true, settings };
  }

  /** Sets the margin mode of `symbols`; refused while any of them holds a position or an open order. */
  setMarginMode(account: SimAccount, symbols: readonly string[], mode: MarginMode): { ok: true } | { ok: false; rejection: SettingsRejection } {
    this.#accounts.set(account.apiKey, account);
    if (symbols.some((s) => !this.#perps.has(s))) return { ok: false, rejection: { kind: 'unknown_symbol' } };
    if (symbols.some((s) => !this.#state(account.apiKey, s).size.isZero())) return { ok: false, rejection: { kind: 'position_or_order_open', holds: 'position' } };
    if (symbols.some((s) => this.orders(account.apiKey, { symbol: s, open: true }).length > 0)) return { ok: false, rejection: { kind: 'position_or_order_open', holds: 'order' } };
    for (const s of symbols) this.#settings.set(key(account.apiKey, s), { ...this.settings(account.apiKey, s), marginMode: mode });
    return { ok: true };
  }

  /**
   * Moves `change` (signed) of settle coin into (positive) or out of an isolated position's margin:
   * refused when the position is flat or cross, when free coin does not cover an addition, or when a
   * removal would leave less than the initial margin at the position's leverage.
   */
  adjustMargin(account: SimAccount, symbol: string, change: string): { ok: true } | { ok: false; rejection: 'unknown_symbol' | 'flat' | 'cross' | 'insufficient_margin' | 'too_much' } {
    const spec = this.#perps.get(symbol);
    if (!spec) return { ok: false, rejection: 'unknown_symbol' };
    this.#accounts.set(account.apiKey, account);
    const held = this.#positions.get(key(account.apiKey, symbol));
    if (!held || held.state.size.isZero()) return { ok: false, rejection: 'flat' };
    const { leverage, marginMode } = this.settings(account.apiKey, symbol);
    if (marginMode !== 'isolated') return { ok: false, rejection: 'cross' };
    const delta = new Dec(change);
    const wallet = this.#walletOf(account);
    if (delta.gt(freeOf(wallet, spec.settle))) return { ok: false, rejection: 'insufficient_margin' };
    if (delta.isNegative() && held.state.margin.add(delta).lt(initialMargin(held.state.size, held.state.entry, new Dec(leverage)))) return { ok: false, rejection: 'too_much' };
    if (delta.gt(0)) reserve(wallet, spec.settle, delta);
    else release(wallet, spec.settle, delta.neg());
    held.state = { ...held.state, margin: held.state.margin.add(delta) };
    held.updatedAt = this.#now();
    return { ok: true };
  }

  // ---- positions ---------------------------------------------------------------------------

  /** The position of `owner` in `symbol`, flat (size '0') when none is open. */
  position(owner: string, symbol: string): PerpPosition {
    const held = this.#positions.get(key(owner, symbol));
    const { leverage, marginMode } = this.settings(owner, symbol);
    const state = held?.state ?? FLAT;
    const now = this.#now();
    return {
      owner,
      symbol,
      size: state.size.toFixed(),
      entryPrice: state.entry.toFixed(),
      leverage,
      marginMode,
      positionMargin: state.margin.toFixed(),
      realisedPnl: (held?.realised ?? new Dec(0)).toFixed(),
      createdAt: held?.createdAt ?? now,
      updatedAt: held?.updatedAt ?? now,
    };
  }

  /** Open (non-zero) positions of `owner`. */
  positions(owner: string): PerpPosition[] {
    return this.perps()
      .map((p) => this.position(owner, p.symbol))
      .filter((p) => p.size !== '0');
  }

  unrealizedPnl(owner: string, symbol: string): Dec {
    return unrealizedPnl(this.#state(owner, symbol), this.markPrice(symbol));
  }

  maintenanceMargin(owner: string, symbol: string): Dec {
    const spec = this.#spec(symbol);
    return maintenanceMargin(this.#state(owner, symbol), new Dec(spec.maintenanceMarginRate));
  }

  liquidationPrice(owner: string, symbol: string): Dec | undefined {
    const spec = this.#spec(symbol);
    return liquidationPrice(this.#state(owner, symbol), this.#collateral(owner, symbol), new Dec(spec.maintenanceMarginRate), new Dec(spec.tickSize));
  }

  bankruptcyPrice(owner: string, symbol: string): Dec | undefined {
    return bankruptcyPrice(this.#state(owner, symbol), this.#collateral(owner, symbol), new Dec(this.#spec(symbol).tickSize));
  }

  /** Settle coin held as margin by `owner`: by positions, and by resting opening orders. */
  marginInUse(owner: string, settle: string): { position: Dec; order: Dec } {
    let position = new Dec(0);
    for (const spec of this.#perps.values()) if (spec.settle === settle) position = position.add(this.#state(owner, spec.symbol).margin);
    let order = new Dec(0);
    for (const { order: o } of this.#orders.values()) if (o.owner === owner && OPEN.has(o.status) && this.#spec(o.symbol).settle === settle) order = order.add(o.locked);
    return { position, order };
  }

  // ---- orders ------------------------------------------------------------------------------

  /**
   * Whether a conditional order's trigger is already reached at the current price (the candle's
   * close, which is also the simulator's mark): a wire format refuses such an order with its own code.
   */
  triggerReached(symbol: string, trigger: { price: string; direction: 'rise' | 'fall' }): boolean {
    const now = this.markPrice(symbol);
    return trigger.direction === 'rise' ? now.gte(trigger.price) : now.lte(trigger.price);
  }

  place(account: SimAccount, input: PerpPlaceInput): PerpPlaceResult {
    const spec = this.#perps.get(input.symbol);
    if (!spec) return { ok: false, rejection: { kind: 'unknown_symbol' } };
    this.#accounts.set(account.apiKey, account);
    const checked = this.#validate(spec, account, input);
    if ('kind' in checked) return { ok: false, rejection: checked };
    if (input.trigger) {
      // Only reduce-only stop-market / take-profit-market: a conditional order never opens here.
      if (input.type !== 'market') return { ok: false, rejection: { kind: 'bad_request', message: 'orderType' } };
      if (input.reduceOnly !== true) return { ok: false, rejection: { kind: 'bad_request', message: 'reduceOnly' } };
      const price = new Dec(input.trigger.price);
      if (price.lte(0) || !price.mod(spec.tickSize).isZero()) return { ok: false, rejection: { kind: 'filter', filter: 'PRICE_FILTER' } };
      if (this.triggerReached(spec.symbol, input.trigger)) return { ok: false, rejection: { kind: 'bad_request', message: 'triggerPrice' } };
    }
    const now = this.#now();
    const { leverage } = this.settings(account.apiKey, spec.symbol);
    const order: PerpOrder = {
      orderId: this.#nextOrderId++,
      clientOrderId: input.clientOrderId,
      owner: account.apiKey,
      symbol: spec.symbol,
      side: input.side,
      type: input.type,
      timeInForce: input.type === 'market' ? 'IOC' : (input.timeInForce ?? 'GTC'),
      price: input.type === 'limit' ? checked.price.toFixed() : '0',
      qty: checked.qty.toFixed(),
      executedQty: '0',
      cumQuote: '0',
      cumFee: '0',
      status: 'new',
      reduceOnly: input.reduceOnly === true,
      createdBy: 'user',
      lockPerUnit: '0',
      locked: '0',
      leverage,
      ...(input.trigger ? { trigger: { ...input.trigger, price: new Dec(input.trigger.price).toFixed() } } : {}),
      createdAt: now,
      updatedAt: now,
    };
    const resting: Resting = { order, account };
    this.#orders.set(order.orderId, resting);
    // A conditional order waits for its trigger (afterPriceStep): no lock, it only ever reduces.
    if (order.trigger) return { ok: true, order: copyOf(order), fills: [] };
    const fills: PerpFill[] = [];
    const taker = this.#takerPrice(spec, order);
    if (taker !== undefined) {
      const fill = this.#fill(resting, spec, checked.qty, taker, false);
      if (fill) fills.push(fill);
    } else if (order.timeInForce === 'GTC') {
      this.#lockForResting(resting, spec, checked.price, checked.opening);
    }
    if (OPEN.has(order.status) && order.timeInForce !== 'GTC') order.status = 'expired';
    return { ok: true, order: { ...order }, fills };
  }

  cancel(owner: string, symbol: string, ref: OrderRef): PerpOrder | undefined {
    const resting = this.#find(owner, ref, symbol);
    if (!resting || !OPEN.has(resting.order.status)) return undefined;
    this.#close(resting, 'canceled');
    return copyOf(resting.order);
  }

  order(owner: string, ref: OrderRef, symbol?: string): PerpOrder | undefined {
    const found = this.#find(owner, ref, symbol);
    return found ? copyOf(found.order) : undefined;
  }

  orders(owner: string, filter: { symbol?: string; open?: boolean } = {}): PerpOrder[] {
    const out: PerpOrder[] = [];
    for (const { order } of this.#orders.values()) {
      if (order.owner !== owner) continue;
      if (filter.symbol !== undefined && order.symbol !== filter.symbol) continue;
      if (filter.open !== undefined && OPEN.has(order.status) !== filter.open) continue;
      out.push(copyOf(order));
    }
    return out;
  }

  fills(owner: string, filter: { symbol?: string; orderId?: number } = {}): PerpFill[] {
    return this.#fills.filter(
      (f) => f.owner === owner && (filter.symbol === undefined || f.symbol === filter.symbol) && (filter.orderId === undefined || f.orderId === filter.orderId),
    );
  }

  fundingPayments(owner: string, symbol?: string): FundingPayment[] {
    return this.#payments.filter((p) => p.owner === owner && (symbol === undefined || p.symbol === symbol));
  }

  // ---- time --------------------------------------------------------------------------------

  /**
   * After the shared price paths moved: settles funding for every boundary the new candle's open
   * passed, fills resting limits the candle reached (as makers, at their price), then liquidates
   * positions whose mark has reached their liquidation price.
   */
  afterPriceStep(): PerpFill[] {
    const fills: PerpFill[] = [];
    for (const spec of this.#perps.values()) {
      this.#settleFunding(spec);
      fills.push(...this.#fireTriggers(spec), ...this.#fillResting(spec), ...this.#liquidate(spec));
    }
    return fills;
  }

  /**
   * Conditional orders whose trigger the step reached, oldest first, before resting limits and
   * liquidation (a stop inside the liquidation price closes first). By the last price: the candle's
   * high (rise) or low (fall), executing at the trigger or at the open when the candle gapped through
   * it (stops.ts); by the mark: the close, executing there. The execution is a reduce-only taker fill
   * of what still reduces; a stop with nothing left to reduce expires unfilled.
   */
  #fireTriggers(spec: PerpSpec): PerpFill[] {
    const candle = this.#paths.get(spec.symbol)?.current();
    if (!candle) return [];
    const fills: PerpFill[] = [];
    const waiting = [...this.#orders.values()].filter((r) => r.order.symbol === spec.symbol && r.order.trigger !== undefined && r.order.trigger.triggeredAt === undefined && OPEN.has(r.order.status));
    for (const r of waiting.sort((a, b) => a.order.orderId - b.order.orderId)) {
      const trigger = r.order.trigger;
      if (!trigger) continue;
      const level = new Dec(trigger.price);
      const as: Side = trigger.direction === 'rise' ? 'buy' : 'sell';
      const close = new Dec(candle.close);
      const reached = trigger.by === 'mark' ? (as === 'buy' ? close.gte(level) : close.lte(level)) : stopCrossed(as, level, candle);
      if (!reached) continue;
      const price = trigger.by === 'mark' ? close : triggerExecutionPrice(as, level, candle);
      const now = this.#now();
      trigger.triggeredAt = now;
      let target = r;
      if (trigger.placesOrder) {
        const placed: PerpOrder = { ...r.order, orderId: this.#nextOrderId++, clientOrderId: '', createdAt: now, updatedAt: now };
        delete placed.trigger;
        target = { order: placed, account: r.account };
        this.#orders.set(placed.orderId, target);
        trigger.placedOrderId = placed.orderId;
        r.order.status = 'filled';
        r.order.updatedAt = now;
      }
      const fill = this.#fill(target, spec, remaining(target.order), price, false);
      if (fill) fills.push(fill);
    }
    return fills;
  }

  #settleFunding(spec: PerpSpec): void {
    const openTime = this.#paths.get(spec.symbol)?.current().openTime ?? 0;
    const last = this.#fundedUntil.get(spec.symbol) ?? openTime;
    // A replay that wrapped round to its first candle starts its funding clock again there.
    const from = last > openTime ? openTime : last;
    this.#fundedUntil.set(spec.symbol, openTime);
    const mark = this.markPrice(spec.symbol);
    for (const time of fundingTimesBetween(from, openTime)) {
      const rate = this.#funding.rateAt(spec.symbol, time);
      for (const [k, held] of this.#positions) {
        if (held.state.size.isZero() || !k.endsWith(`\u0000${spec.symbol}`)) continue;
        const owner = k.slice(0, k.indexOf('\u0000'));
        const account = this.#accounts.get(owner);
        if (account) this.#payFunding(account, spec, held, { time, rate, mark });
      }
    }
  }

  #payFunding(account: SimAccount, spec: PerpSpec, held: Held, at: { time: number; rate: Dec; mark: Dec }): void {
    const payment = held.state.size.mul(at.mark).mul(at.rate).toDecimalPlaces(MONEY_DP, Dec.ROUND_HALF_UP);
    const wallet = this.#walletOf(account);
    const booked = bookFree(wallet, spec.settle, payment.neg());
    // What free could not pay comes out of the position's margin (and so moves its liquidation price).
    const shortfall = payment.neg().sub(booked).neg();
    if (shortfall.gt(0)) {
      const fromMargin = Dec.min(shortfall, held.state.margin);
      burnUsed(wallet, spec.settle, fromMargin);
      held.state = { ...held.state, margin: held.state.margin.sub(fromMargin) };
    }
    held.realised = held.realised.sub(payment);
    held.updatedAt = this.#now();
    this.#payments.push({
      id: this.#nextFundingId++,
      owner: account.apiKey,
      symbol: spec.symbol,
      time: at.time,
      rate: at.rate.toFixed(),
      markPrice: at.mark.toFixed(),
      size: held.state.size.toFixed(),
      payment: payment.toFixed(),
    });
  }

  #fillResting(spec: PerpSpec): PerpFill[] {
    const candle = this.#paths.get(spec.symbol)?.current();
    if (!candle) return [];
    const fills: PerpFill[] = [];
    const waiting = [...this.#orders.values()].filter((r) => r.order.symbol === spec.symbol && r.order.type === 'limit' && OPEN.has(r.order.status));
    for (const r of waiting.sort((a, b) => a.order.orderId - b.order.orderId)) {
      const reached = r.order.side === 'buy' ? new Dec(candle.low).lte(r.order.price) : new Dec(candle.high).gte(r.order.price);
      if (!reached) continue;
      const fill = this.#fill(r, spec, remaining(r.order), new Dec(r.order.price), true);
      if (fill) fills.push(fill);
    }
    return fills;
  }

  #liquidate(spec: PerpSpec): PerpFill[] {
    const mark = this.markPrice(spec.symbol);
    const fills: PerpFill[] = [];
    for (const [k, held] of this.#positions) {
      if (held.state.size.isZero() || !k.endsWith(`\u0000${spec.symbol}`)) continue;
      const owner = k.slice(0, k.indexOf('\u0000'));
      const account = this.#accounts.get(owner);
      if (!account || !isLiquidated(held.state, mark, this.liquidationPrice(owner, spec.symbol))) continue;
      fills.push(this.#liquidatePosition(account, spec, held));
    }
    return fills;
  }

  /**
   * Closes the position: its open orders in the symbol are cancelled first (as the exchanges do),
   * then the whole collateral is lost — the margin when isolated, margin and free settle coin when
   * cross. `bankruptcy`: the venue's order fills at the bankruptcy price, no fee on top (Bybit takes
   * its liquidation fee out of the margin, between the liquidation and the bankruptcy price).
   * `clearance`: the order (limit at the bankruptcy price, as Binance's) fills at the liquidation
   * price, realizing the trading loss there; what the collateral still held is the clearance fee.
   */
  #liquidatePosition(account: SimAccount, spec: PerpSpec, held: Held): PerpFill {
    for (const r of this.#orders.values()) {
      if (r.order.owner === account.apiKey && r.order.symbol === spec.symbol && OPEN.has(r.order.status)) this.#close(r, 'canceled');
    }
    const owner = account.apiKey;
    const bust = this.bankruptcyPrice(owner, spec.symbol) ?? this.markPrice(spec.symbol);
    const collateral = this.#collateral(owner, spec.symbol);
    let fillPrice = bust;
    let pnl = collateral.neg();
    let clearance = new Dec(0);
    if (this.#liquidation === 'clearance') {
      fillPrice = this.liquidationPrice(owner, spec.symbol) ?? bust;
      pnl = Dec.max(unrealizedPnl(held.state, fillPrice), collateral.neg());
      clearance = collateral.add(pnl);
    }
    const now = this.#now();
    const qty = held.state.size.abs();
    const order: PerpOrder = {
      orderId: this.#nextOrderId++,
      clientOrderId: '',
      owner,
      symbol: spec.symbol,
      side: held.state.size.isPositive() ? 'sell' : 'buy',
      type: 'market',
      timeInForce: 'IOC',
      price: bust.toFixed(),
      qty: qty.toFixed(),
      executedQty: qty.toFixed(),
      cumQuote: qty.mul(fillPrice).toFixed(),
      cumFee: '0',
      status: 'filled',
      reduceOnly: true,
      createdBy: 'liquidation',
      lockPerUnit: '0',
      locked: '0',
      leverage: this.settings(owner, spec.symbol).leverage,
      createdAt: now,
      updatedAt: now,
    };
    this.#orders.set(order.orderId, { order, account });
    const wallet = this.#walletOf(account);
    burnUsed(wallet, spec.settle, held.state.margin);
    bookFree(wallet, spec.settle, held.state.margin.sub(collateral));
    held.realised = held.realised.sub(collateral);
    held.state = FLAT;
    held.updatedAt = now;
    const fill = this.#record(order, { qty, price: fillPrice, fee: new Dec(0), feeRate: new Dec(0), maker: false, kind: 'liquidation', closed: qty, pnl });
    if (this.#liquidation === 'clearance') fill.clearanceFee = clearance.toFixed();
    return fill;
  }

  // ---- internals ---------------------------------------------------------------------------

  #validate(spec: PerpSpec, account: SimAccount, input: PerpPlaceInput): PerpRejection | { qty: Dec; price: Dec; opening: Dec } {
    if (input.type === 'limit' && input.price === undefined) return { kind: 'bad_request', message: 'price' };
    const mark = this.markPrice(spec.symbol);
    const tick = new Dec(spec.tickSize);
    const price = input.type === 'limit' ? new Dec(input.price ?? '0') : input.side === 'buy' ? mark.add(tick) : Dec.max(tick, mark.sub(tick));
    if (price.lte(0) || !price.mod(tick).isZero()) return { kind: 'filter', filter: 'PRICE_FILTER' };
    let qty = new Dec(input.quantity);
    if (qty.lt(spec.minQty) || qty.gt(spec.maxQty) || !qty.mod(spec.stepSize).isZero()) return { kind: 'filter', filter: 'LOT_SIZE' };
    const size = this.#state(account.apiKey, spec.symbol).size;
    const reducible = reducibleBy(size, input.side);
    if (input.reduceOnly === true) {
      if (reducible.isZero()) return { kind: 'reduce_only_increase' };
      // A reduce-only order larger than the position is cut to the position (Bybit's rule).
      qty = Dec.min(qty, reducible);
    } else if (qty.mul(price).lt(spec.minNotional)) return { kind: 'filter', filter: 'NOTIONAL' };
    if (this.orders(account.apiKey, { open: true }).some((o) => o.clientOrderId === input.clientOrderId)) return { kind: 'duplicate_client_id' };
    const opening = Dec.max(0, qty.sub(reducible));
    const needed = initialMargin(opening, price, new Dec(this.settings(account.apiKey, spec.symbol).leverage)).add(this.#feeOn(opening, price, this.#fees.taker));
    if (needed.gt(freeOf(this.#walletOf(account), spec.settle))) return { kind: 'insufficient_margin' };
    return { qty, price, opening };
  }

  /** The touch price a new order takes at, if it is marketable (a post-only never is: it is checked by the wire format). */
  #takerPrice(spec: PerpSpec, order: PerpOrder): Dec | undefined {
    const mark = this.markPrice(spec.symbol);
    const tick = new Dec(spec.tickSize);
    const px = order.side === 'buy' ? mark.add(tick) : Dec.max(tick, mark.sub(tick));
    if (order.type === 'market') return px;
    return (order.side === 'buy' ? px.lte(order.price) : px.gte(order.price)) ? px : undefined;
  }

  #lockForResting(resting: Resting, spec: PerpSpec, price: Dec, opening: Dec): void {
    if (resting.order.reduceOnly || opening.isZero()) return;
    const perUnit = price.div(resting.order.leverage).add(price.mul(this.#fees.taker));
    const locked = opening.mul(perUnit).toDecimalPlaces(MONEY_DP, Dec.ROUND_UP);
    reserve(this.#walletOf(resting.account), spec.settle, locked);
    resting.order.lockPerUnit = perUnit.toFixed();
    resting.order.locked = locked.toFixed();
  }

  /**
   * Fills `want` of the order at `price`: gives back its lock for that quantity, applies the fill to
   * the position (PnL and released margin to free, new initial margin from free) and charges the fee.
   * A reduce-only order fills only what still reduces; an order whose opening part free margin no
   * longer covers is cancelled unfilled.
   */
  #fill(resting: Resting, spec: PerpSpec, want: Dec, price: Dec, maker: boolean): PerpFill | undefined {
    const { order } = resting;
    const wallet = this.#walletOf(resting.account);
    const held = this.#held(order.owner, spec.symbol);
    const signed = (s: Dec): Dec => (order.side === 'buy' ? s : s.neg());
    const qty = order.reduceOnly ? Dec.min(want, reducibleBy(held.state.size, order.side)) : want;
    if (qty.isZero()) {
      this.#close(resting, 'expired');
      return undefined;
    }
    const unlock = Dec.min(new Dec(order.locked), qty.mul(order.lockPerUnit).toDecimalPlaces(MONEY_DP, Dec.ROUND_UP));
    release(wallet, spec.settle, unlock);
    order.locked = new Dec(order.locked).sub(unlock).toFixed();
    const rate = maker ? this.#fees.maker : this.#fees.taker;
    const fee = this.#feeOn(qty, price, rate);
    const effect = applyFill(held.state, signed(qty), price, new Dec(order.leverage));
    if (effect.added.add(fee).gt(freeOf(wallet, spec.settle).add(effect.released).add(effect.realizedPnl))) {
      reserve(wallet, spec.settle, unlock);
      order.locked = new Dec(order.locked).add(unlock).toFixed();
      this.#close(resting, 'canceled');
      return undefined;
    }
    release(wallet, spec.settle, effect.released);
    const pnl = bookFree(wallet, spec.settle, effect.realizedPnl);
    const charged = bookFree(wallet, spec.settle, fee.neg()).neg();
    reserve(wallet, spec.settle, effect.added);
    const now = this.#now();
    if (held.state.size.isZero()) held.createdAt = now;
    held.state = effect.next;
    held.realised = held.realised.add(pnl).sub(charged);
    held.updatedAt = now;
    order.executedQty = new Dec(order.executedQty).add(qty).toFixed();
    order.cumQuote = new Dec(order.cumQuote).add(qty.mul(price)).toFixed();
    order.cumFee = new Dec(order.cumFee).add(charged).toFixed();
    order.status = remaining(order).isZero() ? 'filled' : 'partially_filled';
    if (order.status === 'filled') this.#releaseLock(resting, spec);
    order.updatedAt = now;
    return this.#record(order, { qty, price, fee: charged, feeRate: rate, maker, kind: 'trade', closed: effect.closed, pnl });
  }

  #record(
    order: PerpOrder,
    f: { qty: Dec; price: Dec; fee: Dec; feeRate: Dec; maker: boolean; kind: PerpFill['kind']; closed: Dec; pnl: Dec },
  ): PerpFill {
    const fill: PerpFill = {
      tradeId: this.#nextTradeId++,
      orderId: order.orderId,
      owner: order.owner,
      symbol: order.symbol,
      side: order.side,
      price: f.price.toFixed(),
      qty: f.qty.toFixed(),
      value: f.qty.mul(f.price).toFixed(),
      fee: f.fee.toFixed(),
      feeRate: f.feeRate.toFixed(),
      maker: f.maker,
      kind: f.kind,
      closedSize: f.closed.toFixed(),
      realizedPnl: f.pnl.toFixed(),
      markPrice: this.markPrice(order.symbol).toFixed(),
      time: this.#now(),
    };
    this.#fills.push(fill);
    return fill;
  }

  #close(resting: Resting, status: 'canceled' | 'expired'): void {
    const spec = this.#spec(resting.order.symbol);
    this.#releaseLock(resting, spec);
    resting.order.status = status;
    resting.order.updatedAt = this.#now();
  }

  #releaseLock({ order, account }: Resting, spec: PerpSpec): void {
    release(this.#walletOf(account), spec.settle, new Dec(order.locked));
    order.locked = '0';
  }

  #feeOn(qty: Dec, price: Dec, rate: Dec): Dec {
    return qty.mul(price).mul(rate).toDecimalPlaces(MONEY_DP, Dec.ROUND_HALF_UP);
  }

  /** What backs the position: its margin when isolated; plus the free settle coin when cross. */
  #collateral(owner: string, symbol: string): Dec {
    const state = this.#state(owner, symbol);
    const account = this.#accounts.get(owner);
    if (this.settings(owner, symbol).marginMode === 'isolated' || !account) return state.margin;
    return state.margin.add(freeOf(this.#walletOf(account), this.#spec(symbol).settle));
  }

  #state(owner: string, symbol: string): PositionState {
    return this.#positions.get(key(owner, symbol))?.state ?? FLAT;
  }

  #held(owner: string, symbol: string): Held {
    let held = this.#positions.get(key(owner, symbol));
    if (!held) {
      const now = this.#now();
      held = { state: FLAT, realised: new Dec(0), createdAt: now, updatedAt: now };
      this.#positions.set(key(owner, symbol), held);
    }
    return held;
  }

  #spec(symbol: string): PerpSpec {
    const spec = this.#perps.get(symbol);
    if (!spec) throw new Error(`Unknown perpetual ${symbol}`);
    return spec;
  }

  #find(owner: string, ref: OrderRef, symbol?: string): Resting | undefined {
    let found: Resting | undefined;
    if (ref.orderId !== undefined) found = this.#orders.get(ref.orderId);
    else if (ref.clientOrderId !== undefined) {
      for (const r of this.#orders.values()) if (r.order.clientOrderId === ref.clientOrderId && r.order.owner === owner) found = r;
    }
    if (!found || found.order.owner !== owner) return undefined;
    if (symbol !== undefined && found.order.symbol !== symbol) return undefined;
    return found;
  }
}

/** How much an order on `side` reduces a position of signed `size` (0 when it would increase it). */
function reducibleBy(size: Dec, side: Side): Dec {
  if (size.isZero()) return new Dec(0);
  return (side === 'buy') === size.isNegative() ? size.abs() : new Dec(0);
}

/** A copy the caller may keep: the trigger is copied too (firing sets its fields). */
function copyOf(order: PerpOrder): PerpOrder {
  return order.trigger ? { ...order, trigger: { ...order.trigger } } : { ...order };
}

function remaining(order: PerpOrder): Dec {
  return new Dec(order.qty).sub(order.executedQty);
}

function key(owner: string, symbol: string): string {
  return `${owner}\u0000${symbol}`;
}
