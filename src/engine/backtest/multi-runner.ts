import { ValidationError } from '../../domain/errors.js';
import { Dec, type DecimalString } from '../../domain/money.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { FillSimulator, type FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import { Portfolio } from '../accounting/index.js';
import type { CandleSeries } from '../../domain/candles.js';
import { isDerivative, type RiskConfig } from '../risk.js';
import { informativeInputs, type StrategyDefinition } from '../strategy.js';
import { DailyLossGuard } from './guards.js';
import { InformativeFeed } from './informative-feed.js';
import { PairLane } from './pair-lane.js';
import { newEventLog, record, type EventLog, type RunEvent } from './run-events.js';
import { timeframeMs } from '../../domain/timeframe.js';
import { TotalEquity } from './total-equity.js';
import { MarginWallet, PerpetualBook, perpetualSettings } from './perpetual.js';
import type { PerpetualData } from './perpetual-data.js';

/**
 * The backtest loop: one strategy over one or more pairs, on one simulator and so one quote balance (a
 * bot); a single-pair backtest (runner.ts) is a run of one pair. Time
 * advances over the union of the pairs' candle times; at each time, first every pair with a candle
 * then has its resting orders matched (so all fills land before anyone decides), the total equity is
 * marked, the daily loss limit is checked for the whole run, and then each such pair, in the order
 * given, lets its own strategy instance decide. A pair that holds no position and no order may not
 * place one while `maxOpenTrades` pairs do; the refusal is recorded with its reason.
 */

export interface PairData {
  series: CandleSeries;
  market: Market;
  start: number;
  end: number;
  /** Prefix of this pair's client order ids (the strategy sees them). Default `bt<n>`, n counting pairs from 1. */
  idPrefix?: string;
  /** A perpetual's funding rates and mark prices (perpetual-data.ts). */
  perpetual?: PerpetualData;
}

export interface MultiPairRunInput {
  definition: StrategyDefinition;
  params: unknown;
  pairs: readonly PairData[];
  timeframe: string;
  startingBalance: DecimalString;
  feeRate: DecimalString;
  feeAssets?: FeeAssets;
  slippageBps: DecimalString;
  risk: RiskConfig;
  /** Pairs that may hold a position (or a resting order) at once. Default: all of them. */
  maxOpenTrades?: number;
}

export interface MultiPairOutcome {
  input: MultiPairRunInput;
  params: Readonly<Record<string, unknown>>;
  lanes: readonly PairLane[];
  equity: TotalEquity;
  /** Traded times with at least one pair in a position. */
  exposureSteps: number;
  rejections: EventLog;
  strategyErrors: EventLog;
  killSwitch: RunEvent | null;
  /** The most pairs that held a slot at once (never above maxOpenTrades). */
  peakOpenTrades: number;
  /** A run of perpetuals: its margin wallet (each lane's `perpetual` has its funding and liquidations); null on spot. */
  wallet: MarginWallet | null;
}

export class MultiPairRunner {
  readonly #in: MultiPairRunInput;
  readonly #params: Readonly<Record<string, unknown>>;
  readonly #sim: FillSimulator;
  readonly #lanes: PairLane[];
  readonly #times: Float64Array;
  readonly #tradeFrom: number;
  readonly #equity: TotalEquity;
  readonly #dailyLoss: DailyLossGuard;
  readonly #maxOpen: number;
  readonly #quote: string;
  readonly #account = { version: 0 };
  readonly #rejections = newEventLog();
  readonly #errors = newEventLog();
  /** The lanes with a candle at the current time (reused, so a step allocates nothing). */
  readonly #moving: PairLane[] = [];
  readonly #tfMs: number;
  readonly #wallet: MarginWallet | null;
  #step = 0;
  #exposure = 0;
  #peakOpen = 0;
  #kill: RunEvent | null = null;

