import type { EndpointMatch, ExchangeLimitProfile, LimitProfileOptions, UsageHeaders } from '../../ratelimit/limit-rules.js';
import { breach, perSecond, perWindow, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * HTX (Huobi) spot limits: per UID and per endpoint; endpoints without a listed figure allow 10
 * requests/s per API key. Usage comes back in `X-HB-RateLimit-Requests-Remain` and
 * `X-HB-RateLimit-Requests-Expire` (epoch ms).
 * Source: https://huobiapi.github.io/docs/spot/v1/en/#rate-limiting-rule and each endpoint's
 * "Rate Limit" line (place order 100 per 2 s; cancel 100 per 2 s).
 */
export const HTX_SEED_BUDGET = perSecond(20);

const SOURCE = 'https://huobiapi.github.io/docs/spot/v1/en/#rate-limiting-rule';
const usage: UsageHeaders = { remaining: 'x-hb-ratelimit-requests-remain', resetAt: 'x-hb-ratelimit-requests-expire' };
/**
 * USDT-margined swaps on the v5 API (api.hbdm.com /v5/...): "144 times every 3 seconds for each UID
 * (Trade Interface: at most 72 times every 3 seconds. Read Interface: at most 72 times every 3 seconds)"
 * (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19588469969, each v5 endpoint's
 * "Rate Limit" line); usage comes back in `ratelimit-remaining` / `ratelimit-reset` (epoch ms), as on HTX's contract APIs.
 */
const V5_SOURCE = 'https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19588469969';
const v5Usage: UsageHeaders = { remaining: 'ratelimit-remaining', resetAt: 'ratelimit-reset' };
const privateEndpoints: EndpointMatch[] = [{ path: /^\/v[12]\/(order|account|query|margin|cross-margin|user|sub-user|point|stable-coin)\// }];

export function htxLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  return {
    exchange: 'htx',
    breach: breach({ rateLimitedScope: 'endpoint' }),
    rules: [
      ...seedBudgetRule('htx', HTX_SEED_BUDGET, options),
      {
        id: 'htx.uid.place',
        group: 'htx.uid-endpoint',
        scope: { kind: 'endpoint', per: 'account' },
        limit: perWindow(100, 2_000),
        appliesTo: { endpoints: [post('/v1/order/orders/place', { name: 'place' })] },
        correctedBy: usage,
        source: SOURCE,
      },
      {
        id: 'htx.uid.cancel',
        group: 'htx.uid-endpoint',
        scope: { kind: 'endpoint', per: 'account' },
        limit: perWindow(100, 2_000),
        appliesTo: { endpoints: [post(/^\/v1\/order\/orders\/[^/]+\/submitcancel$/, { name: 'submitcancel' }), post('/v1/order/orders/submitCancelClientOrder')] },
        correctedBy: usage,
        source: SOURCE,
      },
      {
        id: 'htx.v5.trade',
        group: 'htx.v5',
        scope: { kind: 'account' },
        limit: perWindow(72, 3_000),
        appliesTo: { endpoints: [{ method: 'POST', path: /^\/v5\// }] },
        correctedBy: v5Usage,
        source: V5_SOURCE,
      },
      {
        id: 'htx.v5.read',
        group: 'htx.v5',
        scope: { kind: 'account' },
        limit: perWindow(72, 3_000),
        appliesTo: { endpoints: [{ method: 'GET', path: /^\/v5\// }] },
        correctedBy: v5Usage,
        source: V5_SOURCE,
      },
      {
        id: 'htx.uid.default',
        group: 'htx.uid-endpoint',
        scope: { kind: 'endpoint', per: 'account' },
        limit: perSecond(10),
        appliesTo: { endpoints: privateEndpoints },
        correctedBy: usage,
        source: SOURCE,
      },
    ],
  };
}

export const htxLimitProfile: ExchangeLimitProfile = htxLimits();
