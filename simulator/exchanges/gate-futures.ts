import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpOrder, PerpPlaceInput, PerpRejection, PerpSpec } from '../matching/derivatives-types.js';
import { futuresWalletOf } from '../matching/perp-markets.js';
import type { MarketSpec, OrderRef } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';
import { json, requestParams } from './common.js';
import {
  accountShape,
  baseOf,
  bookShape,
  contractName,
  contractShape,
  contractsOf,
  fillBookRows,
  fundingBookRow,
  liquidateShape,
  multiplierOf,
  orderShape,
  positionShape,
  tradeShape,
  type BookRow,
} from './gate-futures-shapes.js';
import { fail } from './gate-trading.js';
import { bookLevels, candlesFor, dayStats } from './market-stats.js';

/**
 * Gate APIv4 USDT-margined perpetual futures (https://www.gate.com/docs/developers/apiv4/en/#futures),
 * `/api/v4/futures/usdt/...`, on the simulator's derivatives core, as ccxt 4.5.84's `gate` class
 * calls it for a `swap` market (BTC/USDT:USDT = contract BTC_USDT):
 *   loadMarkets     → GET /futures/usdt/contracts
 *   fetchTicker     → GET /futures/usdt/tickers?contract=
 *   fetchOHLCV      → GET /futures/usdt/candlesticks (contract `mark_BTC_USDT` for price: 'mark')
 *   fetchFundingRate(History) → GET /futures/usdt/contracts/{contract}, /futures/usdt/funding_rate
 *   fetchBalance    → GET /futures/usdt/accounts (the futures account, apart from spot)
 *   setLeverage     → POST /futures/usdt/positions/{contract}/leverage?leverage= (0 = cross at
 *                     cross_leverage_limit; ccxt sends that for params.marginMode 'cross')
 *   fetchPosition(s)→ GET /futures/usdt/positions/{contract}, /futures/usdt/positions
 *   addMargin/reduceMargin → POST /futures/usdt/positions/{contract}/margin?change=
 *   setPositionMode → POST /futures/usdt/dual_mode?dual_mode= (true, hedge mode, is refused)
 *   createOrder     → POST /futures/usdt/orders (JSON: size signed in contracts, price '0' + tif ioc
 *                     for market, reduce_only, text)
 *   fetchOrder / cancelOrder → GET / DELETE /futures/usdt/orders/{order_id} (id, or text while open)
 *   fetchOpenOrders / fetchClosedOrders → GET /futures/usdt/orders?status=open|finished
 *   fetchMyTrades   → GET /futures/usdt/my_trades_timerange (also GET /futures/usdt/my_trades)
 *   fetchFundingHistory → GET /futures/usdt/account_book?type=fund (change positive when received)
 *   fetchMyLiquidations → GET /futures/usdt/liquidates
 * Also GET /futures/usdt/order_book and GET /futures/usdt/position_close. Errors are `{label, message}`
 * with the labels of the docs' "Error handling" list
 * (https://www.gate.com/docs/developers/apiv4/en/#label-list). One-way (single) position mode only.
 * Simplifications: the margin mode cannot change while the contract holds a position
 * (POSITION_HOLDING) or an open order (ORDER_PENDING); no price-triggered orders; no iceberg.
 */

const PREFIX = '/futures/usdt';
const TEXT = /^t-[0-9A-Za-z_.-]{1,28}$/;
const TIFS: Record<string, PerpPlaceInput['timeInForce'] | 'poc'> = { gtc: 'GTC', ioc: 'IOC', fok: 'FOK', poc: 'poc' };

export interface FuturesCall {
  method: string;
  /** Path after /api/v4. */
  path: string;
  url: URL;
  body: string;
  ctx: SimContext;
}

/** Whether `path` (after /api/v4) is a futures route this module answers without a key. */
export function isPublicFuturesRoute(method: string, path: string): boolean {
  if (method !== 'GET' || !path.startsWith(`${PREFIX}/`)) return false;
  const rest = path.slice(PREFIX.length);
  return ['/contracts', '/tickers', '/candlesticks', '/funding_rate', '/order_book'].includes(rest) || /^\/contracts\/[^/]+$/.test(rest);
}

