import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpOrder, PerpPlaceInput, PerpRejection, PerpSpec, SettingsRejection } from '../matching/derivatives-types.js';
import type { OrderRef } from '../matching/types.js';
import type { SimContext, SimResponse } from '../types.js';
import { bybitError, envelope, type BybitCall, type BybitEndpoint, type Params } from './bybit-common.js';
import { fundingExecutionShape, linearExecutionShape, linearOrderShape, positionShape } from './bybit-linear-shapes.js';
import { decimalParam } from './common.js';

/**
 * Bybit v5 USDT perpetuals (category=linear) on the simulator's derivatives core, one-way position
 * mode only. The order endpoints with category=linear land here (simulator/exchanges/bybit.ts picks
 * the table by category); the position endpoints have no spot counterpart.
 */

const LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
const SIDES: Record<string, PerpPlaceInput['side']> = { Buy: 'buy', Sell: 'sell' };
const TYPES: Record<string, PerpPlaceInput['type']> = { Limit: 'limit', Market: 'market' };
const TIFS: Record<string, PerpPlaceInput['timeInForce']> = { GTC: 'GTC', IOC: 'IOC', FOK: 'FOK', PostOnly: 'GTC' };

export function perpsOf(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

function withPerp(ctx: SimContext, params: Params, run: (spec: PerpSpec, d: DerivativesVenue) => SimResponse): SimResponse {
  if (params['category'] !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
  if (params['symbol'] === undefined) return bybitError(ctx, 10001, 'params error: symbol is required');
  const d = perpsOf(ctx);
  const spec = perpById(d, params['symbol']);
  return spec ? run(spec, d) : bybitError(ctx, 10001, 'params error: symbol invalid');
}

function perpById(d: DerivativesVenue, id: string | undefined): PerpSpec | undefined {
  return id === undefined ? undefined : d.perps().find((p) => p.base + p.settle === id.toUpperCase());
}

/** Order endpoints for category=linear, keyed as bybit.ts keys its tables. */
export const bybitLinearOrders: Record<string, BybitEndpoint> = {
  // Place Order, https://bybit-exchange.github.io/docs/v5/order/create-order
  'POST /v5/order/create': { security: 'trade', uidLimitPerSec: 10, run: createOrder },
  // Cancel Order, https://bybit-exchange.github.io/docs/v5/order/cancel-order
  'POST /v5/order/cancel': {
    security: 'trade',
    uidLimitPerSec: 10,
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        const ref = orderRef(params);
        if (!ref) return bybitError(ctx, 10001, 'params error: orderId or orderLinkId is required');
        const order = d.cancel(account.apiKey, spec.symbol, ref);
        if (!order) return bybitError(ctx, 110001, 'Order does not exist.');
        return envelope(ctx, { orderId: String(order.orderId), orderLinkId: order.clientOrderId });
      }),
  },
  // Cancel All Orders, https://bybit-exchange.github.io/docs/v5/order/cancel-all
  'POST /v5/order/cancel-all': {
    security: 'trade',
    uidLimitPerSec: 10,
    run: ({ ctx, params, account }) => {
      const d = perpsOf(ctx);
      const spec = perpById(d, params['symbol']);
      if (params['symbol'] !== undefined && !spec) return bybitError(ctx, 10001, 'params error: symbol invalid');
      // orderFilter StopOrder (ccxt's { trigger: true }) cancels only the conditional orders, Order only the others.
      const filter = params['orderFilter'];
      if (filter !== undefined && filter !== 'StopOrder' && filter !== 'Order') return bybitError(ctx, 10001, 'params error: orderFilter invalid');
      const list = d
        .orders(account.apiKey, { open: true, ...(spec ? { symbol: spec.symbol } : {}) })
        .filter((o) => filter === undefined || (filter === 'StopOrder') === (o.trigger !== undefined && o.trigger.triggeredAt === undefined))
        .map((o) => d.cancel(account.apiKey, o.symbol, { orderId: o.orderId }))
        .filter((o): o is PerpOrder => o !== undefined)
        .map((o) => ({ orderId: String(o.orderId), orderLinkId: o.clientOrderId }));
      return envelope(ctx, { list, success: '1' });
    },
  },
  // Get Open & Closed Orders, https://bybit-exchange.github.io/docs/v5/order/open-order
  'GET /v5/order/realtime': { security: 'read', uidLimitPerSec: 50, run: (call) => listOrders(call, 'realtime') },
  // Get Order History, https://bybit-exchange.github.io/docs/v5/order/order-list
  'GET /v5/order/history': { security: 'read', uidLimitPerSec: 50, run: (call) => listOrders(call, 'history') },
  // Get Trade History, https://bybit-exchange.github.io/docs/v5/order/execution
  'GET /v5/execution/list': { security: 'read', uidLimitPerSec: 50, run: listExecutions },
};

