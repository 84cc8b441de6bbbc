import { z } from 'zod';
import { InvalidResponseError, NotImplementedError, OrderNotFoundError } from '../../domain/errors.js';
import { DECIMAL_PATTERN } from '../../domain/money.js';
import type { OrderRequest } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { protectMarketBuy, type ShapedOrder } from './market-buy-protection.js';
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
 *
 * USDT-margined swaps (the v5 API ccxt 4.5.84 uses for linear swaps):
 *  - a trade's `trade_fee` is the fee charged, positive (ccxt's own recorded v5 sample: 0.0752 USDT on
 *    a 125.38 USDT taker fill), and ccxt negates it (its rule for the legacy contract API, where a
 *    charge was negative): taken back as HTX states it, or every swap fee would book as a rebate;
 *  - the balance's `details` carry `available` (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19588469969),
 *    ccxt reads `available_margin` there, which is only at the top level: its free would be missing
 *    and read as the whole equity, so it is set from `available`;
 *  - `client_order_id` is a positive integer ([1, 9223372036854775807]); ccxt sends it only when it reads
 *    as one, so CTS's alphanumeric id cannot go with a swap order (shapeHtxOrder drops it) and a swap
 *    order is only found by its exchange id;
 *  - a v5 refusal is `{ code, message }` with HTTP 200, and ccxt raises only for the codes in its table:
 *    any other code would come back as a success without data (a refused order without an id, a refused
 *    cancel as done), so a v5 body whose `code` is not 200 is handed to ccxt's own error path as the
 *    `err_code` it knows how to raise (an ExchangeError at least; the translation then reads the code).
 */

const TIME_IN_FORCE: Record<string, string> = { ioc: 'IOC', 'limit-fok': 'FOK', 'limit-maker': 'PO' };

type ParseOrder = CcxtInstance['parseOrder'];

type ParseTrade = CcxtInstance['parseTrade'];

/** Installs the order-type, swap fee, swap balance and v5 refusal handling on one ccxt htx instance. */
export function installHtxOrders(ex: CcxtInstance): void {
  const handleErrors = ex.handleErrors.bind(ex);
  ex.handleErrors = ((httpCode, reason, url, method, headers, body, response: unknown, requestHeaders: unknown, requestBody: unknown) => {
    const r = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : undefined;
    const code = r?.['code'];
    if (r !== undefined && !('status' in r) && (typeof code === 'number' || typeof code === 'string') && String(code) !== '200' && url.includes('/v5/')) {
      return handleErrors(httpCode, reason, url, method, headers, body, { status: 'error', err_code: String(code), err_msg: r['message'] }, requestHeaders, requestBody);
    }
    return handleErrors(httpCode, reason, url, method, headers, body, response, requestHeaders, requestBody);
  }) as CcxtInstance['handleErrors'];
  const parse: ParseOrder = ex.parseOrder.bind(ex);
  ex.parseOrder = ((order, market) => {
    const parsed = withoutEchoedId(parse(order, market));
    const tif = parsed.type !== undefined ? TIME_IN_FORCE[parsed.type] : undefined;
    return tif === undefined ? parsed : { ...parsed, type: 'limit', timeInForce: tif };
  }) as ParseOrder;
  const parseTrade: ParseTrade = ex.parseTrade.bind(ex);
  ex.parseTrade = ((trade, market) => {
    const parsed = withoutEchoedId(parseTrade(trade, market));
    const info = parsed.info as Record<string, unknown> | undefined;
    const fee = info?.['trade_fee'];
    // v5 rows (a `trade_id` and `created_time`, no legacy `create_date`): the fee as HTX states it.
    if (info === undefined || typeof fee !== 'string' || !DECIMAL_PATTERN.test(fee) || info['created_time'] === undefined || info['create_date'] !== undefined) return parsed;
    return { ...parsed, fee: { ...(parsed.fee ?? {}), cost: Number(fee), currency: parsed.fee?.currency ?? (typeof info['fee_currency'] === 'string' ? info['fee_currency'] : undefined) } };
  }) as ParseTrade;
  // A swap order never carried our id, so a cancel by it would answer "no such order" (1061) for an order
  // that may well rest: refused before sending, as the lookup is.
  const cancelOrder = ex.cancelOrder.bind(ex);
  ex.cancelOrder = (async (id: string, symbol?: string, params: Record<string, unknown> = {}) => {
    const clientId = params['clientOrderId'] ?? params['client_order_id'];
    if (symbol !== undefined && ex.market(symbol).spot !== true && clientId !== undefined && !/^[1-9]\d*$/.test(String(clientId))) {
      throw new NotImplementedError(`HTX swap orders carry no CTS client id; ${String(clientId)} can only be canceled by its exchange order id`);
    }
    return cancelOrder(id, symbol, params);
  }) as CcxtInstance['cancelOrder'];
  const fetchBalance = ex.fetchBalance.bind(ex);
  ex.fetchBalance = (async (params?: Record<string, unknown>) => {
    const balance = await fetchBalance(params);
    const details = (balance.info as { data?: { details?: unknown } } | undefined)?.data?.details;
    if (!Array.isArray(details)) return balance;
    for (const d of details as Record<string, unknown>[]) {
      const code = typeof d['currency'] === 'string' ? d['currency'].toUpperCase() : undefined;
      const available = d['available'];
      const entry = code !== undefined ? (balance as unknown as Record<string, { free?: number; used?: number; total?: number } | undefined>)[code] : undefined;
      if (!entry || typeof available !== 'string' || !DECIMAL_PATTERN.test(available) || entry.free !== undefined) continue;
      entry.free = Number(available);
      (balance.free as unknown as Record<string, number | undefined>)[code as string] = entry.free;
    }
    return balance;
  }) as CcxtInstance['fetchBalance'];
}

/**
 * A swap order placed without a client id shows its own order id as `client_order_id` (ccxt's recorded v5
 * samples, the simulator): that is no client id of ours, so it is dropped and the adapter keeps the one
 * it knows (the order's) or none (a trade, matched by order id).
 */
function withoutEchoedId<T extends { clientOrderId?: string | undefined; info?: unknown }>(parsed: T): T {
  const info = parsed.info as Record<string, unknown> | undefined;
  // `client_order_id` (underscored) is the contract APIs' field; spot's is `client-order-id`.
  if (info?.['client_order_id'] === undefined || parsed.clientOrderId === undefined || String(info['order_id']) !== parsed.clientOrderId) return parsed;
  return { ...parsed, clientOrderId: undefined };
}

/** Spot market buys protected (market-buy-protection.ts); a swap order without our client id, which HTX's integer `client_order_id` cannot carry. */
export async function shapeHtxOrder(ex: CcxtInstance, order: OrderRequest, params: Record<string, unknown>, tickerParams: Record<string, unknown>): Promise<ShapedOrder> {
  const shaped = await protectMarketBuy(ex, order, params, tickerParams);
  if (ex.market(order.symbol).spot === true) return shaped;
  const rest = { ...shaped.params };
  delete rest['client-order-id'];
  return { ...shaped, params: rest };
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
  // Never "not found": a swap order never carried our id (see above), so nothing can be told from its absence.
  if (market.spot !== true) throw new NotImplementedError(`HTX swap orders carry no CTS client id; ${clientOrderId} can only be found by its exchange order id`);
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