export function isFuturesRoute(path: string): boolean {
  return path.startsWith(`${PREFIX}/`);
}

/** The endpoint a path counts against for rate limits (one per order id path, one per contract path). */
export function futuresEndpoint(method: string, path: string): string {
  return `${method} ${path.replace(/\/orders\/[^/]+$/, '/orders/{order_id}').replace(/\/positions\/[^/]+/, '/positions/{contract}').replace(/\/contracts\/[^/]+$/, '/contracts/{contract}')}`;
}

function perps(ctx: SimContext): DerivativesVenue {
  const d = ctx.derivatives?.();
  if (!d) throw new Error('This simulator context has no derivatives venue');
  return d;
}

function specByName(d: DerivativesVenue, name: string | undefined): PerpSpec | undefined {
  return name === undefined ? undefined : d.perps().find((p) => contractName(p) === name);
}

const contractNotFound = (name: string | undefined): SimResponse => fail(400, 'CONTRACT_NOT_FOUND', `Contract ${name ?? ''} not found`);
const invalid = (message: string): SimResponse => fail(400, 'INVALID_PARAM_VALUE', message);

function marketOf(ctx: SimContext, spec: PerpSpec): MarketSpec {
  const m = ctx.venue().markets().find((x) => x.symbol === spec.symbol);
  if (!m) throw new Error(`No market for ${spec.symbol}`);
  return m;
}

function specOf(d: DerivativesVenue, symbol: string): PerpSpec {
  const spec = d.perp(symbol);
  if (!spec) throw new Error(`Unknown perpetual ${symbol}`);
  return spec;
}

/** A public futures route. */
export function gateFuturesPublic(call: FuturesCall): SimResponse | null {
  const { ctx, url } = call;
  const d = perps(ctx);
  const rest = call.path.slice(PREFIX.length);
  const q = Object.fromEntries(url.searchParams);
  const last = (spec: PerpSpec): string => ctx.venue().candle(spec.symbol)?.close ?? d.markPrice(spec.symbol).toFixed();
  if (rest === '/contracts') return json(200, d.perps().map((s) => contractShape(d, s, last(s))));
  const one = /^\/contracts\/([^/]+)$/.exec(rest);
  if (one?.[1] !== undefined) {
    const spec = specByName(d, decodeURIComponent(one[1]));
    return spec ? json(200, contractShape(d, spec, last(spec))) : contractNotFound(one[1]);
  }
  if (rest === '/tickers') {
    const specs = q['contract'] !== undefined ? [specByName(d, q['contract'])] : d.perps();
    if (specs.some((s) => s === undefined)) return contractNotFound(q['contract']);
    return json(200, specs.flatMap((s) => (s ? [tickerShape(ctx, d, s)] : [])));
  }
  if (rest === '/candlesticks') return candlesticks(ctx, d, q);
  if (rest === '/funding_rate') return fundingRates(ctx, d, q);
  if (rest === '/order_book') {
    const spec = specByName(d, q['contract']);
    if (!spec) return contractNotFound(q['contract']);
    const now = ctx.exchangeNow();
    const book = bookLevels(ctx.venue(), marketOf(ctx, spec), Math.min(50, Number(q['limit'] ?? 10) || 10));
    const level = ([p, s]: [string, string]) => ({ p, s: Math.max(1, Math.floor(contractsOf(spec, s))) });
    return json(200, { id: now, current: now / 1000, update: now / 1000, asks: book.asks.map(level), bids: book.bids.map(level) });
  }
  return null;
}

