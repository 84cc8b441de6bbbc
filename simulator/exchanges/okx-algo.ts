import { Dec } from '../../src/domain/money.js';
import type { MarketSpec, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { decimalParam } from './common.js';
import { fail, ok, orderAck, type OkxCall, type Params } from './okx-common.js';
import { instId, plainOrdId } from './okx-shapes.js';
import type { OkxTradingEndpoint } from './okx-trading.js';

/**
 * OKX v5 algo orders on spot, the two kinds a resting stop-loss uses: `conditional` (slTriggerPx, with
 * slOrdPx -1 for market) and `trigger` (triggerPx, orderPx -1 for market)
 * (https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order). ccxt
 * 4.5.84 posts `stopLossPrice` as conditional (with tdMode cross, its default margin mode, even on
 * spot) and `triggerPrice` as trigger; it lists them with `{ trigger: true }` (ordType trigger, or the
 * ordType it is given) and cancels them through cancel-algos. The algo id is the venue's order id;
 * once triggered, the plain order it placed has an ordId of its own (okx-shapes.ts plainOrdId).
 */

const SIDES: Record<string, PlaceOrderInput['side']> = { buy: 'buy', sell: 'sell' };
const KINDS = new Set(['conditional', 'trigger']);
const ALGO_CL_ID = /^[A-Za-z0-9]{1,32}$/;

export const okxAlgo: Record<string, OkxTradingEndpoint> = {
  'POST /trade/order-algo': { limit: 20, per: 'uid', run: placeAlgo },
  'POST /trade/cancel-algos': { limit: 20, per: 'uid', run: cancelAlgos },
  'GET /trade/order-algo': { limit: 20, per: 'uid', run: algoDetails },
  'GET /trade/orders-algo-pending': { limit: 20, per: 'uid', run: (call) => listAlgos(call, 'pending') },
  'GET /trade/orders-algo-history': { limit: 20, per: 'uid', run: (call) => listAlgos(call, 'history') },
};

function marketOf(ctx: SimContext, id: string | undefined): MarketSpec | undefined {
  return ctx.venue().markets().find((m) => instId(m) === id);
}

function algoFail(ctx: SimContext, sCode: string, sMsg: string, algoClOrdId = ''): SimResponse {
  return orderAck(ctx, '1', { algoId: '', algoClOrdId, clOrdId: '', sCode, sMsg, tag: '' });
}

function placeAlgo({ ctx, params, account }: OkxCall): SimResponse {
  const clId = params['algoClOrdId'] ?? params['clOrdId'];
  if (clId !== undefined && !ALGO_CL_ID.test(clId)) return algoFail(ctx, '51000', 'Parameter algoClOrdId error');
  const m = marketOf(ctx, params['instId']);
  if (!m) return algoFail(ctx, '51001', "Instrument ID or Spread ID doesn't exist.", clId);
  const parsed = parseAlgo(ctx, params, m, clId);
  if ('status' in parsed) return parsed;
  const result = ctx.venue().place(account, parsed);
  if (!result.ok) return algoRejection(ctx, result.rejection, parsed, m, clId ?? '');
  return orderAck(ctx, '0', { algoId: String(result.order.orderId), algoClOrdId: clId ?? '', clOrdId: clId ?? '', sCode: '0', sMsg: '', tag: params['tag'] ?? '' });
}

function parseAlgo(ctx: SimContext, params: Params, m: MarketSpec, clId: string | undefined): PlaceOrderInput | SimResponse {
  const ordType = params['ordType'] ?? '';
  if (!KINDS.has(ordType)) return algoFail(ctx, '51000', 'Parameter ordType error', clId);
  // Spot stops need no margin: cash, or the cross mode ccxt sends for a conditional order.
  if (params['tdMode'] !== 'cash' && params['tdMode'] !== 'cross') return algoFail(ctx, '51000', 'Parameter tdMode error', clId);
  const side = SIDES[params['side'] ?? ''];
  if (!side) return algoFail(ctx, '51000', 'Parameter side error', clId);
  const sz = decimalParam(params['sz']);
  if (sz === undefined || new Dec(sz).lte(0)) return algoFail(ctx, '51000', 'Parameter sz error', clId);
  const trigger = decimalParam(ordType === 'conditional' ? params['slTriggerPx'] : params['triggerPx']);
  if (trigger === undefined) return algoFail(ctx, '51000', `Parameter ${ordType === 'conditional' ? 'slTriggerPx' : 'triggerPx'} error`, clId);
  const ordPx = ordType === 'conditional' ? params['slOrdPx'] : params['orderPx'];
  const limit = ordPx === '-1' ? undefined : decimalParam(ordPx);
  if (ordPx !== '-1' && limit === undefined) return algoFail(ctx, '51000', `Parameter ${ordType === 'conditional' ? 'slOrdPx' : 'orderPx'} error`, clId);
  return {
    symbol: m.symbol,
    side,
    type: limit === undefined ? 'market' : 'limit',
    // sz is the base quantity (the simulator sizes algo market buys in base too).
    quantity: sz,
    ...(limit !== undefined ? { price: limit } : {}),
    stopPrice: trigger,
    stopKind: ordType,
    clientOrderId: clId ?? `_${ctx.exchangeNow()}${Math.floor(Math.random() * 1e9)}`,
  };
}

function algoRejection(ctx: SimContext, r: OrderRejection, input: PlaceOrderInput, m: MarketSpec, clId: string): SimResponse {
  switch (r.kind) {
    case 'would_trigger':
      // The SL checks of https://www.okx.com/docs-v5/en/#error-code (51278–51280): a sell's stop below
      // the last price, a buy's above it.
      return input.side === 'sell'
        ? algoFail(ctx, '51280', 'SL trigger price can not be higher than the last price', clId)
        : algoFail(ctx, '51278', 'SL trigger price can not be lower than the last price', clId);
    case 'insufficient_balance':
      return algoFail(ctx, '51008', `Order failed. Insufficient ${input.side === 'buy' ? m.quote : m.base} balance in account.`, clId);
    case 'filter':
      return algoFail(ctx, r.filter === 'PRICE_FILTER' ? '51000' : '51020', r.filter === 'PRICE_FILTER' ? 'Parameter px error' : 'Your order should meet or exceed the minimum order amount.', clId);
    case 'duplicate_client_id':
      return algoFail(ctx, '51016', 'Duplicated clOrdId', clId);
    case 'unknown_symbol':
      return algoFail(ctx, '51001', "Instrument ID or Spread ID doesn't exist.", clId);
    case 'would_take':
    case 'bad_request':
      return algoFail(ctx, '51000', 'Parameter sz error', clId);
  }
}

function cancelAlgos({ ctx, body, account }: OkxCall): SimResponse {
  let entries: unknown;
  try {
    entries = JSON.parse(body ?? '');
  } catch {
    return fail(200, '50002', 'JSON syntax error');
  }
  if (!Array.isArray(entries) || entries.length === 0) return fail(200, '50014', 'Parameter algoId can not be empty.');
  const venue = ctx.venue();
  const data = entries.map((raw: unknown) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const algoId = typeof e['algoId'] === 'string' ? e['algoId'] : '';
    const m = marketOf(ctx, typeof e['instId'] === 'string' ? e['instId'] : undefined);
    const found = m && /^\d+$/.test(algoId) ? venue.order(account.apiKey, { orderId: Number(algoId) }, m.symbol) : undefined;
    const canceled = found?.stop && found.stop.triggeredAt === undefined && m ? venue.cancel(account.apiKey, m.symbol, { orderId: found.orderId }) : undefined;
    return canceled
      ? { algoId, algoClOrdId: shownId(canceled), clOrdId: '', sCode: '0', sMsg: '', tag: '' }
      : { algoId, algoClOrdId: '', clOrdId: '', sCode: '51400', sMsg: 'Cancellation failed as the order has been filled, canceled or does not exist.', tag: '' };
  });
  const allFailed = data.every((d) => d.sCode !== '0');
  return { status: 200, body: { code: allFailed ? '1' : '0', msg: '', data } };
}

