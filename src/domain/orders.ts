import type { DecimalString } from './money.js';

/**
 * Orders and fills as CTS stores and reports them (the engine's order store, the API, the web). The
 * exchange port returns fills in this shape too.
 */

export type OrderSide = 'buy' | 'sell';

export type OrderType = 'limit' | 'market';

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