/** FuturesTicker, https://www.gate.com/docs/developers/apiv4/en/#list-futures-tickers (volumes: 24 h, size in contracts). */
function tickerShape(ctx: SimContext, d: DerivativesVenue, spec: PerpSpec): Record<string, unknown> {
  const s = dayStats(ctx.venue(), marketOf(ctx, spec));
  const change = s.open.isZero() ? '0' : s.last.sub(s.open).div(s.open).mul(100).toFixed(2);
  const mark = d.markPrice(spec.symbol).toFixed();
  return {
    contract: contractName(spec),
    last: s.last.toFixed(),
    change_percentage: change,
    total_size: '0',
    low_24h: s.low.toFixed(),
    high_24h: s.high.toFixed(),
    volume_24h: String(Math.floor(contractsOf(spec, s.volume))),
    volume_24h_btc: '0',
    volume_24h_usd: s.quoteVolume.toFixed(),
    volume_24h_base: s.volume.toFixed(),
    volume_24h_quote: s.quoteVolume.toFixed(),
    volume_24h_settle: s.quoteVolume.toFixed(),
    mark_price: mark,
    funding_rate: d.nextFunding(spec.symbol).rate.toFixed(),
    funding_rate_indicative: d.nextFunding(spec.symbol).rate.toFixed(),
    index_price: mark,
    highest_bid: s.bid,
    highest_size: String(Math.max(1, Math.floor(contractsOf(spec, s.bidQty)))),
    lowest_ask: s.ask,
    lowest_size: String(Math.max(1, Math.floor(contractsOf(spec, s.askQty)))),
  };
}

/**
 * FuturesCandlestick, https://www.gate.com/docs/developers/apiv4/en/#get-futures-candlesticks:
 * `{t (s), v (contracts), c, h, l, o, sum (quote)}`, oldest first; `mark_`/`index_` prefixed contracts
 * give the mark (the core's mark is the candle close: the same candles, no volume). The price path's
 * own interval whatever `interval` asks for; `from` picks the first candle, else the last `limit`.
 */
function candlesticks(ctx: SimContext, d: DerivativesVenue, q: Record<string, string>): SimResponse {
  const raw = q['contract'] ?? '';
  const priceOnly = /^(mark|index)_/.test(raw);
  const spec = specByName(d, raw.replace(/^(mark|index)_/, ''));
  if (!spec) return contractNotFound(raw);
  const limit = Math.min(2000, Number(q['limit'] ?? 100) || 100);
  const from = q['from'] !== undefined ? Number(q['from']) * 1000 : undefined;
  const to = q['to'] !== undefined ? Number(q['to']) * 1000 : undefined;
  const venue = ctx.venue();
  const rows = candlesFor(venue, marketOf(ctx, spec), from !== undefined ? 1000 : limit, from)
    .filter((c) => to === undefined || c.openTime <= to)
    .slice(0, from !== undefined ? 2000 : limit)
    .map((c) => ({
      t: Math.floor(c.openTime / 1000),
      ...(priceOnly ? {} : { v: Math.floor(contractsOf(spec, c.volume)), sum: new Dec(c.volume).mul(c.close).toFixed() }),
      c: c.close,
      h: c.high,
      l: c.low,
      o: c.open,
    }));
  return json(200, rows);
}

/** Funding rate history, https://www.gate.com/docs/developers/apiv4/en/#funding-rate-history: `{t (s), r}`, newest first, settled ones only. */
function fundingRates(ctx: SimContext, d: DerivativesVenue, q: Record<string, string>): SimResponse {
  const spec = specByName(d, q['contract']);
  if (!spec) return contractNotFound(q['contract']);
  const limit = Math.max(1, Math.min(1000, Number(q['limit'] ?? 100) || 100));
  const settled = d.fundedUntil(spec.symbol) ?? ctx.exchangeNow();
  const end = Math.min(settled, q['to'] !== undefined ? Number(q['to']) * 1000 : settled);
  const first = ctx.venue().candles(spec.symbol, 1000)[0]?.openTime ?? end;
  const from = Math.max(q['from'] !== undefined ? Number(q['from']) * 1000 : end - limit * 8 * 3_600_000, first);
  const rows = d.fundingHistory(spec.symbol, from, end).map((r) => ({ t: Math.floor(r.time / 1000), r: r.rate.toFixed() }));
  return json(200, rows.reverse().slice(0, limit));
}

// ---- private ---------------------------------------------------------------------------------

