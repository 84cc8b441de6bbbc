import { Dec } from '../../src/domain/money.js';
import type { MarketSpec, OrderRef, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { decimalParam } from './common.js';
import { fail, ok, opFail, orderAck, rateLimited, type OkxCall, type Params } from './okx-common.js';
import { okxAlgo } from './okx-algo.js';
import { fillShape, instId, orderShape, plainOrdId, shownClOrdId, venueOrderIdOf } from './okx-shapes.js';

/**
 * OKX v5 spot trading (`tdMode: cash`) on the venue's matching engine; `clOrdId` is the client id.
 * Limits are "N requests per 2 seconds" per UID + instrument (place, cancel, order details) or per UID
 * (lists), each endpoint its own bucket (https://www.okx.com/docs-v5/en/#overview-rate-limits and each
 * endpoint's "Rate Limit" line); a breach answers HTTP 429 with code 50011.
 */

export interface OkxTradingEndpoint {
  limit: number;
  per: 'instrument' | 'uid';
  run: (call: OkxCall) => SimResponse;
}

/** "A combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32 characters." */
const CL_ORD_ID = /^[A-Za-z0-9]{1,32}$/;
const SIDES: Record<string, PlaceOrderInput['side']> = { buy: 'buy', sell: 'sell' };
const TYPES: Record<string, { type: PlaceOrderInput['type']; timeInForce?: PlaceOrderInput['timeInForce'] }> = {
  market: { type: 'market' },
  limit: { type: 'limit', timeInForce: 'GTC' },
  post_only: { type: 'limit', timeInForce: 'GTC' },
  ioc: { type: 'limit', timeInForce: 'IOC' },
  fok: { type: 'limit', timeInForce: 'FOK' },
};

export const okxTrading: Record<string, OkxTradingEndpoint> = {
  'POST /trade/order': { limit: 60, per: 'instrument', run: ({ ctx, params, account }) => placeOne(ctx, params, account) },
  'POST /trade/cancel-order': { limit: 60, per: 'instrument', run: cancelOrder },
  'GET /trade/order': { limit: 60, per: 'instrument', run: orderDetails },
  'GET /trade/orders-pending': { limit: 60, per: 'uid', run: (call) => listOrders(call, 'pending') },
  'GET /trade/orders-history': { limit: 40, per: 'uid', run: (call) => listOrders(call, 'history') },
  'GET /trade/orders-history-archive': { limit: 20, per: 'uid', run: (call) => listOrders(call, 'history') },
  'GET /trade/fills': { limit: 60, per: 'uid', run: listFills },
  'GET /trade/fills-history': { limit: 10, per: 'uid', run: listFills },
  ...okxAlgo,
};

/** A stop that has not fired is an algo order: the plain order endpoints do not see it. */
function isPlain(o: SimOrder): boolean {
  return o.stop === undefined || o.stop.triggeredAt !== undefined;
}

/**
 * The plain order `params` name, found as `ref` found it: by ordId only the id the plain endpoints
 * show (a fired stop's placed order, not its algo id); by clOrdId never a fired stop (its order carries none).
 */
function namesPlain(o: SimOrder | undefined, params: Params): o is SimOrder {
  if (!o || !isPlain(o)) return false;
  const id = params['ordId'];
  return id !== undefined && id !== '' ? plainOrdId(o) === id : o.stop === undefined;
}

/** Runs a trading endpoint under its own per-2-second bucket. */
export function runTrading(route: string, call: OkxCall): SimResponse | null {
  const endpoint = okxTrading[route];
  if (!endpoint) return null;
  const scope = endpoint.per === 'instrument' ? `:${call.params['instId'] ?? ''}` : '';
  const used = call.ctx.countInWindow(`uid:${call.account.apiKey}:${route}${scope}`, 2_000);
  return used.used > endpoint.limit ? rateLimited() : endpoint.run(call);
}

function spotMarket(ctx: SimContext, id: string | undefined): MarketSpec | undefined {
  return ctx.venue().markets().find((m) => instId(m) === id);
}

function placeOne(ctx: SimContext, params: Params, account: OkxCall['account']): SimResponse {
  const clOrdId = params['clOrdId'] ?? '';
  const market = spotMarket(ctx, params['instId']);
  if (market === undefined) return opFail(ctx, '51001', "Instrument ID or Spread ID doesn't exist.", { clOrdId });
  if (params['tdMode'] !== 'cash') return opFail(ctx, '51000', 'Parameter tdMode error', { clOrdId });
  const input = parseCreate(ctx, params, market);
  if ('status' in input) return input;
  const result = ctx.venue().place(account, input);
  if (!result.ok) return rejection(ctx, result.rejection, params, market);
  return orderAck(ctx, '0', {
    clOrdId: shownClOrdId(result.order), ordId: String(result.order.orderId), tag: '', ts: String(ctx.exchangeNow()), sCode: '0', sMsg: 'Order placed',
  });
}

function parseCreate(ctx: SimContext, params: Params, m: MarketSpec): PlaceOrderInput | SimResponse {
  const given = params['clOrdId'];
  const clOrdId = given ?? '';
  if (given !== undefined && !CL_ORD_ID.test(given)) return opFail(ctx, '51000', 'Parameter clOrdId error', { clOrdId });
  const side = SIDES[params['side'] ?? ''];
  if (!side) return opFail(ctx, '51000', 'Parameter side error', { clOrdId });
  const kind = TYPES[params['ordType'] ?? ''];
  if (!kind) return opFail(ctx, '51000', 'Parameter ordType error', { clOrdId });
  const sz = decimalParam(params['sz']);
  if (sz === undefined || new Dec(sz).lte(0)) return opFail(ctx, '51000', 'Parameter sz error', { clOrdId });
  const px = decimalParam(params['px']);
  if (kind.type === 'limit' && px === undefined) return opFail(ctx, '51000', 'Parameter px error', { clOrdId });
  // Spot market orders: `sz` is quote for buys and base for sells unless tgtCcy says otherwise
  // (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order, tgtCcy).
  const tgtCcy = params['tgtCcy'] ?? '';
  if (tgtCcy !== '' && tgtCcy !== 'base_ccy' && tgtCcy !== 'quote_ccy') return opFail(ctx, '51000', 'Parameter tgtCcy error', { clOrdId });
  const quoteSized = kind.type === 'market' && (tgtCcy === '' ? side === 'buy' : tgtCcy === 'quote_ccy');
  return {
    symbol: m.symbol,
    side,
    type: kind.type,
    // A missing clOrdId is allowed; an internal one keeps the venue's bookkeeping, never shown.
    clientOrderId: given ?? `_${ctx.exchangeNow()}${Math.floor(Math.random() * 1e9)}`,
    ...(quoteSized ? { quoteQty: sz } : { quantity: sz }),
    ...(kind.type === 'limit' && px !== undefined ? { price: px } : {}),
    ...(kind.timeInForce !== undefined ? { timeInForce: kind.timeInForce } : {}),
    // A post_only that would take is accepted, then canceled (cancelSource 31: "POST_ONLY would take liquidity").
    ...(params['ordType'] === 'post_only' ? { postOnly: true, postOnlyCancels: true } : {}),
  };
}

function rejection(ctx: SimContext, r: OrderRejection, params: Params, m: MarketSpec): SimResponse {
  const ids = { clOrdId: params['clOrdId'] ?? '' };
  switch (r.kind) {
    case 'unknown_symbol':
      return opFail(ctx, '51001', "Instrument ID or Spread ID doesn't exist.", ids);
    case 'filter': {
      // Price off tick: "Parameter px error" (seen on the wire: okxapi/python-okx#97).
      if (r.filter === 'PRICE_FILTER') return opFail(ctx, '51000', 'Parameter px error', ids);
      const sz = new Dec(params['sz'] ?? '0');
      if (r.filter === 'LOT_SIZE' && sz.gte(m.minQty) && !sz.mod(m.stepSize).isZero()) {
        return opFail(ctx, '51121', 'Order quantity must be a multiple of the lot size.', ids);
      }
      return opFail(ctx, '51020', 'Your order should meet or exceed the minimum order amount.', ids);
    }
    case 'insufficient_balance': {
      const ccy = params['side'] === 'buy' ? m.quote : m.base;
      return opFail(ctx, '51008', `Order failed. Insufficient ${ccy} balance in account.`, ids);
    }
    case 'duplicate_client_id':
      return opFail(ctx, '51016', 'Duplicated clOrdId', ids);
    // would_take and would_trigger are not reached on plain orders: post_only takers are canceled, stops go to order-algo.
    case 'would_take':
    case 'would_trigger':
    case 'bad_request':
      return opFail(ctx, '51000', `Parameter ${r.kind === 'bad_request' && r.message === 'price' ? 'px' : 'sz'} error`, ids);
  }
}

function orderRef(params: Params): OrderRef | undefined {
  const id = params['ordId'];
  if (id !== undefined && id !== '') return { orderId: /^\d+$/.test(id) ? venueOrderIdOf(Number(id)).orderId : -1 };
  const cl = params['clOrdId'];
  // An internal id (see shownClOrdId) is no client id: it matches nothing.
  if (cl !== undefined && cl.startsWith('_')) return { orderId: -1 };
  return cl !== undefined && cl !== '' ? { clientOrderId: cl } : undefined;
}

function cancelOrder({ ctx, params, account }: OkxCall): SimResponse {
  const ids = { clOrdId: params['clOrdId'] ?? '', ordId: params['ordId'] ?? '' };
  const market = spotMarket(ctx, params['instId']);
  if (market === undefined) return opFail(ctx, '51001', "Instrument ID or Spread ID doesn't exist.", ids);
  const ref = orderRef(params);
  if (!ref) return opFail(ctx, '51000', 'Parameter ordId error', ids);
  const venue = ctx.venue();
  const found = venue.order(account.apiKey, ref, market.symbol);
  const order = namesPlain(found, params) ? venue.cancel(account.apiKey, market.symbol, ref) : undefined;
  if (!order) {
    // One code for never existed, already filled and already canceled: the message says so.
    return opFail(ctx, '51400', 'Order cancellation failed as the order has been filled, canceled or does not exist.', ids);
  }
  return orderAck(ctx, '0', { clOrdId: order.stop ? '' : shownClOrdId(order), ordId: plainOrdId(order), sCode: '0', sMsg: '', ts: String(ctx.exchangeNow()) });
}

/** By ordId or clOrdId; finished orders are found too ("the latest one" for a reused clOrdId). */
function orderDetails({ ctx, params, account }: OkxCall): SimResponse {
  const market = spotMarket(ctx, params['instId']);
  if (market === undefined) return fail(200, '51001', "Instrument ID or Spread ID doesn't exist.");
  const ref = orderRef(params);
  if (!ref) return fail(200, '51003', 'Either client order ID or order ID is required.');
  const venue = ctx.venue();
  const order = venue.order(account.apiKey, ref, market.symbol);
  if (!namesPlain(order, params)) return fail(200, '51603', 'Order does not exist');
  return ok([orderShape(order, market, venue.fills(account.apiKey, { orderId: order.orderId }))]);
}

function isOpen(o: SimOrder): boolean {
  return o.status === 'new' || o.status === 'partially_filled';
}

function spotOnly(params: Params, required: boolean): SimResponse | undefined {
  const instType = params['instType'];
  if (instType === undefined) return required ? fail(200, '50014', 'Parameter instType can not be empty.') : undefined;
  return instType === 'SPOT' ? undefined : ok([]);
}

/** Newest first, at most `limit` (default and max 100). */
function limitOf(params: Params): number {
  const n = Number(params['limit'] ?? 100);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 100) : 100;
}

