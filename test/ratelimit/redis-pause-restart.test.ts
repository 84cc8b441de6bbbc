import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { RedisBucketStore } from '../../src/ratelimit/redis-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { SqlPauseJournal } from '../../src/store/rate-limit-pause.repository.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * With REDIS_URL a pause lives in Redis: it outlives a CTS restart for as long as Redis keeps its
 * data. When Redis forgets it (restart without persistence, flush, failover to an empty replica), the
 * journal in the database is what still knows, and restoring puts it back into Redis.
 */

const prefix = `cts:test:${randomBytes(4).toString('hex')}`;
const SCOPE = 'binance|ip|local';
const bucket = { key: `${SCOPE}#w`, scope: SCOPE, limit: { type: 'sliding-window', capacity: 100, windowMs: 1_000 } } as const;
const clients: Redis[] = [];
let store: Store;

function redisLimiter(clock: ManualClock, journal?: SqlPauseJournal): RateLimiter {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  clients.push(redis);
  return new RateLimiter({ clock, store: new RedisBucketStore({ redis, prefix }), ...(journal ? { journal } : {}) });
}

beforeAll(async () => {
  store = await openStore({ dataDir: makeTempDir() });
});

afterAll(async () => {
  const redis = clients[0];
  const keys = redis ? await redis.keys(`${prefix}*`) : [];
  if (redis && keys.length > 0) await redis.del(...keys);
  await Promise.all(clients.map((c) => c.quit()));
  await store.close();
});

describe('a pause with the Redis store across a CTS restart', () => {
  it('survives in Redis alone; after Redis lost it, only the journal brings it back', async () => {
    const clock = new ManualClock(Date.now());
    const journal = new SqlPauseJournal(store.db);
    const until = clock.now() + 45_000;
    await redisLimiter(clock, journal).pause(SCOPE, until, 'HTTP 418: IP banned', 418);

    // A restarted process on the same Redis sees the pause without any journal.
    const restarted = redisLimiter(clock);
    expect(await restarted.pauses()).toEqual([{ scope: SCOPE, until, reason: 'HTTP 418: IP banned' }]);

    // Redis loses its data.
    const keys = await clients[0]!.keys(`${prefix}*`);
    await clients[0]!.del(...keys);
    expect(await redisLimiter(clock).pauses()).toEqual([]);

    const withJournal = redisLimiter(clock, journal);
    await withJournal.restore();
    expect(await redisLimiter(clock).pauses()).toEqual([{ scope: SCOPE, until, reason: 'HTTP 418: IP banned' }]);
    let sent = false;
    const run = withJournal.run([bucket], 1, async () => (sent = true));
    // The refusal comes back from Redis over real I/O: let it queue before moving the clock.
    while (withJournal.pending.read === 0) await new Promise((r) => setTimeout(r, 10));
    await clock.advance(44_000);
    expect(sent).toBe(false);
    await clock.advance(1_000);
    await run;
    expect(sent).toBe(true);
  });
});