/** A private futures route of `account`, or null when the path is not one. */
export function gateFuturesPrivate(call: FuturesCall, account: SimAccount): SimResponse | null {
  const { method } = call;
  const rest = call.path.slice(PREFIX.length);
  const d = perps(call.ctx);
  const params = requestParams(call.url, method === 'POST' ? call.body : '');
  if (method === 'GET' && rest === '/accounts') return json(200, accountShape(d, account.apiKey, futuresWalletOf(account), 'USDT'));
  if (method === 'GET' && rest === '/positions') {
    const holding = params['holding'] !== 'false';
    const listed = d.perps().filter((s) => !holding || d.position(account.apiKey, s.symbol).size !== '0');
    return json(200, listed.map((s) => positionShape(d, account.apiKey, s)));
  }
  if (method === 'POST' && rest === '/dual_mode') return dualMode(d, account, params);
  const position = /^\/positions\/([^/]+)(\/leverage|\/margin)?$/.exec(rest);
  if (position?.[1] !== undefined) {
    const spec = specByName(d, decodeURIComponent(position[1]));
    if (!spec) return contractNotFound(position[1]);
    if (method === 'GET' && position[2] === undefined) return json(200, positionShape(d, account.apiKey, spec));
    if (method === 'POST' && position[2] === '/leverage') return setLeverage(d, account, spec, params);
    if (method === 'POST' && position[2] === '/margin') return changeMargin(d, account, spec, params);
    return null;
  }
  if (rest === '/orders' && method === 'POST') return createOrder(d, account, params);
  if (rest === '/orders' && method === 'GET') return listOrders(d, account, params);
  if (rest === '/orders' && method === 'DELETE') return cancelAll(d, account, params);
  const order = /^\/orders\/([^/]+)$/.exec(rest);
  if (order?.[1] !== undefined && (method === 'GET' || method === 'DELETE')) return singleOrder(d, account, decodeURIComponent(order[1]), method);
  if (method === 'GET' && (rest === '/my_trades' || rest === '/my_trades_timerange')) return myTrades(d, account, params);
  if (method === 'GET' && rest === '/account_book') return accountBook(d, account, params);
  if (method === 'GET' && rest === '/liquidates') return liquidates(d, account, params);
  if (method === 'GET' && rest === '/position_close') return positionClose(d, account, params);
  return null;
}

/** POST /futures/usdt/dual_mode: false is answered with the account (one-way already); true is refused. */
function dualMode(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const wanted = params['dual_mode'];
  if (wanted === 'false') return json(200, accountShape(d, account.apiKey, futuresWalletOf(account), 'USDT'));
  if (wanted === 'true') return invalid('dual_mode: hedge (dual) position mode is not simulated: positions are one-way (single) only');
  return invalid('dual_mode must be true or false');
}

/**
 * POST /futures/usdt/positions/{contract}/leverage, https://www.gate.com/docs/developers/apiv4/en/#update-position-leverage:
 * `leverage` 0 sets cross margin at `cross_leverage_limit`; a positive one isolated at it. Answers the
 * position. Beyond the contract's maximum: LEVERAGE_TOO_HIGH; below 1: LEVERAGE_TOO_LOW; the same
 * settings again are answered as a change (the position).
 */
