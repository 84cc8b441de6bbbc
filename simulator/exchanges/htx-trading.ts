import { Dec } from '../../src/domain/money.js';
import type { MarketSpec, OrderRef, OrderRejection, PlaceOrderInput, SimOrder } from '../matching/types.js';
import type { SimResponse } from '../types.js';
import { decimalParam } from './common.js';
import { SPOT_ACCOUNT_ID, decimals, error, marketById, ok, type HtxCall } from './htx-common.js';
import { matchResult, orderDetail, orderListEntry } from './htx-shapes.js';

/**
 * HTX spot trading on the venue's matching engine (https://huobiapi.github.io/docs/spot/v1/en/#trading).
 * `client-order-id` is our client order id: at most 64 characters, unique per account for 24 hours.
 */

/** Letters, digits, '-' and '_' (ccxt's own default is a broker prefix plus a uuid). */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CLIENT_ID_UNIQUE_MS = 24 * 3_600_000;
const TYPE = /^(buy|sell)-(limit|market|ioc|limit-maker|limit-fok)$/;
/** Not found, from ccxt's error table (ccxt issue 5750): what HTX answers a lookup of an unknown order. */
const NOT_FOUND = (): SimResponse => error('base-record-invalid', 'record invalid');

type Endpoint = (call: HtxCall) => SimResponse;

/** Path → endpoint; `{id}` matches a numeric order id. */
export const htxTrading: Array<{ method: string; path: RegExp; run: Endpoint }> = [
  { method: 'POST', path: /^\/v1\/order\/orders\/place$/, run: placeOrder },
  { method: 'GET', path: /^\/v1\/order\/orders\/getClientOrder$/, run: getClientOrder },
  { method: 'POST', path: /^\/v1\/order\/orders\/submitCancelClientOrder$/, run: cancelByClientId },
  { method: 'GET', path: /^\/v1\/order\/orders\/[^/]+\/matchresults$/, run: orderMatchResults },
  { method: 'POST', path: /^\/v1\/order\/orders\/[^/]+\/submitcancel$/, run: cancelById },
  { method: 'GET', path: /^\/v1\/order\/orders\/[^/]+$/, run: getOrder },
  { method: 'GET', path: /^\/v1\/order\/openOrders$/, run: openOrders },
  { method: 'GET', path: /^\/v1\/order\/orders$/, run: orderHistory },
  { method: 'GET', path: /^\/v1\/order\/matchresults$/, run: matchResults },
];

function placeOrder({ ctx, account, params }: HtxCall): SimResponse {
  const now = ctx.exchangeNow();
  if (params['account-id'] !== String(SPOT_ACCOUNT_ID)) return error('account-frozen-account-inexistent-error', `account for id \`${params['account-id'] ?? ''}\` is inexistent`);
  const m = marketById(ctx, params['symbol']);
  if (!m) return error('base-symbol-error', 'The symbol is invalid');
  const type = TYPE.exec(params['type'] ?? '');
  if (!type) return error('invalid-parameter', 'invalid type');
  const side = type[1] === 'buy' ? 'buy' : 'sell';
  const kind = type[2] ?? 'limit';
  const amount = decimalParam(params['amount']);
  if (amount === undefined) return error('invalid-amount', 'Paramemter `amount` is invalid.');
  const clientOrderId = params['client-order-id'] ?? `sim${now}${Math.floor(Math.random() * 1e9)}`;
  if (!CLIENT_ID.test(clientOrderId)) return error('validation-format-error', 'Format Error: client-order-id.');
  // HTX keeps a client order id unique for 24 hours, whatever became of the earlier order.
  const reused = ctx.venue().orders(account.apiKey).some((o) => o.clientOrderId === clientOrderId && now - o.createdAt < CLIENT_ID_UNIQUE_MS);
  // The duplicate code is not in HTX's public error list; this one names what happened.
  if (reused) return error('order-client-order-id-duplicate', 'client-order-id is duplicate within 24 hours');
  const quoteSized = kind === 'market' && side === 'buy';
  const scale = quoteSized ? 8 : decimals(m.stepSize);
  if (new Dec(amount).decimalPlaces() > scale) return error('order-orderamount-precision-error', `order amount precision error, scale: \`${scale}\``);
  let price: string | undefined;
  if (kind !== 'market') {
    price = decimalParam(params['price']);
    if (price === undefined) return error('order-invalid-price', 'invalid price');
    if (new Dec(price).decimalPlaces() > decimals(m.tickSize)) return error('order-orderprice-precision-error', `order price precision error, scale: \`${decimals(m.tickSize)}\``);
  }
  const input: PlaceOrderInput = {
    symbol: m.symbol, side, type: kind === 'market' ? 'market' : 'limit', clientOrderId,
    ...(quoteSized ? { quoteQty: amount } : { quantity: amount }),
    ...(price !== undefined ? { price } : {}),
    ...(kind === 'ioc' ? { timeInForce: 'IOC' as const } : kind === 'limit-fok' ? { timeInForce: 'FOK' as const } : {}),
  };
  const result = ctx.venue().place(account, input);
  if (!result.ok) return rejection(result.rejection, m, input, account.balances);
  return ok(String(result.order.orderId), now);
}

