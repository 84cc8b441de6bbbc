import { Dec } from '../../src/domain/money.js';
import type { MarketSpec, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';
import { decimalParam, requestParams } from './common.js';
import { orderShape, pairId, textOf, tradeShape } from './gate-shapes.js';

/**
 * Gate APIv4 spot trading on the venue's matching engine
 * (https://www.gate.com/docs/developers/apiv4/en/#spot-trading): create, query, cancel, open and
 * finished order lists, personal trades. `text` ("t-" + up to 28 bytes of [0-9A-Za-z_.-]) is the
 * client order id. Errors are `{label, message}` with HTTP 4xx (docs, "Error Handling").
 */

const TEXT = /^t-[0-9A-Za-z_.-]{1,28}$/;
const TIFS: Record<string, PlaceOrderInput['timeInForce']> = { gtc: 'GTC', ioc: 'IOC', fok: 'FOK', poc: 'GTC' };

export function fail(status: number, label: string, message: string): SimResponse {
  return { status, body: { label, message } };
}

const notFound = (): SimResponse => fail(404, 'ORDER_NOT_FOUND', 'Order not found');

export interface GateCall {
  method: string;
  /** Path after /api/v4. */
  path: string;
  url: URL;
  body: string;
  ctx: SimContext;
  account: SimAccount;
}

/** Answers a spot trading route, or null when the path is not one. */
export function gateTrading(call: GateCall): SimResponse | null {
  const { method, path } = call;
  if (path === '/spot/orders' && method === 'POST') return create(call);
  if (path === '/spot/orders' && method === 'GET') return listOrders(call);
  if (path === '/spot/open_orders' && method === 'GET') return openOrders(call);
  if (path === '/spot/my_trades' && method === 'GET') return myTrades(call);
  const one = /^\/spot\/orders\/([^/]+)$/.exec(path);
  if (one?.[1] !== undefined && (method === 'GET' || method === 'DELETE')) return single(call, decodeURIComponent(one[1]));
  return null;
}

function params(call: GateCall): Record<string, string> {
  return requestParams(call.url, call.body);
}

function pairOf(ctx: SimContext, id: string | undefined): MarketSpec | undefined {
  return ctx.venue().markets().find((m) => pairId(m) === id);
}

function shape(ctx: SimContext, account: SimAccount, o: SimOrder): Record<string, unknown> {
  const venue = ctx.venue();
  const m = venue.market(o.symbol);
  if (!m) throw new Error(`Order on unknown market ${o.symbol}`);
  const tif = o.type === 'market' ? 'ioc' : o.timeInForce.toLowerCase();
  return orderShape(o, m, venue.fills(account.apiKey, { orderId: o.orderId }), tif);
}

function create(call: GateCall): SimResponse {
  const { ctx, account } = call;
  const p = params(call);
  const m = pairOf(ctx, p['currency_pair']);
  if (!m) return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${p['currency_pair'] ?? ''}`);
  if (!account.permissions.trade) return fail(403, 'READ_ONLY', 'API key is read-only');
  const text = p['text'] ?? 'apiv4';
  if (p['text'] !== undefined && !TEXT.test(text)) return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`text\` with value: ${text}`);
  const side = p['side'];
  if (side !== 'buy' && side !== 'sell') return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`side\` with value: ${side ?? ''}`);
  const type = p['type'] ?? 'limit';
  if (type !== 'limit' && type !== 'market') return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`type\` with value: ${type}`);
  const amount = decimalParam(p['amount']);
  if (amount === undefined) return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`amount\` with value: ${p['amount'] ?? ''}`);
  const tifText = p['time_in_force'] ?? (type === 'market' ? 'ioc' : 'gtc');
  const tif = TIFS[tifText];
  // "Only ioc and fok are supported when type=market" (Order.time_in_force).
  if (!tif || (type === 'market' && tifText !== 'ioc' && tifText !== 'fok')) return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`time_in_force\` with value: ${tifText}`);
  const price = decimalParam(p['price']);
  if (type === 'limit' && price === undefined) return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`price\` with value: ${p['price'] ?? ''}`);
  if (type === 'limit' && price !== undefined && !new Dec(price).mod(m.tickSize).isZero()) return fail(400, 'INVALID_PRECISION', `Invalid precision: price ${price}`);
  // A market buy's amount is what to spend in quote (Order.amount).
  const quoteSized = type === 'market' && side === 'buy';
  if (!quoteSized && !new Dec(amount).mod(m.stepSize).isZero()) return fail(400, 'INVALID_PRECISION', `Invalid precision: amount ${amount}`);
  if (quoteSized && new Dec(amount).lt(m.minNotional)) return tooSmall(amount, m.quote, m.minNotional);
  if (tifText === 'poc' && price !== undefined && marketable(ctx, m, side, price)) {
    return fail(400, 'POC_FILL_IMMEDIATELY', "Order would match and take immediately so it's cancelled");
  }
  const input: PlaceOrderInput = {
    symbol: m.symbol, side, type,
    // `text` is not unique on Gate: the venue's key gets a suffix that is never shown.
    clientOrderId: `${text}|${ctx.exchangeNow()}${Math.floor(Math.random() * 1e9)}`,
    ...(quoteSized ? { quoteQty: amount } : { quantity: amount }),
    ...(type === 'limit' && price !== undefined ? { price } : {}),
    timeInForce: tif,
  };
  const result = ctx.venue().place(account, input);
  if (!result.ok) return rejection(result.rejection, m, amount, price);
  return { status: 201, body: shape(ctx, account, result.order) };
}

