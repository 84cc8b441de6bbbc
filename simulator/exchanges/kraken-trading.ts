import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';
import { decimalParam } from './common.js';
import { answer, decimals, fail, fromTxid, marketByPair, pairAltname, txid, type Params } from './kraken-common.js';
import { addOrderResult, orderInfo, tradeInfo, validatedOrderResult, type OrderExtras } from './kraken-shapes.js';

/**
 * Kraken spot trading on the venue's matching engine: AddOrder, CancelOrder, QueryOrders, OpenOrders,
 * ClosedOrders, TradesHistory, QueryTrades (https://docs.kraken.com/api/docs/rest-api/add-order and
 * the pages named per shape in kraken-shapes.ts). `cl_ord_id` is the client order id; `userref` an
 * optional signed 32-bit tag that several orders may share.
 */

export interface KrakenCall {
  params: Params;
  ctx: SimContext;
  account: SimAccount;
  /** Simulator time of the request (the order counter decays in real time, unaffected by skew). */
  receivedAt: number;
}

/**
 * cl_ord_id formats (https://docs.kraken.com/api/docs/rest-api/add-order): a long UUID with dashes, a
 * short UUID (32 hex), or free text of at most 18 printable ASCII characters without spaces.
 */
const LONG_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHORT_UUID = /^[0-9a-f]{32}$/i;
const FREE_TEXT = /^[\x21-\x7e]{1,18}$/;
const INT32 = /^-?\d{1,10}$/;

/**
 * The message for a second open order with the same cl_ord_id. Kraken's docs say uniqueness is
 * enforced among open orders but the stored pages do not quote the error text; this string is an
 * assumption (ccxt maps it through its broad ':Invalid order' rule neither way, so it surfaces as a
 * bare ExchangeError whose message carries the text).
 */
export const DUPLICATE_CL_ORD_ID = 'EOrder:Duplicate cl_ord_id';

/**
 * Order counter per pair (https://docs.kraken.com/api/docs/guides/spot-ratelimits), Pro tier: max 180,
 * decays 3.75 per second; AddOrder adds 1, a cancel adds more the younger the order (8 under 5 s …
 * 1 under 300 s, 0 after).
 */
const ORDER_COUNTER_MAX = 180;
const ORDER_COUNTER_DECAY_PER_S = 3.75;
const CANCEL_PENALTY: readonly (readonly [number, number])[] = [[5_000, 8], [10_000, 6], [15_000, 5], [45_000, 4], [90_000, 2], [300_000, 1]];

const orderCounters = new WeakMap<SimAccount, Map<string, { value: number; at: number }>>();

/** Adds `cost` to the pair's counter; false (nothing added) when that would pass the maximum. */
function chargeOrderCounter(account: SimAccount, pair: string, cost: number, now: number): boolean {
  let perPair = orderCounters.get(account);
  if (!perPair) orderCounters.set(account, (perPair = new Map()));
  const state = perPair.get(pair) ?? { value: 0, at: now };
  const decayed = Math.max(0, state.value - (Math.max(0, now - state.at) / 1000) * ORDER_COUNTER_DECAY_PER_S);
  const ok = decayed + cost <= ORDER_COUNTER_MAX;
  perPair.set(pair, { value: ok ? decayed + cost : decayed, at: now });
  return ok;
}

function cancelPenalty(ageMs: number): number {
  return CANCEL_PENALTY.find(([limit]) => ageMs < limit)?.[1] ?? 0;
}

/** Kraken's own per-order fields, per venue (one venue per simulator instance). */
const extrasByVenue = new WeakMap<Venue, Map<number, OrderExtras>>();

function extrasOf(venue: Venue): Map<number, OrderExtras> {
  let map = extrasByVenue.get(venue);
  if (!map) extrasByVenue.set(venue, (map = new Map()));
  return map;
}

/** Orders placed without a cl_ord_id still need a venue client id that never collides: one with a space, which no valid cl_ord_id has. */
let internalIds = 0;
function internalClientId(): string {
  internalIds += 1;
  return `no cl_ord_id ${internalIds}`;
}

function reportedClientId(o: SimOrder): string {
  return o.clientOrderId.includes(' ') ? '' : o.clientOrderId;
}

