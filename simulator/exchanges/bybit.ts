import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { bybitError, envelope, withSymbol, type BybitEndpoint } from './bybit-common.js';
import { accountMarginMode, bybitLinearOrders, bybitMarginMode, bybitPositions, perpsOf } from './bybit-linear.js';
import { bybitLinearMarket } from './bybit-linear-market.js';
import { linearTicker } from './bybit-linear-shapes.js';
import { apiKeyInfo, linearInstrument, spotInstrument, spotTicker, walletBalance } from './bybit-shapes.js';
import { bybitTrading } from './bybit-trading.js';
import { compactId, hmacSha256Hex, requestParams, sameSignature } from './common.js';
import { bookLevels, candlesFor } from './market-stats.js';

/**
 * Bybit v5 REST (https://bybit-exchange.github.io/docs/v5/intro): the {retCode, retMsg, result,
 * retExtInfo, time} envelope, HMAC-SHA256 auth over timestamp+apiKey+recvWindow+(query|body) in the
 * X-BAPI-* headers, the per-UID X-Bapi-Limit* headers and the IP limit of 600 requests per 5 s.
 */

const IP_LIMIT = 600;
const IP_WINDOW_MS = 5_000;

const publicEndpoints: Record<string, BybitEndpoint> = {
  'GET /v5/market/time': {
    security: 'none',
    run: ({ ctx }) => {
      const now = ctx.exchangeNow();
      return envelope(ctx, { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` });
    },
  },
  'GET /v5/market/instruments-info': {
    security: 'none',
    run: ({ ctx, params }) => {
      const category = params['category'] ?? '';
      const markets = ctx.venue().markets();
      // Pre-launch listings, inverse and option markets do not exist here; later pages neither.
      const empty = params['status'] === 'PreLaunch' || params['cursor'] !== undefined;
      if (category === 'spot') return envelope(ctx, { category, list: markets.map(spotInstrument), nextPageCursor: '' });
      if (category === 'linear') {
        const perps = perpsOf(ctx);
        const list = markets.flatMap((m) => {
          const perp = perps.perp(m.symbol);
          return perp ? [linearInstrument(m, perp.maxLeverage)] : [];
        });
        return envelope(ctx, { category, list: empty ? [] : list });
      }
      if (category === 'inverse' || category === 'option') return envelope(ctx, { category, list: [], nextPageCursor: '' });
      return bybitError(ctx, 10001, 'params error: category invalid');
    },
  },
  'GET /v5/market/tickers': {
    security: 'none',
    run: ({ ctx, params }) => {
      const category = params['category'];
      if (category !== 'spot' && category !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
      const venue = ctx.venue();
      // Linear tickers add the mark price and funding (Get Tickers, https://bybit-exchange.github.io/docs/v5/market/tickers).
      const ticker = category === 'linear' ? (m: MarketSpec) => linearTicker(venue, perpsOf(ctx), m) : (m: MarketSpec) => spotTicker(venue, m);
      if (params['symbol'] !== undefined) {
        return withSymbol(ctx, params, (m) => envelope(ctx, { category, list: [ticker(m)] }));
      }
      const markets = category === 'linear' ? venue.markets().filter((m) => perpsOf(ctx).perp(m.symbol)) : venue.markets();
      return envelope(ctx, { category, list: markets.map(ticker) });
    },
  },
  'GET /v5/market/orderbook': {
    security: 'none',
    run: ({ ctx, params }) =>
      withSymbol(ctx, params, (m) => {
        const { bids, asks } = bookLevels(ctx.venue(), m, Number(params['limit'] ?? 25));
        const now = ctx.exchangeNow();
        return envelope(ctx, { s: compactId(m), b: bids, a: asks, ts: now, u: now, seq: now, cts: now });
      }),
  },
  'GET /v5/market/kline': {
    security: 'none',
    run: ({ ctx, params }) =>
      withSymbol(ctx, params, (m) => {
        const limit = Math.min(1000, Number(params['limit'] ?? 200));
        const start = params['start'] !== undefined ? Number(params['start']) : undefined;
        const candles = candlesFor(ctx.venue(), m, limit, start);
        const list = candles
          .map((c) => [String(c.openTime), c.open, c.high, c.low, c.close, c.volume, '0'])
          .reverse(); // newest first, as Bybit sends them
        return envelope(ctx, { category: params['category'] ?? 'spot', symbol: compactId(m), list });
      }),
  },
  ...bybitLinearMarket,
};

const privateEndpoints: Record<string, BybitEndpoint> = {
  'GET /v5/account/wallet-balance': {
    security: 'read',
    uidLimitPerSec: 50,
    run: ({ ctx, params, account }) => {
      if (params['accountType'] !== 'UNIFIED') return bybitError(ctx, 10001, 'accountType only support UNIFIED.');
      return envelope(ctx, walletBalance(account, ctx.venue(), perpsOf(ctx)));
    },
  },
  'GET /v5/user/query-api': {
    security: 'read',
    uidLimitPerSec: 50,
    run: ({ ctx, account }) => envelope(ctx, apiKeyInfo(account, ctx.exchangeNow())),
  },
  'GET /v5/account/info': {
    security: 'read',
    uidLimitPerSec: 50,
    // Get Account Info (https://bybit-exchange.github.io/docs/v5/account/account-info): ccxt's fetchMarginMode reads marginMode.
    run: ({ ctx, account }) =>
      envelope(ctx, {
        unifiedMarginStatus: 6,
        marginMode: accountMarginMode(ctx, account.apiKey),
        isMasterTrader: false,
        spotHedgingStatus: 'OFF',
        updatedTime: String(ctx.exchangeNow()),
        dcpStatus: 'OFF',
        timeWindow: 10,
        smpGroup: 0,
      }),
  },
  'GET /v5/asset/coin/query-info': {
    security: 'read',
    uidLimitPerSec: 50,
    run: ({ ctx }) => {
      const coins = [...new Set(ctx.venue().markets().flatMap((m) => [m.base, m.quote]))];
      return envelope(ctx, { rows: coins.map((coin) => ({ name: coin, coin, remainAmount: '1000000', chains: [] })) });
    },
  },
  ...bybitTrading,
  ...bybitPositions,
  ...bybitMarginMode,
};

export const bybitHandler: ExchangeHandler = {
  id: 'bybit',
  hosts: ['api.bybit.com', 'api.bytick.com', 'api-testnet.bybit.com', 'api-demo.bybit.com'],
  handle: handleBybit,
  rateLimitBody: () => ({ retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: Date.now() }),
  notFoundBody: () => '',
};

function handleBybit(req: SimRequest, ctx: SimContext): SimResponse | null {
  const route = `${req.method} ${req.url.pathname}`;
  const params = requestParams(req.url, req.body);
  // One path serves every category; the order endpoints with category=linear trade the perpetuals.
  const linear = params['category'] === 'linear' ? bybitLinearOrders[route] : undefined;
  const endpoint = linear ?? publicEndpoints[route] ?? privateEndpoints[route];
  if (!endpoint) return null;
  const ip = ctx.countInWindow('ip', IP_WINDOW_MS);
  // The IP limit is enforced before anything else, with a bare 403 (not the JSON envelope).
  if (ip.used > IP_LIMIT) return { status: 403, body: 'access too frequent', headers: { 'content-type': 'text/plain' } };
  if (endpoint.security === 'none') return endpoint.run({ params, ctx, account: NO_ACCOUNT });
  const auth = authenticate(req, ctx, endpoint);
  if ('error' in auth) return auth.error;
  const limit = endpoint.uidLimitPerSec ?? 10;
  const used = ctx.countInWindow(`uid:${auth.account.apiKey}:${req.url.pathname}`, 1000);
  const headers = {
    'X-Bapi-Limit': String(limit),
    'X-Bapi-Limit-Status': String(Math.max(0, limit - used.used)),
    'X-Bapi-Limit-Reset-Timestamp': String(used.resetAt),
  };
  const answer = used.used > limit ? bybitError(ctx, 10006, 'Too many visits!') : endpoint.run({ params, ctx, account: auth.account });
  return { ...answer, headers: { ...headers, ...answer.headers } };
}

const NO_ACCOUNT: SimAccount = {
  apiKey: '',
  secret: '',
  permissions: { trade: false, withdraw: false, ipRestricted: false },
  balances: {},
};

function authenticate(req: SimRequest, ctx: SimContext, endpoint: BybitEndpoint): { account: SimAccount } | { error: SimResponse } {
  const apiKey = req.headers['x-bapi-api-key'];
  const timestampText = req.headers['x-bapi-timestamp'];
  const sign = req.headers['x-bapi-sign'];
  if (apiKey === undefined || timestampText === undefined || sign === undefined) {
    const error = `empty value: apiTimestamp[${timestampText ?? ''}] apiKey[${apiKey ?? ''}] apiSignature[${sign ?? ''}]`;
    return { error: bybitError(ctx, 10003, error) };
  }
  const account = ctx.findAccount('bybit', apiKey);
  if (!account) return { error: bybitError(ctx, 10003, 'API key is invalid.') };
  const recvWindow = req.headers['x-bapi-recv-window'] ?? '5000';
  const timestamp = Number(timestampText);
  const now = ctx.exchangeNow();
  // Bybit's rule: server_time - recv_window <= timestamp < server_time + 1000.
  if (!Number.isFinite(timestamp) || timestamp < now - Number(recvWindow) || timestamp >= now + 1000) {
    const msg = `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestampText}],server_timestamp[${now}],recv_window[${recvWindow}]`;
    return { error: bybitError(ctx, 10002, msg) };
  }
  const payload = timestampText + apiKey + recvWindow + (req.method === 'GET' ? req.url.search.slice(1) : req.body);
  if (!sameSignature(hmacSha256Hex(account.secret, payload), sign)) {
    return { error: bybitError(ctx, 10004, `error sign! origin_string[${payload}]`) };
  }
  if (endpoint.security === 'trade' && !account.permissions.trade) {
    return { error: bybitError(ctx, 10005, 'Permission denied, please check your API key permissions.') };
  }
  return { account };
}
