import type { ExchangeId } from '../domain/exchange-ids.js';
import type { RequestLane } from './request-gate.js';

/**
 * Limits as data. Each exchange's `<exchange>.limits.ts` declares its rules in these shapes; the
 * resolver turns a request into the buckets (and weights) it must draw on. Nothing here has behaviour.
 */

/** How a bucket counts. All three are exact, so "never above the limit" can be checked, not hoped. */
export type Limit =
  /** At most `capacity` weight per window aligned to the epoch (Binance's daily order count resets at 00:00 UTC). */
  | { readonly type: 'fixed-window'; readonly capacity: number; readonly windowMs: number }
  /** At most `capacity` weight in any interval of `windowMs` (safe whatever the exchange's window alignment). */
  | { readonly type: 'sliding-window'; readonly capacity: number; readonly windowMs: number }
  /** A counter that drains at `decayPerSecond` and may never exceed `capacity` (Kraken; also a token bucket). */
  | { readonly type: 'decay'; readonly capacity: number; readonly decayPerSecond: number };

/** Who shares a bucket. `endpoint` buckets are one per endpoint, counted per IP or per account. */
export type RuleScope =
  | { readonly kind: 'ip' }
  | { readonly kind: 'account' }
  | { readonly kind: 'account+symbol' }
  | { readonly kind: 'endpoint'; readonly per: 'ip' | 'account' };

export type ScopeKind = RuleScope['kind'];

/** Matches a request. Every given field must match; an absent field matches anything. */
export interface EndpointMatch {
  /** Upper-case HTTP method(s). */
  readonly method?: string | readonly string[];
  /** Exact path, or a pattern tested against the path (no host, no query). */
  readonly path?: string | RegExp;
  /** Whether the request names a symbol (Binance openOrders costs 6 with one, 80 without). */
  readonly hasSymbol?: boolean;
  /** Spot symbols have no settle currency (`BTC/USDT`); derivatives do (`BTC/USDT:USDT`). */
  readonly symbolKind?: 'spot' | 'derivative';
  /** Names the endpoint for per-endpoint buckets, so `/orders/123` and `/orders/456` share one. */
  readonly name?: string;
}

/** Response headers (lower-case names) that report this rule's server-side usage. */
export interface UsageHeaders {
  /** Weight already used in the current window (Binance `x-mbx-used-weight-1m`). */
  readonly used?: string;
  /** Requests left in the current window (Bybit `x-bapi-limit-status`, Gate, HTX). */
  readonly remaining?: string;
  /** When the window resets: epoch ms or epoch seconds (told apart by magnitude). */
  readonly resetAt?: string;
  /**
   * The limit the exchange applied (Gate `x-gate-ratelimit-limit`, Bybit `x-bapi-limit`). When a
   * request draws on several correctable buckets, the report goes to the one with that capacity.
   */
  readonly limit?: string;
}

export interface LimitRule {
  /** Stable id, unique within the profile, e.g. `binance.ip.weight`. */
  readonly id: string;
  readonly scope: RuleScope;
  readonly limit: Limit;
  /** Which requests draw on this rule; absent means every request of the exchange. */
  readonly appliesTo?: {
    readonly lanes?: readonly RequestLane[];
    readonly endpoints?: readonly EndpointMatch[];
    readonly notEndpoints?: readonly EndpointMatch[];
  };
  /**
   * Rules sharing a group are alternatives: only the first matching one applies (Bybit's
   * per-endpoint table, HTX's "place 100/2 s, everything else 10/s").
   */
  readonly group?: string;
  /** Cost per endpoint, first match wins; otherwise `defaultWeight` (1). */
  readonly weights?: readonly { readonly match: EndpointMatch; readonly weight: number }[];
  readonly defaultWeight?: number;
  readonly correctedBy?: UsageHeaders;
  /** The exchange documentation page the figure comes from. */
  readonly source: string;
}

/** How an exchange says "too fast", and which scope that silences. */
export interface BreachPolicy {
  /** Statuses that mean "slow down" (429). */
  readonly rateLimitStatuses: readonly number[];
  /** Statuses that mean an IP ban (Binance 418, Bybit 403). */
  readonly banStatuses: readonly number[];
  /** The scope a plain rate-limit breach pauses: the IP, the account, or the request's endpoint buckets. */
  readonly rateLimitedScope: 'ip' | 'account' | 'endpoint';
  /** Pause when the exchange gives no Retry-After. */
  readonly defaultPauseMs: number;
  /** A ban lasts at least this long whatever Retry-After says (Bybit: 10 minutes). */
  readonly banMinPauseMs: number;
}

export interface ExchangeLimitProfile {
  readonly exchange: ExchangeId;
  readonly rules: readonly LimitRule[];
  readonly breach: BreachPolicy;
}

/** Per-connection knobs a profile factory takes. */
export interface LimitProfileOptions {
  /**
   * The seed's simple per-connection budget (DESIGN §1 table). `null` turns it off so only the
   * documented rules apply; a Limit replaces the seed figure.
   */
  readonly defaultBudget?: Limit | null;
}

export function describeLimit(limit: Limit): string {
  return limit.type === 'decay'
    ? `${limit.capacity} decaying ${limit.decayPerSecond}/s`
    : `${limit.capacity} per ${limit.windowMs} ms (${limit.type})`;
}

/** Fails fast with a precise message, p-queue style, so a typo in a profile never reaches an exchange. */
export function assertValidLimit(limit: Limit, where: string): void {
  assertPositiveFinite(limit.capacity, `${where}.capacity`);
  if (limit.type === 'decay') assertPositiveFinite(limit.decayPerSecond, `${where}.decayPerSecond`);
  else assertPositiveFinite(limit.windowMs, `${where}.windowMs`);
}

export function assertPositiveFinite(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Expected \`${name}\` to be a finite number > 0, got \`${String(value)}\` (${typeof value})`);
  }
}

export function assertValidProfile(profile: ExchangeLimitProfile): void {
  const ids = new Set<string>();
  for (const rule of profile.rules) {
    if (ids.has(rule.id)) throw new TypeError(`Duplicate rule id \`${rule.id}\` in the ${profile.exchange} limits`);
    ids.add(rule.id);
    assertValidLimit(rule.limit, rule.id);
    for (const w of rule.weights ?? []) assertPositiveFinite(w.weight, `${rule.id}.weights[].weight`);
    if (rule.defaultWeight !== undefined) assertPositiveFinite(rule.defaultWeight, `${rule.id}.defaultWeight`);
  }
  assertPositiveFinite(profile.breach.defaultPauseMs, `${profile.exchange}.breach.defaultPauseMs`);
}