function marketOf(venue: Venue, o: SimOrder): MarketSpec {
  const m = venue.market(o.symbol);
  if (!m) throw new Error(`Order on unknown market ${o.symbol}`);
  return m;
}

function describe(venue: Venue, account: SimAccount, o: SimOrder, withTrades: boolean): Record<string, unknown> {
  const extras = extrasOf(venue).get(o.orderId) ?? { userref: null, oflags: 'fciq' };
  const shown = { ...o, clientOrderId: reportedClientId(o) };
  return orderInfo(shown, marketOf(venue, o), extras, venue.fills(account.apiKey, { orderId: o.orderId }), withTrades);
}

function truthy(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

export function addOrder({ params, ctx, account, receivedAt }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const m = marketByPair(venue.markets(), params['pair']);
  if (!m) return fail('EQuery:Unknown asset pair');
  const side = params['type'];
  if (side !== 'buy' && side !== 'sell') return fail('EGeneral:Invalid arguments:type');
  const type = params['ordertype'];
  // Stop, take-profit, trailing and iceberg orders are not simulated.
  if (type !== 'market' && type !== 'limit') return fail('EGeneral:Invalid arguments:ordertype');
  const volume = decimalParam(params['volume']);
  if (volume === undefined || new Dec(volume).lte(0)) return fail('EGeneral:Invalid arguments:volume');
  const price = decimalParam(params['price']);
  if (type === 'limit' && price === undefined) return fail('EGeneral:Invalid arguments:price');
  const clOrdId = params['cl_ord_id'];
  const userrefText = params['userref'];
  if (clOrdId !== undefined) {
    if (!(LONG_UUID.test(clOrdId) || SHORT_UUID.test(clOrdId) || FREE_TEXT.test(clOrdId))) return fail('EGeneral:Invalid arguments:cl_ord_id');
    // The docs make cl_ord_id and userref mutually exclusive.
    if (userrefText !== undefined) return fail('EGeneral:Invalid arguments:cl_ord_id');
  }
  let userref: number | null = null;
  if (userrefText !== undefined) {
    const n = Number(userrefText);
    if (!INT32.test(userrefText) || n < -2_147_483_648 || n > 2_147_483_647) return fail('EGeneral:Invalid arguments:userref');
    userref = n;
  }
  const flags = (params['oflags'] ?? '').split(',').filter((f) => f !== '');
  if (flags.some((f) => !['post', 'fcib', 'fciq', 'nompp', 'viqc'].includes(f))) return fail('EGeneral:Invalid arguments:oflags');
  // The venue takes fees in the exchange's (quote) currency per account, not per order: fcib is not simulated.
  if (flags.includes('fcib')) return fail('EGeneral:Invalid arguments:oflags');
  if (flags.includes('viqc') && !(type === 'market' && side === 'buy')) return fail('EGeneral:Invalid arguments:viqc');
  const tif = params['timeinforce'] ?? 'GTC';
  if (tif !== 'GTC' && tif !== 'IOC') return fail('EGeneral:Invalid arguments:timeinforce');
  // Kraken checks the volume and price precision before the minimum (lot_decimals, tick_size).
  if (!flags.includes('viqc')) {
    if (!new Dec(volume).mod(m.stepSize).isZero()) return fail('EGeneral:Invalid arguments:volume');
    if (new Dec(volume).lt(m.minQty)) return fail('EOrder:Order minimum not met');
  }
  if (type === 'limit' && price !== undefined && !new Dec(price).mod(m.tickSize).isZero()) {
    return fail(`EOrder:Invalid price:${pairAltname(m)} price can only be specified up to ${decimals(m.tickSize)} decimals.`);
  }
  if (flags.includes('post') && type === 'limit' && price !== undefined) {
    const top = venue.top(m.symbol);
    if (top && (side === 'buy' ? new Dec(top.ask).lte(price) : new Dec(top.bid).gte(price))) return fail('EOrder:Post only order');
  }
  const input: PlaceOrderInput = {
    symbol: m.symbol,
    side,
    type,
    clientOrderId: clOrdId ?? internalClientId(),
    ...(flags.includes('viqc') ? { quoteQty: volume } : { quantity: volume }),
    ...(type === 'limit' && price !== undefined ? { price } : {}),
    timeInForce: tif,
  };
  if (clOrdId !== undefined && venue.orders(account.apiKey, { open: true }).some((o) => o.clientOrderId === clOrdId)) return fail(DUPLICATE_CL_ORD_ID);
  if (truthy(params['validate'])) return answer(validatedOrderResult({ side, type, origQty: volume, price: price ?? '0' }, m));
  if (!chargeOrderCounter(account, m.symbol, 1, receivedAt)) return fail('EOrder:Rate limit exceeded');
  const result = venue.place(account, input);
  if (!result.ok) return rejection(result.rejection);
  const oflags = [...flags.filter((f) => f !== 'fciq'), 'fciq'].join(',');
  extrasOf(venue).set(result.order.orderId, { userref, oflags });
  return answer(addOrderResult(result.order, m));
}

function rejection(r: OrderRejection): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return fail('EQuery:Unknown asset pair');
    case 'filter':
      if (r.filter === 'NOTIONAL') return fail('EOrder:Cost minimum not met');
      if (r.filter === 'PRICE_FILTER') return fail('EOrder:Invalid price:Invalid price argument');
      return fail('EOrder:Order minimum not met');
    case 'insufficient_balance':
      return fail('EOrder:Insufficient funds');
    case 'duplicate_client_id':
      return fail(DUPLICATE_CL_ORD_ID);
    case 'would_take':
    case 'would_trigger':
      // Cannot happen: kraken's wire format places neither post-only nor stop orders here.
      return fail('EGeneral:Invalid arguments:ordertype');
    case 'bad_request':
      return fail(`EGeneral:Invalid arguments:${r.message}`);
  }
}