function createOrder({ ctx, params, account }: BybitCall): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    const input = parseCreate(ctx, params, spec);
    if ('status' in input) return input;
    // A trigger the price already passed is refused (Bybit 110092 / 110093, https://bybit-exchange.github.io/docs/v5/error).
    if (input.trigger && d.triggerReached(spec.symbol, input.trigger)) {
      const current = d.markPrice(spec.symbol).toFixed();
      return input.trigger.direction === 'rise'
        ? bybitError(ctx, 110092, `expect Rising, but trigger_price[${input.trigger.price}] <= current[${current}]`)
        : bybitError(ctx, 110093, `expect Falling, but trigger_price[${input.trigger.price}] >= current[${current}]`);
    }
    const result = d.place(account, input);
    if (!result.ok) return rejection(ctx, result.rejection);
    return envelope(ctx, { orderId: String(result.order.orderId), orderLinkId: result.order.clientOrderId });
  });
}

function parseCreate(ctx: SimContext, params: Params, spec: PerpSpec): PerpPlaceInput | SimResponse {
  const side = SIDES[params['side'] ?? ''];
  if (!side) return bybitError(ctx, 10001, 'params error: side invalid');
  const type = TYPES[params['orderType'] ?? ''];
  if (!type) return bybitError(ctx, 10001, 'params error: orderType invalid');
  const qty = decimalParam(params['qty']);
  if (qty === undefined) return bybitError(ctx, 10001, 'params error: qty invalid');
  // One-way mode only: positionIdx 0 (https://bybit-exchange.github.io/docs/v5/enum#positionidx).
  if ((params['positionIdx'] ?? '0') !== '0') return bybitError(ctx, 10001, 'position idx not match position mode');
  const linkId = params['orderLinkId'] ?? `sim-${ctx.exchangeNow()}-${Math.floor(Math.random() * 1e9)}`;
  if (!LINK_ID.test(linkId)) return bybitError(ctx, 10001, 'params error: orderLinkId invalid');
  const price = decimalParam(params['price']);
  if (type === 'limit' && price === undefined) return bybitError(ctx, 10001, 'params error: price invalid');
  const tif = TIFS[params['timeInForce'] ?? 'GTC'];
  if (tif === undefined) return bybitError(ctx, 10001, 'params error: timeInForce invalid');
  if (params['orderFilter'] !== undefined || params['takeProfit'] !== undefined || params['stopLoss'] !== undefined) {
    return bybitError(ctx, 10001, 'params error: TP/SL attached to linear orders are not simulated');
  }
  const trigger = parseTrigger(ctx, params, type, side);
  if (trigger !== undefined && 'status' in trigger) return trigger;
  if (params['timeInForce'] === 'PostOnly') return bybitError(ctx, 10001, 'params error: PostOnly on linear is not simulated');
  // closeOnTrigger: a reduce-only order that may cancel others to make room (https://bybit-exchange.github.io/docs/v5/order/create-order).
  const reduceOnly = params['reduceOnly'] === 'true' || params['closeOnTrigger'] === 'true';
  return {
    symbol: spec.symbol,
    side,
    type,
    quantity: qty,
    ...(type === 'limit' && price !== undefined ? { price } : {}),
    timeInForce: tif,
    reduceOnly,
    clientOrderId: linkId,
    ...(trigger !== undefined ? { trigger } : {}),
  };
}

