import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpOrder, PerpRejection, PerpSpec } from '../matching/derivatives-types.js';
import { FUNDING_INTERVAL_MS } from '../matching/funding.js';
import { futuresWalletOf } from '../matching/perp-markets.js';
import type { OrderRef } from '../matching/types.js';
import type { SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { requestParams } from './common.js';
import { ok, type Params } from './htx-common.js';
import { klines, mergedTicker } from './htx-shapes.js';
import { contractCode, contractInfo, fundingBill, orderRow, positionRow, specByCode, toBase, toContracts, tradeRow, v5Fail, v5Ok } from './htx-swap-shapes.js';

/**
 * HTX USDT-margined perpetual swaps (contract `BTC-USDT`, ccxt `BTC/USDT:USDT`) on api.hbdm.com /
 * api.hbdm.vn, on the simulator's derivatives core, as ccxt 4.5.84's `htx` calls them. ccxt 4.5.84
 * reads and trades linear swaps through HTX's v5 API (the USDT-M "multi-assets" endpoints,
 * https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bd8), not the older
 * /linear-swap-api/v1/swap_cross_* ones; only the market list and the public market data are still
 * /linear-swap-api and /linear-swap-ex paths:
 *
 *   loadMarkets        GET /linear-swap-api/v1/swap_contract_info?business_type=all
 *   fetchTicker        GET /linear-swap-ex/market/detail/merged?contract_code=
 *   fetchOHLCV         GET /linear-swap-ex/market/history/kline; mark: /index/market/history/linear_swap_mark_price_kline
 *   fetchFundingRate   GET /v5/market/funding_rate; history GET /v5/market/funding_rate_history (public)
 *   fetchBalance       GET /v5/account/balance (type swap, subType linear)
 *   fetchPositions     GET /v5/trade/position/opens (fetchPosition: its first row)
 *   setLeverage        POST /v5/position/lever {contract_code, margin_mode, lever_rate}; read back GET /v5/position/lever
 *   setPositionMode    POST /v5/position/mode {position_mode: single_side | dual_side}; read GET /v5/position/mode
 *   createOrder        POST /v5/trade/order {contract_code, margin_mode, side, type, volume, price, reduce_only, client_order_id, time_in_force}
 *   cancelOrder        POST /v5/trade/cancel_order
 *   fetchOrder         GET /v5/trade/order?contract_code&margin_mode&order_id|client_order_id
 *   fetchOpenOrders    GET /v5/trade/order/opens; closed: GET /v5/trade/order/history
 *   fetchMyTrades      GET /v5/trade/order/details?contract_code&start_time&end_time&limit
 *   fetchFundingHistory GET /v5/account/bills?type=30,31&contract_code&margin_mode&start_time&end_time
 *
 * The account's futures (contract) wallet is apart from spot. One leverage and margin mode per
 * account and contract (the core's): an order or a set-leverage naming the other margin mode
 * switches the contract to it, refused while a position or an open order holds the current one.
 * One-way (`single_side`) position mode is traded; an account switched to `dual_side` has its orders
 * refused. v5 refusals are `{ code, message }` with HTTP 200; ccxt 4.5.84 raises only for the codes
 * in its table (1047, 1048, 1017, 1061, ...), so an unknown code reaches the caller as a success
 * without data — the codes served here are the ones HTX documents for the case.
 */

const LIMIT_WINDOW_MS = 3_000;
/** "144 times every 3 seconds for each UID (Trade Interface: at most 72 times every 3 seconds. Read Interface: at most 72 ...)" (v5 docs). */
const LIMIT_PER_WINDOW = 72;

type PositionMode = 'single_side' | 'dual_side';
const positionModes = new WeakMap<SimAccount, PositionMode>();
const NO_CONTRACT = (now: number) => v5Fail(1332, 'Non standard contract code', now);

function derivativesOf(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

// ---- public ----------------------------------------------------------------------------------

function candles(ctx: SimContext, query: URLSearchParams, mark: boolean): SimResponse {
  const now = ctx.exchangeNow();
  const spec = specByCode(derivativesOf(ctx), query.get('contract_code') ?? undefined);
  const m = spec ? ctx.venue().markets().find((x) => x.symbol === spec.symbol) : undefined;
  if (!spec || !m) return { status: 200, body: { status: 'error', err_code: 1332, err_msg: 'Non standard contract code', ts: now } };
  const size = Math.min(2000, Number(query.get('size') ?? 150) || 150);
  const from = query.get('from') !== null ? Number(query.get('from')) * 1000 : -Infinity;
  const to = query.get('to') !== null ? Number(query.get('to')) * 1000 : Infinity;
  // A window ending now (what ccxt sends without `since`: from/to counted back from its own clock) is
  // the latest `size` candles: the price path's time need not be the simulator clock's.
  const all = ctx.venue().candles(m.symbol, 1000);
  const rows = (to >= now - 60_000 ? all : all.filter((c) => c.openTime >= from && c.openTime <= to)).slice(-size);
  const ch = `market.${contractCode(spec)}.${mark ? 'mark_price_kline' : 'kline'}.${query.get('period') ?? '1min'}`;
  // The simulator's own interval whatever `period` asks: it does not resample. Oldest first, as HTX lists contract klines.
  return { status: 200, body: { status: 'ok', ch, ts: now, data: klines(rows).reverse() } };
}

/** GET /v5/market/funding_rate (public; ccxt 4.5.84's fetchFundingRate for linear swaps): `funding_time` the next settlement. */
function fundingRate(ctx: SimContext, query: URLSearchParams): SimResponse {
  const now = ctx.exchangeNow();
  const d = derivativesOf(ctx);
  const code = query.get('contract_code');
  const specs = code !== null ? [specByCode(d, code)] : d.perps();
  if (specs.some((s) => s === undefined)) return NO_CONTRACT(now);
  return v5Ok(specs.flatMap((spec) => {
    if (!spec) return [];
    const next = d.nextFunding(spec.symbol);
    return [{ contract_code: contractCode(spec), funding_rate: next.rate.toFixed(), funding_time: String(next.time), next_funding_time: String(next.time + FUNDING_INTERVAL_MS), min_funding_rate: '-0.00375', max_funding_rate: '0.00375' }];
  }), now);
}

/** GET /v5/market/funding_rate_history: settled rates newest first from `start_time`, at most `limit` (≤ 100); none before the price path's first candle. */
function fundingHistory(ctx: SimContext, query: URLSearchParams): SimResponse {
  const now = ctx.exchangeNow();
  const d = derivativesOf(ctx);
  const spec = specByCode(d, query.get('contract_code') ?? undefined);
  if (!spec) return NO_CONTRACT(now);
  const limit = Math.max(1, Math.min(100, Number(query.get('limit') ?? 100) || 100));
  const settled = d.fundedUntil(spec.symbol) ?? now;
  const first = ctx.venue().candles(spec.symbol, 1000)[0]?.openTime ?? settled;
  const from = Math.max(first, query.get('start_time') !== null ? Number(query.get('start_time')) : first);
  const rows = d.fundingHistory(spec.symbol, from, settled).reverse().slice(0, limit).map((r, i) => ({ id: String(i + 1), contract_code: contractCode(spec), funding_rate: r.rate.toFixed(), funding_time: String(r.time) }));
  return v5Ok(rows, now);
}

/** Public contract paths; null when the path is not one. */
export function htxSwapPublic(path: string, query: URLSearchParams, ctx: SimContext): SimResponse | null {
  const now = ctx.exchangeNow();
  switch (path) {
    case '/linear-swap-api/v1/swap_contract_info': {
      const specs = derivativesOf(ctx).perps();
      const code = query.get('contract_code');
      return ok(specs.filter((s) => code === null || contractCode(s) === code).map(contractInfo), now);
    }
    case '/linear-swap-ex/market/detail/merged': {
      const spec = specByCode(derivativesOf(ctx), query.get('contract_code') ?? undefined);
      const m = spec ? ctx.venue().markets().find((x) => x.symbol === spec.symbol) : undefined;
      if (!spec || !m) return { status: 200, body: { status: 'error', err_code: 1332, err_msg: 'Non standard contract code', ts: now } };
      const t = mergedTicker(ctx.venue(), m, now);
      // Contract tickers: `vol` in contracts, `amount` in base, `trade_turnover` in USDT.
      const amount = new Dec(String(t['amount']));
      const tick = { ...t, vol: toContracts(spec, amount), amount: amount.toFixed(), trade_turnover: String(t['vol']), ts: now };
      return { status: 200, body: { status: 'ok', ch: `market.${contractCode(spec)}.detail.merged`, ts: now, tick } };
    }
    case '/linear-swap-ex/market/history/kline': return candles(ctx, query, false);
    case '/index/market/history/linear_swap_mark_price_kline': return candles(ctx, query, true);
    case '/v5/market/funding_rate': return fundingRate(ctx, query);
    case '/v5/market/funding_rate_history': return fundingHistory(ctx, query);
    default: return null;
  }
}

// ---- private (v5) ----------------------------------------------------------------------------

interface Call {
  ctx: SimContext;
  d: DerivativesVenue;
  account: SimAccount;
  params: Params;
  now: number;
}

const MARGIN_MODES = new Set(['isolated', 'cross']);

/** GET /v5/account/balance: the futures wallet's USDT, `equity` with the unrealized PnL, `available` what is free. */
function balance({ d, account, now }: Call): SimResponse {
  const wallet = futuresWalletOf(account).balances['USDT'] ?? { free: '0', used: '0' };
  const upl = d.positions(account.apiKey).reduce((sum, p) => sum.add(d.unrealizedPnl(account.apiKey, p.symbol)), new Dec(0));
  const maintenance = d.positions(account.apiKey).reduce((sum, p) => sum.add(d.maintenanceMargin(account.apiKey, p.symbol)), new Dec(0));
  const equity = new Dec(wallet.free).add(wallet.used).add(upl);
  const rate = equity.gt(0) ? maintenance.div(equity).toDecimalPlaces(8).toFixed() : '0';
  const detail = {
    currency: 'USDT', equity: equity.toFixed(), isolated_equity: '0', available: wallet.free, withdraw_available: wallet.free, profit_unreal: upl.toFixed(),
    isolated_profit_unreal: '0', initial_margin: wallet.used, maintenance_margin: maintenance.toFixed(), maintenance_margin_rate: rate,
    initial_margin_rate: '0', voucher: '0', voucher_value: '0', created_time: 1_600_000_000_000, updated_time: now,
  };
  return v5Ok({
    state: 'normal', equity: equity.toFixed(), initial_margin: wallet.used, maintenance_margin: maintenance.toFixed(), maintenance_margin_rate: rate,
    profit_unreal: upl.toFixed(), available_margin: wallet.free, voucher_value: '0', created_time: 1_600_000_000_000, updated_time: now, details: [detail],
  }, now);
}

function positions({ d, account, params, now }: Call): SimResponse {
  const code = params['contract_code'];
  const rows = d
    .positions(account.apiKey)
    .map((p) => ({ p, spec: d.perp(p.symbol) }))
    .filter((x): x is { p: typeof x.p; spec: PerpSpec } => x.spec !== undefined && (code === undefined || contractCode(x.spec) === code))
    .filter(({ p }) => params['margin_mode'] === undefined || p.marginMode === params['margin_mode'])
    .map(({ p, spec }) => positionRow(d, account.apiKey, p, spec));
  return v5Ok(rows, now);
}

/**
 * POST /v5/position/lever (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bdc):
 * the leverage of a contract under one margin mode. Above the contract's maximum 1037 "The leverage is
 * invalid"; lowering it below what the free margin can back 1047; another margin mode while a position
 * or an open order holds the current one 1045 "Unable to switch the leverage due to current holdings
 * or open orders".
 */
function setLever({ d, account, params, now }: Call): SimResponse {
  const spec = specByCode(d, params['contract_code']);
  if (!spec) return NO_CONTRACT(now);
  const mode = params['margin_mode'] ?? '';
  if (!MARGIN_MODES.has(mode)) return v5Fail(1030, 'Input error of the margin_mode field.', now);
  const lever = params['lever_rate'] ?? '';
  if (!/^\d+$/.test(lever) || Number(lever) < 1) return v5Fail(1037, 'The leverage is invalid. Please contact the customer service.', now);
  if (d.settings(account.apiKey, spec.symbol).marginMode !== mode) {
    const switched = d.setMarginMode(account, [spec.symbol], mode === 'isolated' ? 'isolated' : 'cross');
    if (!switched.ok) return v5Fail(1045, 'Unable to switch the leverage due to current holdings or open orders.', now);
  }
  const set = d.setLeverage(account, spec.symbol, lever);
  if (!set.ok) {
    if (set.rejection.kind === 'leverage_out_of_range') return v5Fail(1037, 'The leverage is invalid. Please contact the customer service.', now);
    if (set.rejection.kind === 'insufficient_margin') return v5Fail(1047, 'Insufficient margin available.', now);
    if (set.rejection.kind === 'position_or_order_open') return v5Fail(1045, 'Unable to switch the leverage due to current holdings or open orders.', now);
  }
  return v5Ok({ contract_code: contractCode(spec), margin_mode: mode, position_side: 'both', lever_rate: Number(lever) }, now);
}

/** GET /v5/position/lever: per contract (all, or `contract_code`) and margin mode, the leverage set; the mode not in use shows the default. */
function getLever({ d, account, params, now }: Call): SimResponse {
  const code = params['contract_code'];
  const specs = code !== undefined ? [specByCode(d, code)] : d.perps();
  if (specs.some((s) => s === undefined)) return NO_CONTRACT(now);
  const modes = params['margin_mode'] !== undefined ? [params['margin_mode']] : ['cross', 'isolated'];
  const rows = specs.flatMap((s) => {
    if (!s) return [];
    const current = d.settings(account.apiKey, s.symbol);
    return modes.map((mode) => ({
      contract_code: contractCode(s), contract_type: 'swap', margin_mode: mode, position_side: 'both',
      lever_rate: Number(current.marginMode === mode ? current.leverage : d.settings('', s.symbol).leverage), available_lever: s.maxLeverage,
    }));
  });
  return v5Ok(rows, now);
}

/** GET /v5/position/mode: `single_side` (one-way) unless the account switched. */
function getMode({ account, now }: Call): SimResponse {
  return v5Ok({ position_mode: positionModes.get(account) ?? 'single_side' }, now);
}

/** POST /v5/position/mode: refused with 1430 while a position or an open order exists, as a switch needs a flat account. */
function setMode({ d, account, params, now }: Call): SimResponse {
  const wanted = params['position_mode'];
  if (wanted !== 'single_side' && wanted !== 'dual_side') return v5Fail(1030, 'Input error of the position_mode field.', now);
  if ((positionModes.get(account) ?? 'single_side') !== wanted && (d.positions(account.apiKey).length > 0 || d.orders(account.apiKey, { open: true }).length > 0)) {
    return v5Fail(1430, 'The position mode cannot be switched while holding positions or open orders.', now);
  }
  positionModes.set(account, wanted);
  return v5Ok({ position_mode: wanted }, now);
}

const TYPES: Record<string, { type: 'limit' | 'market'; tif?: 'GTC' | 'IOC' | 'FOK' }> = {
  limit: { type: 'limit' }, market: { type: 'market' }, ioc: { type: 'limit', tif: 'IOC' }, fok: { type: 'limit', tif: 'FOK' },
  post_only: { type: 'limit', tif: 'GTC' },
};

function rejection(r: PerpRejection, now: number): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol': return NO_CONTRACT(now);
    case 'filter': return r.filter === 'PRICE_FILTER' ? v5Fail(1032, 'Incorrect price, exceeding the price precision.', now) : v5Fail(1030, 'Input error of the volume field.', now);
    case 'insufficient_margin': return v5Fail(1047, 'Insufficient margin available.', now);
    // Reduce-only that would open or increase: what HTX answers a close larger than the position.
    case 'reduce_only_increase': return v5Fail(1048, 'Insufficient close amount available.', now);
    case 'duplicate_client_id': return v5Fail(1050, "Customer's order number is repeated. Please try again later.", now);
    case 'bad_request': return v5Fail(1030, `Input error of the ${r.message} field.`, now);
  }
}

