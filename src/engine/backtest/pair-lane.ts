import { CtsError, OrderNotFoundError } from '../../domain/errors.js';
import { Dec, ZERO, toDecimalString } from '../../domain/money.js';
import type { Market } from '../../exchanges/exchange.port.js';
import type { Fill } from '../../domain/orders.js';
import type { FillSimulator } from '../../exchanges/simulated/fill-simulator.js';
import { tradablePosition, type PositionLedger } from '../accounting/index.js';
import { CandleCursor, type CandleSeries } from '../../domain/candles.js';
import { evaluateIntents, repriceIntent, unfilledExpiry, type PlannedOrder, type RiskConfig } from '../risk.js';
import {
  FLAT_POSITION,
  NO_INTENTS,
  StrategyError,
  baseFeeOf,
  freezeSnapshot,
  invokeStrategy,
  type Intent,
  type Strategy,
  type StrategyFill,
  type StrategyPosition,
  type StrategySnapshot,
} from '../strategy.js';
import { ProtectionGuard } from './guards.js';
import { TrailingPeak, coveredByExits, desiredProtectiveOrders, protectionChanges, uncovered, wantsProtection, type RestingProtection } from '../protection.js';
import type { OrderTrigger, TimeInForce } from '../../domain/orders.js';
import type { InformativeFeed } from './informative-feed.js';
import { OrderTracker } from './order-tracker.js';
import type { MarginUser, MarginWallet, PerpetualBook, Liquidation } from './perpetual.js';
import { TradeList } from './trade-list.js';

/**
 * One pair of a backtest: its strategy instance, candles, ledger, orders, trades and protections,
 * trading on the simulator (and so the quote balance) it shares with the run's other pairs, if any.
 * The per-candle steps of every backtest live here (a single-pair run is a run of one lane): match
 * orders against candle i, apply the fills, show candle i, let the strategy decide at its close, send
 * what risk accepts.
 */

export interface PairLaneInput {
  strategyId: string;
  strategy: Strategy;
  series: CandleSeries;
  market: Market;
  tfMs: number;
  /** First traded candle and one past the last, as the data cut them. */
  start: number;
  end: number;
  risk: RiskConfig;
  sim: FillSimulator;
  ledger: PositionLedger;
  /** Distinct per pair: client order ids are unique across the shared simulator. */
  idPrefix: string;
  /** Bumped by every pair on each change of the shared account, so balance views are rebuilt only then. */
  account: { version: number };
  informative: InformativeFeed | null;
  /** A perpetual: the run's margin wallet and this pair's funding and liquidations (perpetual.ts); null on spot. */
  perpetual: { wallet: MarginWallet; book: PerpetualBook } | null;
  /** Where refusals and strategy failures go (the run keeps samples of all pairs and names the pair). */
  onRejection: (time: number, message: string) => void;
  onStrategyError: (time: number, message: string) => void;
}

const EMPTY_FILLS: readonly StrategyFill[] = Object.freeze([]);
/** The fill simulator rests both kinds of stop (fill-simulator.ts), as the paper and replay accounts do. */
const SIMULATED_STOPS: readonly OrderTrigger['kind'][] = Object.freeze(['stop-loss', 'take-profit']);
const NO_FILLS: readonly Fill[] = Object.freeze([]);

export class PairLane implements MarginUser {
  readonly #in: PairLaneInput;
  readonly #cursor: CandleCursor;
  readonly #orders = new OrderTracker();
  readonly trades: TradeList;
  readonly #protection: ProtectionGuard;
  /** Stop orders resting in the simulator for the position (protection.ts), by client id, with their reason. */
  readonly #stops = new Map<string, RestingProtection & { reason: string }>();
  readonly #protects: boolean;
  readonly #peak: TrailingPeak | null;
  /** Orders with an `unfilledTimeout`, by client id: when they expire, whether an exit, re-prices so far in their line. */
  readonly #expiring = new Map<string, { expiresAt: number; exit: boolean; reprices: number; timeInForce: TimeInForce | null }>();
  /** Re-prices before the order being placed now (set while a re-price is executed). */
  #reprices = 0;
  /** Next candle of this pair to process. */
  next = 0;
  #simulated = 0;
  #sequence = 0;
  #position: StrategyPosition = FLAT_POSITION;
  #newFills: readonly StrategyFill[] = EMPTY_FILLS;
  #balance: StrategySnapshot['balance'] | null = null;
  #balanceVersion = -1;
  rejections = 0;
  strategyErrors = 0;
  exposureCandles = 0;

