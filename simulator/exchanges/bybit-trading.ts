import type { MarketSpec, OrderRef, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { bybitError, envelope, requireSpot, withSymbol, type BybitCall, type BybitEndpoint, type Params } from './bybit-common.js';
import { executionShape, orderShape } from './bybit-shapes.js';
import { decimalParam } from './common.js';

/** Bybit v5 spot trading on the venue's matching engine; `orderLinkId` is the client order id. */

const LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
const SIDES: Record<string, PlaceOrderInput['side']> = { Buy: 'buy', Sell: 'sell' };
const TYPES: Record<string, PlaceOrderInput['type']> = { Limit: 'limit', Market: 'market' };
const TIFS: Record<string, PlaceOrderInput['timeInForce']> = { GTC: 'GTC', IOC: 'IOC', FOK: 'FOK', PostOnly: 'GTC' };
/**
 * Spot `orderFilter` (https://bybit-exchange.github.io/docs/v5/order/create-order): `StopOrder` and
 * `tpslOrder` place a conditional order that waits for `triggerPrice`; listing and cancelling take the
 * same filter, and a unified account lists every kind when it is absent
 * (https://bybit-exchange.github.io/docs/v5/order/open-order).
 */
const STOP_FILTERS = new Set(['StopOrder', 'tpslOrder']);
const ORDER_FILTERS = new Set(['Order', ...STOP_FILTERS]);

/** Whether the order is of the kind `orderFilter` selects (every kind when it is absent). */
function matchesFilter(o: SimOrder, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  return STOP_FILTERS.has(filter) ? o.stop !== undefined : o.stop === undefined;
}

export const bybitTrading: Record<string, BybitEndpoint> = {
  'POST /v5/order/create': { security: 'trade', uidLimitPerSec: 20, run: createOrder },
  'POST /v5/order/cancel': {
    security: 'trade',
    uidLimitPerSec: 20,
    run: ({ ctx, params, account }) =>
      requireSpot(ctx, params, () =>
        withSymbol(ctx, params, (m) => {
          const ref = orderRef(params);
          if (!ref) return bybitError(ctx, 10001, 'params error: orderId or orderLinkId is required');
          const found = ctx.venue().order(account.apiKey, ref, m.symbol);
          // A spot cancel looks among plain orders unless orderFilter names conditional ones.
          const filter = params['orderFilter'] ?? 'Order';
          const order = found && matchesFilter(found, filter) ? ctx.venue().cancel(account.apiKey, m.symbol, ref) : undefined;
          if (!order) return bybitError(ctx, 110001, 'Order does not exist.');
          return envelope(ctx, { orderId: String(order.orderId), orderLinkId: order.clientOrderId });
        }),
      ),
  },
  'POST /v5/order/cancel-all': {
    security: 'trade',
    uidLimitPerSec: 20,
    run: ({ ctx, params, account }) =>
      requireSpot(ctx, params, () => {
        const venue = ctx.venue();
        const symbol = params['symbol'] !== undefined ? venue.markets().find((m) => m.base + m.quote === params['symbol'])?.symbol : undefined;
        const filter = params['orderFilter'];
        const open = venue.orders(account.apiKey, { open: true, ...(symbol !== undefined ? { symbol } : {}) }).filter((o) => matchesFilter(o, filter));
        const list = open
          .map((o) => venue.cancel(account.apiKey, o.symbol, { orderId: o.orderId }))
          .filter((o): o is SimOrder => o !== undefined)
          .map((o) => ({ orderId: String(o.orderId), orderLinkId: o.clientOrderId }));
        return envelope(ctx, { list, success: '1' });
      }),
  },
  'GET /v5/order/realtime': { security: 'read', uidLimitPerSec: 50, run: (call) => listOrders(call, 'realtime') },
  'GET /v5/order/history': { security: 'read', uidLimitPerSec: 50, run: (call) => listOrders(call, 'history') },
  'GET /v5/execution/list': {
    security: 'read',
    uidLimitPerSec: 50,
    run: ({ ctx, params, account }) =>
      requireSpot(ctx, params, () => {
        const venue = ctx.venue();
        const market = symbolFilter(venue.markets(), params);
        if (market === null) return bybitError(ctx, 10001, 'params error: symbol invalid');
        const orderId = params['orderId'] !== undefined ? Number(params['orderId']) : undefined;
        const since = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
        const fills = venue
          .fills(account.apiKey, { ...(market ? { symbol: market.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })
          .filter((f) => since === undefined || f.time >= since)
          .reverse()
          .slice(0, limitOf(params));
        const list = fills.map((f) => {
          const order = venue.order(account.apiKey, { orderId: f.orderId });
          const m = venue.market(f.symbol);
          if (!m) throw new Error(`Fill on unknown market ${f.symbol}`);
          return executionShape(f, order, m, f.maker ? venue.fees.maker : venue.fees.taker);
        });
        return envelope(ctx, { nextPageCursor: '', category: 'spot', list });
      }),
  },
};

function createOrder({ ctx, params, account }: BybitCall): SimResponse {
  return requireSpot(ctx, params, () =>
    withSymbol(ctx, params, (m) => {
      const input = parseCreate(ctx, params, m);
      if ('status' in input) return input;
      const result = ctx.venue().place(account, input);
      if (!result.ok) return rejection(ctx, result.rejection, input);
      return envelope(ctx, { orderId: String(result.order.orderId), orderLinkId: result.order.clientOrderId });
    }),
  );
}

function parseCreate(ctx: SimContext, params: Params, m: MarketSpec): PlaceOrderInput | SimResponse {
  const side = SIDES[params['side'] ?? ''];
  if (!side) return bybitError(ctx, 10001, 'params error: side invalid');
  const type = TYPES[params['orderType'] ?? ''];
  if (!type) return bybitError(ctx, 10001, 'params error: orderType invalid');
  const qty = decimalParam(params['qty']);
  if (qty === undefined) return bybitError(ctx, 10001, 'params error: qty invalid');
  const linkId = params['orderLinkId'] ?? `sim-${ctx.exchangeNow()}-${Math.floor(Math.random() * 1e9)}`;
  if (!LINK_ID.test(linkId)) return bybitError(ctx, 10001, 'params error: orderLinkId invalid');
  const price = decimalParam(params['price']);
  if (type === 'limit' && price === undefined) return bybitError(ctx, 10001, 'params error: price invalid');
  // Spot market buys are sized in the quote coin unless marketUnit says otherwise (Bybit's default).
  const quoteSized = type === 'market' && (params['marketUnit'] ?? (side === 'buy' ? 'quoteCoin' : 'baseCoin')) === 'quoteCoin';
  const tif = TIFS[params['timeInForce'] ?? 'GTC'];
  if (tif === undefined) return bybitError(ctx, 10001, 'params error: timeInForce invalid');
  const filter = params['orderFilter'];
  if (filter !== undefined && !ORDER_FILTERS.has(filter)) return bybitError(ctx, 170202, 'Invalid orderFilter parameter.');
  const triggerPrice = decimalParam(params['triggerPrice']);
  const conditional = filter !== undefined && STOP_FILTERS.has(filter);
  if (conditional && triggerPrice === undefined) return bybitError(ctx, 10001, 'params error: triggerPrice invalid');
  return {
    symbol: m.symbol,
    side,
    type,
    clientOrderId: linkId,
    ...(quoteSized ? { quoteQty: qty } : { quantity: qty }),
    ...(type === 'limit' && price !== undefined ? { price } : {}),
    timeInForce: tif,
    // A PostOnly that would take is accepted, then cancelled (rejectReason EC_PostOnlyWillTakeLiquidity).
    ...(params['timeInForce'] === 'PostOnly' ? { postOnly: true, postOnlyCancels: true } : {}),
    ...(conditional && triggerPrice !== undefined ? { stopPrice: triggerPrice } : {}),
  };
}

function rejection(ctx: SimContext, r: OrderRejection, input: PlaceOrderInput): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return bybitError(ctx, 10001, 'params error: symbol invalid');
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return bybitError(ctx, 170134, 'Order price decimal too long.');
      if (r.filter === 'NOTIONAL') return bybitError(ctx, 170140, 'Order value exceeded lower limit.');
      return bybitError(ctx, 170136, 'Order quantity lower than the minimum.');
    case 'insufficient_balance':
      return bybitError(ctx, 170131, 'Insufficient balance.');
    case 'duplicate_client_id':
      return bybitError(ctx, 110072, 'OrderLinkedID is duplicate');
    case 'bad_request':
      return bybitError(ctx, 10001, `params error: ${r.message} invalid`);
    case 'would_take':
      // Not reached: a PostOnly that would take is accepted and cancelled (postOnlyCancels).
      return bybitError(ctx, 170218, 'The LIMIT-MAKER order is rejected due to invalid price.');
    case 'would_trigger':
      // A simulator limit, not Bybit's rule: Bybit spot picks a StopOrder's direction from the last
      // price (a sell trigger above it waits for a rise); the simulator's stops only protect (sell
      // below, buy above the last price), so it refuses the other side as a bad trigger price.
      return bybitError(ctx, 10001, `params error: triggerPrice invalid for a ${input.side} stop`);
  }
}

/** realtime: open orders, or any recent order when asked by id; history: closed orders. */
function listOrders({ ctx, params, account }: BybitCall, kind: 'realtime' | 'history'): SimResponse {
  return requireSpot(ctx, params, () => {
    const venue = ctx.venue();
    const market = symbolFilter(venue.markets(), params);
    if (market === null) return bybitError(ctx, 10001, 'params error: symbol invalid');
    const ref = orderRef(params);
    let orders: SimOrder[];
    if (ref) {
      const one = venue.order(account.apiKey, ref, market?.symbol);
      orders = one ? [one] : [];
      if (kind === 'history') orders = orders.filter((o) => !isOpen(o));
    } else {
      const all = venue.orders(account.apiKey, market ? { symbol: market.symbol } : {});
      orders = all.filter((o) => (kind === 'realtime' ? isOpen(o) : !isOpen(o)));
    }
    const filter = params['orderFilter'];
    orders = orders.filter((o) => matchesFilter(o, filter));
    const wanted = params['orderStatus'];
    const list = orders
      .sort((a, b) => b.orderId - a.orderId)
      .map((o) => {
        const m = venue.market(o.symbol);
        if (!m) throw new Error(`Order on unknown market ${o.symbol}`);
        return orderShape(o, m, venue.fills(account.apiKey, { orderId: o.orderId }));
      })
      .filter((o) => wanted === undefined || o['orderStatus'] === wanted)
      .slice(0, limitOf(params));
    return envelope(ctx, { nextPageCursor: '', category: 'spot', list });
  });
}

function isOpen(o: SimOrder): boolean {
  return o.status === 'new' || o.status === 'partially_filled';
}

function orderRef(params: Params): OrderRef | undefined {
  const id = params['orderId'];
  if (id !== undefined && id !== '') return { orderId: /^\d+$/.test(id) ? Number(id) : -1 };
  const link = params['orderLinkId'];
  return link !== undefined && link !== '' ? { clientOrderId: link } : undefined;
}

/** undefined: no symbol filter; null: an unknown symbol. */
function symbolFilter(markets: MarketSpec[], params: Params): MarketSpec | undefined | null {
  const id = params['symbol'];
  if (id === undefined) return undefined;
  return markets.find((m) => m.base + m.quote === id) ?? null;
}

function limitOf(params: Params): number {
  const n = Number(params['limit'] ?? 20);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 50) : 20;
}
