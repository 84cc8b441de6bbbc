import { randomBytes } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpOrder, PerpPlaceInput, PerpRejection, PerpSpec } from '../matching/derivatives-types.js';
import type { OrderRef } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { type BinanceCall, binanceError, CLIENT_ID, type Endpoint, fixed, missingParam, type Params } from './binance-common.js';
import { perpById, perpsOf, SIDES, withPerp } from './binance-futures-common.js';
import { isAlgo } from './binance-futures-algo.js';
import { futuresOrderShape, futuresTradeShape } from './binance-futures-shapes.js';
import { decimalParam, json } from './common.js';

/**
 * Binance USDⓈ-M trading endpoints (…/usds-margined-futures/trade/rest-api): LIMIT and MARKET orders
 * in one-way mode (positionSide BOTH), GTC / IOC / FOK, reduce-only, on the derivatives core.
 * Conditional orders (STOP_MARKET and the like) go to the algo service in ccxt 4.5.84
 * (POST /fapi/v1/algoOrder, binance-futures-algo.ts): these endpoints never show an algo order, only
 * the plain order one places when it fires. Post-only (GTX), GTD and priceMatch are not simulated.
 */

const ORDER_LIMIT_10S = 300;
const ORDER_LIMIT_1M = 1200;
const TYPES: Record<string, PerpPlaceInput['type']> = { LIMIT: 'limit', MARKET: 'market' };
const CONDITIONAL = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);
const TIFS = new Set(['GTC', 'IOC', 'FOK']);