function marketable(ctx: SimContext, m: MarketSpec, side: string, price: string): boolean {
  const top = ctx.venue().top(m.symbol);
  if (!top) return false;
  return side === 'buy' ? new Dec(top.ask).lte(price) : new Dec(top.bid).gte(price);
}

function tooSmall(amount: string, currency: string, minimum: string): SimResponse {
  // The wording ccxt quotes from Gate for an order below the pair's minimum.
  return fail(400, 'INVALID_PARAM_VALUE', `Your order size ${amount} ${currency} is too small. The minimum is ${minimum} ${currency}`);
}

function rejection(r: OrderRejection, m: MarketSpec, amount: string, price: string | undefined): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${pairId(m)}`);
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return fail(400, 'INVALID_PRECISION', `Invalid precision: price ${price ?? ''}`);
      if (r.filter === 'NOTIONAL') {
        const value = price !== undefined ? new Dec(amount).mul(price).toFixed() : amount;
        return tooSmall(value, m.quote, m.minNotional);
      }
      return tooSmall(amount, m.base, m.minQty);
    case 'insufficient_balance':
      return fail(400, 'BALANCE_NOT_ENOUGH', 'Not enough balance');
    case 'duplicate_client_id':
      // Cannot happen: every venue key is unique (see create).
      return fail(400, 'INVALID_PARAM_VALUE', 'Invalid parameter `text`');
    case 'would_take':
    case 'would_trigger':
      // Cannot happen: gate's wire format places neither post-only nor stop orders here.
      return fail(400, 'INVALID_PARAM_VALUE', 'Invalid parameter `type`');
    case 'bad_request':
      return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`${r.message}\``);
  }
}

/**
 * `order_id` is the order id or the `text`; "Operations based on custom IDs can only be checked in
 * pending orders. Only order ID can be used after the order is finished" (Get/Cancel a single order).
 */
function findOne(call: GateCall, m: MarketSpec, orderId: string): SimOrder | undefined {
  const venue = call.ctx.venue();
  if (/^\d+$/.test(orderId)) return venue.order(call.account.apiKey, { orderId: Number(orderId) }, m.symbol);
  const open = venue.orders(call.account.apiKey, { symbol: m.symbol, open: true }).filter((o) => textOf(o) === orderId);
  return open.sort((a, b) => b.orderId - a.orderId)[0];
}