function setLeverage(d: DerivativesVenue, account: SimAccount, spec: PerpSpec, params: Record<string, string>): SimResponse {
  const raw = params['leverage'];
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw)) return invalid('leverage');
  const cross = new Dec(raw).isZero();
  const limit = params['cross_leverage_limit'];
  if (cross && limit !== undefined && !/^\d+(\.\d+)?$/.test(limit)) return invalid('cross_leverage_limit');
  const current = d.settings(account.apiKey, spec.symbol);
  const leverage = cross ? (limit ?? current.leverage) : raw;
  const lev = new Dec(leverage);
  if (lev.gt(spec.maxLeverage)) return fail(400, 'LEVERAGE_TOO_HIGH', `leverage ${leverage} exceeds the maximum ${spec.maxLeverage}`);
  if (lev.lt(1)) return fail(400, 'LEVERAGE_TOO_LOW', `leverage ${leverage} is below the minimum 1`);
  const mode = cross ? 'cross' : 'isolated';
  if (mode !== current.marginMode) {
    const changed = d.setMarginMode(account, [spec.symbol], mode);
    if (!changed.ok && changed.rejection.kind === 'position_or_order_open') {
      return changed.rejection.holds === 'position'
        ? fail(400, 'POSITION_HOLDING', 'Operation forbidden with holding position')
        : fail(400, 'ORDER_PENDING', 'Operation forbidden with pending orders');
    }
    if (!changed.ok) return contractNotFound(contractName(spec));
  }
  const result = d.setLeverage(account, spec.symbol, lev.toFixed());
  if (!result.ok && result.rejection.kind === 'insufficient_margin') return fail(400, 'INSUFFICIENT_AVAILABLE', 'Insufficient available balance for the new leverage');
  if (!result.ok && result.rejection.kind === 'leverage_out_of_range') return fail(400, 'LEVERAGE_TOO_HIGH', `leverage ${leverage} exceeds the maximum ${spec.maxLeverage}`);
  return json(200, positionShape(d, account.apiKey, spec));
}

/** POST /futures/usdt/positions/{contract}/margin?change=, https://www.gate.com/docs/developers/apiv4/en/#update-position-margin */
function changeMargin(d: DerivativesVenue, account: SimAccount, spec: PerpSpec, params: Record<string, string>): SimResponse {
  const change = params['change'];
  if (change === undefined || !/^-?\d+(\.\d+)?$/.test(change) || new Dec(change).isZero()) return invalid('change');
  const result = d.adjustMargin(account, spec.symbol, change);
  if (result.ok) return json(200, positionShape(d, account.apiKey, spec));
  switch (result.rejection) {
    case 'flat':
      return fail(400, 'POSITION_EMPTY', 'Position is empty');
    case 'cross':
      return fail(400, 'POSITION_CROSS_MARGIN', 'Margin cannot be changed in cross margin mode');
    case 'insufficient_margin':
      return fail(400, 'INSUFFICIENT_AVAILABLE', 'Insufficient available balance');
    case 'too_much':
      return fail(400, 'REMOVE_TOO_MUCH', 'Margin removed exceeds the allowed range');
    case 'unknown_symbol':
      return contractNotFound(contractName(spec));
  }
}

/**
 * POST /futures/usdt/orders, https://www.gate.com/docs/developers/apiv4/en/#create-a-futures-order:
 * `size` a signed whole number of contracts (negative sells); `price` '0' with tif ioc/fok is a
 * market order; `close: true` with size 0 closes the position; `reduce_only`; tif gtc/ioc/poc/fok;
 * `text` "t-" + up to 28 of [0-9A-Za-z_.-]. Answers 201 with the order.
 */
