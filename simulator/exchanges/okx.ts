import { createHmac } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { dayStats } from './market-stats.js';
import { requestParams } from './common.js';
import { fail, ok } from './okx-common.js';
import { candleRow } from './okx-shapes.js';
import { okxTrading, runTrading } from './okx-trading.js';
import { handleSwap } from './okx-swap.js';

/**
 * OKX v5 REST wire format (https://www.okx.com/docs-v5/en/), as ccxt 4.5.84's `okx` class uses it.
 *
 * Every body is `{ code, msg, data }` with `code: "0"` for success; ccxt maps a non-zero `code` through
 * its `exceptions.exact` table before it looks at the HTTP status, so the codes are what matters.
 * Demo trading (`setSandboxMode(true)`) uses the same host with the header `x-simulated-trading: 1`;
 * the simulator serves both the same way.
 *
 * What ccxt calls (defaults, with credentials):
 *   loadMarkets  → GET /api/v5/asset/currencies (private; skipped without keys or in sandbox mode)
 *                  GET /api/v5/public/instruments?instType=SPOT|FUTURES|SWAP, and OPTION once per
 *                  `options.defaultUnderlying` (BTC-USD, ETH-USD). Trim with
 *                  `options.fetchMarkets: { types: ['spot'] }` and `has.fetchCurrencies = false`.
 *   fetchBalance → GET /api/v5/account/balance
 *   fetchTime    → GET /api/v5/public/time
 *   permissions  → GET /api/v5/account/config (`perm`, `ip`)
 * Also served: GET /api/v5/market/ticker and /market/candles for the spot markets, from the venue's
 * price path (spot instruments are the simulator's markets, swaps the derivatives core's in okx-swap.ts, the future a fixed extra),
 * and spot trading on the venue (okx-trading.ts): place, cancel, order details, pending and history
 * lists, fills. ccxt's default createOrder posts /trade/batch-orders; the adapter sets
 * `options.createOrder: 'privatePostTradeOrder'` so it uses /trade/order, whose limit the profile models.
 */

const API = '/api/v5';
/** OKX rejects a request whose OK-ACCESS-TIMESTAMP is more than 30 s away from its clock. */
const TIMESTAMP_WINDOW_MS = 30_000;

interface OkxInstrument {
  instType: 'SPOT' | 'SWAP' | 'FUTURES';
  instId: string;
  baseCcy: string;
  quoteCcy: string;
  settleCcy: string;
  uly: string;
  ctVal: string;
  ctValCcy: string;
  ctType: string;
  lotSz: string;
  minSz: string;
  tickSz: string;
  lever: string;
  alias: string;
  expTime: string;
}

function spot(m: MarketSpec): OkxInstrument {
  return {
    instType: 'SPOT', instId: `${m.base}-${m.quote}`, baseCcy: m.base, quoteCcy: m.quote, settleCcy: '', uly: '',
    ctVal: '', ctValCcy: '', ctType: '', lotSz: m.stepSize, minSz: m.minQty, tickSz: m.tickSize, lever: '10', alias: '', expTime: '',
  };
}

