import type { ExchangeLimitProfile, LimitProfileOptions, UsageHeaders } from '../../ratelimit/limit-rules.js';
import { breach, del, get, perFixedWindow, perMinute, perWindow, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * Binance spot limits.
 * Sources: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits (IP weight,
 * RAW_REQUESTS, order counts, 429/418 with Retry-After) and the per-endpoint "Weight" lines of
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints,
 * .../market-data-endpoints, .../trading-endpoints, .../account-endpoints.
 * The account's order counts are also served in `exchangeInfo.rateLimits`; these are its defaults.
 */
export const BINANCE_SEED_BUDGET = perMinute(1_200);

const weightHeader: UsageHeaders = { used: 'x-mbx-used-weight-1m' };
const spot = /^\/api\/v3\//;
const orderCreate = [post('/api/v3/order'), post(/^\/api\/v3\/(order\/oco|orderList\/\w+|sor\/order)$/)];

export function binanceLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  return {
    exchange: 'binance',
    breach: breach({ rateLimitedScope: 'ip', banStatuses: [418], defaultPauseMs: 60_000, banMinPauseMs: 120_000 }),
    rules: [
      ...seedBudgetRule('binance', BINANCE_SEED_BUDGET, options),
      {
        id: 'binance.ip.weight',
        scope: { kind: 'ip' },
        limit: perMinute(6_000),
        appliesTo: { endpoints: [{ path: spot }] },
        weights: [
          { match: get('/api/v3/ping'), weight: 1 },
          { match: get('/api/v3/time'), weight: 1 },
          { match: get('/api/v3/exchangeInfo'), weight: 20 },
          // depth costs 5 up to limit=100 (the default); deeper books cost more and the header corrects us.
          { match: get('/api/v3/depth'), weight: 5 },
          { match: get('/api/v3/klines'), weight: 2 },
          { match: get('/api/v3/ticker/24hr', { hasSymbol: true }), weight: 2 },
          { match: get('/api/v3/ticker/24hr', { hasSymbol: false }), weight: 80 },
          { match: get(/^\/api\/v3\/ticker\/(price|bookTicker)$/, { hasSymbol: true }), weight: 2 },
          { match: get(/^\/api\/v3\/ticker\/(price|bookTicker)$/, { hasSymbol: false }), weight: 4 },
          { match: post('/api/v3/order'), weight: 1 },
          { match: del('/api/v3/order'), weight: 1 },
          { match: get('/api/v3/order'), weight: 4 },
          { match: get('/api/v3/openOrders', { hasSymbol: true }), weight: 6 },
          { match: get('/api/v3/openOrders', { hasSymbol: false }), weight: 80 },
          { match: del('/api/v3/openOrders'), weight: 1 },
          { match: get('/api/v3/allOrders'), weight: 20 },
          { match: get('/api/v3/account'), weight: 20 },
          { match: get('/api/v3/myTrades'), weight: 20 },
        ],
        correctedBy: weightHeader,
        source: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits',
      },
      {
        id: 'binance.ip.raw',
        scope: { kind: 'ip' },
        limit: perWindow(61_000, 300_000),
        appliesTo: { endpoints: [{ path: spot }] },
        source: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits',
      },
      {
        // /sapi endpoints (apiRestrictions: weight 1) have their own 12,000/min IP weight pool.
        id: 'binance.ip.sapi-weight',
        scope: { kind: 'ip' },
        limit: perMinute(12_000),
        appliesTo: { endpoints: [{ path: /^\/sapi\// }] },
        correctedBy: { used: 'x-sapi-used-ip-weight-1m' },
        source: 'https://developers.binance.com/docs/wallet/account/api-key-permission',
      },
      {
        id: 'binance.account.orders-10s',
        scope: { kind: 'account' },
        limit: perWindow(50, 10_000),
        appliesTo: { endpoints: orderCreate },
        correctedBy: { used: 'x-mbx-order-count-10s' },
        source: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits',
      },
      {
        // Binance's daily window resets at 00:00 UTC, which an epoch-aligned fixed window reproduces.
        id: 'binance.account.orders-1d',
        scope: { kind: 'account' },
        limit: perFixedWindow(160_000, 86_400_000),
        appliesTo: { endpoints: orderCreate },
        correctedBy: { used: 'x-mbx-order-count-1d' },
        source: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits',
      },
      {
        id: 'binance.ip.futures-weight',
        scope: { kind: 'ip' },
        limit: perMinute(2_400),
        appliesTo: { endpoints: [{ path: /^\/fapi\// }] },
        correctedBy: weightHeader,
        source: 'https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info',
      },
    ],
  };
}

export const binanceLimitProfile: ExchangeLimitProfile = binanceLimits();
