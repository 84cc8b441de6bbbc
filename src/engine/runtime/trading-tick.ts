import type { Clock } from '../../domain/clock.js';
import { triggerReached } from '../../domain/orders.js';
import { Dec, ZERO, toDecimalString } from '../../domain/money.js';
import type { BalanceEntry, Exchange, ExchangePosition, Market } from '../../exchanges/exchange.port.js';
import type { Fill } from '../../domain/orders.js';
import { type Candle, CandleCursor, CandleSeries } from '../../domain/candles.js';
import type { MarkSource } from '../../domain/positions.js';
import { tradablePosition, type Portfolio, type StoredMark } from '../accounting/index.js';
import {
  checkAccountDailyLoss,
  checkDailyLoss,
  checkProtections,
  evaluateIntents,
  rollDailyBaseline,
  type AccountLossBook,
  type RiskConfig,
  repriceIntent,
  unfilledExpiry,
  isDerivative,
  type PlannedOrder,
  type RiskDecision,
} from '../risk.js';
import { FLAT_POSITION, NO_INTENTS, StrategyError, freezeSnapshot, invokeStrategy, type Intent, type Strategy, type StrategyFill, type StrategyPosition, type StrategySnapshot, baseFeeOf } from '../strategy.js';
import type { AppliedFill } from './fill-applier.js';
import type { AccountBatch } from './account-feed.js';
import type { OrderManager } from './order-manager.js';
import type { FundingBook } from './funding-book.js';
import { classifyFault } from './fault-policy.js';
import { NotImplementedError } from '../../domain/errors.js';
import type { LaneShare } from './bot-lanes.js';
import { TrailingPeak, coveredByExits, desiredProtectiveOrders, protectionChanges, uncovered, wantsProtection, type StoredTrail } from '../protection.js';

/**
 * One engine tick, as a list of named steps (see `run`). The runner owns the loop, lifecycle and
 * error policy; this owns the market state the strategy sees between ticks.
 */

/** Between candles a trailing stop on the venue is moved at most this often (each move is a cancel and a create). */
const STOP_MOVE_MS = 15_000;

/** Between candles, orders that can only fill by their trigger (resting stops) are synced at most this often. */
const TICK_SYNC_MS = 30_000;
/**
 * With the order stream up, how long an order that ended filled waits for its trades from the stream
 * before REST is asked (the order update and its trades come as separate messages, e.g. Bybit's
 * `order` and `execution` topics).
 */
const STREAM_TRADES_GRACE_MS = 3_000;
/** How far back a bot looks for liquidation trades: within one request window of every venue (Binance: 7 days). */
const FORCED_LOOKBACK_MS = 6 * 24 * 3_600_000;
/** The least time between two order syncs a price asks for: a ticker stream may push every 100 ms. */
const MIN_TICK_SYNC_MS = 1_000;

