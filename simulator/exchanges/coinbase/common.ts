import type { MarketSpec } from '../../matching/types.js';
import type { SimResponse } from '../../types.js';

/** Helpers shared by the Coinbase Advanced Trade endpoints of the simulator. */

export const PORTFOLIO_UUID = '8fd0d8a8-7a5c-4f3d-9b1b-2a4f1c3e5d60';
export const USER_ID = '9da7a204-544e-5fd1-9a12-61176c5d4cd8';

export function json(body: unknown, status = 200): SimResponse {
  return { status, body };
}

/** Advanced Trade product ids are BASE-QUOTE (BTC-USDT). */
export function productId(m: MarketSpec): string {
  return `${m.base}-${m.quote}`;
}

export function marketByProductId(markets: readonly MarketSpec[], id: string | undefined): MarketSpec | undefined {
  return id === undefined ? undefined : markets.find((m) => productId(m) === id.toUpperCase());
}

/** Coinbase order ids are UUIDs; the venue's numeric id is kept in the last group so it maps back. */
export function orderUuid(orderId: number): string {
  return `0b6e4670-b659-432f-9490-${String(orderId).padStart(12, '0')}`;
}

export function orderIdOf(uuid: string): number | undefined {
  const match = /^0b6e4670-b659-432f-9490-(\d{12})$/.exec(uuid);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function tradeUuid(tradeId: number): string {
  return `19fc7eee-f4b4-40a7-8104-${String(tradeId).padStart(12, '0')}`;
}

/** RFC 3339 with microseconds, as Advanced Trade writes `created_time`. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/**
 * Errors outside the order envelope: `{ error, error_details, message }` (the gRPC-gateway shape of
 * /api/v3). ccxt's comment in `handleErrors` shows one for an unknown order id:
 * {"error":"unknown","error_details":"order with this orderID was not found","message":"order with this orderID was not found"}.
 */
export function apiError(status: number, error: string, message: string): SimResponse {
  return json({ error, error_details: message, message }, status);
}
