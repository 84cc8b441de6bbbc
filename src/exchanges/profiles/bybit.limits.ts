import type { EndpointMatch, ExchangeLimitProfile, LimitProfileOptions, LimitRule, UsageHeaders } from '../../ratelimit/limit-rules.js';
import { breach, get, perSecond, perWindow, post, seedBudgetRule } from '../../ratelimit/profile-kit.js';

/**
 * Bybit v5 limits.
 * Source: https://bybit-exchange.github.io/docs/v5/rate-limit — 600 requests per 5 s per IP (HTTP 403
 * "access too frequent", wait at least 10 minutes) and the per-UID, per-endpoint table (retCode
 * 10006), reported in `X-Bapi-Limit`, `X-Bapi-Limit-Status` (remaining), `X-Bapi-Limit-Reset-Timestamp`.
 * Spot and derivatives differ per endpoint; the category comes from the unified symbol
 * (`BTC/USDT` spot, `BTC/USDT:USDT` derivative). Unknown category: the stricter figure.
 */
export const BYBIT_SEED_BUDGET = perSecond(100);

const usage: UsageHeaders = {
  remaining: 'x-bapi-limit-status',
  limit: 'x-bapi-limit',
  resetAt: 'x-bapi-limit-reset-timestamp',
};
const SOURCE = 'https://bybit-exchange.github.io/docs/v5/rate-limit';

function uid(id: string, perSec: number, endpoints: EndpointMatch[]): LimitRule {
  return {
    id: `bybit.uid.${id}`,
    group: 'bybit.uid-endpoint',
    scope: { kind: 'endpoint', per: 'account' },
    limit: perSecond(perSec),
    appliesTo: { endpoints },
    correctedBy: usage,
    source: SOURCE,
  };
}

export function bybitLimits(options: LimitProfileOptions = {}): ExchangeLimitProfile {
  const create = { name: 'order/create' };
  const amend = { name: 'order/amend' };
  const cancel = { name: 'order/cancel' };
  const cancelAll = { name: 'order/cancel-all' };
  return {
    exchange: 'bybit',
    breach: breach({ rateLimitedScope: 'endpoint', banStatuses: [403], banMinPauseMs: 600_000 }),
    rules: [
      ...seedBudgetRule('bybit', BYBIT_SEED_BUDGET, options),
      { id: 'bybit.ip', scope: { kind: 'ip' }, limit: perWindow(600, 5_000), source: SOURCE },
      uid('order-create-spot', 20, [post('/v5/order/create', { ...create, symbolKind: 'spot' })]),
      uid('order-create', 10, [post('/v5/order/create', create)]),
      uid('order-amend-spot', 20, [post('/v5/order/amend', { ...amend, symbolKind: 'spot' })]),
      uid('order-amend', 10, [post('/v5/order/amend', amend)]),
      uid('order-cancel-spot', 20, [post('/v5/order/cancel', { ...cancel, symbolKind: 'spot' })]),
      uid('order-cancel', 10, [post('/v5/order/cancel', cancel)]),
      uid('order-cancel-all-spot', 20, [post('/v5/order/cancel-all', { ...cancelAll, symbolKind: 'spot' })]),
      uid('order-cancel-all', 1, [post('/v5/order/cancel-all', cancelAll)]),
      uid('order-realtime', 50, [get('/v5/order/realtime')]),
      uid('order-history', 50, [get('/v5/order/history')]),
      uid('execution-list', 50, [get('/v5/execution/list')]),
      uid('position-list', 50, [get('/v5/position/list')]),
      uid('wallet-balance', 50, [get('/v5/account/wallet-balance')]),
    ],
  };
}

export const bybitLimitProfile: ExchangeLimitProfile = bybitLimits();