export const binanceFuturesTrading: Record<string, Endpoint> = {
  // New Order, …/trade/rest-api/New-Order: no IP weight, one on each order counter.
  'POST /fapi/v1/order': { security: 'trade', weight: fixed(0), run: newOrder },
  // Query Order, …/trade/rest-api/Query-Order
  'GET /fapi/v1/order': {
    security: 'signed',
    weight: fixed(1),
    run: ({ ctx, params, account }) =>
      withOrderRef(ctx, params, (spec, d, ref) => {
        const order = plain(d.order(account.apiKey, ref, spec.symbol));
        return order ? json(200, futuresOrderShape(order, spec, 'query')) : binanceError(400, -2013, 'Order does not exist.');
      }),
  },
  // Cancel Order, …/trade/rest-api/Cancel-Order: an order that is not open is unknown.
  'DELETE /fapi/v1/order': {
    security: 'trade',
    weight: fixed(1),
    run: ({ ctx, params, account }) =>
      withOrderRef(ctx, params, (spec, d, ref) => {
        const target = plain(d.order(account.apiKey, ref, spec.symbol));
        const order = target ? d.cancel(account.apiKey, spec.symbol, { orderId: target.orderId }) : undefined;
        return order ? json(200, futuresOrderShape(order, spec, 'cancel')) : binanceError(400, -2011, 'Unknown order sent.');
      }),
  },
  // Query Current Open Order, …/trade/rest-api/Query-Current-Open-Order
  'GET /fapi/v1/openOrder': {
    security: 'signed',
    weight: fixed(1),
    run: ({ ctx, params, account }) =>
      withOrderRef(ctx, params, (spec, d, ref) => {
        const order = plain(d.order(account.apiKey, ref, spec.symbol));
        const open = order !== undefined && (order.status === 'new' || order.status === 'partially_filled');
        return open ? json(200, futuresOrderShape(order, spec, 'query')) : binanceError(400, -2013, 'Order does not exist.');
      }),
  },
  // Current All Open Orders, …/trade/rest-api/Current-All-Open-Orders
  'GET /fapi/v1/openOrders': {
    security: 'signed',
    weight: (p) => (p['symbol'] !== undefined ? 1 : 40),
    run: ({ ctx, params, account }) => {
      const d = perpsOf(ctx);
      const spec = perpById(d, params['symbol']);
      if (params['symbol'] !== undefined && !spec) return binanceError(400, -1121, 'Invalid symbol.');
      const orders = d.orders(account.apiKey, { open: true, ...(spec ? { symbol: spec.symbol } : {}) }).filter((o) => !isAlgo(o)).sort((a, b) => a.orderId - b.orderId);
      return json(200, orders.map((o) => futuresOrderShape(o, specOf(d, o.symbol), 'query')));
    },
  },
  // Cancel All Open Orders, …/trade/rest-api/Cancel-All-Open-Orders
  'DELETE /fapi/v1/allOpenOrders': {
    security: 'trade',
    weight: fixed(1),
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        for (const o of d.orders(account.apiKey, { symbol: spec.symbol, open: true }).filter((x) => !isAlgo(x))) d.cancel(account.apiKey, spec.symbol, { orderId: o.orderId });
        return json(200, { code: 200, msg: 'The operation of cancel all open order is done.' });
      }),
  },
  // All Orders, …/trade/rest-api/All-Orders: from `orderId` on, else the most recent, oldest first.
  'GET /fapi/v1/allOrders': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        const from = params['orderId'] !== undefined ? Number(params['orderId']) : undefined;
        const orders = d
          .orders(account.apiKey, { symbol: spec.symbol })
          .filter((o) => !isAlgo(o) && (from === undefined || o.orderId >= from) && inWindow(o.createdAt, params))
          .sort((a, b) => a.orderId - b.orderId);
        return json(200, pick(orders, params, 500, from !== undefined).map((o) => futuresOrderShape(o, spec, 'query')));
      }),
  },
  // Account Trade List, …/trade/rest-api/Account-Trade-List: liquidation fills included.
  'GET /fapi/v1/userTrades': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        if (params['fromId'] !== undefined && (params['startTime'] !== undefined || params['endTime'] !== undefined)) {
          return binanceError(400, -1128, 'Combination of optional parameters invalid.');
        }
        const orderId = params['orderId'] !== undefined ? Number(params['orderId']) : undefined;
        const fromId = params['fromId'] !== undefined ? Number(params['fromId']) : undefined;
        const fills = d
          .fills(account.apiKey, { symbol: spec.symbol, ...(orderId !== undefined ? { orderId } : {}) })
          .filter((f) => (fromId === undefined || f.tradeId >= fromId) && inWindow(f.time, params));
        return json(200, pick(fills, params, 500, fromId !== undefined || params['startTime'] !== undefined).map((f) => futuresTradeShape(f, spec)));
      }),
  },
  // User's Force Orders, …/trade/rest-api/Users-Force-Orders: the venue's liquidation orders (no ADL in the simulator).
  'GET /fapi/v1/forceOrders': {
    security: 'signed',
    weight: (p) => (p['symbol'] !== undefined ? 20 : 50),
    run: ({ ctx, params, account }) => {
      const d = perpsOf(ctx);
      const spec = perpById(d, params['symbol']);
      if (params['symbol'] !== undefined && !spec) return binanceError(400, -1121, 'Invalid symbol.');
      const kind = params['autoCloseType'];
      if (kind !== undefined && kind !== 'LIQUIDATION' && kind !== 'ADL') return binanceError(400, -1130, "Data sent for parameter 'autoCloseType' is not valid.");
      const orders = kind === 'ADL' ? [] : d.orders(account.apiKey, spec ? { symbol: spec.symbol } : {}).filter((o) => o.createdBy === 'liquidation' && inWindow(o.createdAt, params));
      const limit = Math.max(1, Math.min(100, Number(params['limit'] ?? 50)));
      return json(200, orders.sort((a, b) => a.orderId - b.orderId).slice(-limit).map((o) => futuresOrderShape(o, specOf(d, o.symbol), 'query')));
    },
  },
};

