import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import { Dec } from '../../domain/money.js';
import type { OrderRequest } from '../exchange.port.js';
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
 * Market buys: Gate sizes a spot market buy in QUOTE ("When type is market ... buy refers to quote
 * currency", Order.amount) and ccxt 4.5.84 (createMarketBuyOrderRequiresPrice, default true) refuses
 * one without a price. The engine sizes in base, so a market buy is sent as an IOC limit buy of the
 * same base amount at a protected price: the fresh ask plus MARKET_BUY_PROTECTION, rounded up to the
 * tick. It never buys more base than asked and never pays more than that price; what the book does
 * not fill at or under it expires (Gate's finish_as "ioc", canceled with its partial fill kept).
 */

/** How far above the ask a market buy may fill. */
export const MARKET_BUY_PROTECTION = '0.01';
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

export interface ShapedOrder {
  type: 'limit' | 'market';
  price: number | undefined;
  params: Record<string, unknown>;
}

/** A base-sized market buy becomes an IOC limit at the protected price (see above); all else unchanged. */
export async function shapeGateOrder(ex: CcxtInstance, order: OrderRequest, params: Record<string, unknown>, tickerParams: Record<string, unknown>): Promise<ShapedOrder> {
  const price = order.price === undefined ? undefined : Number(order.price);
  if (order.type !== 'market' || order.side !== 'buy') return { type: order.type, price, params };
  const ticker = await ex.fetchTicker(order.symbol, tickerParams);
  const reference = ticker.ask ?? ticker.last;
  if (reference === undefined || !(reference > 0)) throw new InvalidResponseError(`Gate: no ask or last price for ${order.symbol} to protect a market buy with`);
  const tick = new Dec(String(ex.market(order.symbol).precision.price ?? '0.00000001'));
  const protectedPrice = new Dec(String(reference)).mul(new Dec(1).add(MARKET_BUY_PROTECTION)).div(tick).ceil().mul(tick);
  return { type: 'limit', price: Number(protectedPrice.toFixed()), params: { ...params, timeInForce: 'IOC' } };
}
