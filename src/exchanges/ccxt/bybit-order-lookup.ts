import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError, ValidationError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Bybit v5 lookup of one order by our client id (`orderLinkId`).
 *
 * ccxt 4.5.84's `bybit.fetchOrder` builds its "not found" message with `id.toString()`; looking up by
 * `orderLinkId` leaves `id` undefined, so an empty answer ends in a TypeError (→ InvalidResponseError)
 * instead of OrderNotFound, and an order whose create failed in transit could never resolve. So the two
 * order lists are read here and the decision is made on their structure:
 *  - `/v5/order/realtime`: open orders and the most recent 500 closed ones, then
 *  - `/v5/order/history`: Bybit says closed orders of a unified account "should only be queried through
 *    order history" after a server release or restart, when the realtime list loses them.
 *  (https://bybit-exchange.github.io/docs/v5/order/open-order)
 * Both valid and empty → OrderNotFoundError. A body that is not the v5 envelope with a list, or a list
 * holding some other order, is an InvalidResponseError: garbage must never read as "not placed".
 * A found order is normalised by ccxt's own `parseOrder`, exactly as `fetchOrder` would.
 */

const orderListSchema = z.object({
  retCode: z.literal(0),
  result: z.object({ list: z.array(z.record(z.string(), z.unknown())) }),
});

const LISTS = ['privateGetV5OrderRealtime', 'privateGetV5OrderHistory'] as const;

export async function fetchBybitOrderByLinkId(ex: CcxtInstance, call: RawCall, symbol: string, orderLinkId: string): Promise<unknown> {
  const market = ex.market(symbol);
  const category = market.spot ? 'spot' : market.linear ? 'linear' : market.inverse ? 'inverse' : market.option ? 'option' : undefined;
  if (category === undefined) throw new ValidationError(`Bybit: cannot tell the category of ${symbol}`, [{ path: 'symbol', message: 'unknown market category' }]);
  for (const method of LISTS) {
    const { result } = parseOrThrow(orderListSchema, await call(method, { category, symbol: market.id, orderLinkId }), 'order list');
    if (result.list.length === 0) continue;
    const [order, ...others] = result.list;
    if (order === undefined || others.length > 0 || order['orderLinkId'] !== orderLinkId) {
      throw new InvalidResponseError(`Bybit answered a lookup of orderLinkId ${orderLinkId} with ${result.list.length} other order(s)`);
    }
    return ex.parseOrder(order, market);
  }
  throw new OrderNotFoundError(`Bybit: no order with client id ${orderLinkId} (neither open nor in the order history)`);
}
