import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { BucketSpec } from '../../src/ratelimit/bucket-store.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { RedisBucketStore } from '../../src/ratelimit/redis-store.js';
import { worstOverrun } from './send-recorder.js';

const prefix = `cts:test:${randomBytes(4).toString('hex')}`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  await redis.ping();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const sliding = (key: string, capacity: number, windowMs: number): BucketSpec => ({
  key,
  scope: `s-${key}`,
  limit: { type: 'sliding-window', capacity, windowMs },
});

describe('RedisBucketStore', () => {
  it('behaves like the memory store for windows, decay, corrections and pauses', async () => {
    const store = new RedisBucketStore({ redis, prefix: `${prefix}:unit` });
    const a = sliding('a', 2, 1_000);
    const d: BucketSpec = { key: 'd', scope: 's-d', limit: { type: 'decay', capacity: 3, decayPerSecond: 1.5 } };
    const req = { draws: [{ bucket: a, weight: 1 }, { bucket: d, weight: 1 }], pauseScopes: ['s-a'], reserve: 0 };
    expect(await store.tryAcquire(req, 1_000)).toEqual({ ok: true });
    expect(await store.tryAcquire(req, 1_100)).toEqual({ ok: true });
    expect(await store.tryAcquire(req, 1_200)).toEqual({ ok: false, waitMs: 800, blockedBy: 'a' });
    expect(await store.used(d, 1_200)).toBeCloseTo(2 - 0.15 - 0.15, 6); // nothing taken on refusal
    await store.correct(d, { used: 3 }, 1_200);
    expect(await store.used(d, 1_200)).toBe(3);
    await store.pause('s-a', 9_000, 'HTTP 429 | slow down', 1_200);
    expect(await store.tryAcquire(req, 2_000)).toMatchObject({ ok: false, waitMs: 7_000, blockedBy: 's-a' });
    expect(await store.pauses(2_000)).toEqual([{ scope: 's-a', until: 9_000, reason: 'HTTP 429 | slow down' }]);
  });

  it('never lets a caller whose clock reading arrives late rewind a bucket', async () => {
    // A process descheduled between reading its clock and the script running sends an older time than
    // the bucket has seen; the request is decided after everything recorded, so it must count as then.
    const store = new RedisBucketStore({ redis, prefix: `${prefix}:stale` });
    const one = (bucket: BucketSpec) => ({ draws: [{ bucket, weight: 1 }], pauseScopes: [], reserve: 0 });

    const decay: BucketSpec = { key: 'decay', scope: 's-decay', limit: { type: 'decay', capacity: 3, decayPerSecond: 1 } };
    expect(await store.tryAcquire(one(decay), 10_000)).toEqual({ ok: true });
    expect(await store.tryAcquire(one(decay), 10_000)).toEqual({ ok: true });
    expect(await store.tryAcquire(one(decay), 9_000)).toEqual({ ok: true }); // level 3 at 10 000, not at 9 000
    // Rewound to 9 000, the bucket would drain a second already drained and admit this one.
    expect(await store.tryAcquire(one(decay), 10_000)).toMatchObject({ ok: false, blockedBy: 'decay' });
    expect(await store.used(decay, 9_500)).toBe(3);

    const fixed: BucketSpec = { key: 'fixed', scope: 's-fixed', limit: { type: 'fixed-window', capacity: 2, windowMs: 1_000 } };
    expect(await store.tryAcquire(one(fixed), 10_500)).toEqual({ ok: true });
    expect(await store.tryAcquire(one(fixed), 10_500)).toEqual({ ok: true });
    // A reading in the previous window must not restart the count the bucket has moved past.
    expect(await store.tryAcquire(one(fixed), 9_900)).toMatchObject({ ok: false, waitMs: 500 });
    expect(await store.tryAcquire(one(fixed), 10_600)).toMatchObject({ ok: false, waitMs: 400 });

    const window = sliding('window', 2, 1_000);
    expect(await store.tryAcquire(one(window), 10_000)).toEqual({ ok: true });
    expect(await store.tryAcquire(one(window), 9_500)).toEqual({ ok: true }); // logged at 10 000
    // Logged at 9 500 it would leave the window at 10 500, half a second before its real send does.
    expect(await store.tryAcquire(one(window), 10_600)).toMatchObject({ ok: false, waitMs: 400 });
    expect(await store.tryAcquire(one(window), 11_000)).toEqual({ ok: true });
  });

  it('drives the limiter with an injected clock', async () => {
    const clock = new ManualClock(50_000);
    const limiter = new RateLimiter({ clock, store: new RedisBucketStore({ redis, prefix: `${prefix}:clock` }) });
    const bucket = sliding('x', 3, 1_000);
    const sentAt: number[] = [];
    const runs = Array.from({ length: 5 }, () => limiter.run([bucket], 1, async () => sentAt.push(clock.now())));
    await ioUntil(() => sentAt.length === 3 && limiter.pending.read === 2);
    expect(sentAt).toEqual([50_000, 50_000, 50_000]);
    await clock.advance(1_000);
    await Promise.all(runs);
    expect(sentAt).toEqual([50_000, 50_000, 50_000, 51_000, 51_000]);
  });

  it('keeps 4 processes hammering one shared budget within it together', async () => {
    const shared = sliding('shared', 20, 500);
    const decay: BucketSpec = { key: 'counter', scope: 's-counter', limit: { type: 'decay', capacity: 10, decayPerSecond: 30 } };
    const worker = fileURLToPath(new URL('./redis-worker.ts', import.meta.url));
    const args = [`${prefix}:shared`, '2000', JSON.stringify([shared, decay])];
    const outputs = await Promise.all(Array.from({ length: 4 }, () => runWorker(worker, args)));
    const sends = outputs.flat().map((at) => ({ at, weight: 1 }));
    expect(outputs.every((o) => o.length > 0)).toBe(true); // every process got a share
    // Each worker stamps a send after the Redis round trip, so on a loaded machine a stamp can lag the
    // store's own clock by tens of milliseconds: allow 60 ms of stamp jitter (40 ms was overrun by
    // 0.3 ms on a loaded full run). Sends whose real times keep to 20 per 500 ms keep to 20 per 440 ms
    // of their stamps; the decay counter drains 30/s, so 60 ms is 1.8 units. A broken (non-atomic)
    // store double-spends over and over, far beyond either.
    const JITTER_MS = 60;
    const window = shared.limit.type === 'sliding-window' ? shared.limit.windowMs : 0;
    expect(worstOverrun({ type: 'sliding-window', capacity: 20, windowMs: window - JITTER_MS }, sends)).toBeLessThanOrEqual(0);
    expect(worstOverrun(decay.limit, sends)).toBeLessThanOrEqual(decay.limit.type === 'decay' ? (decay.limit.decayPerSecond * JITTER_MS) / 1000 : 0);
    expect(sends.length).toBeGreaterThan(40); // the budget was really used, not just respected
  }, 20_000);

  it('rejects bad options', () => {
    expect(() => new RedisBucketStore({ redis, prefix: 'a{b}' })).toThrow('Expected `prefix` to be a non-empty string without braces');
  });
});

/** Waits for Redis round trips (I/O, not time: the limiter's clock stays manual). */
async function ioUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

function runWorker(script: string, args: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}