/**
 * A conditional order (https://bybit-exchange.github.io/docs/v5/order/create-order): triggerPrice
 * with triggerDirection 1 (fires when the price rises to it) or 2 (falls to it), by triggerBy
 * LastPrice (the default) or MarkPrice. It stays on the order endpoints under its own orderId, which
 * becomes the market order that executes. The simulator takes reduce-only Market ones only (what
 * ccxt sends for stopLossPrice / takeProfitPrice); a stop-limit or an opening conditional is refused.
 */
function parseTrigger(ctx: SimContext, params: Params, type: PerpPlaceInput['type'], side: PerpPlaceInput['side']): PerpPlaceInput['trigger'] | SimResponse | undefined {
  if (params['triggerPrice'] === undefined) return undefined;
  const price = decimalParam(params['triggerPrice']);
  if (price === undefined) return bybitError(ctx, 10001, 'params error: triggerPrice invalid');
  const direction = params['triggerDirection'] === '1' ? 'rise' : params['triggerDirection'] === '2' ? 'fall' : undefined;
  if (direction === undefined) return bybitError(ctx, 10001, 'params error: triggerDirection invalid');
  const by = (params['triggerBy'] ?? 'LastPrice') === 'LastPrice' ? 'last' : params['triggerBy'] === 'MarkPrice' ? 'mark' : undefined;
  if (by === undefined) return bybitError(ctx, 10001, 'params error: triggerBy invalid (IndexPrice is not simulated)');
  if (type !== 'market') return bybitError(ctx, 10001, 'params error: conditional Limit orders on linear are not simulated');
  if (params['reduceOnly'] !== 'true' && params['closeOnTrigger'] !== 'true') return bybitError(ctx, 10001, 'params error: conditional orders that open a position are not simulated');
  // A buy that fires on a rise (or a sell on a fall) stops a loss; the other way round it takes profit.
  const kind = (side === 'buy') === (direction === 'rise') ? 'stop' : 'take-profit';
  return { price, direction, by, kind, placesOrder: false };
}

/** Refusals with the codes of https://bybit-exchange.github.io/docs/v5/error. */
function rejection(ctx: SimContext, r: PerpRejection): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return bybitError(ctx, 10001, 'params error: symbol invalid');
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return bybitError(ctx, 10001, 'params error: price invalid');
      if (r.filter === 'NOTIONAL') return bybitError(ctx, 110094, 'Order does not meet minimum order value');
      return bybitError(ctx, 10001, 'params error: qty invalid');
    case 'insufficient_margin':
      // The message of a real answer ccxt records beside the code (bybit.js, exceptions '110007').
      return bybitError(ctx, 110007, 'ab not enough for new order');
    case 'reduce_only_increase':
      return bybitError(ctx, 110017, 'Reduce-only rule not satisfied');
    case 'duplicate_client_id':
      return bybitError(ctx, 110072, 'OrderLinkedID is duplicate');
    case 'bad_request':
      return bybitError(ctx, 10001, `params error: ${r.message} invalid`);
  }
}

function listOrders({ ctx, params, account }: BybitCall, kind: 'realtime' | 'history'): SimResponse {
  const d = perpsOf(ctx);
  const spec = perpById(d, params['symbol']);
  if (params['symbol'] !== undefined && !spec) return bybitError(ctx, 10001, 'params error: symbol invalid');
  const ref = orderRef(params);
  const isOpen = (o: PerpOrder): boolean => o.status === 'new' || o.status === 'partially_filled';
  let orders: PerpOrder[];
  if (ref) {
    const one = d.order(account.apiKey, ref, spec?.symbol);
    orders = one ? [one] : [];
    if (kind === 'history') orders = orders.filter((o) => !isOpen(o));
  } else {
    orders = d.orders(account.apiKey, spec ? { symbol: spec.symbol } : {}).filter((o) => (kind === 'realtime' ? isOpen(o) : !isOpen(o)));
  }
  // orderFilter (https://bybit-exchange.github.io/docs/v5/order/open-order): every kind by default;
  // StopOrder the conditional orders that have not fired, Order the others.
  const filter = params['orderFilter'];
  if (filter === 'StopOrder') orders = orders.filter((o) => o.trigger !== undefined && o.trigger.triggeredAt === undefined);
  else if (filter === 'Order') orders = orders.filter((o) => o.trigger === undefined || o.trigger.triggeredAt !== undefined);
  else if (filter !== undefined) return bybitError(ctx, 10001, 'params error: orderFilter invalid');
  const list = orders
    .sort((a, b) => b.orderId - a.orderId)
    .slice(0, limitOf(params))
    .map((o) => linearOrderShape(o, specOf(d, o.symbol)));
  return envelope(ctx, { nextPageCursor: '', category: 'linear', list });
}