/**
 * POST /v5/trade/order (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bdb):
 * `volume` whole contracts, `margin_mode` the order's margin mode (ccxt's default `cross`),
 * `reduce_only` 1 for reduce-only, `client_order_id` a positive integer (ccxt passes it only when it
 * reads as one). In `dual_side` mode an order without `position_side` is refused.
 */
function placeOrder({ d, account, params, now }: Call): SimResponse {
  const spec = specByCode(d, params['contract_code']);
  if (!spec) return NO_CONTRACT(now);
  if ((positionModes.get(account) ?? 'single_side') === 'dual_side') return v5Fail(1030, 'Input error of the position_side field.', now);
  const mode = params['margin_mode'] ?? '';
  if (!MARGIN_MODES.has(mode)) return v5Fail(1030, 'Input error of the margin_mode field.', now);
  const side = params['side'];
  if (side !== 'buy' && side !== 'sell') return v5Fail(1030, 'Input error of the side field.', now);
  const kind = TYPES[params['type'] ?? ''];
  if (!kind) return v5Fail(1034, 'Incorrect field of order price type.', now);
  const volume = params['volume'] ?? '';
  if (!/^\d+$/.test(volume) || volume === '0') return v5Fail(1030, 'Input error of the volume field.', now);
  const clientId = params['client_order_id'];
  if (clientId !== undefined && !/^[1-9]\d{0,18}$/.test(clientId)) return v5Fail(1067, 'The client_order_id field is invalid. Please re-enter.', now);
  const price = params['price'];
  if (kind.type === 'limit' && (price === undefined || !/^\d+(\.\d+)?$/.test(price))) return v5Fail(1030, 'Input error of the price field.', now);
  if (d.settings(account.apiKey, spec.symbol).marginMode !== mode && !d.setMarginMode(account, [spec.symbol], mode === 'isolated' ? 'isolated' : 'cross').ok) {
    return v5Fail(1045, 'Unable to switch the margin mode due to current holdings or open orders.', now);
  }
  const tif = (params['time_in_force'] ?? 'gtc').toUpperCase();
  const result = d.place(account, {
    symbol: spec.symbol, side, type: kind.type, quantity: toBase(spec, volume),
    ...(kind.type === 'limit' && price !== undefined ? { price } : {}),
    ...(kind.tif !== undefined ? { timeInForce: kind.tif } : tif === 'IOC' || tif === 'FOK' ? { timeInForce: tif } : {}),
    reduceOnly: params['reduce_only'] === '1' || params['reduce_only'] === 'true',
    clientOrderId: clientId ?? `_${now}${Math.floor(Math.random() * 1e9)}`,
  });
  if (!result.ok) return rejection(result.rejection, now);
  const id = String(result.order.orderId);
  return v5Ok({ order_id: id, client_order_id: clientId ?? id }, now);
}