  constructor(input: MultiPairRunInput) {
    validatePairs(input);
    this.#in = input;
    this.#params = input.definition.parseParams(input.params);
    this.#tfMs = timeframeMs(input.timeframe);
    this.#quote = (input.pairs[0] as PairData).market.quote;
    this.#maxOpen = input.maxOpenTrades ?? input.pairs.length;
    this.#wallet = isDerivative((input.pairs[0] as PairData).market) ? new MarginWallet(new Dec(input.startingBalance), perpetualSettings(input.risk)) : null;
    this.#sim = new FillSimulator({
      markets: input.pairs.map((p) => p.market),
      // A perpetual account is the margin wallet (perpetual.ts), which the risk gate checks every order
      // against as live; the simulator only matches and charges fees, so its spot funds check is off.
      balances: { [this.#quote]: this.#wallet ? 'Infinity' : input.startingBalance },
      takerFeeRate: input.feeRate,
      ...(input.feeAssets ? { feeAssets: input.feeAssets } : {}),
      slippageBps: input.slippageBps,
      allowShort: input.risk.allowShort,
      idPrefix: 'bt',
      // A perpetual's fill must still fit the wallet at the price it fills at (a gapped open can need
      // more margin than the gate saw at the close before).
      ...(this.#wallet ? { admit: (order: Readonly<{ symbol: string; side: 'buy' | 'sell'; amount: Dec; price: Dec; feeQuote: Dec }>) => this.#fits(order) } : {}),
    });
    this.#lanes = this.#createLanes();
    this.#times = unionOfTimes(input.pairs);
    this.#tradeFrom = Math.min(...input.pairs.map((p) => p.series.time(p.start)));
    let traded = 0;
    for (const t of this.#times) if (t >= this.#tradeFrom) traded++;
    this.#equity = new TotalEquity(input.pairs.map((p) => p.series), traded, new Dec(input.startingBalance));
    this.#dailyLoss = new DailyLossGuard(input.risk, new Dec(input.startingBalance));
  }

  #fits(order: Readonly<{ symbol: string; side: 'buy' | 'sell'; amount: Dec; price: Dec; feeQuote: Dec }>): boolean {
    const lane = this.#lanes.find((l) => l.market.symbol === order.symbol);
    return !this.#wallet || !lane || this.#wallet.fillFits(lane, order.side, order.amount, order.price, order.feeQuote);
  }

  get progress(): { done: number; total: number } {
    return { done: this.#step, total: this.#times.length };
  }

  get done(): boolean {
    return this.#step >= this.#times.length;
  }

  /** Runs up to `maxSteps` more times (each: every pair with a candle then); true when complete. */
  advance(maxSteps = Number.POSITIVE_INFINITY): boolean {
    const stop = Math.min(this.#times.length, this.#step + maxSteps);
    for (let s = this.#step; s < stop; s++) this.#runStep(this.#times[s] as number);
    this.#step = stop;
    return this.done;
  }

  run(): MultiPairOutcome {
    this.advance();
    return this.outcome();
  }

  outcome(): MultiPairOutcome {
    return {
      input: this.#in,
      params: this.#params,
      lanes: this.#lanes,
      equity: this.#equity,
      exposureSteps: this.#exposure,
      rejections: this.#rejections,
      strategyErrors: this.#errors,
      killSwitch: this.#kill,
      peakOpenTrades: this.#peakOpen,
      wallet: this.#wallet,
    };
  }

  #createLanes(): PairLane[] {
    const { definition, pairs, timeframe, risk } = this.#in;
    const bySymbol = new Map(pairs.map((p) => [p.market.symbol, p.series]));
    const inputs = informativeInputs(definition, this.#params);
    const portfolio = new Portfolio();
    const wallet = this.#wallet;
    const lanes = pairs.map(
      (pair, p) =>
        new PairLane({
          strategyId: definition.id,
          strategy: definition.create(this.#params),
          series: pair.series,
          market: pair.market,
          tfMs: this.#tfMs,
          start: pair.start,
          end: pair.end,
          risk,
          sim: this.#sim,
          ledger: portfolio.ledger(pair.market.symbol),
          idPrefix: pair.idPrefix ?? `bt${p + 1}`,
          account: this.#account,
          informative: inputs.length === 0 ? null : new InformativeFeed({ symbol: pair.market.symbol, timeframe }, inputs, bySymbol),
          perpetual: wallet ? { wallet, book: new PerpetualBook({ data: pair.perpetual, wallet, series: pair.series, market: pair.market, tfMs: this.#tfMs, start: pair.start, end: pair.end }) } : null,
          onRejection: (time, message) => record(this.#rejections, { time, message, symbol: pair.market.symbol }),
          onStrategyError: (time, message) => record(this.#errors, { time, message, symbol: pair.market.symbol }),
        }),
    );
    for (const lane of lanes) wallet?.add(lane);
    return lanes;
  }

  // Indexed loops: a step runs per candle of a run (about 1 µs each for one pair), so it allocates nothing.
  #runStep(time: number): void {
    const moving = this.#movingAt(time);
    let filled = false;
    // A perpetual's settlements since the last candle come first: the position held through them pays or receives.
    if (this.#wallet) for (let m = 0; m < moving.length; m++) filled = (moving[m] as PairLane).fund((moving[m] as PairLane).next) || filled;
    for (let m = 0; m < moving.length; m++) {
      const lane = moving[m] as PairLane;
      filled = lane.settle(lane.next) || filled;
    }
    if (this.#wallet) for (let m = 0; m < moving.length; m++) filled = (moving[m] as PairLane).afterFills((moving[m] as PairLane).next) || filled;
    if (filled) this.#newEpoch();
    for (let m = 0; m < moving.length; m++) (moving[m] as PairLane).showNext();
    const traded = time >= this.#tradeFrom;
    if (traded) this.#mark(time, moving);
    if (this.#kill === null) this.#decideAll(moving, traded);
    for (let m = 0; m < moving.length; m++) (moving[m] as PairLane).next++;
  }

  /** The lanes with a candle at `time`: all of them while the pairs' candles line up (always for one pair). */
  #movingAt(time: number): readonly PairLane[] {
    const lanes = this.#lanes;
    let all = true;
    for (let p = 0; p < lanes.length && all; p++) all = (lanes[p] as PairLane).opensAt(time);
    if (all) return lanes;
    const moving = this.#moving;
    moving.length = 0;
    for (let p = 0; p < lanes.length; p++) if ((lanes[p] as PairLane).opensAt(time)) moving.push(lanes[p] as PairLane);
    return moving;
  }

  #mark(time: number, moving: readonly PairLane[]): void {
    const lanes = this.#lanes;
    let inPosition = false;
    for (let p = 0; p < lanes.length; p++) {
      const lane = lanes[p] as PairLane;
      if (moving === lanes || moving.includes(lane)) this.#equity.price(p, this.#wallet ? lane.valuationClose(lane.next) : lane.series.close(lane.next));
      if (lane.inPosition) inPosition = true;
    }
    this.#equity.mark(time);
    if (inPosition) this.#exposure++;
    for (let m = 0; m < moving.length; m++) {
      const lane = moving[m] as PairLane;
      if (lane.inPosition && lane.next >= lane.start) lane.exposureCandles++;
    }
    if (!this.#dailyLoss.enabled) return;
    const k = this.#equity.length - 1;
    const kill = this.#dailyLoss.check(k, time + this.#tfMs, this.#equity);
    if (kill) this.#trip(time + this.#tfMs, kill);
  }

  #decideAll(moving: readonly PairLane[], traded: boolean): void {
    let open = this.#openSlots();
    for (let m = 0; m < moving.length; m++) {
      const lane = moving[m] as PairLane;
      const before = lane.occupiesSlot;
      const refusal = !before && open >= this.#maxOpen ? this.#refusal() : null;
      lane.decide(lane.next, traded && lane.next >= lane.start, refusal);
      const after = lane.occupiesSlot;
      if (before !== after) open += after ? 1 : -1;
      if (open > this.#peakOpen) this.#peakOpen = open;
    }
  }

  #openSlots(): number {
    let open = 0;
    for (let p = 0; p < this.#lanes.length; p++) if ((this.#lanes[p] as PairLane).occupiesSlot) open++;
    return open;
  }

  #refusal(): string {
    const holding = this.#lanes.filter((lane) => lane.occupiesSlot).map((lane) => lane.symbol);
    return `maxOpenTrades ${this.#maxOpen} reached (open: ${holding.join(', ')})`;
  }

  #newEpoch(): void {
    if (this.#wallet) {
      this.#equity.newEpoch(this.#wallet.spotEquivalentQuote(), this.#lanes.map((lane) => lane.ledger.quantity));
      return;
    }
    const account = this.#sim.account;
    this.#equity.newEpoch(account.total(this.#quote), this.#lanes.map((lane) => account.total(lane.market.base)));
  }

  /** Kill switch for the whole run: every pair's orders are cancelled and no strategy is asked again. */
  #trip(time: number, reason: string): void {
    for (const lane of this.#lanes) lane.cancelAll(time);
    this.#kill = { time, message: reason };
  }
}

/** One quote currency (the shared balance) and distinct pairs; bases must differ from the quote. */
function validatePairs(input: MultiPairRunInput): void {
  const symbols = input.pairs.map((p) => p.market.symbol);
  if (symbols.length === 0) throw new ValidationError('A multi-pair backtest needs at least one pair', [{ path: 'symbols', message: 'empty' }]);
  if (new Set(symbols).size !== symbols.length) throw new ValidationError(`Pairs must be distinct, got ${symbols.join(', ')}`, [{ path: 'symbols', message: 'duplicate pair' }]);
  const perpetuals = input.pairs.filter((p) => isDerivative(p.market)).length;
  if (perpetuals > 0 && perpetuals < input.pairs.length) {
    throw new ValidationError('Spot pairs and perpetuals cannot share one run: a spot account and a margin account are different balances', [{ path: 'symbols', message: 'mixed spot and perpetuals' }]);
  }
  const quotes = new Set(input.pairs.map((p) => p.market.quote));
  if (quotes.size > 1) throw new ValidationError(`All pairs must share one quote currency (the shared balance), got ${[...quotes].join(', ')}`, [{ path: 'symbols', message: 'mixed quote currencies' }]);
  const bases = new Set(input.pairs.map((p) => p.market.base));
  if (bases.size !== symbols.length || quotes.has(input.pairs[0]?.market.base ?? '')) {
    throw new ValidationError('Each pair needs its own base currency, different from the quote', [{ path: 'symbols', message: 'shared base currency' }]);
  }
  if (input.maxOpenTrades !== undefined && !(Number.isInteger(input.maxOpenTrades) && input.maxOpenTrades >= 1)) {
    throw new ValidationError(`Expected maxOpenTrades to be an integer >= 1, got ${input.maxOpenTrades}`, [{ path: 'maxOpenTrades', message: 'must be an integer >= 1' }]);
  }
}

/** Sorted distinct candle open times of all pairs, within each pair's cut: a merge, as each series is strictly increasing. */
function unionOfTimes(pairs: readonly PairData[]): Float64Array {
  const next = new Int32Array(pairs.length);
  const out = new Float64Array(pairs.reduce((n, p) => n + p.end, 0));
  let count = 0;
  for (;;) {
    let min = Number.POSITIVE_INFINITY;
    pairs.forEach((p, k) => {
      if ((next[k] as number) < p.end) min = Math.min(min, p.series.time(next[k] as number));
    });
    if (min === Number.POSITIVE_INFINITY) return out.subarray(0, count);
    out[count++] = min;
    pairs.forEach((p, k) => {
      if ((next[k] as number) < p.end && p.series.time(next[k] as number) === min) next[k] = (next[k] as number) + 1;
    });
  }
}
