import { Dec } from '../../src/domain/money.js';
import type { SimCandle } from './price-path.js';
import type { Side, SimOrder } from './types.js';

/**
 * The simulator's trigger rule for stop orders, one place for every wire format.
 *
 * A stop waits outside the book until a price step's candle crosses its trigger: a sell stop when the
 * candle's low is at or below the trigger, a buy stop when its high is at or above it, so a spike
 * through the trigger inside one step triggers it even if the close is back on the other side. The
 * triggered order then executes at the trigger price, or at the candle's open when the candle opened
 * beyond the trigger (the price gapped through it): a stop-market fills there as a taker; a stop-limit
 * becomes a limit order that takes at that price if its limit allows, else rests at its limit.
 */

/** A stop that has not fired yet: it is not in the book and only its lock holds funds. */
export function isWaitingStop(order: SimOrder): boolean {
  return order.stop !== undefined && order.stop.triggeredAt === undefined;
}

/** Whether a stop placed now would fire at once: the last price is already at or past its trigger. */
export function wouldTriggerNow(side: Side, stopPrice: Dec, last: Dec): boolean {
  return side === 'sell' ? last.lte(stopPrice) : last.gte(stopPrice);
}

/** Whether the candle reaches the trigger (its low for a sell stop, its high for a buy stop). */
export function stopCrossed(side: Side, stopPrice: Dec, candle: SimCandle): boolean {
  return side === 'sell' ? new Dec(candle.low).lte(stopPrice) : new Dec(candle.high).gte(stopPrice);
}

/** Where a triggered stop executes: the trigger, or the open when the candle gapped through it. */
export function triggerExecutionPrice(side: Side, stopPrice: Dec, candle: SimCandle): Dec {
  const open = new Dec(candle.open);
  return side === 'sell' ? Dec.min(open, stopPrice) : Dec.max(open, stopPrice);
}