function createOrder(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const spec = specByName(d, params['contract']);
  if (!spec) return contractNotFound(params['contract']);
  const sizeText = params['size'] ?? '';
  if (!/^-?\d+$/.test(sizeText)) return invalid(`size ${sizeText} must be a whole number of contracts`);
  const size = new Dec(sizeText);
  const close = params['close'] === 'true';
  const held = new Dec(d.position(account.apiKey, spec.symbol).size);
  if (close && !size.isZero()) return invalid('size must be 0 with close');
  if (!close && size.isZero()) return invalid('size must not be 0');
  if (close && held.isZero()) return fail(400, 'POSITION_EMPTY', 'Position is empty');
  const contracts = close ? held.div(multiplierOf(spec)).neg() : size;
  const maxSize = Math.floor(contractsOf(spec, spec.maxQty));
  if (contracts.abs().gt(maxSize)) return fail(400, 'SIZE_TOO_LARGE', `size exceeds the maximum ${maxSize}`);
  const tifName = (params['tif'] ?? 'gtc').toLowerCase();
  const tif = TIFS[tifName];
  if (tif === undefined) return invalid(`tif ${tifName}`);
  const priceText = params['price'] ?? '';
  if (!/^\d+(\.\d+)?$/.test(priceText)) return invalid('price');
  const market = new Dec(priceText).isZero();
  if (market && tif !== 'IOC' && tif !== 'FOK') return invalid('a market order (price 0) must be ioc or fok');
  const mark = d.markPrice(spec.symbol);
  const tick = new Dec(spec.tickSize);
  if (!market) {
    if (!new Dec(priceText).mod(tick).isZero()) return invalid(`price ${priceText} is not a multiple of order_price_round ${spec.tickSize}`);
    if (new Dec(priceText).sub(mark).abs().gt(mark.mul('0.5'))) return fail(400, 'PRICE_TOO_DEVIATED', `price ${priceText} deviates too far from the mark price ${mark.toFixed()}`);
  }
  const text = params['text'];
  if (text !== undefined && !TEXT.test(text)) return invalid('text must be t- followed by up to 28 of [0-9A-Za-z_.-]');
  const side = contracts.isNegative() ? 'sell' : 'buy';
  const reduceOnly = close || params['reduce_only'] === 'true';
  if (tif === 'poc') {
    const touch = side === 'buy' ? mark.add(tick) : Dec.max(tick, mark.sub(tick));
    if (side === 'buy' ? touch.lte(priceText) : touch.gte(priceText)) return fail(400, 'ORDER_POC_IMMEDIATE', `order price ${priceText} while counter price ${touch.toFixed()}`);
  }
  const result = d.place(account, {
    symbol: spec.symbol,
    side,
    type: market ? 'market' : 'limit',
    quantity: baseOf(spec, contracts),
    ...(market ? {} : { price: priceText }),
    timeInForce: tif === 'poc' ? 'GTC' : tif,
    reduceOnly,
    clientOrderId: text ?? '',
  });
  if (!result.ok) return rejection(result.rejection, held);
  return json(201, orderShape(result.order, spec, d.fees, tif === 'poc'));
}

/** The core's refusals with Gate's labels. */
function rejection(r: PerpRejection, held: Dec): SimResponse {
  switch (r.kind) {
    case 'unknown_symbol':
      return contractNotFound(undefined);
    case 'filter':
      return r.filter === 'PRICE_FILTER' ? invalid('price') : fail(400, 'SIZE_TOO_SMALL', 'Size too small');
    case 'insufficient_margin':
      return fail(400, 'INSUFFICIENT_AVAILABLE', 'Insufficient available balance for the order margin');
    case 'reduce_only_increase':
      // Nothing to reduce: Gate answers REDUCE_EXCEEDED "empty position"; a reduce-only order the other way: INCREASE_POSITION.
      return held.isZero() ? fail(400, 'REDUCE_EXCEEDED', 'empty position') : fail(400, 'INCREASE_POSITION', 'Reduce-only order would increase position');
    case 'duplicate_client_id':
      return invalid('text is already used by an open order');
    case 'bad_request':
      return invalid(r.message);
  }
}

/** GET /futures/usdt/orders?status=open|finished, newest first, `limit` (default 100, max 1000) from `offset`. */
function listOrders(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const status = params['status'];
  if (status !== 'open' && status !== 'finished') return invalid('status must be open or finished');
  const spec = specByName(d, params['contract']);
  if (params['contract'] !== undefined && !spec) return contractNotFound(params['contract']);
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100) || 100));
  const offset = Math.max(0, Number(params['offset'] ?? 0) || 0);
  const orders = d
    .orders(account.apiKey, { open: status === 'open', ...(spec ? { symbol: spec.symbol } : {}) })
    .sort((a, b) => b.orderId - a.orderId)
    .slice(offset, offset + limit);
  return json(200, orders.map((o) => orderShape(o, specOf(d, o.symbol), d.fees)));
}

/** DELETE /futures/usdt/orders?contract=: cancels the contract's open orders, answers them. */
function cancelAll(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const spec = specByName(d, params['contract']);
  if (!spec) return contractNotFound(params['contract']);
  const side = params['side'];
  const cancelled: PerpOrder[] = [];
  for (const o of d.orders(account.apiKey, { symbol: spec.symbol, open: true })) {
    if ((side === 'bid' && o.side !== 'buy') || (side === 'ask' && o.side !== 'sell')) continue;
    const c = d.cancel(account.apiKey, spec.symbol, { orderId: o.orderId });
    if (c) cancelled.push(c);
  }
  return json(200, cancelled.map((o) => orderShape(o, spec, d.fees)));
}

