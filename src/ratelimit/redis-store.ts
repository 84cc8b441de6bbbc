import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  AcquireOutcome,
  AcquireRequest,
  BucketSpec,
  BucketStore,
  PauseInfo,
  UsageCorrection,
} from './bucket-store.js';
import type { Limit } from './limit-rules.js';
import { RATE_LIMIT_LUA } from './redis-script.js';

export interface RedisBucketStoreOptions {
  /** A connected ioredis client; the store never closes it (the composition root owns it). */
  readonly redis: Redis;
  /** Namespaces every key, so test runs and deployments do not collide. Default `cts:rl`. */
  readonly prefix?: string;
}

const SHA = createHash('sha1').update(RATE_LIMIT_LUA).digest('hex');

/**
 * Shares budgets (and pauses) between processes through Redis. Every operation is one script call,
 * atomic on the server. All keys carry one hash tag so a multi-bucket script stays in one cluster slot.
 *
 * Time comes from each caller's clock (so tests can inject one); processes sharing a budget must
 * keep their clocks in sync (NTP) — a skew of δ ms can let a sliding window admit early by δ.
 */
export class RedisBucketStore implements BucketStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** Makes sliding-log members unique across processes. */
  readonly #instance = randomBytes(6).toString('hex');
  #seq = 0;

  constructor(options: RedisBucketStoreOptions) {
    if (!options || typeof options.redis?.evalsha !== 'function') {
      throw new TypeError('Expected `redis` to be an ioredis client');
    }
    const prefix = options.prefix ?? 'cts:rl';
    if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new TypeError(`Expected \`prefix\` to be a non-empty string without braces, got \`${String(prefix)}\``);
    }
    this.#redis = options.redis;
    this.#prefix = `${prefix}:{rl}`;
  }

  async tryAcquire(request: AcquireRequest, now: number): Promise<AcquireOutcome> {
    const keys = request.pauseScopes.map((s) => this.#pauseKey(s));
    const args: (string | number)[] = ['acquire', now, request.reserve, keys.length, this.#member()];
    for (const draw of request.draws) {
      keys.push(...this.#bucketKeys(draw.bucket));
      args.push(...limitArgs(draw.bucket.limit), draw.weight);
    }
    const reply = await this.#eval(keys, args);
    if (reply[0] === 1) return { ok: true };
    return this.#refusal(reply, request);
  }

  async correct(bucket: BucketSpec, correction: UsageCorrection, now: number): Promise<void> {
    const args = ['correct', now, ...limitArgs(bucket.limit), correction.used, correction.resetAt ?? '', this.#member()];
    await this.#eval(this.#bucketKeys(bucket), args);
  }

  async pause(scope: string, until: number, reason: string, now: number): Promise<void> {
    await this.#eval([this.#pauseKey(scope)], ['pause', now, until, reason]);
  }

  async pauses(now: number): Promise<PauseInfo[]> {
    const found: PauseInfo[] = [];
    const pattern = `${this.#prefix}:p:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      const values = keys.length > 0 ? await this.#redis.mget(keys) : [];
      keys.forEach((key, i) => {
        const pause = parsePause(key.slice(pattern.length - 1), values[i] ?? null);
        if (pause && pause.until > now) found.push(pause);
      });
    } while (cursor !== '0');
    return found;
  }

  async used(bucket: BucketSpec, now: number): Promise<number> {
    const reply = await this.#eval(this.#bucketKeys(bucket), ['used', now, ...limitArgs(bucket.limit)]);
    return Number(reply[1]);
  }

  #refusal(reply: unknown[], request: AcquireRequest): AcquireOutcome {
    const wait = reply[1] === 'inf' ? Infinity : Number(reply[1]);
    const blockedKey = String(reply[2]);
    if (reply[3] === undefined) {
      const draw = request.draws.find((d) => this.#bucketKeys(d.bucket)[0] === blockedKey);
      return { ok: false, waitMs: wait, blockedBy: draw?.bucket.key ?? blockedKey };
    }
    const scope = request.pauseScopes.find((s) => this.#pauseKey(s) === blockedKey) ?? blockedKey;
    const pause = { scope, until: Number(reply[3]), reason: String(reply[4]) };
    return { ok: false, waitMs: wait, blockedBy: scope, pause };
  }

  #pauseKey(scope: string): string {
    return `${this.#prefix}:p:${scope}`;
  }

  #bucketKeys(bucket: BucketSpec): [string, string] {
    const key = `${this.#prefix}:b:${bucket.key}`;
    return [key, `${key}:sum`];
  }

  #member(): string {
    this.#seq = (this.#seq + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.#instance}:${this.#seq}`;
  }

  async #eval(keys: string[], args: (string | number)[]): Promise<unknown[]> {
    try {
      return (await this.#redis.evalsha(SHA, keys.length, ...keys, ...args)) as unknown[];
    } catch (error) {
      // The script cache is empty after a Redis restart or on a fresh server: load it once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.#redis.eval(RATE_LIMIT_LUA, keys.length, ...keys, ...args)) as unknown[];
    }
  }
}

function limitArgs(limit: Limit): [string, number, number] {
  return [limit.type, limit.capacity, limit.type === 'decay' ? limit.decayPerSecond : limit.windowMs];
}

function parsePause(scope: string, value: string | null): PauseInfo | undefined {
  if (value === null) return undefined;
  const bar = value.indexOf('|');
  const until = Number(value.slice(0, bar));
  return Number.isFinite(until) ? { scope, until, reason: value.slice(bar + 1) } : undefined;
}