/**
 * CancelOrder (https://docs.kraken.com/api/docs/rest-api/cancel-order): `txid` is a Kraken order id or
 * a userref (every open order with it); `cl_ord_id` names one open order. Nothing open matches →
 * EOrder:Unknown order, also for an order that already closed. Result `{ count }`.
 */
export function cancelOrder({ params, ctx, account, receivedAt }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const byTxid = params['txid'];
  const byClient = params['cl_ord_id'];
  if ((byTxid === undefined) === (byClient === undefined)) return fail('EGeneral:Invalid arguments');
  const open = venue.orders(account.apiKey, { open: true });
  let targets: SimOrder[];
  if (byClient !== undefined) targets = open.filter((o) => o.clientOrderId === byClient);
  else if (byTxid !== undefined && INT32.test(byTxid)) targets = open.filter((o) => extrasOf(venue).get(o.orderId)?.userref === Number(byTxid));
  else {
    const id = byTxid === undefined ? undefined : fromTxid('O', byTxid);
    if (id === undefined) return fail('EOrder:Invalid order');
    targets = open.filter((o) => o.orderId === id);
  }
  if (targets.length === 0) return fail('EOrder:Unknown order');
  for (const o of targets) {
    if (!chargeOrderCounter(account, o.symbol, cancelPenalty(receivedAt - o.createdAt), receivedAt)) return fail('EOrder:Rate limit exceeded');
  }
  let count = 0;
  for (const o of targets) if (venue.cancel(account.apiKey, o.symbol, { orderId: o.orderId })) count += 1;
  return answer({ count });
}

/** Shared filter of OpenOrders and ClosedOrders: userref and cl_ord_id restrict the result. */
function matchesRefs(venue: Venue, o: SimOrder, params: Params): boolean {
  const clOrdId = params['cl_ord_id'];
  if (clOrdId !== undefined && o.clientOrderId !== clOrdId) return false;
  const userref = params['userref'];
  return userref === undefined || extrasOf(venue).get(o.orderId)?.userref === Number(userref);
}

function byNewest(a: SimOrder, b: SimOrder): number {
  return b.orderId - a.orderId;
}

/** OpenOrders (https://docs.kraken.com/api/docs/rest-api/get-open-orders): `{ open: { txid: order } }`. */
export function openOrders({ params, ctx, account }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const orders = venue.orders(account.apiKey, { open: true }).filter((o) => matchesRefs(venue, o, params)).sort(byNewest);
  const open = Object.fromEntries(orders.map((o) => [txid('O', o.orderId), describe(venue, account, o, truthy(params['trades']))]));
  return answer({ open });
}