function refOf(params: Params): OrderRef | undefined {
  const id = params['order_id'];
  if (id !== undefined && id !== '') return { orderId: /^\d+$/.test(id) ? Number(id) : -1 };
  const cl = params['client_order_id'];
  return cl !== undefined && cl !== '' ? { clientOrderId: cl } : undefined;
}

function shape(d: DerivativesVenue, owner: string, o: PerpOrder): Record<string, unknown> {
  const spec = d.perp(o.symbol);
  if (!spec) throw new Error(`Order on unknown perpetual ${o.symbol}`);
  return orderRow(o, spec, d.fills(owner, { orderId: o.orderId }), d.settings(owner, o.symbol).marginMode);
}

/** An order placed without a client id is found by its order id in `client_order_id` too, as HTX shows it there. */
function findOrder(d: DerivativesVenue, owner: string, ref: OrderRef, symbol: string): PerpOrder | undefined {
  const found = d.order(owner, ref, symbol);
  if (found || ref.clientOrderId === undefined || !/^\d+$/.test(ref.clientOrderId)) return found;
  const byId = d.order(owner, { orderId: Number(ref.clientOrderId) }, symbol);
  return byId && byId.clientOrderId.startsWith('_') ? byId : undefined;
}

/** GET /v5/trade/order: 1071 "Repeated withdraw" is not it; HTX answers an unknown order 1017 "Order doesn't exist". */
function getOrder({ d, account, params, now }: Call): SimResponse {
  const spec = specByCode(d, params['contract_code']);
  if (!spec) return NO_CONTRACT(now);
  const ref = refOf(params);
  if (!ref) return v5Fail(1030, 'Input error of the order_id field.', now);
  const o = findOrder(d, account.apiKey, ref, spec.symbol);
  return o ? v5Ok(shape(d, account.apiKey, o), now) : v5Fail(1017, "Order doesn't exist.", now);
}

