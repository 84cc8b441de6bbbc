import type { DerivativesVenue } from '../matching/derivatives.js';
import type { PerpSpec } from '../matching/derivatives-types.js';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimContext, SimRequest, SimResponse } from '../types.js';
import { answerWeighted, binanceError, type Endpoint, fixed, type Params } from './binance-common.js';
import { perpById, perpsOf, withPerp } from './binance-futures-common.js';
import { binanceFuturesAccount } from './binance-futures-account.js';
import { binanceFuturesAlgo } from './binance-futures-algo.js';
import { FAPI_RATE_LIMITS, futuresSymbolInfo, futuresTicker24h, perpId, premiumIndex } from './binance-futures-shapes.js';
import { binanceFuturesTrading } from './binance-futures-trading.js';
import { json, requestParams } from './common.js';
import { bookLevels, candlesFor, fixed8 } from './market-stats.js';

/**
 * Binance USDⓈ-M futures REST (https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info)
 * on the simulator's derivatives core: one-way positions, leverage and margin type per symbol, the
 * futures wallet apart from spot (SimAccount.futures), funding every 8 h, liquidation at the mark.
 * SIGNED requests are checked as on spot (same key, HMAC-SHA256, timestamp and recvWindow); weights
 * count against 2400 per minute per IP (X-MBX-USED-WEIGHT-1M), orders per account per 10 s and
 * per minute (X-MBX-ORDER-COUNT-10S / -1M).
 */

const IP_WEIGHT_LIMIT = 2400;
const MINUTE = 60_000;


function marketOf(ctx: SimContext, spec: PerpSpec): MarketSpec {
  const m = ctx.venue().markets().find((x) => x.symbol === spec.symbol);
  if (!m) throw new Error(`No market for ${spec.symbol}`);
  return m;
}

/** `symbol` → that perpetual's object; none → an array of every perpetual's. */
function perSymbol(ctx: SimContext, params: Params, shape: (spec: PerpSpec, d: DerivativesVenue) => unknown): SimResponse {
  if (params['symbol'] !== undefined) return withPerp(ctx, params, (spec, d) => json(200, shape(spec, d)));
  const d = perpsOf(ctx);
  return json(200, d.perps().map((spec) => shape(spec, d)));
}

/** Kline weights by `limit` (…/market-data/rest-api/Kline-Candlestick-Data). */
function klineWeight(p: Params): number {
  const limit = Number(p['limit'] ?? 500);
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

/** Klines (…/Kline-Candlestick-Data) and mark price klines (…/Mark-Price-Kline-Candlestick-Data): the price path's own candles whatever the interval. */
function klines(ctx: SimContext, params: Params, mark: boolean): SimResponse {
  return withPerp(ctx, params, (spec) => {
    const venue = ctx.venue();
    const m = marketOf(ctx, spec);
    const interval = venue.intervalMs(m.symbol);
    const limit = Math.min(1500, Number(params['limit'] ?? 500));
    const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
    return json(
      200,
      candlesFor(venue, m, limit, start).map((c) =>
        mark
          ? [c.openTime, c.open, c.high, c.low, c.close, '0', c.openTime + interval - 1, '0', 0, '0', '0', '0']
          : [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.openTime + interval - 1, '0', 100, '0', '0', '0'],
      ),
    );
  });
}

const publicEndpoints: Record<string, Endpoint> = {
  'GET /fapi/v1/ping': { security: 'none', weight: fixed(1), run: () => json(200, {}) },
  'GET /fapi/v1/time': { security: 'none', weight: fixed(1), run: ({ ctx }) => json(200, { serverTime: ctx.exchangeNow() }) },
  // Exchange Information, …/market-data/rest-api/Exchange-Information
  'GET /fapi/v1/exchangeInfo': {
    security: 'none',
    weight: fixed(1),
    run: ({ ctx }) =>
      json(200, {
        timezone: 'UTC',
        serverTime: ctx.exchangeNow(),
        futuresType: 'U_MARGINED',
        rateLimits: FAPI_RATE_LIMITS,
        exchangeFilters: [],
        assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '0' }],
        symbols: perpsOf(ctx).perps().map(futuresSymbolInfo),
      }),
  },
  // Order Book, …/market-data/rest-api/Order-Book: the synthetic book of the spot market it follows.
  'GET /fapi/v1/depth': {
    security: 'none',
    weight: (p) => {
      const limit = Number(p['limit'] ?? 500);
      return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
    },
    run: ({ ctx, params }) =>
      withPerp(ctx, params, (spec) => {
        const now = ctx.exchangeNow();
        return json(200, { lastUpdateId: now, E: now, T: now, ...bookLevels(ctx.venue(), marketOf(ctx, spec), Number(params['limit'] ?? 500)) });
      }),
  },
  'GET /fapi/v1/klines': { security: 'none', weight: klineWeight, run: ({ ctx, params }) => klines(ctx, params, false) },
  'GET /fapi/v1/markPriceKlines': { security: 'none', weight: klineWeight, run: ({ ctx, params }) => klines(ctx, params, true) },
  // 24hr Ticker Price Change Statistics, …/24hr-Ticker-Price-Change-Statistics
  'GET /fapi/v1/ticker/24hr': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 1 : 40),
    run: ({ ctx, params }) => perSymbol(ctx, params, (spec) => futuresTicker24h(ctx.venue(), marketOf(ctx, spec))),
  },
  'GET /fapi/v1/ticker/price': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 1 : 2),
    run: ({ ctx, params }) => perSymbol(ctx, params, (spec) => ({ symbol: perpId(spec), price: ctx.venue().candle(spec.symbol)?.close, time: ctx.exchangeNow() })),
  },
  'GET /fapi/v1/ticker/bookTicker': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 2 : 5),
    run: ({ ctx, params }) =>
      perSymbol(ctx, params, (spec) => {
        const top = ctx.venue().top(spec.symbol);
        return { symbol: perpId(spec), bidPrice: top?.bid ?? '0', bidQty: top?.bidQty ?? '0', askPrice: top?.ask ?? '0', askQty: top?.askQty ?? '0', time: ctx.exchangeNow() };
      }),
  },
  // Mark Price, …/market-data/rest-api/Mark-Price
  'GET /fapi/v1/premiumIndex': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 1 : 10),
    run: ({ ctx, params }) => perSymbol(ctx, params, (spec, d) => premiumIndex(d, spec, ctx.exchangeNow())),
  },
  // Get Funding Rate History, …/market-data/rest-api/Get-Funding-Rate-History
  'GET /fapi/v1/fundingRate': { security: 'none', weight: fixed(1), run: ({ ctx, params }) => fundingRateHistory(ctx, params) },
};