function newOrder({ ctx, params, account }: BinanceCall): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    if (account.positionMode === 'hedge') {
      // Hedge mode wants LONG or SHORT on every order; the simulator holds one-way positions only.
      const side = params['positionSide'] ?? 'BOTH';
      if (side === 'BOTH') return binanceError(400, -4061, "Order's position side does not match user's setting.");
      return binanceError(400, -1020, 'This operation is not supported. (hedge-mode positions are not simulated)');
    }
    const parsed = parseNewOrder(params, spec);
    if ('status' in parsed) return parsed;
    const count10s = ctx.countInWindow(`fapi-orders-10s:${account.apiKey}`, 10_000);
    const count1m = ctx.countInWindow(`fapi-orders-1m:${account.apiKey}`, 60_000);
    const headers = { 'X-MBX-ORDER-COUNT-10S': String(count10s.used), 'X-MBX-ORDER-COUNT-1M': String(count1m.used) };
    if (count10s.used > ORDER_LIMIT_10S || count1m.used > ORDER_LIMIT_1M) {
      const window = count10s.used > ORDER_LIMIT_10S ? `${ORDER_LIMIT_10S} orders per 10 SECOND` : `${ORDER_LIMIT_1M} orders per 1 MINUTE`;
      return { ...binanceError(429, -1015, `Too many new orders; current limit is ${window}.`), headers };
    }
    const result = d.place(account, parsed.input);
    if (!result.ok) return { ...rejection(result.rejection, spec), headers };
    const order = result.order;
    // -5021: a FOK the book could not fill at once is refused, not reported as an expired order.
    if (order.timeInForce === 'FOK' && order.status === 'expired' && new Dec(order.executedQty).isZero()) {
      return { ...binanceError(400, -5021, 'Due to the order could not be filled immediately, the FOK order has been rejected.'), headers };
    }
    return json(200, parsed.respType === 'ACK' ? acknowledgement(order, spec) : futuresOrderShape(order, spec, 'new'), headers);
  });
}

/** The ACK answer (Binance's default): the order as accepted, before anything filled. */
function acknowledgement(order: PerpOrder, spec: PerpSpec): Record<string, unknown> {
  return futuresOrderShape({ ...order, status: 'new', executedQty: '0', cumQuote: '0', updatedAt: order.createdAt }, spec, 'new');
}

