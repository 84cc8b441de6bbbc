import { Redis } from 'ioredis';
import type { Clock } from '../domain/clock.js';
import type { PauseInfo } from '../ratelimit/bucket-store.js';
import { ExchangeRateLimiter } from '../ratelimit/exchange-limiter.js';
import { RateLimiter } from '../ratelimit/limiter.js';
import { MemoryBucketStore } from '../ratelimit/memory-store.js';
import type { JournaledPause, PauseJournal } from '../ratelimit/pause-journal.js';
import { exchangeLimitProfiles } from './profiles/limit-profiles.js';
import { RedisBucketStore } from '../ratelimit/redis-store.js';

/** Budget kept back on every window: covers the gap between admitting a request and the exchange counting it. */
const WINDOW_MARGIN_MS = 25;

export interface ExchangeGateSetup {
  gate: ExchangeRateLimiter;
  limiter: RateLimiter;
  store: 'memory' | 'redis';
  pingRedis?: () => Promise<void>;
  pauses(): Promise<PauseInfo[]>;
  /** Puts the journal's pauses in force again (call before the first exchange request). */
  restorePauses(): Promise<JournaledPause[]>;
  close(): Promise<void>;
}

/**
 * The one rate limiter every exchange request of this process goes through: in-process buckets by
 * default, Redis buckets (shared by every CTS process using the same Redis) with REDIS_URL. With a
 * journal, pauses also outlive the process: Redis keeps them only while Redis itself keeps its data
 * (a Redis restart without persistence, a flush, or failover to an empty replica forgets them).
 */
export function createExchangeGate(options: { clock: Clock; redisUrl?: string | undefined; ipKey?: string; journal?: PauseJournal }): ExchangeGateSetup {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false, enableOfflineQueue: true }) : undefined;
  const store = redis ? new RedisBucketStore({ redis }) : new MemoryBucketStore();
  const limiter = new RateLimiter({ store, clock: options.clock, windowMarginMs: WINDOW_MARGIN_MS, ...(options.journal ? { journal: options.journal } : {}) });
  const gate = new ExchangeRateLimiter({ limiter, profiles: exchangeLimitProfiles(), ...(options.ipKey ? { ipKey: options.ipKey } : {}) });
  return {
    gate,
    limiter,
    store: redis ? 'redis' : 'memory',
    ...(redis ? { pingRedis: async () => void (await redis.ping()) } : {}),
    pauses: () => limiter.pauses(),
    restorePauses: () => limiter.restore(),
    async close() {
      limiter.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