function cancelOrder({ d, account, params, now }: Call): SimResponse {
  const spec = specByCode(d, params['contract_code']);
  if (!spec) return NO_CONTRACT(now);
  const ref = refOf(params);
  if (!ref) return v5Fail(1030, 'Input error of the order_id field.', now);
  const o = findOrder(d, account.apiKey, ref, spec.symbol);
  const canceled = o ? d.cancel(account.apiKey, spec.symbol, { orderId: o.orderId }) : undefined;
  if (!canceled) return v5Fail(1061, 'The order does not exist.', now);
  return v5Ok({ order_id: String(canceled.orderId), client_order_id: orderRow(canceled, spec, [], '')['client_order_id'] }, now);
}

function listOrders({ d, account, params, now }: Call, open: boolean): SimResponse {
  const code = params['contract_code'];
  const spec = code !== undefined ? specByCode(d, code) : undefined;
  if (code !== undefined && !spec) return NO_CONTRACT(now);
  const limit = Math.max(1, Math.min(100, Number(params['limit'] ?? 100) || 100));
  const rows = d
    .orders(account.apiKey, { ...(spec ? { symbol: spec.symbol } : {}), open })
    .sort((a, b) => b.orderId - a.orderId)
    .slice(0, limit)
    .map((o) => shape(d, account.apiKey, o));
  return v5Ok(rows, now);
}

