import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpOrder, PerpPlaceInput, PerpRejection, PerpSpec } from '../matching/derivatives-types.js';
import type { OrderRef } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { decimalParam } from './common.js';
import { fail, ok, opFail, orderAck, type OkxCall, type Params } from './okx-common.js';
import { shownSwapClOrdId, swapById, swapFillShape, swapOrderShape, toBase } from './okx-swap-shapes.js';

/**
 * OKX v5 swap trading on the derivatives core (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order):
 * `tdMode` isolated or cross (the margin mode the order trades under), `sz` in contracts,
 * `reduceOnly`, `posSide` net or absent (net mode). Failures answer code "1" with the order's
 * `sCode` / `sMsg`: 51008 margin, 51169 a reduce-only order with no position to reduce, 51170 a
 * reduce-only order in the position's own direction, 51020 / 51121 size, 51000 parameters.
 */

interface SwapTradingEndpoint {
  limit: number;
  per: 'instrument' | 'uid';
  run: (call: OkxCall) => SimResponse;
}

const CL_ORD_ID = /^[A-Za-z0-9]{1,32}$/;
const TYPES: Record<string, { type: PerpPlaceInput['type']; timeInForce?: PerpPlaceInput['timeInForce'] }> = {
  market: { type: 'market' },
  limit: { type: 'limit', timeInForce: 'GTC' },
  ioc: { type: 'limit', timeInForce: 'IOC' },
  fok: { type: 'limit', timeInForce: 'FOK' },
};