  constructor(input: PairLaneInput) {
    this.#in = input;
    this.trades = new TradeList({ derivative: input.perpetual !== null });
    this.#cursor = new CandleCursor(input.series);
    this.#protection = new ProtectionGuard(input.risk, input.market);
    this.#protects = wantsProtection(input.risk);
    this.#peak = input.risk.trailingStopPct === undefined ? null : new TrailingPeak();
  }

  get symbol(): string {
    return this.#in.market.symbol;
  }
  get market(): Market {
    return this.#in.market;
  }
  get series(): CandleSeries {
    return this.#in.series;
  }
  get ledger(): PositionLedger {
    return this.#in.ledger;
  }
  get start(): number {
    return this.#in.start;
  }
  get end(): number {
    return this.#in.end;
  }
  /** Holds a position or has an order resting: counts against `maxOpenTrades`. */
  get occupiesSlot(): boolean {
    return this.#position !== FLAT_POSITION || this.#orders.size > 0;
  }
  get inPosition(): boolean {
    return this.#position !== FLAT_POSITION;
  }
  /** A perpetual's funding and liquidations; null on spot. */
  get perpetual(): PerpetualBook | null {
    return this.#in.perpetual?.book ?? null;
  }

  /** What candle i values the position at: a perpetual's mark close where its mark file has the candle, else the close. */
  valuationClose(i: number): number {
    const book = this.#in.perpetual?.book;
    const at = book ? book.markIndex(i) : -1;
    return at >= 0 && book?.data.mark ? book.data.mark.series.close(at) : this.#in.series.close(i);
  }

  /** valuationClose, exact. */
  valuationDecimal(i: number): Dec {
    const book = this.#in.perpetual?.book;
    const at = book ? book.markIndex(i) : -1;
    return at >= 0 && book?.data.mark ? book.data.mark.series.decimal('close', at) : this.#in.series.decimal('close', i);
  }

  /**
   * Perpetual: books the funding of every settlement up to candle i's open on the position held
   * through it, before candle i's fills (an order filling at that open came after the settlement).
   * True when the balance changed.
   */
  fund(i: number): boolean {
    const perpetual = this.#in.perpetual;
    if (perpetual === null) return false;
    return this.#booked(perpetual.book.fund(this.#in.ledger, this.#in.series.time(i)));
  }

