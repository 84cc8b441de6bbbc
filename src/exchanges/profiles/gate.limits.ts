import type { EndpointMatch, ExchangeLimitProfile, LimitProfileOptions, UsageHeaders } from '../../ratelimit/limit-rules.js';
import { breach, del, perSecond, perWindow, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * Gate v4 limits: public endpoints 200 per 10 s per endpoint per IP; private 200 per 10 s per
 * endpoint per UID; spot place/amend 10/s per UID and market; cancel 200/s per UID. Usage comes back
 * in `X-Gate-RateLimit-Requests-Remain`, `X-Gate-RateLimit-Limit`, `X-Gate-RateLimit-Reset-Timestamp`.
 * Source: https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule
 */
export const GATE_SEED_BUDGET = perWindow(100, 10_000);

const SOURCE = 'https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule';
const usage: UsageHeaders = {
  remaining: 'x-gate-ratelimit-requests-remain',
  limit: 'x-gate-ratelimit-limit',
  resetAt: 'x-gate-ratelimit-reset-timestamp',
};
const publicEndpoints: EndpointMatch[] = [
  { path: /^\/api\/v4\/spot\/(currency_pairs|currencies|tickers|order_book|trades|candlesticks|time)(\/|$)/ },
  { path: /^\/api\/v4\/futures\/\w+\/(contracts|tickers|order_book|trades|candlesticks|funding_rate)(\/|$)/ },
];
const spotPlace: EndpointMatch[] = [post('/api/v4/spot/orders'), { method: 'PATCH', path: /^\/api\/v4\/spot\/orders\/[^/]+$/ }];
const spotCancel: EndpointMatch[] = [del(/^\/api\/v4\/spot\/orders(\/[^/]+)?$/), post('/api/v4/spot/cancel_batch_orders')];

export function gateLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  return {
    exchange: 'gate',
    breach: breach({ rateLimitedScope: 'endpoint', defaultPauseMs: 10_000 }),
    rules: [
      ...seedBudgetRule('gate', GATE_SEED_BUDGET, options),
      {
        id: 'gate.ip.public-endpoint',
        scope: { kind: 'endpoint', per: 'ip' },
        limit: perWindow(200, 10_000),
        appliesTo: { endpoints: publicEndpoints },
        correctedBy: usage,
        source: SOURCE,
      },
      {
        id: 'gate.uid.private-endpoint',
        scope: { kind: 'endpoint', per: 'account' },
        limit: perWindow(200, 10_000),
        appliesTo: { endpoints: [{ path: /^\/api\/v4\// }], notEndpoints: publicEndpoints },
        correctedBy: usage,
        source: SOURCE,
      },
      {
        id: 'gate.uid-market.spot-place',
        scope: { kind: 'account+symbol' },
        limit: perSecond(10),
        appliesTo: { endpoints: spotPlace },
        correctedBy: usage,
        source: SOURCE,
      },
      {
        id: 'gate.uid.spot-cancel',
        scope: { kind: 'account' },
        limit: perSecond(200),
        appliesTo: { endpoints: spotCancel },
        source: SOURCE,
      },
    ],
  };
}

export const gateLimitProfile: ExchangeLimitProfile = gateLimits();
