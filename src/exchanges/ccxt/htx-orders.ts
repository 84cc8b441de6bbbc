import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import { Dec } from '../../domain/money.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * HTX spot orders through ccxt 4.5.84, where three things need help.
 *
 * Market buys: HTX sizes `buy-market` in the quote currency
 * (https://huobiapi.github.io/docs/spot/v1/en/#place-a-new-order: "amount: order size (for buy market
 * order, it's order value)"), and ccxt either needs a price to multiply or a `cost`. The engine sizes
 * every order in base units, so a base-sized market buy is sent as a marketable `buy-ioc` limit at the
 * best ask plus MARKET_BUY_PROTECTION (rounded up to the tick), read from a fresh ticker: it never
 * buys more than the base amount asked, never pays more than that band, and whatever the book could
 * not fill at once is canceled by HTX and reported as such (filled part kept, status canceled).
 *
 * Order types: ccxt names `buy-ioc` / `buy-limit-fok` / `buy-limit-maker` orders type `ioc` /
 * `limit-fok` / `limit-maker`; they are limit orders (with their time in force), so they are read
 * back as `limit`.
 *
 * Lookup by client id: see fetchHtxOrderByClientId.
 */

/** How far through the best ask a base-sized market buy may fill. */
export const MARKET_BUY_PROTECTION = '0.01';

const TIME_IN_FORCE: Record<string, string> = { ioc: 'IOC', 'limit-fok': 'FOK', 'limit-maker': 'PO' };

type CreateOrder = CcxtInstance['createOrder'];
type ParseOrder = CcxtInstance['parseOrder'];

/** Only the call's scope tags (symbol keys, see gated-fetch.ts): the ticker call must not carry order params. */
function scopeOnly(params: Record<string | symbol, unknown>): Record<string, unknown> {
  const scope: Record<string | symbol, unknown> = {};
  for (const key of Object.getOwnPropertySymbols(params)) scope[key] = params[key];
  return scope as Record<string, unknown>;
}

/** Installs the market-buy and order-type handling on one ccxt htx instance. */
export function installHtxOrders(ex: CcxtInstance): void {
  const create: CreateOrder = ex.createOrder.bind(ex);
  ex.createOrder = (async (symbol, type, side, amount, price, params = {}) => {
    const market = ex.market(symbol);
    if (!market.spot || type !== 'market' || side !== 'buy' || (params as Record<string, unknown>)['cost'] !== undefined) {
      return create(symbol, type, side, amount, price, params);
    }
    const ticker = await ex.fetchTicker(symbol, scopeOnly(params as Record<string | symbol, unknown>));
    if (ticker.ask === undefined || !(ticker.ask > 0)) throw new InvalidResponseError(`HTX: no ask price for ${symbol}, so a market buy cannot be bounded`);
    const tick = new Dec(String(market.precision.price ?? '0'));
    let limit = new Dec(String(ticker.ask)).mul(new Dec(1).add(MARKET_BUY_PROTECTION));
    if (tick.gt(0)) limit = limit.div(tick).ceil().mul(tick);
    return create(symbol, 'limit', 'buy', amount, Number(limit.toFixed()), { ...params, timeInForce: 'IOC' });
  }) as CreateOrder;

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

/** ccxt raises OrderNotFound for `base-record-invalid`, HTX's answer to a lookup of an unknown order. */
function isRecordInvalid(error: unknown): boolean {
  return error instanceof Error && error.name === 'OrderNotFound' && error.message.includes('"base-record-invalid"');
}

/**
 * One order by our client id (`client-order-id`). GET /v1/order/orders/getClientOrder answers the
 * order, or `base-record-invalid` when it knows none. HTX documents its client-id index only within a
 * window (ids are unique for 24 hours; canceled orders without fills drop out of queries after a few
 * hours), so before that answer becomes "not found" the recent order history of the symbol
 * (GET /v1/order/orders, every state) is searched too: a filled order must never read as "never placed".
 * Any other error is rethrown as it is, and a body of the wrong shape is an InvalidResponseError.
 */
export async function fetchHtxOrderByClientId(ex: CcxtInstance, call: RawCall, symbol: string, clientOrderId: string): Promise<unknown> {
  const market = ex.market(symbol);
  try {
    const { data } = parseOrThrow(orderSchema, await call('spotPrivateGetV1OrderOrdersGetClientOrder', { clientOrderId }), 'order');
    if (data['client-order-id'] !== clientOrderId) throw new InvalidResponseError(`HTX answered a lookup of client id ${clientOrderId} with another order`);
    return ex.parseOrder(data, market);
  } catch (error) {
    if (!isRecordInvalid(error)) throw error;
  }
  const { data } = parseOrThrow(listSchema, await call('spotPrivateGetV1OrderOrders', { symbol: market.id, states: ALL_STATES }), 'order list');
  const match = data.find((o) => o['client-order-id'] === clientOrderId);
  if (match) return ex.parseOrder(match, market);
  throw new OrderNotFoundError(`HTX: no order with client id ${clientOrderId} (unknown to getClientOrder and not in the recent order history)`);
}