/**
 * GET / DELETE /futures/usdt/orders/{order_id}: by id, or by `text` while the order is open ("Operations
 * based on custom ID can only be checked when the order is in orderbook"); anything else ORDER_NOT_FOUND.
 */
function singleOrder(d: DerivativesVenue, account: SimAccount, id: string, method: string): SimResponse {
  let ref: OrderRef;
  if (/^\d+$/.test(id)) ref = { orderId: Number(id) };
  else if (id.startsWith('t-')) ref = { clientOrderId: id };
  else return invalid('order_id');
  const found = d.order(account.apiKey, ref);
  const open = found !== undefined && (found.status === 'new' || found.status === 'partially_filled');
  if (!found || (ref.clientOrderId !== undefined && !open)) return fail(404, 'ORDER_NOT_FOUND', 'Order not found');
  const spec = specOf(d, found.symbol);
  if (method === 'GET') return json(200, orderShape(found, spec, d.fees));
  if (!open) return fail(404, 'ORDER_NOT_FOUND', 'Order not found');
  const cancelled = d.cancel(account.apiKey, found.symbol, { orderId: found.orderId });
  return cancelled ? json(200, orderShape(cancelled, spec, d.fees)) : fail(404, 'ORDER_NOT_FOUND', 'Order not found');
}

const secondsParam = (v: string | undefined): number | undefined => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : undefined);

/**
 * GET /futures/usdt/my_trades_timerange (from, to in seconds) and /my_trades (order, last_id):
 * newest first, `limit` (default 100, max 1000) from `offset`; liquidation trades included (text `liquidation`).
 */
function myTrades(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const spec = specByName(d, params['contract']);
  if (params['contract'] !== undefined && !spec) return contractNotFound(params['contract']);
  const from = secondsParam(params['from']);
  const to = secondsParam(params['to']);
  const orderId = params['order'] !== undefined ? Number(params['order']) : undefined;
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100) || 100));
  const offset = Math.max(0, Number(params['offset'] ?? 0) || 0);
  const fills = d
    .fills(account.apiKey, { ...(spec ? { symbol: spec.symbol } : {}), ...(orderId !== undefined ? { orderId } : {}) })
    .filter((f) => (from === undefined || f.time >= from) && (to === undefined || f.time <= to + 999))
    .sort((a, b) => b.tradeId - a.tradeId)
    .slice(offset, offset + limit);
  return json(
    200,
    fills.map((f) => {
      const o = d.order(account.apiKey, { orderId: f.orderId });
      const text = f.kind === 'liquidation' ? 'liquidation' : o && o.clientOrderId !== '' ? o.clientOrderId : 'api';
      return tradeShape(f, specOf(d, f.symbol), text);
    }),
  );
}

const BOOK_TYPES = new Set(['dnw', 'pnl', 'fee', 'refr', 'fund', 'point_dnw', 'point_fee', 'point_refr', 'bonus_offset']);

/**
 * GET /futures/usdt/account_book, https://www.gate.com/docs/developers/apiv4/en/#query-account-book:
 * `pnl` and `fee` rows of the fills, `fund` rows of the funding settlements (change positive when
 * received), newest first, `limit` (default 100, max 1000) from `offset`, within from/to (seconds).
 * `balance` is the account total after the row, counted back from the total now. Unknown query
 * parameters are ignored (ccxt 4.5.84 would pass a unified `until` through as it is).
 */
