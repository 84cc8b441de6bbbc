import { randomBytes } from 'node:crypto';
import type { MarketSpec, OrderRef, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimResponse } from '../types.js';
import { type BinanceCall, binanceError, CLIENT_ID, type Endpoint, missingParam, type Params, withMarket } from './binance-common.js';
import { newOrderShape, orderShape, tradeShape } from './binance-shapes.js';
import { decimalParam, json } from './common.js';

/** Binance spot trading endpoints (TRADE and USER_DATA), backed by the venue's matching engine. */

const ORDER_LIMIT_10S = 50;
const ORDER_LIMIT_1D = 160_000;

const SIDES: Record<string, PlaceOrderInput['side']> = { BUY: 'buy', SELL: 'sell' };
/**
 * Order types and what each needs, from https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
 * (New order): STOP_LOSS is a market order once its stopPrice is reached, STOP_LOSS_LIMIT a limit
 * (with timeInForce), LIMIT_MAKER a limit refused when it would take.
 */
const TYPES: Record<string, PlaceOrderInput['type']> = {
  LIMIT: 'limit', MARKET: 'market', LIMIT_MAKER: 'limit', STOP_LOSS: 'market', STOP_LOSS_LIMIT: 'limit',
};
const STOP_TYPES = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT']);
const TIFS = new Set(['GTC', 'IOC', 'FOK']);

export const binanceTrading: Record<string, Endpoint> = {
  'POST /api/v3/order': { security: 'trade', weight: () => 1, run: (call) => newOrder(call, false) },
  'POST /api/v3/order/test': { security: 'trade', weight: () => 1, run: (call) => newOrder(call, true) },
  'GET /api/v3/order': {
    security: 'signed',
    weight: () => 4,
    run: ({ ctx, params, account }) =>
      withOrderRef(ctx, params, (m, ref) => {
        const order = ctx.venue().order(account.apiKey, ref, m.symbol);
        return order ? json(200, orderShape(order, m)) : binanceError(400, -2013, 'Order does not exist.');
      }),
  },
  'DELETE /api/v3/order': {
    security: 'trade',
    weight: () => 1,
    run: ({ ctx, params, account }) =>
      withOrderRef(ctx, params, (m, ref) => {
        const order = ctx.venue().cancel(account.apiKey, m.symbol, ref);
        return order ? json(200, cancelShape(order, m, params['newClientOrderId'])) : binanceError(400, -2011, 'Unknown order sent.');
      }),
  },
  'GET /api/v3/openOrders': {
    security: 'signed',
    weight: (p) => (p['symbol'] !== undefined ? 6 : 80),
    run: ({ ctx, params, account }) => {
      const venue = ctx.venue();
      if (params['symbol'] === undefined) {
        return json(200, venue.orders(account.apiKey, { open: true }).map((o) => orderShape(o, marketOf(venue.markets(), o))));
      }
      return withMarket(ctx, params, (m) => json(200, venue.orders(account.apiKey, { symbol: m.symbol, open: true }).map((o) => orderShape(o, m))));
    },
  },
  'DELETE /api/v3/openOrders': {
    security: 'trade',
    weight: () => 1,
    run: ({ ctx, params, account }) =>
      withMarket(ctx, params, (m) => {
        const venue = ctx.venue();
        const open = venue.orders(account.apiKey, { symbol: m.symbol, open: true });
        if (open.length === 0) return binanceError(400, -2011, 'Unknown order sent.');
        const canceled = open.map((o) => venue.cancel(account.apiKey, m.symbol, { orderId: o.orderId })).filter((o) => o !== undefined);
        return json(200, canceled.map((o) => cancelShape(o, m, undefined)));
      }),
  },
  'GET /api/v3/allOrders': {
    security: 'signed',
    weight: () => 20,
    run: ({ ctx, params, account }) =>
      withMarket(ctx, params, (m) => json(200, ctx.venue().orders(account.apiKey, { symbol: m.symbol }).map((o) => orderShape(o, m)))),
  },
  'GET /api/v3/myTrades': {
    security: 'signed',
    weight: () => 20,
    run: ({ ctx, params, account }) =>
      withMarket(ctx, params, (m) => {
        const orderId = params['orderId'] !== undefined ? Number(params['orderId']) : undefined;
        const fills = ctx.venue().fills(account.apiKey, { symbol: m.symbol, ...(orderId !== undefined ? { orderId } : {}) });
        const limit = Math.min(1000, Number(params['limit'] ?? 500));
        return json(200, fills.slice(-limit).map((f) => tradeShape(f, m)));
      }),
  },
};

function newOrder(call: BinanceCall, testOnly: boolean): SimResponse {
  const { ctx, params, account } = call;
  return withMarket(ctx, params, (m) => {
    const parsed = parseNewOrder(params, m);
    if ('status' in parsed) return parsed;
    if (testOnly) return json(200, {});
    const count10s = ctx.countInWindow(`orders-10s:${account.apiKey}`, 10_000);
    const count1d = ctx.countInWindow(`orders-1d:${account.apiKey}`, 86_400_000);
    const headers = { 'X-MBX-ORDER-COUNT-10S': String(count10s.used), 'X-MBX-ORDER-COUNT-1D': String(count1d.used) };
    if (count10s.used > ORDER_LIMIT_10S || count1d.used > ORDER_LIMIT_1D) {
      const window = count10s.used > ORDER_LIMIT_10S ? `${ORDER_LIMIT_10S} orders per 10 SECOND` : `${ORDER_LIMIT_1D} orders per 1 DAY`;
      return { ...binanceError(429, -1015, `Too many new orders; current limit is ${window}.`), headers };
    }
    const result = ctx.venue().place(account, parsed);
    if (!result.ok) return { ...rejectionResponse(result.rejection), headers };
    const respType = params['newOrderRespType'] ?? (parsed.type === 'market' || parsed.type === 'limit' ? 'FULL' : 'ACK');
    return json(200, newOrderShape(result.order, m, result.fills, respType), headers);
  });
}