function algoDetails({ ctx, params, account }: OkxCall): SimResponse {
  const id = params['algoId'];
  const cl = params['algoClOrdId'];
  const ref = id !== undefined && /^\d+$/.test(id) ? { orderId: Number(id) } : cl !== undefined ? { clientOrderId: cl } : undefined;
  if (!ref) return fail(200, '51000', 'Parameter algoId error');
  const order = ctx.venue().order(account.apiKey, ref);
  const m = order ? ctx.venue().market(order.symbol) : undefined;
  if (!order?.stop || !m) return fail(200, '51603', 'Order does not exist');
  return ok([algoShape(order, m)]);
}

/** pending: live (untriggered) algos; history: triggered or canceled ones, by `state` or `algoId`. */
function listAlgos({ ctx, params, account }: OkxCall, kind: 'pending' | 'history'): SimResponse {
  const ordType = params['ordType'];
  if (ordType === undefined && params['algoId'] === undefined) return fail(200, '50014', 'Parameter ordType can not be empty.');
  const kinds = new Set((ordType ?? 'conditional,trigger').split(','));
  const venue = ctx.venue();
  const m = params['instId'] !== undefined ? marketOf(ctx, params['instId']) : undefined;
  const list = venue
    .orders(account.apiKey, m ? { symbol: m.symbol } : {})
    .filter((o) => o.stop !== undefined && kinds.has(o.stop.kind ?? 'trigger'))
    .filter((o) => (kind === 'pending' ? isLive(o) : !isLive(o)))
    .filter((o) => params['algoId'] === undefined || String(o.orderId) === params['algoId'])
    .sort((a, b) => b.orderId - a.orderId)
    .map((o) => algoShape(o, venue.market(o.symbol) ?? (m as MarketSpec)))
    .filter((o) => params['state'] === undefined || o['state'] === params['state'])
    .slice(0, Math.min(Number(params['limit'] ?? 100) || 100, 100));
  return ok(list);
}