/** The quarterly future expiring on the next last-Friday-of-quarter 08:00 UTC after `now`. */
function quarterly(base: string, quote: string, ctVal: string, tickSz: string, now: number): OkxInstrument {
  const expiry = nextQuarterlyExpiry(now);
  const d = new Date(expiry);
  const ymd = `${String(d.getUTCFullYear()).slice(2)}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return {
    instType: 'FUTURES', instId: `${base}-${quote}-${ymd}`, baseCcy: '', quoteCcy: '', settleCcy: quote,
    uly: `${base}-${quote}`, ctVal, ctValCcy: base, ctType: 'linear', lotSz: '1', minSz: '1', tickSz,
    lever: '100', alias: 'quarter', expTime: String(expiry),
  };
}

export function nextQuarterlyExpiry(now: number): number {
  const start = new Date(now);
  for (let q = 0; q < 6; q++) {
    const month = Math.floor(start.getUTCMonth() / 3) * 3 + 2 + q * 3; // Mar, Jun, Sep, Dec
    const year = start.getUTCFullYear() + Math.floor(month / 12);
    const m = month % 12;
    // Last day of month m, then walk back to Friday (5).
    const last = new Date(Date.UTC(year, m + 1, 0, 8));
    const expiry = last.getTime() - ((last.getUTCDay() + 2) % 7) * 86_400_000;
    if (expiry > now) return expiry;
  }
  throw new Error('unreachable: an expiry exists within six quarters');
}

function instruments(instType: string, ctx: SimContext, now: number): OkxInstrument[] {
  switch (instType) {
    case 'SPOT':
      return ctx.venue().markets().map(spot);
    case 'FUTURES':
      return [quarterly('BTC', 'USDT', '0.01', '0.1', now)];
    default:
      // OPTION (and anything else): a valid empty answer keeps the simulator small.
      return [];
  }
}

function header(req: SimRequest, name: string): string {
  return req.headers[name] ?? '';
}

function sumDecimal(a: string, b: string): string {
  return new Dec(a).add(b).toFixed();
}

/** Checks OK-ACCESS-* headers; returns the account, or the exact error OKX would send. */
export function authenticate(req: SimRequest, ctx: SimContext): SimAccount | SimResponse {
  const apiKey = header(req, 'ok-access-key');
  const passphrase = header(req, 'ok-access-passphrase');
  const sign = header(req, 'ok-access-sign');
  const timestamp = header(req, 'ok-access-timestamp');
  if (apiKey === '') return fail(401, '50103', 'Request header OK-ACCESS-KEY cannot be empty.');
  if (passphrase === '') return fail(401, '50104', 'Request header OK-ACCESS-PASSPHRASE cannot be empty.');
  if (sign === '') return fail(401, '50106', 'Request header OK-ACCESS-SIGN cannot be empty.');
  if (timestamp === '') return fail(401, '50107', 'Request header OK-ACCESS-TIMESTAMP cannot be empty.');
  // OKX wants an ISO 8601 UTC timestamp with milliseconds, e.g. 2020-12-08T09:08:57.715Z.
  const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(timestamp) ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(ts)) return fail(401, '50112', 'Invalid OK-ACCESS-TIMESTAMP');
  if (Math.abs(ctx.exchangeNow() - ts) > TIMESTAMP_WINDOW_MS) return fail(401, '50102', 'Timestamp request expired');
  const account = ctx.findAccount('okx', apiKey);
  if (account === undefined) return fail(401, '50111', 'Invalid OK-ACCESS-KEY');
  if (account.passphrase !== undefined && account.passphrase !== passphrase) {
    return fail(401, '50105', 'Request header OK-ACCESS-PASSPHRASE incorrect.');
  }
  // Prehash: timestamp + METHOD + requestPath (with ?query for GET) + body.
  const prehash = timestamp + req.method.toUpperCase() + req.url.pathname + req.url.search + req.body;
  const expected = createHmac('sha256', account.secret).update(prehash).digest('base64');
  if (expected !== sign) return fail(401, '50113', 'Invalid Sign');
  return account;
}

/** `details[]` of GET /account/balance, also the websocket `account` channel's (okx-ws-private.ts). */
export function balanceDetails(account: SimAccount, ccyFilter: string | null, now: number): unknown[] {
  const wanted = ccyFilter === null || ccyFilter === '' ? null : new Set(ccyFilter.split(','));
  return Object.entries(account.balances)
    .filter(([ccy]) => wanted === null || wanted.has(ccy))
    .map(([ccy, b]) => {
      const total = sumDecimal(b.free, b.used);
      return {
        ccy, eq: total, cashBal: total, availBal: b.free, frozenBal: b.used, ordFrozen: b.used,
        availEq: '', disEq: '', eqUsd: '', isoEq: '0', liab: '', crossLiab: '', interest: '',
        maxLoan: '', mgnRatio: '', notionalLever: '', twap: '0', upl: '0', uTime: String(now),
      };
    });
}

function accountConfig(account: SimAccount): unknown {
  // OKX lists every permission the key has; read_only is always present.
  const perm = ['read_only'];
  if (account.permissions.trade) perm.push('trade');
  if (account.permissions.withdraw) perm.push('withdraw');
  return {
    acctLv: '2', acctStpMode: 'cancel_maker', autoLoan: false, ctIsoMode: 'automatic', enableSpotBorrow: false,
    greeksType: 'PA', ip: account.permissions.ipRestricted ? '127.0.0.1' : '', kycLv: '2', label: 'cts-sim',
    level: 'Lv1', levelTmp: '', liquidationGear: '-1', mainUid: '44705892343619584', mgnIsoMode: 'automatic',
    opAuth: '0', perm: perm.join(','), posMode: account.positionMode === 'hedge' ? 'long_short_mode' : 'net_mode', roleType: '0', spotBorrowAutoRepay: false,
    spotOffsetType: '', spotRoleType: '0', spotTraderInsts: [], traderInsts: [], type: '0',
    uid: '44705892343619584', settleCcy: 'USDT', settleCcyList: ['USDT'],
  };
}

function currencies(account: SimAccount): unknown[] {
  const codes = new Set(['BTC', 'ETH', 'USDT', ...Object.keys(account.balances)]);
  return [...codes].map((ccy) => ({
    ccy, chain: `${ccy}-${ccy === 'USDT' ? 'TRC20' : ccy === 'ETH' ? 'ERC20' : 'Bitcoin'}`, name: ccy,
    canDep: true, canWd: account.permissions.withdraw, canInternal: true, mainNet: true, minWd: '0.001',
    maxWd: '1000000', minFee: '0.0001', maxFee: '0.001', wdTickSz: '8', wdQuota: '10000000', usedWdQuota: '0',
    logoLink: '',
  }));
}

function spotMarket(ctx: SimContext, instId: string | null): MarketSpec | undefined {
  return ctx.venue().markets().find((m) => `${m.base}-${m.quote}` === instId);
}

function ticker(req: SimRequest, ctx: SimContext): SimResponse {
  const market = spotMarket(ctx, req.url.searchParams.get('instId'));
  if (market === undefined) return fail(400, '51001', "Instrument ID doesn't exist.");
  return ok([tickerOf(ctx.venue(), market, ctx.exchangeNow())]);
}

/**
 * GET /api/v5/market/tickers?instType=SPOT: every spot instrument's ticker, the same shape as
 * /market/ticker (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers).
 * Only SPOT is listed here; the simulated derivatives have no tickers.
 */
function tickers(req: SimRequest, ctx: SimContext): SimResponse {
  const instType = req.url.searchParams.get('instType') ?? '';
  if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(instType)) return fail(400, '51000', 'Parameter instType error');
  return ok(instType === 'SPOT' ? ctx.venue().markets().map((m) => tickerOf(ctx.venue(), m, ctx.exchangeNow())) : []);
}

/** One spot ticker, as /market/ticker(s) and the websocket `tickers` channel (okx-ws-public.ts) carry it. */
export function tickerOf(venue: Venue, market: MarketSpec, now: number): Record<string, unknown> {
  const s = dayStats(venue, market);
  return {
    instType: 'SPOT', instId: `${market.base}-${market.quote}`, last: s.last.toFixed(), lastSz: '0.1', askPx: s.ask, askSz: s.askQty, bidPx: s.bid,
    bidSz: s.bidQty, open24h: s.open.toFixed(), high24h: s.high.toFixed(), low24h: s.low.toFixed(),
    volCcy24h: s.quoteVolume.toFixed(), vol24h: s.volume.toFixed(), sodUtc0: s.open.toFixed(), sodUtc8: s.open.toFixed(),
    ts: String(now),
  };
}

/**
 * OKX candles are newest first: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]. `after` keeps
 * records older than its ts, `before` newer ones (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks);
 * /market/history-candles, which ccxt uses for a `since` older than 1440 bars, answers the same way.
 */
function candles(req: SimRequest, ctx: SimContext): SimResponse {
  const q = req.url.searchParams;
  const market = spotMarket(ctx, q.get('instId'));
  if (market === undefined) return fail(400, '51001', "Instrument ID doesn't exist.");
  const limit = Math.min(300, Number(q.get('limit') ?? '100') || 100);
  const after = q.get('after') !== null ? Number(q.get('after')) : Infinity;
  const before = q.get('before') !== null ? Number(q.get('before')) : -Infinity;
  const window = ctx.venue().candles(market.symbol, 1000).filter((c) => c.openTime < after && c.openTime > before);
  const current = ctx.venue().candle(market.symbol)?.openTime;
  const rows = window.slice(-limit).map((c) => candleRow(c, c.openTime !== current));
  return ok(rows.reverse());
}

function handle(req: SimRequest, ctx: SimContext): SimResponse | null {
  const path = req.url.pathname;
  if (!path.startsWith(`${API}/`)) return null;
  const route = `${req.method.toUpperCase()} ${path.slice(API.length)}`;
  const now = ctx.exchangeNow();
  // Swaps (instType SWAP, `…-SWAP` instruments) are the derivatives core's (okx-swap.ts).
  const swapped = handleSwap(route, req, ctx, authenticate, (symbol) => {
    const market = ctx.venue().market(symbol);
    if (!market) throw new Error(`No spot market for ${symbol}`);
    return tickerOf(ctx.venue(), market, now);
  });
  if (swapped) return swapped;
  switch (route) {
    case 'GET /public/time':
      return ok([{ ts: String(now) }]);
    case 'GET /public/instruments': {
      const instType = req.url.searchParams.get('instType') ?? '';
      if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(instType)) {
        return fail(400, '51000', 'Parameter instType error');
      }
      return ok(instruments(instType, ctx, now).map((i) => ({ ...i, state: 'live', listTime: '1548133413000', category: '1' })));
    }
    case 'GET /market/ticker':
      return ticker(req, ctx);
    case 'GET /market/tickers':
      return tickers(req, ctx);
    case 'GET /market/candles':
    case 'GET /market/history-candles':
      return candles(req, ctx);
    case 'GET /asset/currencies':
    case 'GET /account/balance':
    case 'GET /account/config':
      break;
    default:
      if (!(route in okxTrading)) return null;
  }
  const auth = authenticate(req, ctx);
  if (!('apiKey' in auth)) return auth;
  const traded = runTrading(route, { ctx, account: auth, params: requestParams(req.url, req.body), body: req.body });
  if (traded) return traded;
  switch (route) {
    case 'GET /asset/currencies':
      return ok(currencies(auth));
    case 'GET /account/balance':
      return ok([{
        adjEq: '', borrowFroz: '', details: balanceDetails(auth, req.url.searchParams.get('ccy'), now), imr: '',
        isoEq: '0', mgnRatio: '', mmr: '', notionalUsd: '', ordFroz: '', totalEq: '', uTime: String(now), upl: '',
      }]);
    default:
      return ok([accountConfig(auth)]);
  }
}

export const okxHandler: ExchangeHandler = {
  id: 'okx',
  // aws.okx.com is ccxt's documented alternative `hostname`.
  hosts: ['www.okx.com', 'aws.okx.com'],
  handle,
  rateLimitBody: () => ({ code: '50011', msg: 'Too Many Requests', data: [] }),
  // OKX answers an unknown REST path with HTTP 404 and this envelope.
  notFoundBody: () => ({ code: '404', msg: 'Not Found', data: [] }),
};