function rejection(r: OrderRejection, m: MarketSpec, input: PlaceOrderInput, balances: HtxCall['account']['balances']): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol': return error('base-symbol-error', 'The symbol is invalid');
    case 'insufficient_balance': {
      const asset = input.side === 'buy' ? m.quote : m.base;
      return error('account-frozen-balance-insufficient-error', `trade account balance is not enough, left: \`${balances[asset]?.free ?? '0'}\``);
    }
    case 'duplicate_client_id': return error('order-client-order-id-duplicate', 'client-order-id is duplicate within 24 hours');
    case 'would_take':
    case 'would_trigger': return error('invalid-parameter', 'invalid type'); // not placed by htx's wire format
    case 'bad_request': return error('invalid-parameter', `invalid ${r.message}`);
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return error('order-orderprice-precision-error', `order price precision error, scale: \`${decimals(m.tickSize)}\``);
      if (r.filter === 'NOTIONAL' || input.quoteQty !== undefined) return error('order-value-min-error', `Order total cannot be lower than: ${m.minNotional} ${m.quote}`);
      if (input.quantity !== undefined && new Dec(input.quantity).gte(m.minQty)) return error('order-orderamount-precision-error', `order amount precision error, scale: \`${decimals(m.stepSize)}\``);
      return input.type === 'market'
        ? error('order-marketorder-amount-min-error', `market order amount error, min: \`${m.minQty}\``)
        : error('order-limitorder-amount-min-error', `limit order amount error, min: \`${m.minQty}\``);
  }
}

function found(call: HtxCall, ref: OrderRef): SimOrder | undefined {
  return call.ctx.venue().order(call.account.apiKey, ref);
}

function detail(call: HtxCall, o: SimOrder): SimResponse {
  return ok(orderDetail(o, call.ctx.venue().fills(call.account.apiKey, { orderId: o.orderId })), call.ctx.exchangeNow());
}

function idRef(segment: string | undefined): OrderRef {
  return { orderId: segment !== undefined && /^\d+$/.test(segment) ? Number(segment) : -1 };
}

function getOrder(call: HtxCall): SimResponse {
  const o = found(call, idRef(call.segments[3]));
  return o ? detail(call, o) : NOT_FOUND();
}

/** https://huobiapi.github.io/docs/spot/v1/en/#get-the-order-detail-of-an-order-based-on-client-order-id */
function getClientOrder(call: HtxCall): SimResponse {
  const id = call.params['clientOrderId'];
  if (id === undefined || id === '') return error('validation-constraints-required', 'Field is missing: clientOrderId.');
  const o = found(call, { clientOrderId: id });
  return o ? detail(call, o) : NOT_FOUND();
}

/**
 * A failed cancel is `order-orderstate-error` with the order's state code in `order-state`
 * (https://www.htx.com/zh-cn/support/360000534561): 0 not found, 5 partial-canceled, 6 filled,
 * 7 canceled. ccxt maps the code to OrderNotFound whatever the state.
 */
function cancelFailure(o: SimOrder | undefined): SimResponse {
  const state = !o ? 0 : o.status === 'filled' ? 6 : new Dec(o.executedQty).gt(0) ? 5 : 7;
  return error('order-orderstate-error', '订单状态错误', 200, { 'order-state': state });
}