  /**
   * Perpetual, after candle i's fills: the liquidation check against the mark; at the pair's last
   * candle, the settlements inside it (a candle longer than the funding interval). True when the
   * balance changed.
   */
  afterFills(i: number): boolean {
    const perpetual = this.#in.perpetual;
    if (perpetual === null || i < this.#in.start) return false;
    const liquidation = perpetual.book.check(this.#in.ledger, this, i, this.#in.account.version);
    if (liquidation) this.#liquidate(liquidation);
    const funded = i === this.#in.end - 1 && this.#booked(perpetual.book.fund(this.#in.ledger, Number.POSITIVE_INFINITY));
    return liquidation !== null || funded;
  }

  /** What the open orders adding to the position are worth (all of them while flat), for the margin wallet. */
  orderNotional(): Dec {
    if (this.#orders.size === 0) return ZERO;
    const side = this.#in.ledger.side;
    const last = this.#in.series.decimal('close', Math.max(0, Math.min(this.next, this.#in.end - 1)));
    let sum = ZERO;
    for (const o of this.#orders.openOrders()) {
      if ((side === 'long' && o.side === 'sell') || (side === 'short' && o.side === 'buy')) continue;
      sum = sum.add(new Dec(o.amount).mul(o.price ?? last));
    }
    return sum;
  }

  #booked(amount: Dec | null): boolean {
    if (amount === null) return false;
    this.trades.addFunding(amount);
    this.#in.account.version++;
    return true;
  }

  /**
   * The exchange closes the position at its liquidation price and cancels the pair's orders (as Bybit
   * and Binance do); the strategy sees the fill and a flat position at this candle's close.
   */
  #liquidate(liquidation: Liquidation): void {
    const { ledger, market, sim } = this.#in;
    const held = ledger.quantity;
    for (const order of this.#orders.openOrders()) {
      this.#orders.remove(order.clientOrderId);
      try {
        sim.cancelOrder({ symbol: this.symbol, clientOrderId: order.clientOrderId });
      } catch (error) {
        // An IOC or FOK limit that expired on this candle has ended already.
        if (!(error instanceof OrderNotFoundError)) throw error;
      }
    }
    for (const id of [...this.#stops.keys()]) this.#cancelStop(id);
    const effect = ledger.apply(liquidation.fill);
    if (effect) this.trades.record(effect, liquidation.reason, true, true);
    // The simulated account held the position's coins as a spot account would: the exchange took them.
    sim.account.change(market.base, held.neg());
    const fill = liquidation.fill;
    const seen: StrategyFill = Object.freeze({ clientOrderId: '', side: fill.side, price: fill.price, amount: fill.amount, ...baseFeeOf(fill, market.base), tag: null, timestamp: fill.timestamp });
    this.#newFills = Object.freeze([...this.#newFills, seen]);
    this.#position = FLAT_POSITION;
    this.#protection.onPosition(ledger, null);
    this.#in.account.version++;
  }

  /** Matches resting orders against candle i and applies the fills; true when the position changed. */
  settle(i: number): boolean {
    if (this.#orders.size === 0 && this.#stops.size === 0) return false;
    const fills = this.#priceEvent(i);
    if (fills.length === 0 && !this.#orders.hasMarketOrders) return false;
    return this.#apply(fills, i);
  }

  /** Whether this pair's next candle opens at `time`. */
  opensAt(time: number): boolean {
    return this.next < this.#in.end && this.#in.series.time(this.next) === time;
  }

  /** Makes the next candle visible to the strategy. */
  showNext(): void {
    this.#cursor.showUntil(this.next + 1);
  }

  /**
   * The strategy decides at candle i's close. `entryRefusal`: why a new order may not be placed now
   * (the run's maxOpenTrades is reached and this pair holds no slot), else null.
   */
  decide(i: number, trading: boolean, entryRefusal: string | null): void {
    const warm = trading && i + 1 >= this.#in.strategy.warmup;
    if (warm && this.#expiring.size > 0) this.#expireUnfilled(i, entryRefusal);
    const intents = this.#callStrategy(i, warm);
    if (!warm) return;
    const best = this.#followPeak(i);
    let protective = this.#protection.check(this.#in.ledger, this.#in.series, i, best);
    if (protective !== null && this.#exitPending()) protective = null;
    if (intents.length > 0 || protective !== null) this.#execute(protective ? [protective, ...intents] : intents, i, entryRefusal);
    if (this.#protects) this.#syncStops(i);
  }

  /** Kill switch: every order of this pair is cancelled, its stops too. */
  cancelAll(time: number): void {
    for (const order of this.#orders.openOrders()) this.#cancel(order.clientOrderId, time);
    for (const id of [...this.#stops.keys()]) this.#cancelStop(id);
  }

  /**
   * The trailing stop's best price after candle i (the engine's rule, trading-tick.ts): a position
   * held through the candle saw its high (a long) or low; one that opened in it starts from its entry
   * and the close, since what came before the fill inside the candle is unknown.
   */
  #followPeak(i: number): Dec | null {
    const peak = this.#peak;
    if (peak === null) return null;
    const { ledger, market, series } = this.#in;
    const close = series.decimal('close', i);
    const side = tradablePosition(ledger.quantity, market, close).isZero() || ledger.side === 'flat' ? null : ledger.side;
    const fresh = peak.track(side, ledger.averageEntryPrice);
    if (side === null) return null;
    const moved = peak.observe(fresh ? close : series.decimal(side === 'long' ? 'high' : 'low', i));
    if (moved || fresh) this.#protection.onPosition(ledger, peak.best);
    return peak.best;
  }

  /** Makes the simulator hold the stops the position should have now (protection.ts), placed at this close. */
  #syncStops(i: number): void {
    const { ledger, market, series, risk, sim } = this.#in;
    const position = uncovered(ledger.quantity, coveredByExits(ledger.quantity, this.#orders.view));
    const desired = desiredProtectiveOrders({ position, averageEntry: ledger.averageEntryPrice, best: this.#peak?.best ?? null, config: risk, kinds: SIMULATED_STOPS, market, price: series.decimal('close', i) });
    if (desired.length === 0 && this.#stops.size === 0) return;
    const { cancel, place } = protectionChanges([...this.#stops.values()], desired);
    for (const id of cancel) this.#cancelStop(id);
    for (const order of place) {
      const clientOrderId = `${this.#in.idPrefix}-s${++this.#sequence}`;
      const trigger = order.trigger as OrderTrigger;
      try {
        sim.placeOrder({ symbol: this.symbol, side: order.side, type: 'market', amount: order.amount, clientOrderId, trigger });
      } catch (error) {
        if (!(error instanceof CtsError)) throw error;
        this.#reject(this.#eventTime(i), `${order.reason} stop not placed: ${error.message}`);
        continue;
      }
      this.#stops.set(clientOrderId, { clientOrderId, side: order.side, amount: order.amount, trigger, reason: order.reason });
    }
    if (cancel.length > 0 || place.length > 0) this.#in.account.version++;
  }

  #cancelStop(clientOrderId: string): void {
    this.#stops.delete(clientOrderId);
    try {
      this.#in.sim.cancelOrder({ symbol: this.symbol, clientOrderId });
    } catch (error) {
      // Triggered without the funds (its sibling sold the position in the same candle): already ended.
      if (!(error instanceof OrderNotFoundError)) throw error;
    }
  }

  /**
   * Hands candle i to the simulator once. Orders placed at candle i are stamped with this event, so
   * they can only match candle i+1 or later — the t+1 rule lives in the fill simulator, not here.
   */
  #priceEvent(i: number): readonly Fill[] {
    if (this.#simulated > i) return NO_FILLS;
    this.#simulated = i + 1;
    return this.#in.sim.onCandle(this.symbol, this.#in.series, i);
  }

  #exitPending(): boolean {
    const reducing = this.#in.ledger.side === 'long' ? 'sell' : 'buy';
    return this.#orders.view.some((o) => o.side === reducing);
  }

  #callStrategy(i: number, trading: boolean): readonly Intent[] {
    const time = this.#eventTime(i);
    this.#in.informative?.advanceTo(time);
    const snapshot = freezeSnapshot({
      symbol: this.symbol,
      time,
      candles: this.#cursor.window,
      ticker: null,
      market: this.#in.market,
      position: this.#position,
      openOrders: this.#orders.view,
      fills: this.#newFills,
      balance: this.#balanceView(),
      warmingUp: !trading,
      ...(this.#in.informative ? { informative: this.#in.informative } : {}),
    });
    this.#newFills = EMPTY_FILLS;
    try {
      return invokeStrategy(this.#in.strategyId, this.#in.strategy, 'onCandle', snapshot);
    } catch (error) {
      if (!(error instanceof StrategyError)) throw error;
      this.strategyErrors++;
      this.#in.onStrategyError(time, error.message);
      return NO_INTENTS;
    }
  }

  #apply(fills: readonly Fill[], i: number): boolean {
    const { market, ledger } = this.#in;
    const strategyFills: StrategyFill[] = [];
    this.#in.account.version++;
    for (const fill of fills) {
      const order = fill.clientOrderId === null ? undefined : this.#orders.remove(fill.clientOrderId);
      const stop = order || fill.clientOrderId === null ? undefined : this.#stops.get(fill.clientOrderId);
      if (stop) this.#stops.delete(stop.clientOrderId);
      const effect = ledger.apply(fill);
      if (effect) this.trades.record(effect, order?.reason ?? stop?.reason ?? null, tradablePosition(ledger.quantity, market, new Dec(fill.price)).isZero());
      strategyFills.push(Object.freeze({ clientOrderId: fill.clientOrderId ?? '', side: fill.side, price: fill.price, amount: fill.amount, ...baseFeeOf(fill, market.base), tag: order?.tag ?? null, timestamp: fill.timestamp }));
    }
    for (const order of this.#orders.openOrders()) {
      if (order.type !== 'market') continue;
      const status = this.#in.sim.fetchOrder({ symbol: this.symbol, clientOrderId: order.clientOrderId }).status;
      if (status === 'open') continue;
      this.#orders.remove(order.clientOrderId);
      this.#reject(this.#eventTime(i), `${order.side} ${order.amount} at market was ${status}: the price gapped past the funds set aside`);
    }
    this.#forgetEndedStops();
    if (fills.length === 0) return false;
    this.#newFills = Object.freeze(strategyFills);
    const price = this.#in.series.decimal('close', i);
    this.#position = tradablePosition(ledger.quantity, market, price).isZero() ? FLAT_POSITION : positionView(ledger);
    this.#protection.onPosition(ledger, this.#peak?.best ?? null);
    return true;
  }

  /** A stop that triggered without the funds ended rejected, with no fill: it protects nothing any more. */
  #forgetEndedStops(): void {
    for (const id of [...this.#stops.keys()]) {
      if (this.#in.sim.fetchOrder({ symbol: this.symbol, clientOrderId: id }).status !== 'open') this.#stops.delete(id);
    }
  }

  #balanceView(): StrategySnapshot['balance'] {
    const version = this.#in.account.version;
    if (this.#balance !== null && this.#balanceVersion === version) return this.#balance;
    const account = this.#in.sim.account;
    const { base, quote } = this.#in.market;
    this.#balanceVersion = version;
    const wallet = this.#in.perpetual?.wallet;
    if (wallet) {
      // A perpetual account holds no coins: its quote is the margin wallet, free what no margin holds.
      this.#balance = Object.freeze({
        base: Object.freeze({ asset: base, free: '0', total: '0' }),
        quote: Object.freeze({ asset: quote, free: toDecimalString(Dec.max(ZERO, wallet.available())), total: toDecimalString(wallet.balance()) }),
      });
      return this.#balance;
    }
    this.#balance = Object.freeze({
      base: Object.freeze({ asset: base, free: toDecimalString(account.free(base)), total: toDecimalString(account.total(base)) }),
      quote: Object.freeze({ asset: quote, free: toDecimalString(account.free(quote)), total: toDecimalString(account.total(quote)) }),
    });
    return this.#balance;
  }

  #execute(intents: readonly Intent[], i: number, entryRefusal: string | null): void {
    this.#priceEvent(i);
    const wallet = this.#in.perpetual?.wallet;
    const decisions = evaluateIntents(intents, {
      market: this.#in.market,
      price: this.#in.series.decimal('close', i),
      position: this.#in.ledger.quantity,
      filledPosition: this.#in.ledger.filledQuantity,
      openOrders: this.#orders.view,
      config: this.#in.risk,
      // A perpetual: the wallet is the budget, and the margin of every position and order counts against it (as live).
      ...(wallet ? { budgetQuote: wallet.balance(), positionCost: this.#in.ledger.cost.abs().add(wallet.heldByOthers(this)), budgetLoss: ZERO } : {}),
    });
    const time = this.#eventTime(i);
    for (const decision of decisions) {
      if (decision.kind === 'reject') this.#reject(time, decision.reason);
      else if (decision.kind === 'cancel') this.#cancel(decision.clientOrderId, time);
      else if (entryRefusal !== null && !this.occupiesSlot) this.#reject(time, `${decision.order.side} ${decision.order.amount} refused: ${entryRefusal}`);
      else this.#place(decision.order, time, unfilledExpiry(decision.intent, decision.order, time, this.#in.risk));
    }
  }

  /** The live engine's `unfilledTimeout` rule (trading-tick.ts `#expireUnfilled`), at candle i's close. */
  #expireUnfilled(i: number, entryRefusal: string | null): void {
    const now = this.#eventTime(i);
    for (const [clientOrderId, entry] of [...this.#expiring]) {
      if (entry.expiresAt > now) continue;
      this.#expiring.delete(clientOrderId);
      if (!this.#orders.openOrders().some((o) => o.clientOrderId === clientOrderId)) continue; // filled meanwhile
      this.#orders.remove(clientOrderId);
      let ended: ReturnType<FillSimulator['cancelOrder']>;
      try {
        ended = this.#in.sim.cancelOrder({ symbol: this.symbol, clientOrderId });
      } catch (error) {
        if (error instanceof OrderNotFoundError) continue; // it ended on this candle
        throw error;
      }
      this.#in.account.version++;
      const left = new Dec(ended.amount).sub(ended.filled);
      const intent = repriceIntent({ config: this.#in.risk, reprices: entry.reprices, order: { side: ended.side, reduceOnly: entry.exit, price: ended.price, timeInForce: entry.timeInForce }, left, price: this.#in.series.decimal('close', i) });
      if (!intent) continue;
      this.#reprices = entry.reprices + 1;
      this.#execute([intent], i, entryRefusal);
      this.#reprices = 0;
    }
  }

  #place(order: PlannedOrder, time: number, expiresAt: number | null = null): void {
    const clientOrderId = `${this.#in.idPrefix}-${++this.#sequence}`;
    try {
      this.#in.sim.placeOrder({
        symbol: this.symbol,
        side: order.side,
        type: order.type,
        amount: order.amount,
        ...(order.price === null ? {} : { price: order.price }),
        clientOrderId,
        ...(order.timeInForce ? { timeInForce: order.timeInForce } : {}),
      });
    } catch (error) {
      if (!(error instanceof CtsError)) throw error;
      this.#reject(time, error.message);
      return;
    }
    this.#in.account.version++;
    this.#orders.add({ clientOrderId, side: order.side, type: order.type, price: order.price, amount: order.amount, tag: order.tag, reason: order.reason });
    if (expiresAt !== null) this.#expiring.set(clientOrderId, { expiresAt, exit: order.reduceOnly, reprices: this.#reprices, timeInForce: order.timeInForce ?? null });
  }

  #cancel(clientOrderId: string, time: number): void {
    if (!this.#orders.remove(clientOrderId)) {
      this.#reject(time, `Cancel of unknown or finished order ${clientOrderId}`);
      return;
    }
    this.#in.sim.cancelOrder({ symbol: this.symbol, clientOrderId });
    this.#in.account.version++;
  }

  #reject(time: number, message: string): void {
    this.rejections++;
    this.#in.onRejection(time, message);
  }

  #eventTime(i: number): number {
    return this.#in.series.time(i) + this.#in.tfMs;
  }
}

function positionView(ledger: PositionLedger): StrategyPosition {
  const average = ledger.averageEntryPrice;
  return Object.freeze({ side: ledger.side, quantity: toDecimalString(ledger.quantity), averageEntryPrice: average ? toDecimalString(average) : null });
}