/**
 * Trades and liquidations (BustTrade), and funding settlements (execType Funding), newest first; as
 * on Bybit, an unfiltered list mixes them, and `execType` picks one kind.
 */
function listExecutions({ ctx, params, account }: BybitCall): SimResponse {
  const d = perpsOf(ctx);
  const spec = perpById(d, params['symbol']);
  if (params['symbol'] !== undefined && !spec) return bybitError(ctx, 10001, 'params error: symbol invalid');
  const execType = params['execType'];
  const orderId = params['orderId'] !== undefined ? Number(params['orderId']) : undefined;
  const since = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
  const until = params['endTime'] !== undefined ? Number(params['endTime']) : undefined;
  const rows: { time: number; seq: number; row: Record<string, unknown> }[] = [];
  if (execType === undefined || execType === 'Trade' || execType === 'BustTrade') {
    for (const f of d.fills(account.apiKey, { ...(spec ? { symbol: spec.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })) {
      const row = linearExecutionShape(f, d.order(account.apiKey, { orderId: f.orderId }), specOf(d, f.symbol));
      if (execType === undefined || row['execType'] === execType) rows.push({ time: f.time, seq: f.tradeId, row });
    }
  }
  if ((execType === undefined || execType === 'Funding') && orderId === undefined) {
    for (const p of d.fundingPayments(account.apiKey, spec?.symbol)) rows.push({ time: p.time, seq: p.id, row: fundingExecutionShape(p, specOf(d, p.symbol)) });
  }
  const list = rows
    .filter((r) => (since === undefined || r.time >= since) && (until === undefined || r.time <= until))
    .sort((a, b) => b.time - a.time || b.seq - a.seq)
    .slice(0, limitOf(params))
    .map((r) => r.row);
  return envelope(ctx, { nextPageCursor: '', category: 'linear', list });
}

/** Position endpoints (https://bybit-exchange.github.io/docs/v5/position). */
export const bybitPositions: Record<string, BybitEndpoint> = {
  // Get Position Info: by symbol, the position even when flat; by settleCoin, the open ones.
  'GET /v5/position/list': {
    security: 'read',
    uidLimitPerSec: 50,
    run: ({ ctx, params, account }) => {
      if (params['category'] !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
      const d = perpsOf(ctx);
      if (params['symbol'] !== undefined) {
        const spec = perpById(d, params['symbol']);
        if (!spec) return bybitError(ctx, 10001, 'params error: symbol invalid');
        return envelope(ctx, { nextPageCursor: '', category: 'linear', list: [positionShape(d, account.apiKey, spec)] });
      }
      if (params['settleCoin'] === undefined && params['baseCoin'] === undefined) {
        return bybitError(ctx, 10001, 'params error: symbol or settleCoin is required');
      }
      const list = d
        .positions(account.apiKey)
        .map((p) => specOf(d, p.symbol))
        .filter((s) => (params['settleCoin'] === undefined || s.settle === params['settleCoin']) && (params['baseCoin'] === undefined || s.base === params['baseCoin']))
        .map((s) => positionShape(d, account.apiKey, s));
      return envelope(ctx, { nextPageCursor: '', category: 'linear', list });
    },
  },
  // Set Leverage, https://bybit-exchange.github.io/docs/v5/position/leverage: one-way mode takes buy = sell.
  'POST /v5/position/set-leverage': {
    security: 'trade',
    uidLimitPerSec: 10,
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        const buy = decimalParam(params['buyLeverage']);
        const sell = decimalParam(params['sellLeverage']);
        if (buy === undefined || sell === undefined) return bybitError(ctx, 10001, 'params error: buyLeverage or sellLeverage invalid');
        if (buy !== sell) return bybitError(ctx, 10001, 'buy leverage must be equal to sell leverage in one-way mode');
        const result = d.setLeverage(account, spec.symbol, buy);
        return result.ok ? envelope(ctx, {}) : settingsError(ctx, result.rejection);
      }),
  },
  // Switch Position Mode, https://bybit-exchange.github.io/docs/v5/position/position-mode
  'POST /v5/position/switch-mode': {
    security: 'trade',
    uidLimitPerSec: 10,
    run: ({ ctx, params }) => {
      if (params['category'] !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
      if (params['symbol'] === undefined && params['coin'] === undefined) return bybitError(ctx, 10001, 'params error: symbol or coin is required');
      if (params['mode'] === '0') return bybitError(ctx, 110025, 'Position mode is not modified');
      // Hedge mode (3) is refused: the simulator keeps one-way positions only.
      if (params['mode'] === '3') return bybitError(ctx, 110029, 'Hedge mode is not available for this symbol');
      return bybitError(ctx, 10001, 'params error: mode invalid');
    },
  },
};

/**
 * Set Margin Mode (https://bybit-exchange.github.io/docs/v5/account/set-margin-mode), what ccxt's
 * setMarginMode sends for a unified account: the mode of the whole account, so every perpetual of it.
 * Refused while a position or an open order exists, with the documented 3400045 and its reasons.
 */
export const bybitMarginMode: Record<string, BybitEndpoint> = {
  'POST /v5/account/set-margin-mode': {
    security: 'trade',
    uidLimitPerSec: 5,
    run: ({ ctx, params, account }) => {
      const wanted = params['setMarginMode'];
      const mode = wanted === 'ISOLATED_MARGIN' ? 'isolated' : wanted === 'REGULAR_MARGIN' ? 'cross' : undefined;
      if (wanted === 'PORTFOLIO_MARGIN') return bybitError(ctx, 10001, 'params error: PORTFOLIO_MARGIN is not simulated');
      if (mode === undefined) return bybitError(ctx, 10001, 'params error: setMarginMode invalid');
      const d = perpsOf(ctx);
      const result = d.setMarginMode(account, d.perps().map((p) => p.symbol), mode);
      if (!result.ok) {
        return envelope(ctx, { reasons: [{ reasonCode: '3400045', reasonMsg: 'Position or open order exists, cannot switch margin mode' }] }, 3400045, 'Set margin mode failed');
      }
      return envelope(ctx, { reasons: [] });
    },
  },
};

/** The account's margin mode for account/info: isolated once every perpetual is isolated. */
export function accountMarginMode(ctx: SimContext, owner: string): 'ISOLATED_MARGIN' | 'REGULAR_MARGIN' {
  const d = perpsOf(ctx);
  const isolated = d.perps().length > 0 && d.perps().every((p) => d.settings(owner, p.symbol).marginMode === 'isolated');
  return isolated ? 'ISOLATED_MARGIN' : 'REGULAR_MARGIN';
}

function settingsError(ctx: SimContext, r: SettingsRejection): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return bybitError(ctx, 10001, 'params error: symbol invalid');
    case 'not_modified':
      return bybitError(ctx, 110043, 'Set leverage not modified');
    case 'leverage_out_of_range':
      return bybitError(ctx, 110013, `Due to risk limit, cannot set leverage. Max leverage: ${r.max}`);
    case 'insufficient_margin':
      return bybitError(ctx, 110044, 'Insufficient available margin');
    case 'position_or_order_open':
      return bybitError(ctx, 3400045, 'Set margin mode failed');
  }
}

function specOf(d: DerivativesVenue, symbol: string): PerpSpec {
  const spec = d.perp(symbol);
  if (!spec) throw new Error(`Unknown perpetual ${symbol}`);
  return spec;
}

function orderRef(params: Params): OrderRef | undefined {
  const id = params['orderId'];
  if (id !== undefined && id !== '') return { orderId: /^\d+$/.test(id) ? Number(id) : -1 };
  const link = params['orderLinkId'];
  return link !== undefined && link !== '' ? { clientOrderId: link } : undefined;
}

/** Linear lists page at [1, 100], 50 by default (Get Trade History). */
function limitOf(params: Params): number {
  const n = Number(params['limit'] ?? 50);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 100) : 50;
}