function cancelById(call: HtxCall): SimResponse {
  const ref = idRef(call.segments[3]);
  const o = found(call, ref);
  if (!o) return cancelFailure(undefined);
  const canceled = call.ctx.venue().cancel(call.account.apiKey, o.symbol, ref);
  return canceled ? ok(String(canceled.orderId), call.ctx.exchangeNow()) : cancelFailure(o);
}

/** https://huobiapi.github.io/docs/spot/v1/en/#submit-cancel-for-an-order-via-client-order-id: `data` is the cancel status (10: cancelling). */
function cancelByClientId(call: HtxCall): SimResponse {
  const id = call.params['client-order-id'];
  if (id === undefined || id === '') return error('validation-constraints-required', 'Field is missing: client-order-id.');
  const o = found(call, { clientOrderId: id });
  if (!o) return cancelFailure(undefined);
  const canceled = call.ctx.venue().cancel(call.account.apiKey, o.symbol, { clientOrderId: id });
  return canceled ? ok(10, call.ctx.exchangeNow()) : cancelFailure(o);
}

function listOf(call: HtxCall, orders: SimOrder[]): SimResponse {
  const size = Math.min(Math.max(Number(call.params['size'] ?? 100) || 100, 1), 500);
  const list = orders
    .sort((a, b) => b.orderId - a.orderId)
    .slice(0, size)
    .map((o) => orderListEntry(o, call.ctx.venue().fills(call.account.apiKey, { orderId: o.orderId })));
  return ok(list, call.ctx.exchangeNow());
}

/** https://huobiapi.github.io/docs/spot/v1/en/#get-all-open-orders */
function openOrders(call: HtxCall): SimResponse {
  const symbol = call.params['symbol'];
  const m = symbol !== undefined ? marketById(call.ctx, symbol) : undefined;
  if (symbol !== undefined && !m) return error('base-symbol-error', 'The symbol is invalid');
  if (call.params['account-id'] !== undefined && call.params['account-id'] !== String(SPOT_ACCOUNT_ID)) return error('account-frozen-account-inexistent-error', 'account is inexistent');
  return listOf(call, call.ctx.venue().orders(call.account.apiKey, { open: true, ...(m ? { symbol: m.symbol } : {}) }));
}

/** https://huobiapi.github.io/docs/spot/v1/en/#search-past-orders: `symbol` and `states` are required. */
function orderHistory(call: HtxCall): SimResponse {
  const m = marketById(call.ctx, call.params['symbol']);
  if (!m) return error('base-symbol-error', 'The symbol is invalid');
  const states = (call.params['states'] ?? '').split(',').filter((s) => s !== '');
  if (states.length === 0) return error('validation-constraints-required', 'Field is missing: states.');
  const all = call.ctx.venue().orders(call.account.apiKey, { symbol: m.symbol });
  return listOf(call, all.filter((o) => states.includes(orderListEntry(o, [])['state'] as string)));
}

function matchResults(call: HtxCall): SimResponse {
  const symbol = call.params['symbol'];
  const m = symbol !== undefined ? marketById(call.ctx, symbol) : undefined;
  if (symbol !== undefined && !m) return error('base-symbol-error', 'The symbol is invalid');
  const since = call.params['start-time'] !== undefined ? Number(call.params['start-time']) : undefined;
  const size = Math.min(Math.max(Number(call.params['size'] ?? 100) || 100, 1), 500);
  const venue = call.ctx.venue();
  const fills = venue
    .fills(call.account.apiKey, m ? { symbol: m.symbol } : {})
    .filter((f) => since === undefined || f.time >= since)
    .reverse()
    .slice(0, size);
  return ok(fills.map((f) => matchResult(f, venue.order(call.account.apiKey, { orderId: f.orderId }))), call.ctx.exchangeNow());
}

function orderMatchResults(call: HtxCall): SimResponse {
  const o = found(call, idRef(call.segments[3]));
  if (!o) return NOT_FOUND();
  const venue = call.ctx.venue();
  const fills = venue.fills(call.account.apiKey, { orderId: o.orderId }).reverse();
  return ok(fills.map((f) => matchResult(f, o)), call.ctx.exchangeNow());
}