function perps(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

const NO_INSTRUMENT_MSG = "Instrument ID, Instrument ID code or Spread ID doesn't exist.";

function placeOne({ ctx, params, account }: OkxCall): SimResponse {
  const clOrdId = params['clOrdId'] ?? '';
  const ids = { clOrdId };
  const d = perps(ctx);
  const spec = swapById(d, params['instId']);
  if (!spec) return opFail(ctx, '51001', NO_INSTRUMENT_MSG, ids);
  const tdMode = params['tdMode'];
  if (tdMode !== 'isolated' && tdMode !== 'cross') return opFail(ctx, '51000', 'Parameter tdMode error', ids);
  if (params['posSide'] !== undefined && params['posSide'] !== 'net' && params['posSide'] !== '') return opFail(ctx, '51000', 'Parameter posSide error', ids);
  // Long/short mode needs posSide long or short, which the one-way core cannot trade.
  if (account.positionMode === 'hedge') return opFail(ctx, '51000', 'Parameter posSide error', ids);
  if (params['clOrdId'] !== undefined && !CL_ORD_ID.test(clOrdId)) return opFail(ctx, '51000', 'Parameter clOrdId error', ids);
  const side = params['side'] === 'buy' || params['side'] === 'sell' ? params['side'] : undefined;
  if (!side) return opFail(ctx, '51000', 'Parameter side error', ids);
  const kind = TYPES[params['ordType'] ?? ''];
  if (!kind) return opFail(ctx, '51000', 'Parameter ordType error', ids);
  const sz = decimalParam(params['sz']);
  if (sz === undefined || new Dec(sz).lte(0)) return opFail(ctx, '51000', 'Parameter sz error', ids);
  const px = decimalParam(params['px']);
  if (kind.type === 'limit' && px === undefined) return opFail(ctx, '51000', 'Parameter px error', ids);
  const reduceOnly = params['reduceOnly'] === 'true';
  const size = new Dec(d.position(account.apiKey, spec.symbol).size);
  if (reduceOnly && size.isZero()) return opFail(ctx, '51169', "Order failed because you don't have any positions in this direction for this contract to reduce or close.", ids);
  if (reduceOnly && (side === 'buy') === size.isPositive()) return opFail(ctx, '51170', 'Failed to place order. A reduce-only order can’t be the same trading direction as your existing positions.', ids);
  const moved = matchMarginMode(d, account, spec, tdMode);
  if (!moved) return opFail(ctx, '51000', 'Parameter tdMode error', ids);
  const result = d.place(account, {
    symbol: spec.symbol,
    side,
    type: kind.type,
    quantity: toBase(spec, sz),
    ...(px !== undefined && kind.type === 'limit' ? { price: px } : {}),
    ...(kind.timeInForce !== undefined ? { timeInForce: kind.timeInForce } : {}),
    reduceOnly,
    clientOrderId: params['clOrdId'] ?? `_${ctx.exchangeNow()}${Math.floor(Math.random() * 1e9)}`,
  });
  if (!result.ok) return rejection(ctx, result.rejection, params, spec);
  return orderAck(ctx, '0', { clOrdId: shownSwapClOrdId(result.order), ordId: String(result.order.orderId), tag: '', ts: String(ctx.exchangeNow()), sCode: '0', sMsg: 'Order placed' });
}

/** The order's tdMode becomes the instrument's margin mode when nothing holds the current one; false when something does. */
function matchMarginMode(d: DerivativesVenue, account: OkxCall['account'], spec: PerpSpec, tdMode: 'isolated' | 'cross'): boolean {
  if (d.settings(account.apiKey, spec.symbol).marginMode === tdMode) return true;
  return d.setMarginMode(account, [spec.symbol], tdMode).ok;
}

function rejection(ctx: SimContext, r: PerpRejection, params: Params, spec: PerpSpec): SimResponse {
  const ids = { clOrdId: params['clOrdId'] ?? '' };
  switch (r.kind) {
    case 'unknown_symbol':
      return opFail(ctx, '51001', NO_INSTRUMENT_MSG, ids);
    case 'filter': {
      if (r.filter === 'PRICE_FILTER') return opFail(ctx, '51000', 'Parameter px error', ids);
      const qty = new Dec(toBase(spec, params['sz'] ?? '0'));
      if (qty.gte(spec.minQty) && !qty.mod(spec.stepSize).isZero()) return opFail(ctx, '51121', 'Order quantity must be a multiple of the lot size.', ids);
      return opFail(ctx, '51020', 'Your order should meet or exceed the minimum order amount.', ids);
    }
    case 'insufficient_margin':
      return opFail(ctx, '51008', `Order failed. Insufficient ${spec.settle} margin in account`, ids);
    case 'reduce_only_increase':
      return opFail(ctx, '51170', 'Failed to place order. A reduce-only order can’t be the same trading direction as your existing positions.', ids);
    case 'duplicate_client_id':
      return opFail(ctx, '51016', 'Duplicated clOrdId', ids);
    case 'bad_request':
      return opFail(ctx, '51000', `Parameter ${r.message === 'price' ? 'px' : 'sz'} error`, ids);
  }
}

function orderRef(params: Params): OrderRef | undefined {
  const id = params['ordId'];
  if (id !== undefined && id !== '') return { orderId: /^\d+$/.test(id) ? Number(id) : -1 };
  const cl = params['clOrdId'];
  if (cl !== undefined && cl.startsWith('_')) return { orderId: -1 };
  return cl !== undefined && cl !== '' ? { clientOrderId: cl } : undefined;
}

function shape(d: DerivativesVenue, owner: string, o: PerpOrder): Record<string, unknown> {
  const spec = d.perp(o.symbol);
  if (!spec) throw new Error(`Order on unknown perpetual ${o.symbol}`);
  return swapOrderShape(o, spec, d.fills(owner, { orderId: o.orderId }), d.settings(owner, o.symbol).marginMode);
}

function cancelOrder({ ctx, params, account }: OkxCall): SimResponse {
  const ids = { clOrdId: params['clOrdId'] ?? '', ordId: params['ordId'] ?? '' };
  const d = perps(ctx);
  const spec = swapById(d, params['instId']);
  if (!spec) return opFail(ctx, '51001', NO_INSTRUMENT_MSG, ids);
  const ref = orderRef(params);
  if (!ref) return opFail(ctx, '51000', 'Parameter ordId error', ids);
  const order = d.cancel(account.apiKey, spec.symbol, ref);
  if (!order) return opFail(ctx, '51400', 'Order cancellation failed as the order has been filled, canceled or does not exist.', ids);
  return orderAck(ctx, '0', { clOrdId: shownSwapClOrdId(order), ordId: String(order.orderId), sCode: '0', sMsg: '', ts: String(ctx.exchangeNow()) });
}

function orderDetails({ ctx, params, account }: OkxCall): SimResponse {
  const d = perps(ctx);
  const spec = swapById(d, params['instId']);
  if (!spec) return fail(200, '51001', NO_INSTRUMENT_MSG);
  const ref = orderRef(params);
  if (!ref) return fail(200, '51003', 'Either client order ID or order ID is required.');
  const order = d.order(account.apiKey, ref, spec.symbol);
  if (!order) return fail(200, '51603', 'Order does not exist');
  return ok([shape(d, account.apiKey, order)]);
}

function limitOf(params: Params): number {
  const n = Number(params['limit'] ?? 100);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 100) : 100;
}

