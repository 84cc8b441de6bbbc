import { z } from 'zod';
import { ExchangeUnavailableError, InvalidResponseError, OrderNotFoundError, RetryLaterError } from '../../domain/errors.js';
import { dec } from '../../domain/money.js';
import type { OrderRequest } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Coinbase Advanced Trade order sizing and cancels.
 *
 * Market buys: ccxt 4.5.84's `coinbase.createOrder` always sends a spot market buy as
 * `market_market_ioc.quote_size` (the quote amount to spend, fee included), computed as amount × price
 * and refusing the call without a price (`createMarketBuyOrderRequiresPrice`, default true). The
 * engine sizes every order in BASE units, and a quote-sized buy would buy a different base amount
 * (less the fee, at whatever the fill price is). So a base-sized market buy is sent as a marketable
 * IOC limit (`sor_limit_ioc`: base_size and a cap `limit_price`) at the fresh best ask plus
 * MARKET_BUY_CAP: exactly the base amount asked for or less (never more), never above the cap; an
 * unfilled remainder is cancelled by Coinbase, as a market order's would be. On Coinbase the order
 * then reads as a LIMIT/IOC order.
 */

/** How far above the best ask the cap of a market buy sits. */
// The same 1 % band as HTX and Gate (htx-orders.ts, gate-orders.ts): one rule for every quote-sized venue.
export const MARKET_BUY_CAP = '0.01';

export interface OrderCall {
  type: 'limit' | 'market';
  price: number | undefined;
  params: Record<string, unknown>;
}

export async function coinbaseOrderCall(ex: CcxtInstance, order: OrderRequest): Promise<OrderCall | undefined> {
  if (order.type !== 'market' || order.side !== 'buy') return undefined;
  const ticker = await ex.fetchTicker(order.symbol);
  const ask = ticker.ask ?? ticker.last;
  if (ask === undefined || !Number.isFinite(ask) || ask <= 0) {
    throw new RetryLaterError(`Coinbase: no usable best ask for ${order.symbol}; the market buy was not sent`);
  }
  const tick = ex.market(order.symbol).precision.price;
  if (tick === undefined || !Number.isFinite(tick) || tick <= 0) throw new InvalidResponseError(`Coinbase: no price increment for ${order.symbol}`);
  const step = dec(String(tick));
  const cap = dec(String(ask)).mul(dec(MARKET_BUY_CAP).add(1)).div(step).ceil().mul(step);
  return { type: 'limit', price: Number(cap.toFixed()), params: { timeInForce: 'IOC' } };
}

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
