import { z } from 'zod';
import { InvalidResponseError, OrderNotFoundError } from '../../domain/errors.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { RawCall } from './permissions.js';
import { parseOrThrow } from './response-schemas.js';

/**
 * Kraken spot lookup of one order by our client id (`cl_ord_id`).
 *
 * ccxt 4.5.84's `kraken.fetchOrder` sends a client id as `userref` (an integer tag, not `cl_ord_id`)
 * next to a required `txid`, so it cannot look a UUID up at all. Kraken's REST API filters by
 * `cl_ord_id` on two lists (https://docs.kraken.com/api/docs/rest-api/get-open-orders and
 * https://docs.kraken.com/api/docs/rest-api/get-closed-orders), read here in that order:
 *  - OpenOrders: open and pending orders;
 *  - ClosedOrders: filled, canceled and expired ones (newest first).
 * Both valid and empty → OrderNotFoundError: only then did Kraken say no such order exists. A body
 * that is not `{ error: [], result: { open | closed: {…} } }`, or an entry carrying another client id or
 * pair, is an InvalidResponseError: garbage must never read as "not placed".
 * Kraken enforces `cl_ord_id` uniqueness among open orders only, so a closed list may hold earlier
 * orders with the same id (CTS never reuses one); the newest (latest `opentm`) is the order.
 * A found order is normalised by ccxt's own `parseOrder`, exactly as `fetchOrder` would.
 */

const orderSchema = z.looseObject({ cl_ord_id: z.string().optional(), opentm: z.union([z.number(), z.string()]), descr: z.looseObject({ pair: z.string() }) });
const openSchema = z.object({ error: z.array(z.string()).length(0), result: z.object({ open: z.record(z.string(), orderSchema) }) });
const closedSchema = z.object({ error: z.array(z.string()).length(0), result: z.object({ closed: z.record(z.string(), orderSchema) }) });

type KrakenOrder = z.infer<typeof orderSchema>;

export async function fetchKrakenOrderByClOrdId(ex: CcxtInstance, call: RawCall, symbol: string, clOrdId: string): Promise<unknown> {
  const market = ex.market(symbol);
  const open = parseOrThrow(openSchema, await call('privatePostOpenOrders', { cl_ord_id: clOrdId }), 'open order list').result.open;
  const found = newest(open, clOrdId) ?? newest(parseOrThrow(closedSchema, await call('privatePostClosedOrders', { cl_ord_id: clOrdId }), 'closed order list').result.closed, clOrdId);
  if (!found) throw new OrderNotFoundError(`Kraken: no order with client id ${clOrdId} (neither open nor closed)`);
  const [id, order] = found;
  const pairs: unknown[] = [market.id, (market.info as Record<string, unknown> | undefined)?.['altname']];
  if (!pairs.includes(order.descr.pair)) {
    throw new InvalidResponseError(`Kraken answered a lookup of cl_ord_id ${clOrdId} on ${symbol} with an order on ${order.descr.pair}`);
  }
  return ex.parseOrder({ ...order, id }, market);
}

function newest(list: Record<string, KrakenOrder>, clOrdId: string): [string, KrakenOrder] | undefined {
  const entries = Object.entries(list);
  if (entries.some(([, o]) => o.cl_ord_id !== clOrdId)) {
    throw new InvalidResponseError(`Kraken answered a lookup of cl_ord_id ${clOrdId} with other orders`);
  }
  return entries.sort(([, a], [, b]) => Number(b.opentm) - Number(a.opentm))[0];
}