function listOrders({ ctx, params, account }: OkxCall, kind: 'pending' | 'history'): SimResponse {
  const d = perps(ctx);
  const spec = params['instId'] !== undefined ? swapById(d, params['instId']) : undefined;
  if (params['instId'] !== undefined && !spec) return fail(200, '51001', NO_INSTRUMENT_MSG);
  const list = d
    .orders(account.apiKey, { ...(spec ? { symbol: spec.symbol } : {}), open: kind === 'pending' })
    .sort((a, b) => b.orderId - a.orderId)
    .map((o) => shape(d, account.apiKey, o))
    .filter((o) => params['state'] === undefined || o['state'] === params['state'])
    .slice(0, limitOf(params));
  return ok(list);
}

function listFills({ ctx, params, account }: OkxCall): SimResponse {
  const d = perps(ctx);
  const spec = params['instId'] !== undefined ? swapById(d, params['instId']) : undefined;
  if (params['instId'] !== undefined && !spec) return fail(200, '51001', NO_INSTRUMENT_MSG);
  const orderId = params['ordId'] !== undefined ? Number(params['ordId']) : undefined;
  const begin = params['begin'] !== undefined ? Number(params['begin']) : -Infinity;
  const end = params['end'] !== undefined ? Number(params['end']) : Infinity;
  const list = d
    .fills(account.apiKey, { ...(spec ? { symbol: spec.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })
    .filter((f) => f.time >= begin && f.time <= end)
    .reverse()
    .slice(0, limitOf(params))
    .map((f) => {
      const s = d.perp(f.symbol);
      if (!s) throw new Error(`Fill on unknown perpetual ${f.symbol}`);
      return swapFillShape(f, s, d.order(account.apiKey, { orderId: f.orderId }));
    });
  return ok(list);
}

export const okxSwapTrading: Record<string, SwapTradingEndpoint> = {
  'POST /trade/order': { limit: 60, per: 'instrument', run: placeOne },
  'POST /trade/cancel-order': { limit: 60, per: 'instrument', run: cancelOrder },
  'GET /trade/order': { limit: 60, per: 'instrument', run: orderDetails },
  'GET /trade/orders-pending': { limit: 60, per: 'uid', run: (call) => listOrders(call, 'pending') },
  'GET /trade/orders-history': { limit: 40, per: 'uid', run: (call) => listOrders(call, 'history') },
  'GET /trade/orders-history-archive': { limit: 20, per: 'uid', run: (call) => listOrders(call, 'history') },
  'GET /trade/fills': { limit: 60, per: 'uid', run: listFills },
  'GET /trade/fills-history': { limit: 10, per: 'uid', run: listFills },
};

