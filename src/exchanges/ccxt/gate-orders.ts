import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Gate APIv4 spot specifics the generic adapter cannot express.
 *
 * Lookup by our client id (`text`). Gate's "Get a single order" takes the order id or the `text`, but
 * "Operations based on custom IDs can only be checked in pending orders. Only order ID can be used
 * after the order is finished" (https://www.gate.com/docs/developers/apiv4/en/#get-a-single-order).
 * So ORDER_NOT_FOUND for a `text` is not a definite "no such order": a filled or canceled order is
 * missing there too. On that answer the finished-order list (GET /spot/orders?status=finished, whose
 * from/to "are processed according to the order end time") is searched from one hour before the time
 * our ULID client id was made (the order cannot have ended before its id existed; the hour covers
 * clock skew), page by page to the end. Only when that whole window is read and holds no order with
 * our `text` is the answer OrderNotFoundError. Anything unparsable is InvalidResponseError.
 *
 * Market buys: Gate sizes a spot market buy in QUOTE; they are sent as protected IOC limits
 * (market-buy-protection.ts), which expire with their partial fill kept (finish_as "ioc").
 */

/** One hour before the client id's ULID time: clock skew between us and Gate. */
const SKEW_MS = 3_600_000;
const PAGE = 1000;
/** 50 000 finished orders in the window: past that the search stops without a definite answer. */
const MAX_PAGES = 50;

const orderSchema = z.record(z.string(), z.unknown());
const orderListSchema = z.array(orderSchema);
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The creation time (ms) a ULID encodes in its first 10 characters, or undefined. */
export function ulidTime(clientOrderId: string): number | undefined {
  const ulid = clientOrderId.startsWith('t-') ? clientOrderId.slice(2) : clientOrderId;
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(ulid)) return undefined;
  let ms = 0;
  for (const ch of ulid.slice(0, 10)) ms = ms * 32 + CROCKFORD.indexOf(ch);
  return ms;
}

function isOrderNotFound(error: unknown): boolean {
  // ccxt raises OrderNotFound exactly for the label ORDER_NOT_FOUND (gate.js exceptions.exact).
  return error instanceof Error && error.name === 'OrderNotFound';
}

export async function fetchGateOrderByText(ex: CcxtInstance, call: RawCall, symbol: string, text: string): Promise<unknown> {
  const market = ex.market(symbol);
  if (market.swap === true) return fetchGateFuturesOrderByText(ex, call, symbol, text);
  const base = { currency_pair: market.id, account: 'spot' };
  try {
    const raw = parseOrThrow(orderSchema, await call('privateSpotGetOrdersOrderId', { ...base, order_id: text }), 'order');
    if (raw['text'] !== text) throw new InvalidResponseError(`Gate answered a lookup of text ${text} with an order of text ${String(raw['text'])}`);
    return ex.parseOrder(raw, market);
  } catch (error) {
    if (!isOrderNotFound(error)) throw error;
  }
  const since = ulidTime(text);
  if (since === undefined) throw new InvalidResponseError(`Gate: ${text} is not one of our client ids; a finished order cannot be searched for it`);
  const from = Math.floor((since - SKEW_MS) / 1000);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const list = parseOrThrow(orderListSchema, await call('privateSpotGetOrders', { ...base, status: 'finished', from, limit: PAGE, page }), 'order list');
    const matches = list.filter((o) => o['text'] === text);
    if (matches.length > 1) throw new InvalidResponseError(`Gate lists ${matches.length} finished orders with text ${text}`);
    if (matches[0] !== undefined) return ex.parseOrder(matches[0], market);
    if (list.length < PAGE) throw new OrderNotFoundError(`Gate: no order with client id ${text} (not pending, not finished since ${new Date(from * 1000).toISOString()})`);
  }
  throw new InvalidResponseError(`Gate: more than ${MAX_PAGES * PAGE} finished orders since the client id ${text} was made; no definite answer`);
}

/**
 * The same on a USDT perpetual: GET /futures/usdt/orders/{text} finds an open order only ("Operations
 * based on custom ID can only be checked when the order is in orderbook",
 * https://www.gate.com/docs/developers/apiv4/en/#get-a-single-order-2); then the contract's finished
 * orders (GET /futures/usdt/orders?status=finished, newest first, paged by offset) are read back to
 * one hour before the client id's ULID time.
 */
async function fetchGateFuturesOrderByText(ex: CcxtInstance, call: RawCall, symbol: string, text: string): Promise<unknown> {
  const market = ex.market(symbol);
  const settle = market.settleId ?? 'usdt';
  try {
    const raw = parseOrThrow(orderSchema, await call('privateFuturesGetSettleOrdersOrderId', { settle, order_id: text }), 'order');
    if (raw['text'] !== text) throw new InvalidResponseError(`Gate answered a lookup of text ${text} with an order of text ${String(raw['text'])}`);
    return ex.parseOrder(raw, market);
  } catch (error) {
    if (!isOrderNotFound(error)) throw error;
  }
  const since = ulidTime(text);
  if (since === undefined) throw new InvalidResponseError(`Gate: ${text} is not one of our client ids; a finished order cannot be searched for it`);
  const from = (since - SKEW_MS) / 1000;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = parseOrThrow(orderListSchema, await call('privateFuturesGetSettleOrders', { settle, contract: market.id, status: 'finished', limit: PAGE, offset: page * PAGE }), 'order list');
    const matches = list.filter((o) => o['text'] === text);
    if (matches.length > 1) throw new InvalidResponseError(`Gate lists ${matches.length} finished orders with text ${text}`);
    if (matches[0] !== undefined) return ex.parseOrder(matches[0], market);
    const oldest = Math.min(...list.map((o) => Number(o['create_time'])));
    if (list.length < PAGE || !(oldest >= from)) throw new OrderNotFoundError(`Gate: no order with client id ${text} (not open, not finished since ${new Date(from * 1000).toISOString()})`);
  }
  throw new InvalidResponseError(`Gate: more than ${MAX_PAGES * PAGE} finished orders since the client id ${text} was made; no definite answer`);
}
