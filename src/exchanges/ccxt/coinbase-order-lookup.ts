import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError, RetryLaterError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Coinbase Advanced Trade lookup of one order by our `client_order_id`.
 *
 * Advanced Trade reads an order only by its order id (GET /orders/historical/{order_id}); there is no
 * client-id parameter. The generic fallback searches open orders only, so a FILLED or CANCELLED order
 * would read as "not found" and the order manager would mark a filled create `rejected` (a position
 * it no longer knows). So this searches the order history itself: GET /orders/historical/batch for the
 * product, every status (no `order_status` filter), newest first, `limit` 1000 per page, following
 * `cursor` while `has_next` (https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/list-orders).
 *
 * How far back: the whole history of the product, up to MAX_PAGES pages (50 000 orders). The order
 * manager asks by client id only for creates whose answer it did not get (seconds to minutes old,
 * hence on the first page) and on restart for orders it still holds as live; all of them are among
 * the newest orders of the product. Only a complete walk (`has_next: false`) with no match is a
 * definite "not found"; running out of pages is an indeterminate RetryLaterError, never not-found.
 *
 * Re-sending the create (Coinbase's client_order_id idempotency returns an existing order) is NOT used
 * as a lookup: for an order that never reached Coinbase it would place it, turning "was it placed?"
 * into a new position.
 */

const PAGE_LIMIT = 1000;
const MAX_PAGES = 50;

const pageSchema = z.object({
  orders: z.array(z.record(z.string(), z.unknown())),
  has_next: z.boolean(),
  cursor: z.string().optional(),
});

export async function fetchCoinbaseOrderByClientId(ex: CcxtInstance, call: RawCall, symbol: string, clientOrderId: string): Promise<unknown> {
  const market = ex.market(symbol);
  let cursor = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const params: Record<string, unknown> = { product_ids: market.id, limit: PAGE_LIMIT, ...(cursor === '' ? {} : { cursor }) };
    const body = parseOrThrow(pageSchema, await call('v3PrivateGetBrokerageOrdersHistoricalBatch', params), 'order history page');
    const matches = body.orders.filter((o) => o['client_order_id'] === clientOrderId);
    if (matches.length > 1) throw new InvalidResponseError(`Coinbase lists ${matches.length} orders with client id ${clientOrderId}`);
    const [order] = matches;
    if (order !== undefined) {
      if (order['product_id'] !== market.id) throw new InvalidResponseError(`Coinbase answered a lookup on ${market.id} with an order on ${String(order['product_id'])}`);
      return ex.parseOrder(order, market);
    }
    if (!body.has_next) {
      throw new OrderNotFoundError(`Coinbase: no order with client id ${clientOrderId} in the complete order history of ${market.id}`);
    }
    const next = body.cursor ?? '';
    if (next === '' || next === cursor) throw new InvalidResponseError('Coinbase said the order history has more pages but gave no new cursor');
    cursor = next;
  }
  throw new RetryLaterError(`Coinbase: client id ${clientOrderId} not among the newest ${MAX_PAGES * PAGE_LIMIT} orders of ${market.id}; not concluding it was never placed`);
}
