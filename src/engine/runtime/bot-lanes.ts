import { Dec, ZERO } from '../../domain/money.js';
import type { MarkSource, PositionSnapshot } from '../../domain/positions.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { tradablePosition, type Portfolio } from '../accounting/index.js';
import { isDerivative, leverageOf, type DailyPnlBaseline } from '../risk.js';
import type { StoredTrail } from '../accounting/marks.js';
import type { Strategy } from '../strategy.js';
import type { OrderManager } from './order-manager.js';
import type { FundingBook } from './funding-book.js';
import { TradingTick, type TradingTickDeps } from './trading-tick.js';
import { withDerivativesFigures } from './derivatives-view.js';

/**
 * The pairs of one bot, each a lane: its market, its order manager and its tick (with its own strategy
 * instance). A single-pair bot is a bot with one lane, so both run the same code. What the lanes share
 * lives here: the bot's marks (its PnL is over every pair), the daily-loss baseline (the kill switch
 * counts the whole bot), the budget (one quote amount over every pair) and `maxOpenTrades`.
 */

export interface LaneSpec {
  market: Market;
  orders: OrderManager;
  strategy: Strategy;
  /** A perpetual's funding payments (funding-book.ts); absent: the pair has none to book. */
  funding?: FundingBook;
  /** The trailing stop's best price as the engine row kept it for this pair (protection.ts). */
  storedTrail?: StoredTrail;
}

/** `tradable`: may open trades. `managed`: left the pair list while held; exits only, until flat. */
export type LaneRole = 'tradable' | 'managed';

export interface Lane {
  readonly symbol: string;
  readonly market: Market;
  readonly orders: OrderManager;
  readonly funding: FundingBook | null;
  readonly tick: TradingTick;
  role: LaneRole;
}

/** What a tick asks of the bot it belongs to (trading-tick.ts). */
export interface LaneShare {
  /** The latest mark of every pair of the bot. */
  marks(): Map<string, Dec>;
  /** The whole bot's daily baseline (one per bot, not per pair). */
  baseline: DailyPnlBaseline | null;
  /** Realized PnL − fees over every pair of the bot. */
  realizedNet(): Dec;
  /** What the bot lost since its budget started (never negative). */
  budgetLoss(): Dec;
  /** What the other pairs hold of the budget: their positions' cost and their orders adding to them. */
  heldByOthers(symbol: string): Dec;
  /** Why this pair may not open a trade now, or null when it may. */
  entryRefusal(symbol: string): string | null;
  /** Cancels every order of every pair (the kill switch). */
  cancelAll(reason: string): Promise<void>;
  /** Every pair's position, each with its own mark, time and market rules. */
  positions(): PositionSnapshot[];
}

/** Everything a lane's tick needs that is the same for every pair of the bot. */
export type CommonTickDeps = Omit<TradingTickDeps, 'strategy' | 'market' | 'orders' | 'share'>;

export class BotLanes implements LaneShare {
  readonly #common: CommonTickDeps;
  readonly #portfolio: Portfolio;
  readonly #maxOpenTrades: number;
  readonly #lanes = new Map<string, Lane>();
  baseline: DailyPnlBaseline | null = null;
  /** Realized PnL − fees when the budget was set (see `startBudget`); null until then. */
  #netAtBudgetStart: Dec | null = null;

  constructor(options: { common: CommonTickDeps; maxOpenTrades?: number }) {
    this.#common = options.common;
    this.#portfolio = options.common.portfolio;
    this.#maxOpenTrades = options.maxOpenTrades ?? Number.POSITIVE_INFINITY;
  }

  get maxOpenTrades(): number {
    return this.#maxOpenTrades;
  }