export type Emit = (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;

export interface TradingTickDeps {
  strategyId: string;
  strategy: Strategy;
  risk: RiskConfig;
  market: Market;
  timeframeMs: number;
  exchange: Exchange;
  orders: OrderManager;
  portfolio: Portfolio;
  clock: Clock;
  emit: Emit;
  emitTransient: (type: string, payload: Readonly<Record<string, unknown>>) => void;
  /** Reconcile open orders with the exchange at most this often (clock ms). Default 60 s. */
  reconcileEveryMs?: number;
  /** The bot's budget in quote, resolved at start; absent: the whole account. */
  budgetQuote?: Dec;
  /**
   * Where the bots of one connection report today's PnL, for the account-level daily loss limit;
   * `refresh` brings in what the connection's bots elsewhere (other processes, earlier runs) stored.
   */
  account?: { engineId: string; book: AccountLossBook; refresh?: () => Promise<void> };
  /** The bot this pair belongs to (bot-lanes.ts): its marks, budget, daily loss and open-trade slots. */
  share: LaneShare;
  /** The trailing stop's best price as the engine row kept it (marks), taken over for the same position. */
  storedTrail?: StoredTrail;
  /** Whether the account's order stream is up (account-feed.ts): its fills need no REST read on every price. */
  orderStreamLive?: () => boolean;
  /** A perpetual's funding payments, booked while a position is held (funding-book.ts). */
  funding?: FundingBook;
  /**
   * The venue's own time, where it differs from the clock: a replay's replayed time (the close of the
   * candle it played last). The position check's cadence and the window asked for forced fills go
   * by it, as the venue stamps its trades; default the clock.
   */
  venueClock?: Clock;
}

export interface TickOutcome {
  /** The daily loss limit tripped: the runner must stop the engine (orders are already cancelled). */
  kill?: string;
  /** The limit that tripped: this bot's own, or the account's (then every bot of the connection stops). */
  killScope?: 'engine' | 'account';
}

export class TradingTick {
  readonly #d: TradingTickDeps;
  readonly #series = new CandleSeries();
  readonly #cursor = new CandleCursor(this.#series);
  #mark: Dec | null = null;
  /** Close time (ms) of the candle the mark comes from. */
  #markTime: number | null = null;
  /** Derivatives: the exchange's mark price from its position endpoint, and when it was read (clock ms). */
  #exchangeMark: { price: Dec; time: number } | null = null;
  #newFills: StrategyFill[] = [];
  #balances: BalanceEntry[] | null = null;
  #lastReconcile: number;
  readonly #peak: TrailingPeak | null;
  #peakRestored = false;
  /** When a price between candles last synced the orders (clock ms). */
  #lastTickSync = Number.NEGATIVE_INFINITY;
  #positionGap: { ours: string; exchange: string } | null = null;
  /** The last funding read failed (reported once until one succeeds). */
  #fundingFailing = false;
  #lastPositionCheck = Number.NEGATIVE_INFINITY;
  /** The venue refused a stop order once: this run leaves protection to the engine's own check. */
  #stopsRefused = false;
  /** When the stops on the venue were last brought in line (clock ms). */
  #lastStopSync = Number.NEGATIVE_INFINITY;
  /** How many times each live re-priced order's predecessors were re-priced (`unfilledTimeout.maxReprices`). */
  readonly #reprices = new Map<string, number>();

  constructor(deps: TradingTickDeps) {
    this.#d = deps;
    this.#lastReconcile = deps.clock.now();
    this.#peak = deps.risk.trailingStopPct === undefined ? null : new TrailingPeak();
  }

  /** The trailing stop's best price since the entry, or null (no trailing stop, or flat). */
  get trailingBest(): Dec | null {
    return this.#peak?.best ?? null;
  }

  get candlesProcessed(): number {
    return this.#series.length;
  }

  get mark(): Dec | null {
    return this.#mark;
  }

  /** When the mark was taken: the close time (ms) of its candle. */
  get markTime(): number | null {
    return this.#markTime;
  }

  get market(): Market {
    return this.#d.market;
  }

  /**
   * The price positions are valued at, and when it was taken. A perpetual is valued as its exchange
   * values (and liquidates) it, at the mark price its position endpoint last reported, unless a last
   * price newer than that read came in since; elsewhere at the last price.
   */
  get valuation(): { price: Dec; time: number; source: MarkSource } | null {
    const mark = this.#exchangeMark;
    if (mark !== null && isDerivative(this.#d.market) && (this.#markTime === null || mark.time >= this.#markTime)) return { ...mark, source: 'mark' };
    if (this.#mark === null || this.#markTime === null) return null;
    return { price: this.#mark, time: this.#markTime, source: 'last' };
  }

  /** The valuation as the engine row keeps it (with the market's dust rule), or null before the first price. */
  storedMark(): StoredMark | null {
    const value = this.valuation;
    if (value === null) return null;
    const { amountStep, minAmount, minCost } = this.#d.market;
    const trail = this.#peak?.stored() ?? null;
    const source = isDerivative(this.#d.market) ? { source: value.source } : {};
    return { price: toDecimalString(value.price), time: new Date(value.time).toISOString(), rules: { amountStep, minAmount, minCost }, ...(trail ? { trail } : {}), ...source };
  }

  get lastCandleTime(): number | null {
    return this.#series.length === 0 ? null : this.#series.time(this.#series.length - 1);
  }

  /** Feeds history to the strategy (intents discarded) so its indicators are ready for the first live candle. */
  warmUp(candles: readonly Candle[]): void {
    for (const candle of candles) {
      if (this.#ingest(candle)) this.#callStrategy(candle.time + this.#d.timeframeMs, true);
    }
  }

  /** The steps of one tick. `trading` false while paused: the strategy still sees candles, nothing is placed. */
  async run(candle: Candle, trading: boolean, signal: AbortSignal): Promise<TickOutcome> {
    if (!this.#ingest(candle)) return {};
    const closeTime = candle.time + this.#d.timeframeMs;
    const fills = await this.#syncOrders();
    // Before the strategy decides: an order sized from books the exchange contradicts must not go out.
    await this.#checkPositionIfDue();
    const funded = await this.#bookFunding();
    this.#updateMarks(candle, closeTime);
    this.#followPeak(candle);
    const kill = await this.#checkKillSwitch(closeTime);
    if (kill) return kill;
    if (signal.aborted) return {};
    if (trading && !this.#warmingUp()) await this.#expireUnfilled();
    await this.#refreshBalancesIfStale();
    const intents = this.#callStrategy(closeTime, !trading || this.#warmingUp());
    // Risk runs on every trading candle, not only when the strategy spoke: a stop-loss must fire on a quiet one.
    if (trading && !this.#warmingUp()) {
      const decisions = this.#riskCheck(intents);
      if (decisions.length > 0) await this.#execute(decisions);
      await this.#syncStops();
    }
    await this.#reconcileIfDue();
    await this.#publish(fills, closeTime, funded);
    return {};
  }

  /**
   * Whether this pair needs prices between candles (ticker-poller.ts): it has protection and holds a
   * position, or an order of the strategy may fill (its stops go on as soon as it does).
   */
  get wantsTicks(): boolean {
    // Between candles, protected or not: an expiring limit needs the clock (and, to re-price, the
    // price); an order that filled in its create's answer needs its trades read (the position shows
    // them then, not at the next close).
    const orders = this.#d.orders;
    if (this.#mark !== null && (orders.awaitingFillOrders.length > 0 || orders.liveOrders.some((o) => o.expiresAt !== null))) return true;
    if (!wantsProtection(this.#d.risk) || this.#mark === null || this.#warmingUp()) return false;
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    return !tradablePosition(ledger.quantity, this.#d.market, this.#mark).isZero() || this.#d.orders.strategyOrders().length > 0;
  }

  /**
   * A price between candles: protection is checked on it. The mark moves to it; the trailing stop's
   * best follows it; a stop-loss, trailing stop or take-profit it crossed exits at once (the engine's
   * check, which also covers what the venue does not rest); the stops on the venue are placed after an
   * entry filled and moved after the trailing stop (at most every STOP_MOVE_MS between candles: each
   * move is a cancel and a create). The strategy still decides only on closed candles.
   */
  async onPrice(tick: { price: string; time: number }, trading: boolean): Promise<void> {
    if (this.#mark === null || (this.#markTime !== null && tick.time < this.#markTime)) return;
    this.#mark = new Dec(tick.price);
    this.#markTime = tick.time;
    if (!trading || this.#warmingUp()) return;
    const fills = this.#syncDueOnTick(this.#mark) ? await this.#syncOrders() : [];
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const side = tradablePosition(ledger.quantity, this.#d.market, this.#mark).isZero() || ledger.side === 'flat' ? null : ledger.side;
    const peak = this.#peak;
    const moved = peak !== null && (peak.track(side, ledger.averageEntryPrice), side !== null && peak.observe(this.#mark));
    const protective = checkProtections({ position: ledger.quantity, averageEntry: ledger.averageEntryPrice, mark: this.#mark, config: this.#d.risk, market: this.#d.market, best: this.trailingBest });
    if (protective && !this.#exitPending()) {
      await this.#d.emit('engine.protection_triggered', { symbol: this.#d.market.symbol, price: tick.price, reason: protective.reason ?? 'protection' });
      await this.#execute(this.#riskCheck([]));
    }
    const now = this.#d.clock.now();
    if (fills.length > 0 || protective || !moved || now - this.#lastStopSync >= STOP_MOVE_MS) await this.#syncStops();
    await this.#expireUnfilled();
    if (fills.length > 0) await this.#publish(fills, tick.time);
  }

  /** Whether this pair has orders on the exchange whose changes the order stream brings (account-feed.ts). */
  get awaitsOrderUpdates(): boolean {
    const orders = this.#d.orders;
    return orders.liveOrders.length > 0 || orders.awaitingFillOrders.length > 0;
  }

  /**
   * Order changes and trades from the exchange's websocket, between candles: fills are applied at once
   * (the strategy sees them with its next candle, as any fill), the stops an entry needs go on right
   * after it filled. A `resync` (the stream was down) reads orders and trades over REST instead.
   */
  async onOrderUpdates(batch: AccountBatch, trading: boolean): Promise<void> {
    if (this.#mark === null) return; // before the first candle: its order sync comes first
    const fills = batch.resync ? (this.awaitsOrderUpdates ? await this.#syncOrders() : []) : this.#took(await this.#d.orders.applyStreamed(batch));
    if (fills.length === 0) return;
    if (trading && !this.#warmingUp()) await this.#syncStops();
    await this.#publish(fills, this.#markTime ?? this.#d.clock.now());
  }

  /**
   * Whether a price between candles is worth an order sync (two requests): an order of the strategy
   * may have filled, a resting stop's trigger was reached (it may have fired on the exchange), or
   * TICK_SYNC_MS passed. A stop resting quietly is not asked about every 2 s.
   */
  #syncDueOnTick(price: Dec): boolean {
    const orders = this.#d.orders;
    const now = this.#d.clock.now();
    const reached = orders.protectiveOrders.some((o) => o.trigger !== null && triggerReached(o.side, o.trigger.kind, new Dec(o.trigger.price), price));
    // With the order stream up, the strategy's fills arrive over it; REST is asked for trades the stream
    // has not brought within the grace, for a stop whose trigger was reached, and every TICK_SYNC_MS.
    const streamed = this.#d.orderStreamLive?.() ?? false;
    const awaitingSince = orders.awaitingFillsSince;
    const awaiting = awaitingSince !== null && (!streamed || now - awaitingSince >= STREAM_TRADES_GRACE_MS);
    const mayFill = (!streamed && orders.strategyOrders().length > 0) || awaiting;
    const due = (mayFill && now - this.#lastTickSync >= MIN_TICK_SYNC_MS) || reached || (orders.liveOrders.length > 0 && now - this.#lastTickSync >= TICK_SYNC_MS);
    if (due) this.#lastTickSync = now;
    return due;
  }

  // ---- steps ------------------------------------------------------------------------------------------------

  /** Appends a closed candle; false for one already seen (feeds may repeat the last candle). */
  #ingest(candle: Candle): boolean {
    const last = this.lastCandleTime;
    if (last !== null && candle.time <= last) return false;
    this.#series.append(candle);
    this.#cursor.showUntil(this.#series.length);
    return true;
  }

  async #syncOrders(): Promise<AppliedFill[]> {
    // Any REST sync (a candle's, a resync's) counts: the periodic one between candles runs TICK_SYNC_MS after it.
    this.#lastTickSync = this.#d.clock.now();
    return this.#took(await this.#d.orders.sync());
  }

  /** Fills the strategy has not seen yet: it sees them with its next candle. */
  #took(fills: AppliedFill[]): AppliedFill[] {
    for (const f of fills) {
      this.#newFills.push(Object.freeze({ clientOrderId: f.clientOrderId, side: f.fill.side, price: f.fill.price, amount: f.fill.amount, ...baseFeeOf(f.fill, this.#d.market.base), tag: f.tag, timestamp: f.fill.timestamp }));
    }
    if (fills.length > 0) this.#balances = null;
    return fills;
  }

  #updateMarks(candle: Candle, closeTime: number): void {
    this.#mark = new Dec(candle.close);
    this.#markTime = closeTime;
  }

  /**
   * The trailing stop's best price after this candle (pair-lane.ts keeps the same rule): a position
   * held through the candle saw its high (a long) or low; one that opened in it starts from its entry
   * and the close, since what came before the fill inside the candle is unknown.
   */
  #followPeak(candle: Candle): void {
    const peak = this.#peak;
    if (peak === null || this.#mark === null) return;
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const side = tradablePosition(ledger.quantity, this.#d.market, this.#mark).isZero() || ledger.side === 'flat' ? null : ledger.side;
    if (!this.#peakRestored) {
      // After a restart the position's best so far is the one the engine row kept, not its entry.
      this.#peakRestored = true;
      peak.restore(this.#d.storedTrail, side);
    }
    const fresh = peak.track(side, ledger.averageEntryPrice);
    if (side === null) return;
    peak.observe(fresh ? this.#mark : new Dec(side === 'long' ? candle.high : candle.low));
  }

  /**
   * The stop orders the position should have on the venue (protection.ts), where it rests them: one
   * not there is placed, one no longer right (amount, trailing level) is cancelled and replaced. What
   * the strategy's resting exits already sell is left out, so the two never sell the same coins.
   */
  async #syncStops(): Promise<void> {
    if (!wantsProtection(this.#d.risk) || this.#mark === null) return;
    const { market, orders } = this.#d;
    const kinds = this.#stopsRefused ? [] : (this.#d.exchange.triggerOrderKinds?.(market.symbol) ?? []);
    const resting = orders.protectiveOrders;
    if (kinds.length === 0 && resting.length === 0) return;
    const ledger = this.#d.portfolio.ledger(market.symbol);
    const position = uncovered(ledger.quantity, coveredByExits(ledger.quantity, orders.strategyOrders()));
    const desired = desiredProtectiveOrders({ position, averageEntry: ledger.averageEntryPrice, best: this.trailingBest, config: this.#d.risk, kinds, market, price: this.#mark });
    const current = resting.filter((o) => o.status !== 'pending_create' && o.status !== 'unknown');
    // A stop whose create is unresolved is left alone: it may rest on the exchange; sync resolves it first.
    if (current.length !== resting.length) return;
    const { cancel, place } = protectionChanges(
      current.map((o) => ({ clientOrderId: o.clientOrderId, side: o.side, amount: new Dec(o.amount).sub(o.filled).toString(), trigger: o.trigger as NonNullable<typeof o.trigger> })),
      desired,
    );
    this.#lastStopSync = this.#d.clock.now();
    for (const id of cancel) await orders.cancel(id, 'protection moved or no longer needed');
    for (const order of place) {
      const placed = await orders.place(order);
      if (placed.status !== 'rejected' || this.#stopsRefused) continue;
      // Asked again on every price, a refused stop would be sent every 2 s: the engine's own check protects from here on.
      this.#stopsRefused = true;
      await this.#d.emit('engine.protection_on_engine', { symbol: market.symbol, reason: `the exchange refused the stop order: ${placed.error ?? 'rejected'}` });
    }
    if (cancel.length > 0 || place.length > 0) this.#balances = null;
  }

  /**
   * Daily loss limits (risk.ts), the whole bot's (over all its pairs) and the account's: cancel every
   * open order of the bot and tell the runner to stop.
   */
  async #checkKillSwitch(closeTime: number): Promise<TickOutcome | undefined> {
    const share = this.#d.share;
    const net = new Dec(this.#d.portfolio.summary(this.#marks()).netPnl);
    const baseline = (share.baseline = rollDailyBaseline(share.baseline, closeTime, net));
    const today = net.sub(baseline.netPnlAtStart);
    const account = this.#d.account;
    account?.book.report(account.engineId, baseline.day, today);
    const own = checkDailyLoss(baseline, net, this.#d.risk);
    if (!own && account?.refresh && this.#d.risk.accountDailyLossLimit !== undefined) await account.refresh();
    const shared = own || !account ? null : checkAccountDailyLoss(baseline.day, account.book.total(baseline.day), this.#d.risk);
    const kill = own ?? shared;
    if (!kill) return undefined;
    const scope = own ? 'engine' : 'account';
    await this.#d.emit('engine.kill_switch', { reason: kill.reason, lossToday: kill.lossToday, scope });
    await share.cancelAll(`kill switch: ${kill.reason}`);
    return { kill: kill.reason, killScope: scope };
  }

  async #refreshBalancesIfStale(): Promise<void> {
    this.#balances ??= await this.#d.exchange.fetchBalances();
  }

  #callStrategy(time: number, warmingUp: boolean): readonly Intent[] {
    const snapshot = freezeSnapshot({
      symbol: this.#d.market.symbol,
      time,
      candles: this.#cursor.window,
      ticker: null,
      market: this.#d.market,
      position: this.#position(),
      openOrders: this.#d.orders.strategyOrders(),
      fills: this.#newFills,
      balance: this.#balanceView(),
      warmingUp,
    });
    this.#newFills = [];
    try {
      const intents = invokeStrategy(this.#d.strategyId, this.#d.strategy, 'onCandle', snapshot);
      return warmingUp ? NO_INTENTS : intents;
    } catch (error) {
      if (!(error instanceof StrategyError)) throw error;
      // A strategy bug is an event, never the end of the engine.
      void this.#d.emit('strategy.error', { strategy: error.strategyId, hook: error.hook, message: error.message });
      return NO_INTENTS;
    }
  }

  /**
   * The risk gate (risk.ts) on every intent, with stop-loss / take-profit exits first. It sees the
   * ledger's position, which is what the account holds (net of fees taken in base): exits are sized
   * from it, and a remainder too small to trade is dust there, not a position.
   */
  #riskCheck(intents: readonly Intent[]): RiskDecision[] {
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const mark = this.#mark ?? new Dec(0);
    const market = this.#d.market;
    const protective = checkProtections({ position: ledger.quantity, averageEntry: ledger.averageEntryPrice, mark, config: this.#d.risk, market, best: this.trailingBest });
    // While the exchange's position differs from the books, the engine's own exit would fight it: none.
    const all = protective && !this.#exitPending() && this.#positionGap === null ? [protective, ...intents] : intents;
    const share = this.#d.share;
    const decisions = evaluateIntents(all, {
      market,
      price: mark,
      position: ledger.quantity,
      filledPosition: ledger.filledQuantity,
      openOrders: this.#d.orders.strategyOrders(),
      config: this.#d.risk,
      // The other pairs' positions and orders hold part of the one budget too.
      ...(this.#d.budgetQuote !== undefined ? { budgetQuote: this.#d.budgetQuote, positionCost: this.positionCost().add(share.heldByOthers(market.symbol)), budgetLoss: share.budgetLoss() } : {}),
    });
    return this.#refuseWhileGap(this.#refuseEntriesWithoutSlot(decisions));
  }

  /**
   * A derivatives position the exchange reports otherwise than the books (a liquidation, ADL, a close by
   * hand on the exchange): no order of this pair goes out until the two agree — an exit sized from the
   * books could open a position the other way, an entry would add to one nobody knows.
   */
  #refuseWhileGap(decisions: RiskDecision[]): RiskDecision[] {
    const gap = this.#positionGap;
    if (gap === null) return decisions;
    const reason = `The exchange reports a position of ${gap.exchange} ${this.#d.market.base}, the bot's books ${gap.ours}: no orders on ${this.#d.market.symbol} until they agree (a liquidation, ADL or a change made on the exchange?)`;
    return decisions.map((d) => (d.kind === 'order' ? { kind: 'reject', intent: d.intent, reason } : d));
  }

  /** A pair without a slot (maxOpenTrades reached, or it left the pair list) may only reduce its position. */
  #refuseEntriesWithoutSlot(decisions: RiskDecision[]): RiskDecision[] {
    if (!decisions.some((d) => d.kind === 'order' && !d.order.reduceOnly)) return decisions;
    const refusal = this.#d.share.entryRefusal(this.#d.market.symbol);
    if (refusal === null) return decisions;
    return decisions.map((d) => (d.kind === 'order' && !d.order.reduceOnly ? { kind: 'reject', intent: d.intent, reason: refusal } : d));
  }

  /** What the position holds of the budget: |quantity| × average entry (the mark when no entry is known). */
  positionCost(): Dec {
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const price = ledger.averageEntryPrice ?? this.#mark ?? ZERO;
    return ledger.quantity.abs().mul(price);
  }

  /**
   * What the open orders adding to the position reserve of the budget (at their limit, or the mark),
   * and what ended orders filled whose trades are not applied yet (spent, not yet in the position).
   */
  reservedByOrders(): Dec {
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const adding = ledger.quantity.isNegative() ? 'sell' : 'buy';
    const reference = this.#mark ?? ZERO;
    const resting = this.#d.orders.liveOrders
      .filter((o) => o.side === adding)
      .reduce((sum, o) => sum.add(new Dec(o.amount).sub(o.filled).mul(o.price ?? reference)), ZERO);
    return this.#d.orders
      .pendingFills()
      .filter((f) => f.side === adding)
      .reduce((sum, f) => sum.add(f.amount.mul(f.price ?? reference)), resting);
  }

  /**
   * The budget not yet held by the bot's positions, reserved by open orders adding to them, or lost
   * (realized − fees since the budget started: money that left the account). A gain does not grow it.
   */
  #budgetLeft(budget: Dec): Dec {
    const share = this.#d.share;
    const symbol = this.#d.market.symbol;
    return Dec.max(budget.sub(share.budgetLoss()).sub(this.positionCost()).sub(this.reservedByOrders()).sub(share.heldByOthers(symbol)), ZERO);
  }

  async #execute(decisions: readonly RiskDecision[]): Promise<void> {
    // An exchange sets a stop's coins aside: the stops go before an exit, and #syncStops puts back what the exit leaves.
    if (decisions.some((d) => d.kind === 'order' && d.order.reduceOnly)) {
      for (const stop of this.#d.orders.protectiveOrders) await this.#d.orders.cancel(stop.clientOrderId, 'an exit takes over from the stop');
    }
    for (const decision of decisions) {
      if (decision.kind === 'reject') await this.#d.emit('risk.rejected', { reason: decision.reason, intent: { ...decision.intent } });
      else if (decision.kind === 'cancel') await this.#d.orders.cancel(decision.clientOrderId, decision.intent.reason ?? 'strategy');
      else await this.#d.orders.place(this.#withExpiry(decision.intent, decision.order));
      this.#balances = null;
    }
  }

  /** An entry's or exit's limit gets its `unfilledTimeout` (risk.ts `unfilledExpiry`). */
  #withExpiry(intent: Intent, order: PlannedOrder): PlannedOrder {
    const expiresAt = unfilledExpiry(intent, order, this.#d.clock.now(), this.#d.risk);
    return expiresAt === null ? order : { ...order, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Limits past their `unfilledTimeout`: cancelled; with `reprice`, what they left is placed again at
   * the last price through the risk gate (risk.ts `repriceIntent`), at most `maxReprices` times per
   * order before the rest is only cancelled. A cancel that finds the order filled meanwhile places nothing.
   */
  async #expireUnfilled(): Promise<void> {
    const timeout = this.#d.risk.unfilledTimeout;
    if (!timeout) return;
    const now = this.#d.clock.now();
    const orders = this.#d.orders;
    const due = orders.liveOrders.filter((o) => o.expiresAt !== null && o.status === 'open' && Date.parse(o.expiresAt) <= now);
    for (const order of due) {
      await orders.cancel(order.clientOrderId, 'unfilled timeout');
      const reprices = this.#reprices.get(order.clientOrderId) ?? 0;
      this.#reprices.delete(order.clientOrderId);
      const left = new Dec(order.amount).sub(order.filled);
      const intent = order.status === 'canceled' ? repriceIntent({ config: this.#d.risk, reprices, order, left, price: this.#mark }) : null;
      await this.#d.emit('order.unfilled_timeout', {
        clientOrderId: order.clientOrderId,
        side: order.side,
        price: order.price,
        amount: order.amount,
        filled: order.filled,
        status: order.status,
        action: intent ? 'reprice' : 'cancel',
        ...(timeout.action === 'reprice' && reprices >= timeout.maxReprices ? { reason: `re-priced ${reprices} times already (maxReprices)` } : {}),
      });
      if (!intent) continue;
      const before = new Set(orders.liveOrders.map((o) => o.clientOrderId));
      await this.#execute(this.#riskCheck([intent]));
      for (const placed of orders.liveOrders) if (!before.has(placed.clientOrderId) && placed.expiresAt !== null) this.#reprices.set(placed.clientOrderId, reprices + 1);
    }
  }

  async #reconcileIfDue(): Promise<void> {
    const every = this.#d.reconcileEveryMs ?? 60_000;
    if (this.#d.clock.now() - this.#lastReconcile < every) return;
    this.#lastReconcile = this.#d.clock.now();
    await this.#d.orders.reconcile();
  }

  async #checkPositionIfDue(): Promise<void> {
    const every = this.#d.reconcileEveryMs ?? 60_000;
    const now = (this.#d.venueClock ?? this.#d.clock).now();
    if (now - this.#lastPositionCheck < every) return;
    this.#lastPositionCheck = now;
    await this.reconcilePosition();
  }

  /**
   * Derivatives: the position on the exchange (its position endpoint) against the books, after the
   * orders and trades are reconciled. A difference beyond half an amount step is reported once
   * (`position.mismatch`, with the exchange's figures) and holds this pair's orders back
   * (#refuseWhileGap); agreeing again is `position.reconciled`. Nothing is adopted by itself: what the
   * exchange did (a liquidation's fills are not in the trade list ccxt reads) is for the trader to see.
   */
  async reconcilePosition(): Promise<void> {
    const { market, exchange } = this.#d;
    if (!isDerivative(market) || !exchange.fetchPosition) return;
    const remote = await exchange.fetchPosition(market.symbol);
    // On the venue's time (a replay's replayed time), as the candles' are: compared with them, and shown.
    if (remote.markPrice !== null) this.#exchangeMark = { price: new Dec(remote.markPrice), time: (this.#d.venueClock ?? this.#d.clock).now() };
    const tolerance = market.amountStep === null ? new Dec(0) : new Dec(market.amountStep).div(2);
    let ours = this.#d.portfolio.ledger(market.symbol).quantity;
    if (ours.sub(remote.quantity).abs().gt(tolerance) && (await this.#adoptForcedFills(remote, tolerance))) ours = this.#d.portfolio.ledger(market.symbol).quantity;
    const differs = ours.sub(remote.quantity).abs().gt(tolerance);
    const previous = this.#positionGap;
    if (!differs) {
      this.#positionGap = null;
      if (previous !== null) await this.#d.emit('position.reconciled', { symbol: market.symbol, quantity: remote.quantity });
      return;
    }
    const gap = { ours: toDecimalString(ours), exchange: remote.quantity };
    this.#positionGap = gap;
    if (previous?.ours === gap.ours && previous.exchange === gap.exchange) return;
    await this.#d.emit('position.mismatch', { symbol: market.symbol, ...gap, entryPrice: remote.entryPrice, liquidationPrice: remote.liquidationPrice, markPrice: remote.markPrice });
  }

  /**
   * A position the exchange changed by itself: its liquidation (and ADL) trades since the bot's first
   * fill, when they — and only they — explain the difference, are taken into the books as the bot's
   * fills (`position.liquidated`), so realized PnL shows the loss and the bot trades on. Trades that
   * do not explain it (a close by hand, another bot) are left out: the difference stays reported and
   * held. Whether anything was adopted.
   */
  async #adoptForcedFills(remote: ExchangePosition, tolerance: Dec): Promise<boolean> {
    const { market, exchange, portfolio } = this.#d;
    if (!exchange.fetchForcedFills) return false;
    const ledger = portfolio.ledger(market.symbol);
    const now = (this.#d.venueClock ?? this.#d.clock).now();
    // Never before the bot's first fill (an earlier liquidation is not its own), and only so far back
    // as the venues answer in one window (Binance: 7 days): a reconcile runs every minute, so the
    // liquidation is recent, unless CTS was down for longer (then the difference stays held).
    const since = Math.max(ledger.firstFillTime ?? 0, now - FORCED_LOOKBACK_MS);
    let fills: Fill[];
    try {
      fills = (await exchange.fetchForcedFills({ symbol: market.symbol, since })).filter((f) => !ledger.hasTrade(f.tradeId));
    } catch (error) {
      // The difference stays held either way; a passing fault is asked about again at the next reconcile.
      if (classifyFault(error) !== 'transient' && !(error instanceof NotImplementedError)) throw error;
      return false;
    }
    if (fills.length === 0) return false;
    const moved = fills.reduce((sum, f) => (f.side === 'buy' ? sum.add(f.amount) : sum.sub(f.amount)), ZERO);
    if (ledger.quantity.add(moved).sub(remote.quantity).abs().gt(tolerance)) return false;
    const before = toDecimalString(ledger.quantity);
    const effects = await this.#d.orders.adoptForced(fills, 'liquidation');
    if (effects.length === 0) return false;
    this.#balances = null;
    const realized = effects.reduce((sum, e) => sum.add(e.realizedPnl), ZERO);
    const fees = effects.reduce((sum, e) => sum.add(e.feeQuote), ZERO);
    await this.#d.emit('position.liquidated', {
      symbol: market.symbol,
      before,
      after: toDecimalString(ledger.quantity),
      trades: effects.map((e) => ({ tradeId: e.tradeId, side: e.side, price: e.price, amount: e.amount })),
      realizedPnl: toDecimalString(realized),
      fees: toDecimalString(fees),
    });
    await this.#d.emit('position', { positions: this.positions(), pnl: this.#d.portfolio.summary(this.#marks()) });
    return true;
  }

  /** The exchange's position and the books' when they differ (derivatives), else null. */
  get positionGap(): Readonly<{ ours: string; exchange: string }> | null {
    return this.#positionGap;
  }

  /**
   * New funding payments of a perpetual, booked (funding-book.ts); whether any was. A read that
   * fails is reported once (`funding.unavailable`) and never holds trading up: the next ask covers
   * the same time again.
   */
  async #bookFunding(): Promise<boolean> {
    const book = this.#d.funding;
    if (!book) return false;
    try {
      const booked = await book.pollIfDue();
      if (this.#fundingFailing) await this.#d.emit('funding.available', { symbol: this.#d.market.symbol });
      this.#fundingFailing = false;
      return booked.length > 0;
    } catch (error) {
      // Only the exchange's passing faults (and a venue whose funding is not verified) are waited out
      // here; anything else (a lost lease, storage, a bug) goes to the runner's fault policy.
      if (classifyFault(error) !== 'transient' && !(error instanceof NotImplementedError)) throw error;
      if (!this.#fundingFailing) {
        await this.#d.emit('funding.unavailable', { symbol: this.#d.market.symbol, fault: classifyFault(error), reason: error instanceof Error ? error.message : String(error) });
      }
      this.#fundingFailing = true;
      return false;
    }
  }

  async #publish(fills: readonly AppliedFill[], closeTime: number, funded = false): Promise<void> {
    const summary = this.#d.portfolio.summary(this.#marks());
    if (fills.length > 0 || funded) {
      await this.#d.emit('position', { positions: this.positions(), pnl: summary });
    }
    this.#d.emitTransient('heartbeat', { candleTime: closeTime, mark: this.#mark ? toDecimalString(this.#mark) : null, pnl: summary, openOrders: this.#d.orders.liveOrders.length });
  }

  // ---- views ------------------------------------------------------------------------------------------------

  /** The bot's positions, each pair with its own mark (and its time) and its market's dust rule. */
  positions(): ReturnType<Portfolio['positions']> {
    return this.#d.share.positions();
  }

  #warmingUp(): boolean {
    return this.#series.length < this.#d.strategy.warmup;
  }

  /** Every pair's mark: the bot's PnL (and its daily loss) is over all of them. */
  #marks(): Map<string, Dec> {
    return this.#d.share.marks();
  }

  #exitPending(): boolean {
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    const reducing = ledger.side === 'long' ? 'sell' : 'buy';
    return this.#d.orders.liveOrders.some((o) => o.side === reducing && o.trigger === null);
  }

  /** Dust is not a position to the strategy: one that enters only when flat trades again after a round trip. */
  #position(): StrategyPosition {
    const ledger = this.#d.portfolio.ledger(this.#d.market.symbol);
    if (tradablePosition(ledger.quantity, this.#d.market, this.#mark).isZero()) return FLAT_POSITION;
    const average = ledger.averageEntryPrice;
    return { side: ledger.side, quantity: toDecimalString(ledger.quantity), averageEntryPrice: average ? toDecimalString(average) : null };
  }

  #balanceView(): StrategySnapshot['balance'] {
    // With one account per market type (Binance spot + futures), only the account this market trades in counts.
    const type = this.#d.market.type;
    const entry = (asset: string) => {
      const b = this.#balances?.find((x) => x.asset === asset && (x.marketTypes === undefined || x.marketTypes.includes(type)));
      return { asset, free: b?.free ?? '0', total: b?.total ?? '0' };
    };
    const budget = this.#d.budgetQuote;
    if (budget === undefined) return { base: entry(this.#d.market.base), quote: entry(this.#d.market.quote) };
    // A bot with a budget sees its share of the account: what is left of the budget, and its own position.
    const quote = entry(this.#d.market.quote);
    const base = entry(this.#d.market.base);
    const own = Dec.max(this.#d.portfolio.ledger(this.#d.market.symbol).quantity, ZERO);
    const left = this.#budgetLeft(budget);
    return {
      base: { asset: base.asset, free: toDecimalString(Dec.min(own, base.free)), total: toDecimalString(Dec.min(own, base.total)) },
      quote: { asset: quote.asset, free: toDecimalString(Dec.min(left, quote.free)), total: toDecimalString(Dec.min(Dec.max(budget.sub(this.#d.share.budgetLoss()), ZERO), quote.total)) },
    };
  }
}