function isLive(o: SimOrder): boolean {
  return o.stop !== undefined && o.stop.triggeredAt === undefined && o.status === 'new';
}

function shownId(o: SimOrder): string {
  return o.clientOrderId.startsWith('_') ? '' : o.clientOrderId;
}

/** live → effective once triggered (the order it placed carries `ordId`), canceled if canceled first. */
function algoShape(o: SimOrder, m: MarketSpec): Record<string, unknown> {
  const stop = o.stop ?? { price: '0' };
  const conditional = stop.kind === 'conditional';
  const triggered = stop.triggeredAt !== undefined;
  const ordPx = o.type === 'market' ? '-1' : o.price;
  return {
    activePx: '', actualPx: triggered ? ordPx : '', actualSide: triggered ? 'sl' : '', actualSz: triggered ? o.origQty : '0',
    algoClOrdId: shownId(o), algoId: String(o.orderId), cTime: String(o.createdAt), ccy: '', clOrdId: shownId(o),
    instId: instId(m), instType: 'SPOT', lever: '', ordId: triggered ? plainOrdId(o) : '', ordIdList: triggered ? [plainOrdId(o)] : [],
    ordPx: conditional ? '' : ordPx, ordType: stop.kind ?? 'trigger', posSide: 'net', reduceOnly: 'false', side: o.side,
    slOrdPx: conditional ? ordPx : '', slTriggerPx: conditional ? stop.price : '', slTriggerPxType: conditional ? 'last' : '',
    state: triggered ? 'effective' : o.status === 'canceled' ? 'canceled' : 'live', sz: o.origQty, tag: '', tdMode: 'cash', tgtCcy: '',
    tpOrdPx: '', tpTriggerPx: '', tpTriggerPxType: '', triggerPx: conditional ? '' : stop.price, triggerPxType: conditional ? '' : 'last',
    triggerTime: stop.triggeredAt !== undefined ? String(stop.triggeredAt) : '', uTime: String(o.updatedAt),
  };
}