  add(spec: LaneSpec, role: LaneRole = 'tradable'): Lane {
    const symbol = spec.market.symbol;
    const existing = this.#lanes.get(symbol);
    if (existing) return existing;
    const tick = new TradingTick({ ...this.#common, strategy: spec.strategy, market: spec.market, orders: spec.orders, share: this, ...(spec.storedTrail ? { storedTrail: spec.storedTrail } : {}), ...(spec.funding ? { funding: spec.funding } : {}) });
    const lane: Lane = { symbol, market: spec.market, orders: spec.orders, funding: spec.funding ?? null, tick, role };
    this.#lanes.set(symbol, lane);
    return lane;
  }

  /** Drops a lane that could not be set up (its pair is asked for again in the next round). */
  remove(symbol: string): void {
    this.#lanes.delete(symbol);
  }

  get(symbol: string): Lane | undefined {
    return this.#lanes.get(symbol);
  }

  /** In the order they were added (the pair list's order). */
  all(): Lane[] {
    return [...this.#lanes.values()];
  }

  get size(): number {
    return this.#lanes.size;
  }

  get candlesProcessed(): number {
    let sum = 0;
    for (const lane of this.#lanes.values()) sum += lane.tick.candlesProcessed;
    return sum;
  }

  /**
   * Pairs holding a tradable position (dust is not one), an order, or fills not read yet (an entry
   * that filled in its create's answer): they must keep being read, or the fill is never applied and
   * the position goes unmanaged, even when a dynamic list has just dropped the pair.
   */
  heldSymbols(): string[] {
    return this.all()
      .filter((lane) => this.#holdsSlot(lane))
      .map((lane) => lane.symbol);
  }

  /** The pair list changed: listed pairs trade, held ones that left it are managed until flat. */
  setRoles(tradable: ReadonlySet<string>): void {
    for (const lane of this.#lanes.values()) lane.role = tradable.has(lane.symbol) ? 'tradable' : 'managed';
  }

  /**
   * The budget starts now, over the fills restored so far: what the bot lost in earlier runs was
   * checked against the account when it started, what it loses from here on comes out of the budget.
   */
  startBudget(): void {
    this.#netAtBudgetStart = this.realizedNet();
  }

  // ---- LaneShare -----------------------------------------------------------------------------------------

  /** What each pair's position is valued at (TradingTick.valuation: a perpetual's exchange mark, else the last price). */
  marks(): Map<string, Dec> {
    const marks = new Map<string, Dec>();
    for (const lane of this.#lanes.values()) {
      const value = lane.tick.valuation;
      if (value !== null) marks.set(lane.symbol, value.price);
    }
    return marks;
  }

  realizedNet(): Dec {
    let net = ZERO;
    for (const lane of this.#lanes.values()) {
      const ledger = this.#portfolio.ledger(lane.symbol);
      net = net.add(ledger.realizedPnl).sub(ledger.fees);
    }
    return net;
  }

  budgetLoss(): Dec {
    this.#netAtBudgetStart ??= this.realizedNet();
    return Dec.max(this.#netAtBudgetStart.sub(this.realizedNet()), ZERO);
  }

  heldByOthers(symbol: string): Dec {
    let held = ZERO;
    for (const lane of this.#lanes.values()) if (lane.symbol !== symbol) held = held.add(lane.tick.positionCost()).add(lane.tick.reservedByOrders());
    return held;
  }

  entryRefusal(symbol: string): string | null {
    const lane = this.#lanes.get(symbol);
    if (lane?.role === 'managed') return `${symbol} left the pair list: exits only until the position is closed`;
    if (lane && this.#holdsSlot(lane)) return null;
    const holding = this.all().filter((l) => this.#holdsSlot(l));
    if (holding.length < this.#maxOpenTrades) return null;
    return `maxOpenTrades ${this.#maxOpenTrades} reached (open: ${holding.map((l) => l.symbol).join(', ')})`;
  }

  async cancelAll(reason: string): Promise<void> {
    for (const lane of this.#lanes.values()) await lane.orders.cancelAll(reason);
  }

  positions(): PositionSnapshot[] {
    const marks = this.marks();
    const markTimes = new Map<string, string>();
    const markSources = new Map<string, MarkSource>();
    const rules = new Map<string, Market>();
    for (const lane of this.#lanes.values()) {
      const value = lane.tick.valuation;
      if (value !== null) {
        markTimes.set(lane.symbol, new Date(value.time).toISOString());
        if (isDerivative(lane.market)) markSources.set(lane.symbol, value.source);
      }
      rules.set(lane.symbol, lane.market);
    }
    return this.withLiquidation(this.#portfolio.positions(marks, { markTimes, rules, markSources }));
  }

  /** Derivatives positions with the bot's leverage, margin and estimated liquidation price (derivatives-view.ts); spot ones as they are. */
  withLiquidation(positions: readonly PositionSnapshot[]): PositionSnapshot[] {
    const leverage = leverageOf(this.#common.risk);
    return positions.map((p) => {
      const market = this.#lanes.get(p.symbol)?.market;
      if (!market || !isDerivative(market)) return p;
      return withDerivativesFigures(p, leverage, market.priceStep === null ? null : new Dec(market.priceStep));
    });
  }

  // ---- slots -----------------------------------------------------------------------------------------------

  /** Holds a position or an order: counts against `maxOpenTrades`. */
  holdsSlot(symbol: string): boolean {
    const lane = this.#lanes.get(symbol);
    return lane !== undefined && this.#holdsSlot(lane);
  }

  get openTrades(): number {
    return this.all().filter((l) => this.#holdsSlot(l)).length;
  }

  /** A position, a resting order, or an ended order whose fills are not applied yet (a market entry just filled). */
  #holdsSlot(lane: Lane): boolean {
    return this.#holds(lane) || lane.orders.liveOrders.length > 0 || lane.orders.pendingFills().length > 0;
  }

  #holds(lane: Lane): boolean {
    const quantity = this.#portfolio.ledger(lane.symbol).quantity;
    return !tradablePosition(quantity, lane.market, lane.tick.mark).isZero();
  }
}

/** A liquidation price at the market's tick, rounded towards the entry: shown, it never looks safer than it is. */
