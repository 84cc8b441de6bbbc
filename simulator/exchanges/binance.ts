import type { ExchangeHandler, SimContext, SimRequest, SimResponse } from '../types.js';
import type { MarketSpec } from '../matching/types.js';
import { json, marketByCompactId, requestParams } from './common.js';
import { answerWeighted, binanceError, type Endpoint, fixed, missingParam, type Params, withMarket } from './binance-common.js';
import { BINANCE_RATE_LIMITS, accountInfo, apiRestrictions, bookTicker, symbolInfo, ticker24h } from './binance-shapes.js';
import { binanceTrading } from './binance-trading.js';
import { bookLevels, candlesFor } from './market-stats.js';

/**
 * Binance spot REST (https://developers.binance.com/docs/binance-spot-api-docs/rest-api): the paths,
 * SIGNED auth (X-MBX-APIKEY, HMAC-SHA256 over query+body, timestamp/recvWindow), request weights with
 * the X-MBX-USED-WEIGHT-1M header, and the real error codes and HTTP statuses.
 */


const IP_WEIGHT_LIMIT = 6000;
const MINUTE = 60_000;


const publicEndpoints: Record<string, Endpoint> = {
  'GET /api/v3/ping': { security: 'none', weight: fixed(1), run: () => json(200, {}) },
  'GET /api/v3/time': { security: 'none', weight: fixed(1), run: ({ ctx }) => json(200, { serverTime: ctx.exchangeNow() }) },
  'GET /api/v3/exchangeInfo': {
    security: 'none',
    weight: fixed(20),
    run: ({ ctx }) =>
      json(200, {
        timezone: 'UTC',
        serverTime: ctx.exchangeNow(),
        rateLimits: BINANCE_RATE_LIMITS,
        exchangeFilters: [],
        symbols: ctx.venue().markets().map(symbolInfo),
      }),
  },
  'GET /api/v3/depth': {
    security: 'none',
    weight: (p) => depthWeight(Number(p['limit'] ?? 100)),
    run: ({ ctx, params }) =>
      withMarket(ctx, params, (m) => json(200, { lastUpdateId: ctx.exchangeNow(), ...bookLevels(ctx.venue(), m, Number(params['limit'] ?? 100)) })),
  },
  'GET /api/v3/klines': {
    security: 'none',
    weight: fixed(2),
    run: ({ ctx, params }) =>
      withMarket(ctx, params, (m) => {
        const venue = ctx.venue();
        const interval = venue.intervalMs(m.symbol);
        const limit = Math.min(1000, Number(params['limit'] ?? 500));
        const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
        return json(
          200,
          candlesFor(venue, m, limit, start).map((c) => [
            c.openTime, c.open, c.high, c.low, c.close, c.volume, c.openTime + interval - 1, '0', 100, '0', '0', '0',
          ]),
        );
      }),
  },
  'GET /api/v3/ticker/24hr': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 2 : p['symbols'] !== undefined ? 40 : 80),
    run: ({ ctx, params }) => perSymbols(ctx, params, (m) => ticker24h(ctx.venue(), m)),
  },
  'GET /api/v3/ticker/bookTicker': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 2 : 4),
    run: ({ ctx, params }) => perSymbols(ctx, params, (m) => bookTicker(ctx.venue(), m)),
  },
  'GET /api/v3/ticker/price': {
    security: 'none',
    weight: (p) => (p['symbol'] !== undefined ? 2 : 4),
    run: ({ ctx, params }) => perSymbols(ctx, params, (m) => ({ symbol: m.base + m.quote, price: ctx.venue().candle(m.symbol)?.close })),
  },
};

const privateEndpoints: Record<string, Endpoint> = {
  'GET /api/v3/account': {
    security: 'signed',
    weight: fixed(20),
    run: ({ ctx, account }) => json(200, accountInfo(account, ctx.venue(), ctx.exchangeNow())),
  },
  'GET /sapi/v1/account/apiRestrictions': { security: 'signed', weight: fixed(1), run: ({ account }) => json(200, apiRestrictions(account)) },
  ...binanceTrading,
};

export const binanceHandler: ExchangeHandler = {
  id: 'binance',
  hosts: ['api.binance.com', 'api1.binance.com', 'api2.binance.com', 'api3.binance.com', 'api4.binance.com', 'api-gcp.binance.com', 'testnet.binance.vision'],
  handle: handleBinance,
  rateLimitBody: (kind, retryAfterSec) =>
    kind === 'ban'
      ? {
          code: -1003,
          msg: `Way too much request weight used; IP banned until ${Date.now() + (retryAfterSec ?? 120) * 1000}. Please use WebSocket Streams for live updates to avoid bans.`,
        }
      : {
          code: -1003,
          msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
        },
  // Binance answers unknown paths with an empty 404.
  notFoundBody: () => '',
};

function handleBinance(req: SimRequest, ctx: SimContext): SimResponse | null {
  const key = `${req.method} ${req.url.pathname}`;
  const endpoint = publicEndpoints[key] ?? privateEndpoints[key];
  if (!endpoint) return null;
  const params = requestParams(req.url, req.body);
  const isSapi = req.url.pathname.startsWith('/sapi/');
  const weight = ctx.countInWindow(isSapi ? 'sapi-ip-weight' : 'ip-weight', MINUTE, endpoint.weight(params));
  const headers: Record<string, string> = isSapi
    ? { 'X-SAPI-USED-IP-WEIGHT-1M': String(weight.used) }
    : { 'X-MBX-USED-WEIGHT': String(weight.used), 'X-MBX-USED-WEIGHT-1M': String(weight.used) };
  return answerWeighted(req, ctx, { endpoint, params, weight, limit: IP_WEIGHT_LIMIT, headers, rateLimitBody: binanceHandler.rateLimitBody?.('rateLimit') });
}

function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

/** `symbol` → one object; `symbols=["A","B"]` → those; neither → every symbol. */
function perSymbols(ctx: SimContext, params: Params, shape: (m: MarketSpec) => unknown): SimResponse {
  const markets = ctx.venue().markets();
  if (params['symbol'] !== undefined) return withMarket(ctx, params, (m) => json(200, shape(m)));
  if (params['symbols'] !== undefined) {
    let ids: unknown;
    try {
      ids = JSON.parse(params['symbols']);
    } catch {
      return binanceError(400, -1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
    }
    if (!Array.isArray(ids)) return missingParam('symbols');
    const picked = ids.map((id) => marketByCompactId(markets, String(id)));
    if (picked.some((m) => m === undefined)) return binanceError(400, -1121, 'Invalid symbol.');
    return json(200, picked.map((m) => (m ? shape(m) : null)));
  }
  return json(200, markets.map(shape));
}
