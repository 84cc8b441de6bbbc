import type { Dec, DecimalString } from './money.js';

/**
 * Orders and fills as CTS stores and reports them (the engine's order store, the API, the web). The
 * exchange port returns fills in this shape too.
 */

export type OrderSide = 'buy' | 'sell';

export type OrderType = 'limit' | 'market';

/**
 * How long an order may rest (ccxt's unified values): `GTC` until filled or cancelled (the default);
 * `IOC` fill what it can at once, the rest expires; `FOK` all at once or nothing; `PO` post-only, a
 * limit that is refused instead of taking liquidity (it only ever fills as maker).
 */
export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK', 'PO'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];

/**
 * A resting trigger (stop) order: untriggered until the last price reaches `price`, then executed as
 * its `type` (market: stop-market). `stop-loss` triggers on an adverse move (a sell when the price
 * falls to it, a buy when it rises to it); `take-profit` on a favourable one.
 */
export interface OrderTrigger {
  kind: 'stop-loss' | 'take-profit';
  price: DecimalString;
}

/**
 * Whether prices ranging over [low, high] reach a stop of this side and kind: a sell stop-loss and a
 * buy take-profit wait for the price to fall to it, the other two for it to rise.
 */
export function triggerReached(side: OrderSide, kind: OrderTrigger['kind'], stop: Dec, low: Dec, high: Dec = low): boolean {
  const falling = (side === 'buy') === (kind === 'take-profit');
  return falling ? low.lte(stop) : high.gte(stop);
}

export interface Fill {
  tradeId: string;
  orderId: string;
  clientOrderId: string | null;
  symbol: string;
  side: OrderSide;
  price: DecimalString;
  amount: DecimalString;
  fee: DecimalString;
  feeAsset: string | null;
  timestamp: number;
}

/**
 * `pending_create`: stored, the request may or may not have reached the exchange.
 * `unknown`: the create (or a later lookup) failed in a way that leaves the exchange's state unknown.
 * `lost`: the exchange no longer knows an order it had accepted (lost-order policy, see docs/engine.md).
 */
export const ORDER_STATUSES = ['pending_create', 'open', 'closed', 'canceled', 'rejected', 'expired', 'unknown', 'lost'] as const;

export type StoredOrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which the order may still be (or become) live on the exchange. */
export const LIVE_STATUSES: readonly StoredOrderStatus[] = ['pending_create', 'open', 'unknown'];

export interface OrderRecord {
  clientOrderId: string;
  /** The engine that placed (or adopted) the order: only it may cancel, resolve or adopt it. */
  engineId: string;
  connectionId: string;
  exchangeOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  price: DecimalString | null;
  amount: DecimalString;
  filled: DecimalString;
  average: DecimalString | null;
  status: StoredOrderStatus;
  /** Found open on the exchange without a local record (placed elsewhere, or lost between send and store). */
  adopted: boolean;
  reduceOnly: boolean;
  /** A stop order's trigger (migration 0011); null for plain orders. */
  trigger: OrderTrigger | null;
  /** Null: GTC, the exchange's default (migration 0011). */
  timeInForce: TimeInForce | null;
  /**
   * An entry's or exit's limit left unfilled is cancelled (or re-priced) at this time (the bot's
   * `unfilledTimeout`, migration 0012); null: it rests until filled or cancelled.
   */
  expiresAt: string | null;
  tag: string | null;
  reason: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FillRecord extends Fill {
  engineId: string;
  connectionId: string;
}