function trades({ d, account, params, now }: Call): SimResponse {
  const spec = specByCode(d, params['contract_code']);
  if (!spec) return NO_CONTRACT(now);
  const start = params['start_time'] !== undefined ? Number(params['start_time']) : -Infinity;
  const end = params['end_time'] !== undefined ? Number(params['end_time']) : Infinity;
  const orderId = params['order_id'] !== undefined ? Number(params['order_id']) : undefined;
  const limit = Math.max(1, Math.min(500, Number(params['limit'] ?? 100) || 100));
  const mode = d.settings(account.apiKey, spec.symbol).marginMode;
  const rows = d
    .fills(account.apiKey, { symbol: spec.symbol, ...(orderId !== undefined ? { orderId } : {}) })
    .filter((f) => f.time >= start && f.time <= end)
    .reverse()
    .slice(0, limit)
    .map((f) => tradeRow(f, spec, d.order(account.apiKey, { orderId: f.orderId }), mode));
  return v5Ok(rows, now);
}

/** GET /v5/account/bills: funding rows (types 30 / 31) newest first, filtered by `type`, `contract_code`, `margin_mode`, `start_time` / `end_time`. */
function bills({ d, account, params, now }: Call): SimResponse {
  const types = new Set((params['type'] ?? '30,31').split(','));
  const start = params['start_time'] !== undefined ? Number(params['start_time']) : -Infinity;
  const end = params['end_time'] !== undefined ? Number(params['end_time']) : Infinity;
  const limit = Math.max(1, Math.min(100, Number(params['limit'] ?? 100) || 100));
  const rows: { time: number; row: Record<string, unknown> }[] = [];
  for (const spec of d.perps()) {
    if (params['contract_code'] !== undefined && params['contract_code'] !== contractCode(spec)) continue;
    const mode = d.settings(account.apiKey, spec.symbol).marginMode;
    for (const p of d.fundingPayments(account.apiKey, spec.symbol)) rows.push({ time: p.time, row: fundingBill(p, spec, mode) });
  }
  const picked = rows
    .filter((r) => types.has(String(r.row['type'])) && r.time >= start && r.time <= end)
    .filter((r) => params['margin_mode'] === undefined || r.row['margin_mode'] === params['margin_mode'])
    .sort((a, b) => b.time - a.time)
    .slice(0, limit)
    .map((r) => r.row);
  return v5Ok(picked, now);
}

