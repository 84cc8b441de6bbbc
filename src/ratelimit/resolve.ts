import type { ExchangeRequest } from './request-gate.js';
import type { BucketSpec, Draw } from './bucket-store.js';
import type { EndpointMatch, ExchangeLimitProfile, LimitRule, UsageHeaders } from './limit-rules.js';

/** A draw whose bucket the exchange reports on in its response headers. */
export interface CorrectableDraw {
  readonly bucket: BucketSpec;
  readonly headers: UsageHeaders;
}

/** What an exchange request needs from the limiter, computed once per request shape and cached. */
export interface ResolvedRequest {
  readonly draws: readonly Draw[];
  readonly ipScope: string;
  readonly accountScope: string;
  /** Scopes of the request's per-endpoint and per-symbol buckets (what an endpoint-level breach pauses). */
  readonly narrowScopes: readonly string[];
  readonly correctable: readonly CorrectableDraw[];
}

export function ipScopeOf(exchange: string, ipKey: string): string {
  return `${exchange}|ip|${ipKey}`;
}

export function accountScopeOf(exchange: string, accountKey: string): string {
  return `${exchange}|acct|${accountKey}`;
}

/** Maps a request to every bucket (with its weight) the profile's rules say it draws on. */
export function resolveRequest(profile: ExchangeLimitProfile, request: ExchangeRequest, ipKey: string): ResolvedRequest {
  const ipScope = ipScopeOf(request.exchange, ipKey);
  const accountScope = accountScopeOf(request.exchange, request.accountKey);
  const draws: Draw[] = [];
  const correctable: CorrectableDraw[] = [];
  const narrow = new Set<string>();
  const groupsTaken = new Set<string>();
  for (const rule of profile.rules) {
    if (rule.group !== undefined && groupsTaken.has(rule.group)) continue;
    const matched = ruleMatch(rule, request);
    if (matched === false) continue;
    if (rule.group !== undefined) groupsTaken.add(rule.group);
    const scope = scopeKey(rule, request, matched, ipScope, accountScope);
    const bucket: BucketSpec = { key: `${scope}#${rule.id}`, scope, limit: rule.limit };
    draws.push({ bucket, weight: weightOf(rule, request) });
    if (scope !== ipScope && scope !== accountScope) narrow.add(scope);
    if (rule.correctedBy) correctable.push({ bucket, headers: rule.correctedBy });
  }
  return { draws, ipScope, accountScope, narrowScopes: [...narrow], correctable };
}

/** false when the rule does not apply; otherwise the endpoint match that selected it (if any). */
function ruleMatch(rule: LimitRule, request: ExchangeRequest): EndpointMatch | undefined | false {
  const applies = rule.appliesTo;
  if (!applies) return undefined;
  if (applies.lanes && !applies.lanes.includes(request.lane)) return false;
  if (applies.notEndpoints?.some((m) => matches(m, request))) return false;
  if (!applies.endpoints) return undefined;
  return applies.endpoints.find((m) => matches(m, request)) ?? false;
}

export function matches(match: EndpointMatch, request: ExchangeRequest): boolean {
  if (match.method !== undefined) {
    const method = request.method.toUpperCase();
    if (typeof match.method === 'string' ? match.method !== method : !match.method.includes(method)) return false;
  }
  if (match.path !== undefined) {
    if (typeof match.path === 'string' ? match.path !== request.path : !match.path.test(request.path)) return false;
  }
  if (match.hasSymbol !== undefined && match.hasSymbol !== (request.symbol !== undefined)) return false;
  if (match.symbolKind !== undefined) {
    if (request.symbol === undefined) return false;
    if ((request.symbol.includes(':') ? 'derivative' : 'spot') !== match.symbolKind) return false;
  }
  return true;
}

function weightOf(rule: LimitRule, request: ExchangeRequest): number {
  for (const entry of rule.weights ?? []) if (matches(entry.match, request)) return entry.weight;
  return rule.defaultWeight ?? 1;
}

function scopeKey(
  rule: LimitRule,
  request: ExchangeRequest,
  matched: EndpointMatch | undefined,
  ipScope: string,
  accountScope: string,
): string {
  switch (rule.scope.kind) {
    case 'ip':
      return ipScope;
    case 'account':
      return accountScope;
    case 'account+symbol':
      // No symbol (cancel-all): one shared key, so such calls still count against each other.
      return `${accountScope}|sym|${request.symbol ?? '*'}`;
    case 'endpoint': {
      const base = rule.scope.per === 'ip' ? ipScope : accountScope;
      return `${base}|ep|${matched?.name ?? endpointName(request)}`;
    }
  }
}

/**
 * `METHOD /path` with id-like segments folded, so per-endpoint buckets are per endpoint and not per
 * order id (`DELETE /api/v4/spot/orders/123` and `/456` share one bucket).
 */
export function endpointName(request: ExchangeRequest): string {
  const path = request.path
    .split('/')
    .map((segment) => (/^\d+$/.test(segment) || /^[0-9a-f-]{16,}$/i.test(segment) ? ':id' : segment))
    .join('/');
  return `${request.method.toUpperCase()} ${path}`;
}