function single(call: GateCall, orderId: string): SimResponse {
  const { ctx, account } = call;
  const p = params(call);
  const m = pairOf(ctx, p['currency_pair']);
  if (!m) return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${p['currency_pair'] ?? ''}`);
  const order = findOne(call, m, orderId);
  if (!order) return notFound();
  if (call.method === 'GET') return { status: 200, body: shape(ctx, account, order) };
  if (!account.permissions.trade) return fail(403, 'READ_ONLY', 'API key is read-only');
  // A finished order has nothing to cancel: answered as not found (see docs/exchanges/gate.md).
  const canceled = ctx.venue().cancel(account.apiKey, m.symbol, { orderId: order.orderId });
  if (!canceled) return notFound();
  return { status: 200, body: shape(ctx, account, canceled) };
}

function pageOf<T>(items: T[], p: Record<string, string>, max: number): T[] {
  const limit = Math.min(max, Math.max(1, Number(p['limit'] ?? 100) || 100));
  const page = Math.max(1, Number(p['page'] ?? 1) || 1);
  return items.slice((page - 1) * limit, page * limit);
}

/** GET /spot/orders: `open` needs currency_pair (limit ≤ 100); `finished` filters from/to by end time. */
function listOrders(call: GateCall): SimResponse {
  const { ctx, account } = call;
  const p = params(call);
  const status = p['status'];
  if (status !== 'open' && status !== 'finished') return fail(400, 'INVALID_PARAM_VALUE', `Invalid parameter \`status\` with value: ${status ?? ''}`);
  const m = p['currency_pair'] !== undefined ? pairOf(ctx, p['currency_pair']) : undefined;
  if (p['currency_pair'] !== undefined && !m) return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${p['currency_pair']}`);
  if (status === 'open' && !m) return fail(400, 'MISSING_REQUIRED_PARAM', 'Missing required parameter: currency_pair');
  const from = p['from'] !== undefined ? Number(p['from']) * 1000 : -Infinity;
  const to = p['to'] !== undefined ? Number(p['to']) * 1000 + 999 : Infinity;
  const orders = ctx
    .venue()
    .orders(account.apiKey, { ...(m ? { symbol: m.symbol } : {}), open: status === 'open' })
    .filter((o) => status === 'open' || (o.updatedAt >= from && o.updatedAt <= to))
    .filter((o) => p['side'] === undefined || o.side === p['side'])
    .sort((a, b) => b.orderId - a.orderId);
  return { status: 200, body: pageOf(orders, p, status === 'open' ? 100 : 1000).map((o) => shape(ctx, account, o)) };
}

/** GET /spot/open_orders: open orders grouped per pair ({currency_pair, total, orders}). */
function openOrders(call: GateCall): SimResponse {
  const { ctx, account } = call;
  const p = params(call);
  const groups = new Map<string, SimOrder[]>();
  for (const o of ctx.venue().orders(account.apiKey, { open: true }).sort((a, b) => b.orderId - a.orderId)) {
    const m = ctx.venue().market(o.symbol);
    if (!m) continue;
    groups.set(pairId(m), [...(groups.get(pairId(m)) ?? []), o]);
  }
  const body = [...groups.entries()].map(([pair, orders]) => {
    const page = pageOf(orders, p, 100);
    return { currency_pair: pair, total: page.length, orders: page.map((o) => shape(ctx, account, o)) };
  });
  return { status: 200, body };
}

/** GET /spot/my_trades: newest first; currency_pair, order_id, from/to (seconds), limit ≤ 1000, page. */
function myTrades(call: GateCall): SimResponse {
  const { ctx, account } = call;
  const p = params(call);
  const venue = ctx.venue();
  const m = p['currency_pair'] !== undefined ? pairOf(ctx, p['currency_pair']) : undefined;
  if (p['currency_pair'] !== undefined && !m) return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${p['currency_pair']}`);
  const from = p['from'] !== undefined ? Number(p['from']) * 1000 : -Infinity;
  const to = p['to'] !== undefined ? Number(p['to']) * 1000 + 999 : Infinity;
  const orderId = p['order_id'] !== undefined ? Number(p['order_id']) : undefined;
  const fills = venue
    .fills(account.apiKey, { ...(m ? { symbol: m.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })
    .filter((f) => f.time >= from && f.time <= to)
    .reverse();
  const body = pageOf(fills, p, 1000).map((f) => {
    const market = venue.market(f.symbol);
    if (!market) throw new Error(`Fill on unknown market ${f.symbol}`);
    return tradeShape(f, venue.order(account.apiKey, { orderId: f.orderId }), market);
  });
  return { status: 200, body };
}