const ROUTES: Record<string, (call: Call) => SimResponse> = {
  'GET /v5/account/balance': balance,
  'GET /v5/account/bills': bills,
  'GET /v5/trade/position/opens': positions,
  'GET /v5/position/lever': getLever,
  'POST /v5/position/lever': setLever,
  'GET /v5/position/mode': getMode,
  'POST /v5/position/mode': setMode,
  'POST /v5/trade/order': placeOrder,
  'GET /v5/trade/order': getOrder,
  'POST /v5/trade/cancel_order': cancelOrder,
  'GET /v5/trade/order/opens': (call) => listOrders(call, true),
  'GET /v5/trade/order/history': (call) => listOrders(call, false),
  'GET /v5/trade/order/details': trades,
};

export function isHtxSwapPrivate(method: string, path: string): boolean {
  return ROUTES[`${method} ${path}`] !== undefined;
}

/** One authenticated v5 call; the caller has checked the signature. */
export function htxSwapPrivate(req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse {
  const now = ctx.exchangeNow();
  const method = req.method.toUpperCase();
  const route = ROUTES[`${method} ${req.url.pathname}`];
  if (!route) return v5Fail(1030, 'invalid request path', now);
  const { used, resetAt } = ctx.countInWindow(`${account.apiKey} v5 ${method === 'GET' ? 'read' : 'trade'}`, LIMIT_WINDOW_MS);
  const headers = { 'ratelimit-limit': String(LIMIT_PER_WINDOW), 'ratelimit-interval': String(LIMIT_WINDOW_MS), 'ratelimit-remaining': String(Math.max(0, LIMIT_PER_WINDOW - used)), 'ratelimit-reset': String(resetAt) };
  if (used > LIMIT_PER_WINDOW) return { ...v5Fail(1032, 'The number of your requests exceeded the limit.', now), status: 429, headers };
  if (method === 'POST' && !account.permissions.trade) return { ...v5Fail(1003, 'Insufficient permission of API key.', now), headers };
  const params = requestParams(req.url, req.body);
  // The signature's own query pairs are not parameters of the call.
  for (const k of ['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Signature']) delete params[k];
  return { ...route({ ctx, d: derivativesOf(ctx), account, params, now }), headers };
}