function parseNewOrder(params: Params, m: MarketSpec): PlaceOrderInput | SimResponse {
  for (const name of ['side', 'type']) if (params[name] === undefined) return missingParam(name);
  const side = SIDES[params['side'] ?? ''];
  if (!side) return binanceError(400, -1117, 'Invalid side.');
  const type = TYPES[params['type'] ?? ''];
  if (!type) return binanceError(400, -1116, 'Invalid orderType.');
  const clientOrderId = params['newClientOrderId'] ?? randomClientId();
  if (!CLIENT_ID.test(clientOrderId)) {
    return binanceError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  }
  const quantity = decimalParam(params['quantity']);
  const quoteQty = decimalParam(params['quoteOrderQty']);
  const price = decimalParam(params['price']);
  const wireType = params['type'] ?? '';
  const stopPrice = decimalParam(params['stopPrice']);
  if (STOP_TYPES.has(wireType)) {
    if (stopPrice === undefined) return missingParam('stopPrice');
    if (quantity === undefined) return missingParam('quantity');
    if (wireType === 'STOP_LOSS_LIMIT' && params['timeInForce'] === undefined) return missingParam('timeInForce');
  }
  if (type === 'market' && quantity === undefined && quoteQty === undefined) {
    return binanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  }
  if (type === 'limit') {
    if (quantity === undefined) return missingParam('quantity');
    if (price === undefined) return missingParam('price');
    if (wireType === 'LIMIT' && params['timeInForce'] === undefined) return missingParam('timeInForce');
  }
  const tif = params['timeInForce'];
  if (tif !== undefined && !TIFS.has(tif)) return binanceError(400, -1115, 'Invalid timeInForce.');
  return {
    symbol: m.symbol,
    side,
    type,
    clientOrderId,
    ...(quantity !== undefined ? { quantity } : {}),
    ...(quoteQty !== undefined && quantity === undefined ? { quoteQty } : {}),
    ...(price !== undefined && type === 'limit' ? { price } : {}),
    ...(tif !== undefined && wireType !== 'STOP_LOSS' ? { timeInForce: tif as 'GTC' | 'IOC' | 'FOK' } : {}),
    ...(wireType === 'LIMIT_MAKER' ? { postOnly: true } : {}),
    ...(STOP_TYPES.has(wireType) && stopPrice !== undefined ? { stopPrice } : {}),
  };
}

function rejectionResponse(rejection: OrderRejection): SimResponse {
  switch (rejection.kind) {
    case 'unknown_symbol':
      return binanceError(400, -1121, 'Invalid symbol.');
    case 'filter':
      return binanceError(400, -1013, `Filter failure: ${rejection.filter}`);
    case 'insufficient_balance':
      return binanceError(400, -2010, 'Account has insufficient balance for requested action.');
    case 'duplicate_client_id':
      return binanceError(400, -2010, 'Duplicate order sent.');
    // Both messages are listed under -2010 NEW_ORDER_REJECTED in
    // https://developers.binance.com/docs/binance-spot-api-docs/errors (messages for -1010, -2010, -2011).
    case 'would_take':
      return binanceError(400, -2010, 'Order would immediately match and take.');
    case 'would_trigger':
      return binanceError(400, -2010, 'Stop price would trigger immediately.');
    case 'bad_request':
      return missingParam(rejection.message);
  }
}

function withOrderRef(ctx: BinanceCall['ctx'], params: Params, run: (m: MarketSpec, ref: OrderRef) => SimResponse): SimResponse {
  return withMarket(ctx, params, (m) => {
    const orderId = params['orderId'];
    const clientId = params['origClientOrderId'];
    if (orderId === undefined && clientId === undefined) {
      return binanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    if (orderId !== undefined && !/^\d+$/.test(orderId)) return binanceError(400, -1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.");
    return run(m, orderId !== undefined ? { orderId: Number(orderId) } : { clientOrderId: clientId ?? '' });
  });
}

function cancelShape(o: SimOrder, m: MarketSpec, newClientOrderId: string | undefined): Record<string, unknown> {
  const shape = orderShape(o, m);
  return {
    symbol: shape['symbol'],
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: newClientOrderId ?? randomClientId(),
    transactTime: o.updatedAt,
    price: shape['price'],
    origQty: shape['origQty'],
    executedQty: shape['executedQty'],
    origQuoteOrderQty: shape['origQuoteOrderQty'],
    cummulativeQuoteQty: shape['cummulativeQuoteQty'],
    status: shape['status'],
    timeInForce: shape['timeInForce'],
    type: shape['type'],
    side: shape['side'],
    ...(o.stop ? { stopPrice: shape['stopPrice'] } : {}),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

function marketOf(markets: MarketSpec[], order: SimOrder): MarketSpec {
  const m = markets.find((x) => x.symbol === order.symbol);
  if (!m) throw new Error(`Order ${order.orderId} on unknown market ${order.symbol}`);
  return m;
}

function randomClientId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}
