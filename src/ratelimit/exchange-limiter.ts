import { RateLimitedError } from '../domain/errors.js';
import type { ExchangeId } from '../domain/exchange-ids.js';
import type { ExchangeRequest, RequestGate, ResponseFeedback } from './request-gate.js';
import type { BucketSpec, PauseInfo } from './bucket-store.js';
import { reportedLimit, retryAfterMs, usageFromHeaders } from './feedback.js';
import type { RateLimiter } from './limiter.js';
import { assertValidProfile, type ExchangeLimitProfile } from './limit-rules.js';
import { accountScopeOf, ipScopeOf, resolveRequest, type CorrectableDraw, type ResolvedRequest } from './resolve.js';
import type { PreparedAcquire } from './waiter-queue.js';

export interface ExchangeRateLimiterOptions {
  readonly limiter: RateLimiter;
  /** The limit profile per exchange; a request for an exchange without one is refused. */
  readonly profiles: Partial<Record<ExchangeId, ExchangeLimitProfile>>;
  /**
   * Names the egress IP for per-IP buckets. Processes behind one IP that share a Redis store must
   * use the same key; processes behind different IPs different keys. Default `local`.
   */
  readonly ipKey?: string;
}

export interface BucketUsage {
  readonly bucket: string;
  readonly used: number;
  readonly capacity: number;
}

/** What health shows for one connection: pauses in force on its IP/account scopes and bucket usage. */
export interface LimitStatus {
  readonly pauses: PauseInfo[];
  readonly buckets: BucketUsage[];
}

interface Entry {
  readonly resolved: ResolvedRequest;
  readonly prepared: PreparedAcquire;
}

const CACHE_LIMIT = 5_000;

/**
 * The exchange policy on top of the generic limiter: maps each request to its buckets via the
 * exchange's profile, learns from usage headers, and pauses scopes on 429/418/ban responses or a
 * `RateLimitedError`, so no request for that scope is sent until the wait is over.
 */
export class ExchangeRateLimiter implements RequestGate {
  readonly #limiter: RateLimiter;
  readonly #profiles: Partial<Record<ExchangeId, ExchangeLimitProfile>>;
  readonly #ipKey: string;
  readonly #cache = new Map<string, Entry>();
  /** Per-connection profiles (Kraken tier, an overridden seed budget), by exchange + account. */
  readonly #accountProfiles = new Map<string, ExchangeLimitProfile>();
  /** Buckets seen per account scope, for health. */
  readonly #known = new Map<string, Map<string, BucketSpec>>();

  constructor(options: ExchangeRateLimiterOptions) {
    if (!options?.limiter) throw new TypeError('Expected `limiter` to be a RateLimiter');
    const ipKey = options.ipKey ?? 'local';
    if (typeof ipKey !== 'string' || ipKey === '' || ipKey.includes('|')) {
      throw new TypeError(`Expected \`ipKey\` to be a non-empty string without "|", got \`${String(ipKey)}\``);
    }
    for (const profile of Object.values(options.profiles)) if (profile) assertValidProfile(profile);
    this.#limiter = options.limiter;
    this.#profiles = options.profiles;
    this.#ipKey = ipKey;
  }

  async run<T>(request: ExchangeRequest, send: (report: (feedback: ResponseFeedback) => void) => Promise<T>): Promise<T> {
    const entry = this.#entry(request);
    let learning: Promise<void> | undefined;
    const report = (feedback: ResponseFeedback): void => {
      learning = this.#learn(entry.resolved, request, feedback);
    };
    try {
      return await this.#limiter.runPrepared(entry.prepared, () => send(report));
    } catch (error) {
      if (error instanceof RateLimitedError) await this.#pauseForError(entry.resolved, request, error);
      throw error;
    } finally {
      // The pause/correction is in place before the caller can send the next request.
      if (learning) await learning;
    }
  }

  /**
   * Gives one connection its own profile (its Kraken tier, its own seed budget). Buckets are keyed by
   * rule and scope, so changing a connection's profile starts its changed rules from empty.
   */
  useAccountProfile(accountKey: string, profile: ExchangeLimitProfile): void {
    assertValidProfile(profile);
    this.#accountProfiles.set(accountScopeOf(profile.exchange, accountKey), profile);
    this.#cache.clear();
  }