function parseNewOrder(params: Params, spec: PerpSpec): { input: PerpPlaceInput; respType: 'ACK' | 'RESULT' } | SimResponse {
  for (const name of ['side', 'type']) if (params[name] === undefined) return missingParam(name);
  const side = SIDES[params['side'] ?? ''];
  if (!side) return binanceError(400, -1117, 'Invalid side.');
  const wireType = params['type'] ?? '';
  // Conditional types moved to the algo service (POST /fapi/v1/algoOrder, binance-futures-algo.ts).
  if (CONDITIONAL.has(wireType)) return binanceError(400, -4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.');
  const type = TYPES[wireType];
  if (!type) return binanceError(400, -1116, 'Invalid orderType.');
  const positionSide = params['positionSide'] ?? 'BOTH';
  if (positionSide !== 'BOTH') return binanceError(400, -4061, "Order's position side does not match user's setting.");
  if (params['closePosition'] === 'true') return binanceError(400, -1106, "Parameter 'closePosition' sent when not required.");
  if (params['priceMatch'] !== undefined && params['priceMatch'] !== 'NONE') return binanceError(400, -1130, "Data sent for parameter 'priceMatch' is not valid. (priceMatch is not simulated)");
  const respType = params['newOrderRespType'] ?? 'ACK';
  if (respType !== 'ACK' && respType !== 'RESULT') return binanceError(400, -1136, 'Invalid newOrderRespType.');
  const clientOrderId = params['newClientOrderId'] ?? randomBytes(16).toString('base64url').slice(0, 22);
  if (!CLIENT_ID.test(clientOrderId)) return binanceError(400, -4015, 'Client order id is not valid.');
  const reduceOnly = params['reduceOnly'];
  if (reduceOnly !== undefined && reduceOnly !== 'true' && reduceOnly !== 'false') return binanceError(400, -1130, "Data sent for parameter 'reduceOnly' is not valid.");
  if (params['quantity'] === undefined) return missingParam('quantity');
  const quantity = decimalParam(params['quantity']);
  if (quantity === undefined || new Dec(quantity).lte(0)) return binanceError(400, -4003, 'Quantity less than or equal to zero.');
  const qty = new Dec(quantity);
  if (qty.lt(spec.minQty)) return binanceError(400, -4004, 'Quantity less than min quantity.');
  if (qty.gt(spec.maxQty)) return binanceError(400, -4005, 'Quantity greater than max quantity.');
  if (!qty.mod(spec.stepSize).isZero()) return binanceError(400, -1111, 'Precision is over the maximum defined for this asset.');
  const tif = params['timeInForce'];
  let price: string | undefined;
  if (type === 'limit') {
    if (tif === undefined) return missingParam('timeInForce');
    if (params['price'] === undefined) return missingParam('price');
    price = decimalParam(params['price']);
    if (price === undefined || new Dec(price).lte(0)) return binanceError(400, -4001, 'Price less than 0.');
    if (!new Dec(price).mod(spec.tickSize).isZero()) return binanceError(400, -4014, 'Price not increased by tick size.');
  }
  if (tif !== undefined && !TIFS.has(tif)) {
    return binanceError(400, -1115, tif === 'GTX' || tif === 'GTD' ? `Invalid timeInForce. (${tif} is not simulated)` : 'Invalid timeInForce.');
  }
  return {
    respType,
    input: {
      symbol: spec.symbol,
      side,
      type,
      quantity,
      ...(price !== undefined ? { price } : {}),
      ...(tif !== undefined ? { timeInForce: tif as 'GTC' | 'IOC' | 'FOK' } : {}),
      reduceOnly: reduceOnly === 'true',
      clientOrderId,
    },
  };
}

/** The core's refusals with Binance's codes (https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code). */
function rejection(r: PerpRejection, spec: PerpSpec): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return binanceError(400, -1121, 'Invalid symbol.');
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return binanceError(400, -4014, 'Price not increased by tick size.');
      if (r.filter === 'NOTIONAL') return binanceError(400, -4164, `Order's notional must be no smaller than ${spec.minNotional} (unless you choose reduce only)`);
      return binanceError(400, -1111, 'Precision is over the maximum defined for this asset.');
    case 'insufficient_margin':
      return binanceError(400, -2019, 'Margin is insufficient.');
    case 'reduce_only_increase':
      return binanceError(400, -2022, 'ReduceOnly Order is rejected.');
    case 'duplicate_client_id':
      return binanceError(400, -4116, 'clientOrderId is duplicated');
    case 'bad_request':
      return missingParam(r.message);
  }
}

function withOrderRef(ctx: SimContext, params: Params, run: (spec: PerpSpec, d: DerivativesVenue, ref: OrderRef) => SimResponse): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    const orderId = params['orderId'];
    const clientId = params['origClientOrderId'];
    if (orderId === undefined && clientId === undefined) return binanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    if (orderId !== undefined && !/^\d+$/.test(orderId)) return binanceError(400, -1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.");
    return run(spec, d, orderId !== undefined ? { orderId: Number(orderId) } : { clientOrderId: clientId ?? '' });
  });
}

/** A plain order, or undefined for an algo order (the algo endpoints hold those). */
function plain(o: PerpOrder | undefined): PerpOrder | undefined {
  return o !== undefined && !isAlgo(o) ? o : undefined;
}

function inWindow(time: number, params: Params): boolean {
  const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
  const end = params['endTime'] !== undefined ? Number(params['endTime']) : undefined;
  return (start === undefined || time >= start) && (end === undefined || time <= end);
}

/** At most `limit` (default `fallback`, max 1000), oldest first: the first ones from a start, else the most recent. */
function pick<T>(rows: readonly T[], params: Params, fallback: number, fromStart: boolean): T[] {
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? fallback)));
  return fromStart ? rows.slice(0, limit) : rows.slice(-limit);
}

function specOf(d: DerivativesVenue, symbol: string): PerpSpec {
  const spec = d.perp(symbol);
  if (!spec) throw new Error(`Unknown perpetual ${symbol}`);
  return spec;
}