/**
 * ClosedOrders (https://docs.kraken.com/api/docs/rest-api/get-closed-orders): filled, canceled and
 * expired orders, newest first, 50 per page (`ofs`), `start`/`end` in unix seconds; `{ closed, count }`.
 */
export function closedOrders({ params, ctx, account }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const start = params['start'] !== undefined ? Number(params['start']) * 1000 : undefined;
  const end = params['end'] !== undefined ? Number(params['end']) * 1000 : undefined;
  const all = venue
    .orders(account.apiKey, { open: false })
    .filter((o) => matchesRefs(venue, o, params))
    .filter((o) => (start === undefined || o.updatedAt > start) && (end === undefined || o.updatedAt <= end))
    .sort(byNewest);
  const ofs = Math.max(0, Number(params['ofs'] ?? 0) || 0);
  const page = all.slice(ofs, ofs + 50);
  const closed = Object.fromEntries(page.map((o) => [txid('O', o.orderId), describe(venue, account, o, truthy(params['trades']))]));
  return answer(truthy(params['without_count']) ? { closed } : { closed, count: all.length });
}

/**
 * QueryOrders (https://docs.kraken.com/api/docs/rest-api/get-orders-info): `txid` is required, a comma
 * list of up to 50 order ids; the result has an entry per known id. A malformed id → EOrder:Invalid
 * order; an unknown one is left out (ccxt then raises OrderNotFound itself).
 */
export function queryOrders({ params, ctx, account }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const ids = (params['txid'] ?? '').split(',').filter((s) => s !== '');
  if (ids.length === 0 || ids.length > 50) return fail('EGeneral:Invalid arguments:txid');
  const result: Record<string, unknown> = {};
  for (const id of ids) {
    const n = fromTxid('O', id);
    if (n === undefined) return fail('EOrder:Invalid order');
    const o = venue.order(account.apiKey, { orderId: n });
    if (o && matchesRefs(venue, o, { ...(params['userref'] !== undefined ? { userref: params['userref'] } : {}) })) {
      result[id] = describe(venue, account, o, truthy(params['trades']));
    }
  }
  return answer(result);
}

/** TradesHistory (https://docs.kraken.com/api/docs/rest-api/get-trade-history): newest first, 50 per page; `{ trades, count }`. */
export function tradesHistory({ params, ctx, account }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const start = params['start'] !== undefined ? Number(params['start']) * 1000 : undefined;
  const end = params['end'] !== undefined ? Number(params['end']) * 1000 : undefined;
  const fills = venue
    .fills(account.apiKey)
    .filter((f) => (start === undefined || f.time > start) && (end === undefined || f.time <= end))
    .reverse();
  const ofs = Math.max(0, Number(params['ofs'] ?? 0) || 0);
  const trades: Record<string, unknown> = {};
  for (const f of fills.slice(ofs, ofs + 50)) {
    const m = venue.market(f.symbol);
    if (m) trades[txid('T', f.tradeId)] = tradeInfo(f, venue.order(account.apiKey, { orderId: f.orderId }), m);
  }
  return answer({ trades, count: fills.length });
}

/** QueryTrades (https://docs.kraken.com/api/docs/rest-api/get-trades-info): `txid` a comma list of up to 20 trade ids. */
export function queryTrades({ params, ctx, account }: KrakenCall): SimResponse {
  const venue = ctx.venue();
  const ids = (params['txid'] ?? '').split(',').filter((s) => s !== '');
  if (ids.length === 0 || ids.length > 20) return fail('EGeneral:Invalid arguments:txid');
  const fills = venue.fills(account.apiKey);
  const result: Record<string, unknown> = {};
  for (const id of ids) {
    const n = fromTxid('T', id);
    if (n === undefined) return fail('EGeneral:Invalid arguments:txid');
    const f = fills.find((x) => x.tradeId === n);
    const m = f ? venue.market(f.symbol) : undefined;
    if (f && m) result[id] = tradeInfo(f, venue.order(account.apiKey, { orderId: f.orderId }), m);
  }
  return answer(result);
}