  /** Pauses and bucket usage for one connection (health). */
  async status(exchange: ExchangeId, accountKey: string): Promise<LimitStatus> {
    const ip = ipScopeOf(exchange, this.#ipKey);
    const account = accountScopeOf(exchange, accountKey);
    const pauses = (await this.#limiter.pauses()).filter((p) => within(p.scope, ip) || within(p.scope, account));
    const buckets: BucketUsage[] = [];
    for (const spec of this.#known.get(account)?.values() ?? []) {
      buckets.push({ bucket: spec.key, used: await this.#limiter.used(spec), capacity: spec.limit.capacity });
    }
    return { pauses, buckets };
  }

  #entry(request: ExchangeRequest): Entry {
    const cacheKey = `${request.exchange}\n${request.accountKey}\n${request.method}\n${request.path}\n${request.symbol ?? ''}\n${request.lane}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) return cached;
    const profile = this.#profileOf(request);
    if (!profile) throw new TypeError(`No rate-limit profile for exchange \`${request.exchange}\``);
    const resolved = resolveRequest(profile, request, this.#ipKey);
    const prepared = this.#limiter.prepare(resolved.draws, {
      lane: request.lane,
      pauseScopes: [resolved.ipScope, resolved.accountScope],
    });
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    const entry = { resolved, prepared };
    this.#cache.set(cacheKey, entry);
    this.#remember(resolved);
    return entry;
  }

  #profileOf(request: ExchangeRequest): ExchangeLimitProfile | undefined {
    const own = this.#accountProfiles.get(accountScopeOf(request.exchange, request.accountKey));
    return own ?? this.#profiles[request.exchange];
  }

  #remember(resolved: ResolvedRequest): void {
    let known = this.#known.get(resolved.accountScope);
    if (!known) this.#known.set(resolved.accountScope, (known = new Map()));
    for (const draw of resolved.draws) known.set(draw.bucket.key, draw.bucket);
  }

  async #learn(resolved: ResolvedRequest, request: ExchangeRequest, feedback: ResponseFeedback): Promise<void> {
    const profile = this.#profileOf(request);
    if (!profile) return;
    const now = this.#limiter.clock.now();
    const { breach } = profile;
    const after = retryAfterMs(feedback.headers, now);
    if (breach.banStatuses.includes(feedback.status)) {
      const ms = Math.max(after ?? breach.defaultPauseMs, breach.banMinPauseMs);
      await this.#limiter.pause(resolved.ipScope, now + ms, `HTTP ${feedback.status}: IP banned`, feedback.status);
    } else if (breach.rateLimitStatuses.includes(feedback.status)) {
      const reason = `HTTP ${feedback.status}: rate limited`;
      await this.#pauseScopes(this.#breachScopes(profile, resolved), now + (after ?? breach.defaultPauseMs), reason, feedback.status);
    }
    for (const draw of correctionTargets(resolved.correctable, feedback.headers)) {
      const usage = usageFromHeaders(draw.headers, feedback.headers, draw.bucket.limit.capacity);
      if (usage) await this.#limiter.correct(draw.bucket, usage);
    }
  }

  async #pauseForError(resolved: ResolvedRequest, request: ExchangeRequest, error: RateLimitedError): Promise<void> {
    const profile = this.#profileOf(request);
    if (!profile) return;
    const { breach } = profile;
    const now = this.#limiter.clock.now();
    const wait = error.retryAfterMs > 0 ? error.retryAfterMs : breach.defaultPauseMs;
    if (error.banned) {
      await this.#limiter.pause(resolved.ipScope, now + Math.max(wait, breach.banMinPauseMs), `banned: ${error.message}`);
    } else {
      await this.#pauseScopes(this.#breachScopes(profile, resolved), now + wait, `rate limited: ${error.message}`);
    }
  }

  #breachScopes(profile: ExchangeLimitProfile, resolved: ResolvedRequest): readonly string[] {
    switch (profile.breach.rateLimitedScope) {
      case 'ip':
        return [resolved.ipScope];
      case 'account':
        return [resolved.accountScope];
      case 'endpoint':
        return resolved.narrowScopes.length > 0 ? resolved.narrowScopes : [resolved.accountScope];
    }
  }

  async #pauseScopes(scopes: readonly string[], until: number, reason: string, statusCode?: number): Promise<void> {
    for (const scope of scopes) await this.#limiter.pause(scope, until, reason, statusCode);
  }
}

/** A report naming its limit goes to the bucket with that capacity when there is one (Gate: 10/s per market vs 200/10 s per endpoint). */
function correctionTargets(
  draws: readonly CorrectableDraw[],
  headers: Readonly<Record<string, string>>,
): readonly CorrectableDraw[] {
  if (draws.length < 2) return draws;
  const exact = draws.filter((d) => reportedLimit(d.headers, headers) === d.bucket.limit.capacity);
  return exact.length > 0 ? exact : draws;
}

function within(scope: string, parent: string): boolean {
  return scope === parent || scope.startsWith(`${parent}|`);
}
