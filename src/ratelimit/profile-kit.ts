import type { ExchangeId } from '../domain/exchange-ids.js';
import type { BreachPolicy, EndpointMatch, Limit, LimitProfileOptions, LimitRule } from './limit-rules.js';

/** Small constructors so the per-exchange files read like the exchanges' own tables. */

export const perWindow = (capacity: number, windowMs: number): Limit => ({ type: 'sliding-window', capacity, windowMs });
export const perSecond = (capacity: number): Limit => perWindow(capacity, 1_000);
export const perMinute = (capacity: number): Limit => perWindow(capacity, 60_000);
export const perFixedWindow = (capacity: number, windowMs: number): Limit => ({ type: 'fixed-window', capacity, windowMs });
export const decaying = (capacity: number, decayPerSecond: number): Limit => ({ type: 'decay', capacity, decayPerSecond });

export const get = (path: string | RegExp, extra: Omit<EndpointMatch, 'method' | 'path'> = {}): EndpointMatch => ({ method: 'GET', path, ...extra });
export const post = (path: string | RegExp, extra: Omit<EndpointMatch, 'method' | 'path'> = {}): EndpointMatch => ({ method: 'POST', path, ...extra });
export const del = (path: string | RegExp, extra: Omit<EndpointMatch, 'method' | 'path'> = {}): EndpointMatch => ({ method: 'DELETE', path, ...extra });

/** The seed's simple per-connection budget (DESIGN §1), unless the connection overrides or drops it. */
export function seedBudgetRule(exchange: ExchangeId, seed: Limit | null, options: LimitProfileOptions = {}): LimitRule[] {
  const limit = options.defaultBudget === undefined ? seed : options.defaultBudget;
  if (limit === null) return [];
  return [{ id: `${exchange}.seed`, scope: { kind: 'account' }, limit, source: 'CTS DESIGN §1 seed default (configurable)' }];
}

export function breach(policy: Partial<BreachPolicy> & Pick<BreachPolicy, 'rateLimitedScope'>): BreachPolicy {
  return {
    rateLimitStatuses: [429],
    banStatuses: [],
    defaultPauseMs: 1_000,
    banMinPauseMs: 0,
    ...policy,
  };
}
