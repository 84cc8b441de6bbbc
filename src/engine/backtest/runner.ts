import { CtsError } from '../../domain/errors.js';
import { Dec, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { Market } from '../../exchanges/exchange.port.js';
import type { Fill } from '../../domain/orders.js';
import { FillSimulator, type FeeAssets } from '../../exchanges/simulated/fill-simulator.js';
import { Portfolio, tradablePosition, type PositionLedger } from '../accounting/index.js';
import { CandleCursor, type CandleSeries } from '../../domain/candles.js';
import { evaluateIntents, type RiskConfig } from '../risk.js';
import {
  FLAT_POSITION,
  NO_INTENTS,
  StrategyError,
  freezeSnapshot,
  informativeInputs,
  invokeStrategy,
  type Intent,
  type Strategy,
  type StrategyDefinition,
  type StrategyFill,
  type StrategyPosition,
  type StrategySnapshot,
  baseFeeOf,
} from '../strategy.js';
import { OrderTracker } from './order-tracker.js';
import { DailyLossGuard, ProtectionGuard } from './guards.js';
import { EquityRecorder } from './equity-recorder.js';
import { TradeList } from './trade-list.js';
import { timeframeMs } from '../../domain/timeframe.js';
import { InformativeFeed } from './informative-feed.js';

/**
 * The backtest loop: the strategy API (strategy.ts), risk gate (risk.ts), position ledger
 * (accounting/) and fill simulator (exchanges/simulated/fill-simulator.ts), driven candle by candle
 * over history — the same pieces the live engine uses, with no second fill model.
 *
 * For each candle i: the simulator matches orders placed at or before candle i−1 against candle i (so
 * an order never fills on the candle it was decided on), the ledger applies the fills, equity is marked
 * at candle i's close, and then the strategy sees candles [0, i] and its intents go through risk to the
 * simulator. Candles before `start` only warm the strategy up (its intents are discarded).
 *
 * Hot-path budget is about 1 µs per candle, so a candle with no fills costs no decimal arithmetic: the
 * equity is marked in doubles and the exact decimal state is kept per fill ("epoch") for the report.
 */

export interface BacktestRunInput {
  definition: StrategyDefinition;
  params: unknown;
  series: CandleSeries;
  market: Market;
  timeframe: string;
  /** Index of the first traded candle; candles before it only warm the strategy up. */
  start: number;
  /** One past the last candle. */
  end: number;
  startingBalance: DecimalString;
  feeRate: DecimalString;
  /** The asset each side's fee is taken from (the venue's rule). Default quote on both sides. */
  feeAssets?: FeeAssets;
  slippageBps: DecimalString;
  risk: RiskConfig;
}

export interface RunEvent {
  time: number;
  message: string;
}

/** What a finished run hands to the report. */
export interface RunOutcome {
  input: BacktestRunInput;
  params: Readonly<Record<string, unknown>>;
  equity: EquityRecorder;
  ledger: PositionLedger;
  trades: TradeList;
  exposureCandles: number;
  rejections: { count: number; samples: RunEvent[] };
  strategyErrors: { count: number; samples: RunEvent[] };
  killSwitch: RunEvent | null;
}

const MAX_SAMPLES = 20;
const EMPTY_FILLS: readonly StrategyFill[] = Object.freeze([]);
const NO_FILLS: readonly Fill[] = Object.freeze([]);

export class BacktestRunner {
  readonly #in: BacktestRunInput;
  readonly #params: Readonly<Record<string, unknown>>;
  readonly #strategy: Strategy;
  readonly #sim: FillSimulator;
  readonly #ledger: PositionLedger;
  readonly #cursor: CandleCursor;
  readonly #orders = new OrderTracker();
  readonly #trades = new TradeList();
  readonly #equity: EquityRecorder;
  readonly #protection: ProtectionGuard;
  readonly #dailyLoss: DailyLossGuard;
  readonly #tfMs: number;
  /** Null unless the strategy declares informative inputs (its snapshots then carry `informative`). */
  readonly #informative: InformativeFeed | null;
  #next = 0;
  /** Candles handed to the simulator so far. */
  #simulated = 0;
  #sequence = 0;
  #exposure = 0;
  #position: StrategyPosition = FLAT_POSITION;
  #balance: StrategySnapshot['balance'];
  #newFills: readonly StrategyFill[] = EMPTY_FILLS;
  readonly #rejections = { count: 0, samples: [] as RunEvent[] };
  readonly #errors = { count: 0, samples: [] as RunEvent[] };
  #kill: RunEvent | null = null;

  constructor(input: BacktestRunInput) {
    this.#in = input;
    this.#params = input.definition.parseParams(input.params);
    this.#strategy = input.definition.create(this.#params);
    this.#tfMs = timeframeMs(input.timeframe);
    const { base, quote } = input.market;
    this.#sim = new FillSimulator({
      markets: [input.market],
      balances: { [quote]: input.startingBalance },
      takerFeeRate: input.feeRate,
      ...(input.feeAssets ? { feeAssets: input.feeAssets } : {}),
      slippageBps: input.slippageBps,
      allowShort: input.risk.allowShort,
      idPrefix: 'bt',
    });
    this.#ledger = new Portfolio().ledger(input.market.symbol);
    this.#cursor = new CandleCursor(input.series);
    this.#equity = new EquityRecorder(input.series, input.start, input.end, new Dec(input.startingBalance));
    this.#protection = new ProtectionGuard(input.risk, input.market);
    this.#dailyLoss = new DailyLossGuard(input.risk, new Dec(input.startingBalance));
    this.#balance = this.#balanceView(base, quote);
    const inputs = informativeInputs(input.definition, this.#params);
    const own = { symbol: input.market.symbol, timeframe: input.timeframe };
    this.#informative = inputs.length === 0 ? null : new InformativeFeed(own, inputs, new Map([[own.symbol, input.series]]));
  }

  /** Candles processed so far (warm-up included) and in total. */
  get progress(): { done: number; total: number } {
    return { done: this.#next, total: this.#in.end };
  }

  get done(): boolean {
    return this.#next >= this.#in.end;
  }

  /** Runs up to `maxCandles` more candles; true when the run is complete. Lets callers yield between chunks. */
  advance(maxCandles = Number.POSITIVE_INFINITY): boolean {
    const start = this.#in.start;
    const stop = Math.min(this.#in.end, this.#next + maxCandles);
    for (let i = this.#next; i < stop; i++) {
      // The simulator only needs candles while orders rest on it (#priceEvent catches it up before a
      // placement): with nothing open its matching is a no-op, and skipping it keeps idle candles cheap.
      if (this.#orders.size > 0) {
        const fills = this.#priceEvent(i);
        if (fills.length > 0 || this.#orders.hasMarketOrders) this.#settle(fills, i);
      }
      this.#cursor.showUntil(i + 1);
      const trading = i >= start;
      if (trading) this.#mark(i);
      // As in the engine's tick: intents count only once the strategy has seen `warmup` candles.
      if (this.#kill === null) this.#decide(i, trading && i + 1 >= this.#strategy.warmup);
    }
    this.#next = stop;
    return this.done;
  }

  /** Runs to the end and returns what the report needs. */
  run(): RunOutcome {
    this.advance();
    return this.outcome();
  }

  outcome(): RunOutcome {
    return {
      input: this.#in,
      params: this.#params,
      equity: this.#equity,
      ledger: this.#ledger,
      trades: this.#trades,
      exposureCandles: this.#exposure,
      rejections: this.#rejections,
      strategyErrors: this.#errors,
      killSwitch: this.#kill,
    };
  }

  // ---- per candle ---------------------------------------------------------------------------------

  /**
   * Hands candle i to the simulator once. Orders placed at candle i are stamped with this event, so
   * they can only match candle i+1 or later — the t+1 rule lives in the fill simulator, not here.
   */
  #priceEvent(i: number): readonly Fill[] {
    if (this.#simulated > i) return NO_FILLS;
    this.#simulated = i + 1;
    return this.#sim.onCandle(this.#in.market.symbol, this.#in.series, i);
  }

  #mark(i: number): void {
    // Dust is not exposure: the strategy is flat.
    if (this.#equity.mark(i) && this.#position !== FLAT_POSITION) this.#exposure++;
    if (this.#dailyLoss.enabled) {
      const kill = this.#dailyLoss.check(i - this.#in.start, this.#eventTime(i), this.#equity);
      if (kill) this.#trip(i, kill);
    }
  }

  #decide(i: number, trading: boolean): void {
    const intents = this.#callStrategy(i, trading);
    if (!trading) return;
    let protective = this.#protection.check(this.#ledger, this.#in.series, i);
    // An exit already on its way covers the protection too (asking again would only be refused).
    if (protective !== null && this.#exitPending()) protective = null;
    if (intents.length === 0 && protective === null) return;
    this.#execute(protective ? [protective, ...intents] : intents, i);
  }

  #exitPending(): boolean {
    const reducing = this.#ledger.side === 'long' ? 'sell' : 'buy';
    return this.#orders.view.some((o) => o.side === reducing);
  }

  #callStrategy(i: number, trading: boolean): readonly Intent[] {
    const time = this.#in.series.time(i) + this.#tfMs;
    this.#informative?.advanceTo(time);
    const snapshot = freezeSnapshot({
      symbol: this.#in.market.symbol,
      time,
      candles: this.#cursor.window,
      ticker: null,
      market: this.#in.market,
      position: this.#position,
      openOrders: this.#orders.view,
      fills: this.#newFills,
      balance: this.#balance,
      warmingUp: !trading,
      ...(this.#informative ? { informative: this.#informative } : {}),
    });
    this.#newFills = EMPTY_FILLS;
    try {
      return invokeStrategy(this.#in.definition.id, this.#strategy, 'onCandle', snapshot);
    } catch (error) {
      if (!(error instanceof StrategyError)) throw error;
      record(this.#errors, this.#eventTime(i), error.message);
      return NO_INTENTS;
    }
  }

  // ---- fills ----------------------------------------------------------------------------------------

  /** Applies this candle's fills, and drops market orders the simulator rejected (the market gapped past their reservation). */
  #settle(fills: readonly Fill[], i: number): void {
    const strategyFills: StrategyFill[] = [];
    let dropped = false;
    for (const fill of fills) {
      const order = fill.clientOrderId === null ? undefined : this.#orders.remove(fill.clientOrderId);
      const effect = this.#ledger.apply(fill);
      // Back to flat, or to dust (what fees taken in base leave), closes the round trip.
      if (effect) this.#trades.record(effect, order?.reason ?? null, tradablePosition(this.#ledger.quantity, this.#in.market, new Dec(fill.price)).isZero());
      strategyFills.push(Object.freeze({ clientOrderId: fill.clientOrderId ?? '', side: fill.side, price: fill.price, amount: fill.amount, ...baseFeeOf(fill, this.#in.market.base), tag: order?.tag ?? null, timestamp: fill.timestamp }));
    }
    for (const order of this.#orders.openOrders()) {
      if (order.type !== 'market') continue;
      const status = this.#sim.fetchOrder({ symbol: this.#in.market.symbol, clientOrderId: order.clientOrderId }).status;
      if (status === 'open') continue;
      this.#orders.remove(order.clientOrderId);
      record(this.#rejections, this.#eventTime(i), `${order.side} ${order.amount} at market was ${status}: the price gapped past the funds set aside`);
      dropped = true;
    }
    // A dropped order freed its funds: the next snapshot shows them (as the multi-pair lane does).
    if (fills.length === 0) {
      if (dropped) this.#afterBalanceChange();
      return;
    }
    this.#newFills = Object.freeze(strategyFills);
    this.#afterBalanceChange(i);
  }

  /** `filledAt`: the candle whose fills changed the position (absent when only reservations changed). */
  #afterBalanceChange(filledAt?: number): void {
    const { base, quote } = this.#in.market;
    this.#balance = this.#balanceView(base, quote);
    if (filledAt === undefined) return;
    const ledger = this.#ledger;
    // Dust (what base-asset fees leave after a round trip) is flat to the strategy, as in the engine's tick.
    const price = this.#in.series.decimal('close', filledAt);
    this.#position = tradablePosition(ledger.quantity, this.#in.market, price).isZero() ? FLAT_POSITION : positionView(ledger);
    this.#equity.newEpoch(this.#sim.account.total(quote), this.#sim.account.total(base));
    this.#protection.onPosition(ledger);
  }

  #balanceView(base: string, quote: string): StrategySnapshot['balance'] {
    const account = this.#sim.account;
    return Object.freeze({
      base: Object.freeze({ asset: base, free: toDecimalString(account.free(base)), total: toDecimalString(account.total(base)) }),
      quote: Object.freeze({ asset: quote, free: toDecimalString(account.free(quote)), total: toDecimalString(account.total(quote)) }),
    });
  }

  // ---- intents → orders ------------------------------------------------------------------------------

  #execute(intents: readonly Intent[], i: number): void {
    this.#priceEvent(i);
    const decisions = evaluateIntents(intents, {
      market: this.#in.market,
      price: this.#in.series.decimal('close', i),
      position: this.#ledger.quantity,
      filledPosition: this.#ledger.filledQuantity,
      openOrders: this.#orders.view,
      config: this.#in.risk,
    });
    const time = this.#eventTime(i);
    for (const decision of decisions) {
      if (decision.kind === 'reject') record(this.#rejections, time, decision.reason);
      else if (decision.kind === 'cancel') this.#cancel(decision.clientOrderId, time);
      else this.#place(decision.order, time);
    }
    this.#afterBalanceChange();
  }

  #place(order: { side: 'buy' | 'sell'; type: 'limit' | 'market'; amount: DecimalString; price: DecimalString | null; tag: string | null; reason: string }, time: number): void {
    const clientOrderId = `bt-${++this.#sequence}`;
    try {
      this.#sim.placeOrder({
        symbol: this.#in.market.symbol,
        side: order.side,
        type: order.type,
        amount: order.amount,
        ...(order.price === null ? {} : { price: order.price }),
        clientOrderId,
      });
    } catch (error) {
      if (!(error instanceof CtsError)) throw error;
      record(this.#rejections, time, error.message);
      return;
    }
    this.#orders.add({ clientOrderId, side: order.side, type: order.type, price: order.price, amount: order.amount, tag: order.tag, reason: order.reason });
  }

  #cancel(clientOrderId: string, time: number): void {
    if (!this.#orders.remove(clientOrderId)) {
      record(this.#rejections, time, `Cancel of unknown or finished order ${clientOrderId}`);
      return;
    }
    this.#sim.cancelOrder({ symbol: this.#in.market.symbol, clientOrderId });
  }

  /** Kill switch: cancel every open order and stop asking the strategy (the position is kept, as in the engine). */
  #trip(i: number, reason: string): void {
    for (const order of this.#orders.openOrders()) this.#cancel(order.clientOrderId, this.#eventTime(i));
    this.#afterBalanceChange();
    this.#kill = { time: this.#eventTime(i), message: reason };
  }

  /** Decisions are taken at the close of candle i. */
  #eventTime(i: number): number {
    return this.#in.series.time(i) + this.#tfMs;
  }
}

/** The position as the strategy sees it (the same fields the engine's tick builds). */
function positionView(ledger: PositionLedger): StrategyPosition {
  const average = ledger.averageEntryPrice;
  return Object.freeze({ side: ledger.side, quantity: toDecimalString(ledger.quantity), averageEntryPrice: average ? toDecimalString(average) : null });
}

function record(target: { count: number; samples: RunEvent[] }, time: number, message: string): void {
  target.count++;
  if (target.samples.length < MAX_SAMPLES) target.samples.push({ time, message });
}
