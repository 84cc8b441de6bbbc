import type { EndpointMatch, ExchangeLimitProfile, LimitProfileOptions } from '../../ratelimit/limit-rules.js';
import { breach, perSecond, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * Coinbase Advanced Trade limits: public endpoints 10 requests/s per IP, private 30 requests/s per
 * user; breaches answer 429; no usage headers are documented.
 * Source: https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits
 */
export const COINBASE_SEED_BUDGET = perSecond(10);

const publicEndpoints: EndpointMatch[] = [{ path: /^\/api\/v3\/brokerage\/(market\/|time$)/ }];
const SOURCE = 'https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits';

export function coinbaseLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  return {
    exchange: 'coinbase',
    breach: breach({ rateLimitedScope: 'account' }),
    rules: [
      ...seedBudgetRule('coinbase', COINBASE_SEED_BUDGET, options),
      {
        id: 'coinbase.ip.public',
        scope: { kind: 'ip' },
        limit: perSecond(10),
        appliesTo: { endpoints: publicEndpoints },
        source: SOURCE,
      },
      {
        id: 'coinbase.user.private',
        scope: { kind: 'account' },
        limit: perSecond(30),
        appliesTo: { notEndpoints: publicEndpoints },
        source: SOURCE,
      },
    ],
  };
}

export const coinbaseLimitProfile: ExchangeLimitProfile = coinbaseLimits();
