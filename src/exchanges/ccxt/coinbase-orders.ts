import { z } from 'zod';
import { ExchangeUnavailableError, InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Coinbase Advanced Trade cancels and not-found answers. Market buys: see market-buy-protection.ts.
 */

const cancelSchema = z.object({
  results: z.array(z.object({ success: z.boolean(), failure_reason: z.string().optional(), order_id: z.string() })),
});

/**
 * POST /orders/batch_cancel for one order id (https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/cancel-orders).
 * ccxt turns any `success: false` into BadRequest, which reads as "order rejected" and never resolves;
 * Coinbase answers UNKNOWN_CANCEL_ORDER both for an id it does not know and for an order no longer
 * open, so that becomes OrderNotFoundError ("nothing to cancel"): the order manager then reads the
 * order by id and learns whether it filled. Returns the order id to read back on success.
 */
export async function cancelCoinbaseOrder(call: RawCall, id: string): Promise<string> {
  const body = parseOrThrow(cancelSchema, await call('v3PrivatePostBrokerageOrdersBatchCancel', { order_ids: [id] }), 'cancel answer');
  const [result, ...others] = body.results;
  if (result === undefined || others.length > 0 || result.order_id !== id) throw new InvalidResponseError(`Coinbase answered a cancel of ${id} with ${body.results.length} other result(s)`);
  if (result.success) return id;
  if (result.failure_reason === 'UNKNOWN_CANCEL_ORDER') throw new OrderNotFoundError(`Coinbase: no open order ${id} to cancel`);
  throw new ExchangeUnavailableError(`Coinbase did not cancel ${id}: ${result.failure_reason ?? 'no reason given'}`);
}

/**
 * GET /orders/historical/{order_id} for an id Coinbase does not know answers HTTP 404
 * `{"error":"NOT_FOUND","error_details":"order with this orderID was not found",…}`. ccxt 4.5.84 matches
 * that message only against `error`/`error_description` and so raises a bare ExchangeError (read as
 * "exchange unavailable"); the status and the `error` code together are the definite answer.
 */
export function isCoinbaseOrderNotFound(status: number, json: unknown): boolean {
  return status === 404 && typeof json === 'object' && json !== null && (json as Record<string, unknown>)['error'] === 'NOT_FOUND';
}