function listOrders({ ctx, params, account }: OkxCall, kind: 'pending' | 'history'): SimResponse {
  const notSpot = spotOnly(params, kind === 'history');
  if (notSpot) return notSpot;
  const venue = ctx.venue();
  const market = params['instId'] !== undefined ? spotMarket(ctx, params['instId']) : undefined;
  if (params['instId'] !== undefined && market === undefined) return fail(200, '51001', "Instrument ID or Spread ID doesn't exist.");
  const state = params['state'];
  const list = venue
    .orders(account.apiKey, market ? { symbol: market.symbol } : {})
    .filter((o) => isPlain(o) && (kind === 'pending' ? isOpen(o) : !isOpen(o)))
    .sort((a, b) => b.orderId - a.orderId)
    .map((o) => {
      const m = venue.market(o.symbol);
      if (!m) throw new Error(`Order on unknown market ${o.symbol}`);
      return orderShape(o, m, venue.fills(account.apiKey, { orderId: o.orderId }));
    })
    .filter((o) => state === undefined || o['state'] === state)
    .slice(0, limitOf(params));
  return ok(list);
}

function listFills({ ctx, params, account }: OkxCall): SimResponse {
  const notSpot = spotOnly(params, false);
  if (notSpot) return notSpot;
  const venue = ctx.venue();
  const market = params['instId'] !== undefined ? spotMarket(ctx, params['instId']) : undefined;
  if (params['instId'] !== undefined && market === undefined) return fail(200, '51001', "Instrument ID or Spread ID doesn't exist.");
  const orderId = params['ordId'] !== undefined ? venueOrderIdOf(Number(params['ordId'])).orderId : undefined;
  const begin = params['begin'] !== undefined ? Number(params['begin']) : undefined;
  const end = params['end'] !== undefined ? Number(params['end']) : undefined;
  const list = venue
    .fills(account.apiKey, { ...(market ? { symbol: market.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })
    .filter((f) => (begin === undefined || f.time >= begin) && (end === undefined || f.time <= end))
    .reverse()
    .slice(0, limitOf(params))
    .map((f) => {
      const m = venue.market(f.symbol);
      if (!m) throw new Error(`Fill on unknown market ${f.symbol}`);
      return fillShape(f, venue.order(account.apiKey, { orderId: f.orderId }), m, f.maker ? venue.fees.maker : venue.fees.taker);
    });
  return ok(list);
}