function accountBook(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const type = params['type'];
  if (type !== undefined && !BOOK_TYPES.has(type)) return invalid(`type ${type}`);
  const spec = specByName(d, params['contract']);
  if (params['contract'] !== undefined && !spec) return contractNotFound(params['contract']);
  const rows: BookRow[] = [];
  for (const f of d.fills(account.apiKey)) rows.push(...fillBookRows(f, specOf(d, f.symbol)));
  for (const p of d.fundingPayments(account.apiKey)) rows.push(fundingBookRow(p, specOf(d, p.symbol)));
  rows.sort((a, b) => a.time - b.time || a.seq - b.seq);
  const wallet = futuresWalletOf(account).balances['USDT'];
  let balance = new Dec(wallet?.free ?? '0').add(wallet?.used ?? '0');
  const withBalance: { row: BookRow; balance: Dec; id: number }[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i];
    if (!row) continue;
    withBalance.push({ row, balance, id: i + 1 });
    balance = balance.sub(row.change);
  }
  const from = secondsParam(params['from']);
  const to = secondsParam(params['to']);
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100) || 100));
  const offset = Math.max(0, Number(params['offset'] ?? 0) || 0);
  const picked = withBalance.filter(
    ({ row }) => (type === undefined || row.type === type) && (!spec || row.contract === contractName(spec)) && (from === undefined || row.time >= from) && (to === undefined || row.time <= to + 999),
  );
  return json(200, picked.slice(offset, offset + limit).map((r) => bookShape(r.row, r.balance, r.id)));
}

/** GET /futures/usdt/liquidates, https://www.gate.com/docs/developers/apiv4/en/#list-liquidation-history: the account's liquidations, newest first. */
function liquidates(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const spec = specByName(d, params['contract']);
  if (params['contract'] !== undefined && !spec) return contractNotFound(params['contract']);
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100) || 100));
  const at = secondsParam(params['at']);
  const rows = d
    .orders(account.apiKey, spec ? { symbol: spec.symbol } : {})
    .filter((o) => o.createdBy === 'liquidation' && (at === undefined || Math.floor(o.createdAt / 1000) * 1000 === at))
    .sort((a, b) => b.orderId - a.orderId)
    .slice(0, limit)
    .flatMap((o) => {
      const fill = d.fills(account.apiKey, { orderId: o.orderId })[0];
      return fill ? [liquidateShape(o, fill, specOf(d, o.symbol))] : [];
    });
  return json(200, rows);
}

/**
 * GET /futures/usdt/position_close, https://www.gate.com/docs/developers/apiv4/en/#list-position-close-history:
 * one row per fill that closed a position to flat, newest first: `side` of the closed position, `pnl`
 * its realized PnL (fees of the closing fill included), `text` the closing order's text (`liquidation`
 * for a liquidation). Simplification: pnl_pnl / pnl_fee / pnl_fund are of the closing fill only.
 */
function positionClose(d: DerivativesVenue, account: SimAccount, params: Record<string, string>): SimResponse {
  const spec = specByName(d, params['contract']);
  if (params['contract'] !== undefined && !spec) return contractNotFound(params['contract']);
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100) || 100));
  const rows: Record<string, unknown>[] = [];
  const sizes = new Map<string, Dec>();
  for (const f of d.fills(account.apiKey, spec ? { symbol: spec.symbol } : {})) {
    const before = sizes.get(f.symbol) ?? new Dec(0);
    const after = before.add(f.side === 'buy' ? f.qty : new Dec(f.qty).neg());
    sizes.set(f.symbol, after);
    if (before.isZero() || !after.isZero()) continue;
    const s = specOf(d, f.symbol);
    const o = d.order(account.apiKey, { orderId: f.orderId });
    rows.push({
      time: Math.floor(f.time / 1000),
      contract: contractName(s),
      side: before.isPositive() ? 'long' : 'short',
      pnl: new Dec(f.realizedPnl).sub(f.fee).toFixed(),
      pnl_pnl: f.realizedPnl,
      pnl_fund: '0',
      pnl_fee: new Dec(f.fee).neg().toFixed(),
      text: f.kind === 'liquidation' ? 'liquidation' : o && o.clientOrderId !== '' ? o.clientOrderId : 'api',
      max_size: String(contractsOf(s, before.abs())),
      accum_size: String(contractsOf(s, before.abs())),
      first_open_time: 0,
      long_price: before.isPositive() ? '0' : f.price,
      short_price: before.isPositive() ? f.price : '0',
    });
  }
  return json(200, rows.reverse().slice(0, limit));
}