/**
 * Settled rates, oldest first, at most `limit` (default 100, max 1000): from `startTime` when given,
 * else the most recent ones up to `endTime` (or the last settlement), none before the price path's
 * first candle. `markPrice` is the close of the candle the settlement time falls in, the mark the
 * simulator settled at.
 */
function fundingRateHistory(ctx: SimContext, params: Params): SimResponse {
  const d = perpsOf(ctx);
  const specs = params['symbol'] !== undefined ? [perpById(d, params['symbol'])] : d.perps();
  if (specs.some((s) => s === undefined)) return binanceError(400, -1121, 'Invalid symbol.');
  const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 100)));
  const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
  const rows: { time: number; row: Record<string, unknown> }[] = [];
  for (const spec of specs) {
    if (!spec) continue;
    const settled = d.fundedUntil(spec.symbol) ?? ctx.exchangeNow();
    const end = Math.min(settled, params['endTime'] !== undefined ? Number(params['endTime']) : settled);
    const venue = ctx.venue();
    const interval = venue.intervalMs(spec.symbol);
    const candles = venue.candles(spec.symbol, 1000);
    // No settlement before the price path's first candle: the market did not exist yet.
    const from = Math.max(start ?? end - limit * 8 * 3_600_000, candles[0]?.openTime ?? end);
    for (const r of d.fundingHistory(spec.symbol, from, end)) {
      const candle = candles.find((c) => c.openTime <= r.time && r.time < c.openTime + interval);
      rows.push({ time: r.time, row: { symbol: perpId(spec), fundingRate: fixed8(r.rate), fundingTime: r.time, markPrice: candle ? fixed8(candle.close) : '' } });
    }
  }
  rows.sort((a, b) => a.time - b.time);
  const picked = start !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
  return json(200, picked.map((r) => r.row));
}

const privateEndpoints: Record<string, Endpoint> = { ...binanceFuturesAccount, ...binanceFuturesTrading, ...binanceFuturesAlgo };

export const binanceFuturesHandler: ExchangeHandler = {
  id: 'binance',
  hosts: ['fapi.binance.com', 'testnet.binancefuture.com', 'demo-fapi.binance.com'],
  handle: handleFutures,
  rateLimitBody: (kind, retryAfterSec) =>
    kind === 'ban'
      ? { code: -1003, msg: `Way too many requests; IP banned until ${Date.now() + (retryAfterSec ?? 120) * 1000}. Please use the websocket for live updates to avoid bans.` }
      : { code: -1003, msg: `Too many requests; current limit is ${IP_WEIGHT_LIMIT} requests per minute. Please use the websocket for live updates to avoid polling the API.` },
  notFoundBody: () => '',
};

function handleFutures(req: SimRequest, ctx: SimContext): SimResponse | null {
  const key = `${req.method} ${req.url.pathname}`;
  const endpoint = publicEndpoints[key] ?? privateEndpoints[key];
  if (!endpoint) return null;
  const params = requestParams(req.url, req.body);
  const weight = ctx.countInWindow('fapi-ip-weight', MINUTE, endpoint.weight(params));
  const headers = { 'X-MBX-USED-WEIGHT-1M': String(weight.used) };
  return answerWeighted(req, ctx, { endpoint, params, weight, limit: IP_WEIGHT_LIMIT, headers, rateLimitBody: binanceFuturesHandler.rateLimitBody?.('rateLimit') });
}
