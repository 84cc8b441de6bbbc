import { Dec, ZERO, toDecimalString, type DecimalString } from '../domain/money.js';
import type { OrderTrigger } from '../domain/orders.js';
import type { Market } from '../exchanges/exchange.port.js';
import type { StoredTrail } from './accounting/marks.js';
import { planProtectiveOrder, stopLossLevel, takeProfitLevel, trailingStopLevel, type PlannedOrder, type RiskConfig } from './risk.js';

/**
 * Protection between candles: the stop orders that rest on the venue for an open position, so a gap
 * through the stop is caught where the price moves (the exchange, or the simulated account of paper,
 * replay and backtests), not only when a candle closes — and while CTS is down. The same functions
 * decide them in the live engine and in backtests, so replay and backtest agree order for order.
 *
 * One stop covers the position: the stop-loss or the trailing stop, whichever is nearer the price.
 * A take-profit rests beside it where the venue holds both (a spot exchange that sets the base aside
 * for a stop cannot: there the engine checks the take-profit on every price it sees).
 */

export type PositionSide = StoredTrail['side'];
export type { StoredTrail };

/** The most favourable price seen since the position opened, which the trailing stop follows. */
export class TrailingPeak {
  #side: PositionSide | null = null;
  #best: Dec | null = null;

  get side(): PositionSide | null {
    return this.#side;
  }

  get best(): Dec | null {
    return this.#best;
  }

  /**
   * The position's side now. A new position (from flat, or flipped) starts from its average entry:
   * true then, so the caller knows the candle it opened in is not all after the entry.
   */
  track(side: PositionSide | null, averageEntry: Dec | null): boolean {
    if (side === this.#side && (side === null || this.#best !== null)) return false;
    this.#side = side;
    this.#best = side === null ? null : averageEntry;
    return side !== null;
  }

  /** A price seen while the position is open; true when it is a new best. */
  observe(price: Dec): boolean {
    if (this.#side === null) return false;
    const better = this.#best === null || (this.#side === 'long' ? price.gt(this.#best) : price.lt(this.#best));
    if (better) this.#best = price;
    return better;
  }

  stored(): StoredTrail | null {
    return this.#side === null || this.#best === null ? null : { side: this.#side, best: toDecimalString(this.#best) };
  }

  /** Takes over a stored best (kept on the engine row, across restarts) when it is for this position's side. */
  restore(stored: StoredTrail | undefined, side: PositionSide | null): void {
    if (!stored || stored.side !== side) return;
    this.#side = side;
    this.#best = new Dec(stored.best);
  }
}


export interface ProtectionInput {
  /** Signed position the stops must cover (what is held minus what resting exits already sell). */
  position: Dec;
  averageEntry: Dec | null;
  best: Dec | null;
  config: RiskConfig;
  /** The stop orders the venue rests for this market (Exchange.triggerOrderKinds). */
  kinds: readonly OrderTrigger['kind'][];
  market: Market;
  /** The current price: a stop it already reached is not placed (the engine exits at market). */
  price: Dec;
}

/** Whether the config asks for any protection the venue could rest. */
export function wantsProtection(config: RiskConfig): boolean {
  return config.stopLossPct !== undefined || config.trailingStopPct !== undefined || config.takeProfitPct !== undefined;
}

/** The protective orders the position should have on the venue now (at most a stop and a take-profit). */
export function desiredProtectiveOrders(input: ProtectionInput): PlannedOrder[] {
  const { position, averageEntry, config, kinds, market, price } = input;
  if (position.isZero() || averageEntry === null || kinds.length === 0) return [];
  const long = position.isPositive();
  const out: PlannedOrder[] = [];
  if (kinds.includes('stop-loss')) {
    const stop = nearestStop(long, stopLossLevel(long, averageEntry, config), trailingStopLevel(long, averageEntry, input.best, config));
    if (stop) {
      const reason = stop.trailing ? `trailing stop ${config.trailingStopPct}%` : `stop-loss ${config.stopLossPct}%`;
      const order = planProtectiveOrder({ kind: 'stop-loss', trigger: stop.price, position, market, price, reason });
      if (order) out.push(order);
    }
  }
  const tp = kinds.includes('take-profit') ? takeProfitLevel(long, averageEntry, config) : null;
  if (tp) {
    const order = planProtectiveOrder({ kind: 'take-profit', trigger: tp, position, market, price, reason: `take-profit ${config.takeProfitPct}%` });
    if (order) out.push(order);
  }
  return out;
}

function nearestStop(long: boolean, stopLoss: Dec | null, trailing: Dec | null): { price: Dec; trailing: boolean } | null {
  if (trailing === null) return stopLoss === null ? null : { price: stopLoss, trailing: false };
  if (stopLoss === null) return { price: trailing, trailing: true };
  const trailingNearer = long ? trailing.gt(stopLoss) : trailing.lt(stopLoss);
  return trailingNearer ? { price: trailing, trailing: true } : { price: stopLoss, trailing: false };
}

/** A protective order resting on the venue, as the caller tracks it. */
export interface RestingProtection {
  clientOrderId: string;
  side: PlannedOrder['side'];
  amount: DecimalString;
  trigger: OrderTrigger;
}

/**
 * What to change so the venue holds `desired`: a resting order of the same kind, side, amount and
 * trigger stays; any other is cancelled before its replacement is placed (a spot exchange sets the
 * base aside for a stop, so the old one must go first).
 */
export function protectionChanges(resting: readonly RestingProtection[], desired: readonly PlannedOrder[]): { cancel: string[]; place: PlannedOrder[] } {
  const cancel: string[] = [];
  const place: PlannedOrder[] = [];
  const kept = new Set<string>();
  for (const want of desired) {
    const trigger = want.trigger as OrderTrigger;
    const same = resting.find(
      (r) => !kept.has(r.clientOrderId) && r.trigger.kind === trigger.kind && r.side === want.side && new Dec(r.amount).eq(want.amount) && new Dec(r.trigger.price).eq(trigger.price),
    );
    if (same) kept.add(same.clientOrderId);
    else place.push(want);
  }
  for (const r of resting) if (!kept.has(r.clientOrderId)) cancel.push(r.clientOrderId);
  return { cancel, place };
}

/** What resting reducing orders (the strategy's exits) already sell of the position, in base. */
export function coveredByExits(position: Dec, orders: readonly { side: PlannedOrder['side']; amount: DecimalString; filled: DecimalString }[]): Dec {
  if (position.isZero()) return ZERO;
  const reducing = position.isPositive() ? 'sell' : 'buy';
  return orders.filter((o) => o.side === reducing).reduce((sum, o) => sum.add(new Dec(o.amount).sub(o.filled)), ZERO);
}

/** The signed position left for the stops to cover once the resting exits are counted. */
export function uncovered(position: Dec, covered: Dec): Dec {
  const left = Dec.max(position.abs().sub(covered), ZERO);
  return position.isNegative() ? left.neg() : left;
}
