import { Redis } from 'ioredis';
import type { Clock } from '../domain/clock.js';
import type { PauseInfo } from './bucket-store.js';
import { ExchangeRateLimiter } from './exchange-limiter.js';
import { RateLimiter } from './limiter.js';
import { MemoryBucketStore } from './memory-store.js';
import { exchangeLimitProfiles } from './profiles.js';
import { RedisBucketStore } from './redis-store.js';

/** Budget kept back on every window: covers the gap between admitting a request and the exchange counting it. */
const WINDOW_MARGIN_MS = 25;

export interface ExchangeGateSetup {
  gate: ExchangeRateLimiter;
  limiter: RateLimiter;
  store: 'memory' | 'redis';
  pingRedis?: () => Promise<void>;
  pauses(): Promise<PauseInfo[]>;
  close(): Promise<void>;
}

/**
 * The one rate limiter every exchange request of this process goes through: in-process buckets by
 * default, Redis buckets (shared by every CTS process using the same Redis) with REDIS_URL.
 */
export function createExchangeGate(options: { clock: Clock; redisUrl?: string | undefined; ipKey?: string }): ExchangeGateSetup {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false, enableOfflineQueue: true }) : undefined;
  const store = redis ? new RedisBucketStore({ redis }) : new MemoryBucketStore();
  const limiter = new RateLimiter({ store, clock: options.clock, windowMarginMs: WINDOW_MARGIN_MS });
  const gate = new ExchangeRateLimiter({ limiter, profiles: exchangeLimitProfiles(), ...(options.ipKey ? { ipKey: options.ipKey } : {}) });
  return {
    gate,
    limiter,
    store: redis ? 'redis' : 'memory',
    ...(redis ? { pingRedis: async () => void (await redis.ping()) } : {}),
    pauses: () => limiter.pauses(),
    async close() {
      limiter.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
