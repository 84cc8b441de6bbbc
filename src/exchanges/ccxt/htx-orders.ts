import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * HTX spot orders through ccxt 4.5.84, where three things need help.
 *
 * Market buys: HTX sizes `buy-market` in the quote currency; they are sent as protected `buy-ioc`
 * limits (market-buy-protection.ts), which HTX cancels with the filled part kept (status canceled).
 *
 * Order types: ccxt names `buy-ioc` / `buy-limit-fok` / `buy-limit-maker` orders type `ioc` /
 * `limit-fok` / `limit-maker`; they are limit orders (with their time in force), so they are read
 * back as `limit`.
 *
 * Lookup by client id: see fetchHtxOrderByClientId.
 */

const TIME_IN_FORCE: Record<string, string> = { ioc: 'IOC', 'limit-fok': 'FOK', 'limit-maker': 'PO' };

type ParseOrder = CcxtInstance['parseOrder'];

/** Installs the order-type handling on one ccxt htx instance. */
export function installHtxOrders(ex: CcxtInstance): void {
  const parse: ParseOrder = ex.parseOrder.bind(ex);
  ex.parseOrder = ((order, market) => {
    const parsed = parse(order, market);
    const tif = parsed.type !== undefined ? TIME_IN_FORCE[parsed.type] : undefined;
    return tif === undefined ? parsed : { ...parsed, type: 'limit', timeInForce: tif };
  }) as ParseOrder;
}

const orderSchema = z.object({ status: z.literal('ok'), data: z.record(z.string(), z.unknown()) });
const listSchema = z.object({ status: z.literal('ok'), data: z.array(z.record(z.string(), z.unknown())) });
const ALL_STATES = 'submitted,partial-filled,filled,partial-canceled,canceled';

/** The parsed error body of a failed call (the request gate keeps it), or undefined. */
export type FailureBody = (error: unknown) => unknown;

/** HTX's answer to a lookup of an unknown order: `err-code` base-record-invalid in the error body. */
function isRecordInvalid(error: unknown, failureBody: FailureBody): boolean {
  const body = failureBody(error);
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)['err-code'] === 'base-record-invalid';
}

/**
 * One order by our client id (`client-order-id`). GET /v1/order/orders/getClientOrder answers the
 * order, or `base-record-invalid` when it knows none. HTX documents its client-id index only within a
 * window (ids are unique for 24 hours; canceled orders without fills drop out of queries after a few
 * hours), so before that answer becomes "not found" the recent order history of the symbol
 * (GET /v1/order/orders, every state) is searched too: a filled order must never read as "never placed".
 * Any other error is rethrown as it is, and a body of the wrong shape is an InvalidResponseError.
 */
export async function fetchHtxOrderByClientId(ex: CcxtInstance, call: RawCall, symbol: string, clientOrderId: string, failureBody: FailureBody): Promise<unknown> {
  const market = ex.market(symbol);
  try {
    const { data } = parseOrThrow(orderSchema, await call('spotPrivateGetV1OrderOrdersGetClientOrder', { clientOrderId }), 'order');
    if (data['client-order-id'] !== clientOrderId) throw new InvalidResponseError(`HTX answered a lookup of client id ${clientOrderId} with another order`);
    return ex.parseOrder(data, market);
  } catch (error) {
    if (!isRecordInvalid(error, failureBody)) throw error;
  }
  const { data } = parseOrThrow(listSchema, await call('spotPrivateGetV1OrderOrders', { symbol: market.id, states: ALL_STATES }), 'order list');
  const match = data.find((o) => o['client-order-id'] === clientOrderId);
  if (match) return ex.parseOrder(match, market);
  throw new OrderNotFoundError(`HTX: no order with client id ${clientOrderId} (unknown to getClientOrder and not in the recent order history)`);
}
