/**
 * A child process for the shared-budget test: draws on the same Redis buckets as its siblings for
 * `durationMs` of real time, one request at a time, and prints the clock reading each admission
 * was decided at (the store's timeline) as JSON on stdout.
 */
import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../../src/domain/clock.js';
import type { BucketSpec } from '../../src/ratelimit/bucket-store.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { RedisBucketStore } from '../../src/ratelimit/redis-store.js';

const [prefix = 'cts:test', durationArg = '2000', bucketsArg = '[]'] = process.argv.slice(2);
const buckets = JSON.parse(bucketsArg) as BucketSpec[];

let lastNow = 0;
const clock: Clock = {
  now: () => (lastNow = systemClock.now()),
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
};

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false });
const limiter = new RateLimiter({ clock, store: new RedisBucketStore({ redis, prefix }) });
const sent: number[] = [];
const end = Date.now() + Number(durationArg);
while (Date.now() < end) {
  await limiter.run(buckets, 1, async () => {
    sent.push(lastNow);
  });
}
process.stdout.write(JSON.stringify(sent));
await redis.quit();
