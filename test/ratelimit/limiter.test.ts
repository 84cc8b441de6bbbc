import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { BucketSpec } from '../../src/ratelimit/bucket-store.js';
import { LimiterQueueFullError, RateLimiter, type LimiterEvent } from '../../src/ratelimit/limiter.js';

const spec = (key: string, capacity: number, windowMs = 1_000): BucketSpec => ({
  key,
  scope: `scope-${key}`,
  limit: { type: 'sliding-window', capacity, windowMs },
});

describe('RateLimiter', () => {
  it('runs at once while there is budget, then waits on the clock (no real sleep)', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ clock });
    const bucket = spec('a', 2);
    const sentAt: number[] = [];
    const runs = [1, 2, 3].map(() => limiter.run([bucket], 1, async () => sentAt.push(clock.now())));
    await clock.advance(0);
    expect(sentAt).toEqual([0, 0]);
    await clock.advance(999);
    expect(sentAt).toEqual([0, 0]);
    await clock.advance(1);
    await Promise.all(runs);
    expect(sentAt).toEqual([0, 0, 1_000]);
  });

  it('never takes one linked bucket while waiting for another', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ clock });
    const narrow = spec('narrow', 1);
    const shared = spec('shared', 10);
    const sent: string[] = [];
    void limiter.run([shared, narrow], 1, async () => sent.push('both-1')).catch(() => undefined);
    void limiter.run([shared, narrow], 1, async () => sent.push('both-2')); // waits on `narrow`
    await clock.advance(0);
    expect(await limiter.used(shared)).toBe(1); // the waiting request holds nothing
    for (let i = 0; i < 9; i++) void limiter.run([shared], 1, async () => sent.push('shared')).catch(() => undefined);
    await clock.advance(0);
    expect(sent.filter((s) => s === 'shared')).toHaveLength(9);
    await clock.advance(1_000);
    expect(sent).toContain('both-2');
  });

  it('serves orders before queued reads, so a flood of reads never starves them', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ clock });
    const bucket = spec('ip', 10);
    const log: string[] = [];
    for (let i = 0; i < 500; i++) void limiter.run([bucket], 1, async () => log.push('read')).catch(() => undefined);
    await clock.advance(0);
    expect(limiter.pending.read).toBe(490);
    const order = limiter.run([bucket], 1, async () => log.push('order'), { lane: 'order' });
    await clock.advance(1_000);
    await order;
    expect(log.slice(10, 11)).toEqual(['order']); // first in line when budget came back
    expect(limiter.pending.read).toBe(481);
  });

  it('keeps a read reserve for orders when configured', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ clock, readReserve: 0.2 });
    const bucket = spec('ip', 10);
    let reads = 0;
    for (let i = 0; i < 20; i++) void limiter.run([bucket], 1, async () => reads++).catch(() => undefined);
    await clock.advance(0);
    expect(reads).toBe(8);
    let orderAt = -1;
    await limiter.run([bucket], 1, async () => (orderAt = clock.now()), { lane: 'order' });
    expect(orderAt).toBe(0);
  });

  it('pauses a scope until the pause is over, and reports it', async () => {
    const clock = new ManualClock(10_000);
    const limiter = new RateLimiter({ clock });
    const events: LimiterEvent[] = [];
    limiter.on((e) => events.push(e));
    const bucket = spec('a', 100);
    await limiter.pause(bucket.scope, 12_000, 'HTTP 429');
    let sentAt = -1;
    const run = limiter.run([bucket], 1, async () => (sentAt = clock.now()));
    await clock.advance(1_999);
    expect(sentAt).toBe(-1);
    expect(await limiter.pauses()).toEqual([{ scope: bucket.scope, until: 12_000, reason: 'HTTP 429' }]);
    await clock.advance(1);
    await run;
    expect(sentAt).toBe(12_000);
    expect(events).toContainEqual({ type: 'paused', scope: bucket.scope, until: 12_000, reason: 'HTTP 429' });
  });

  it('leaves the queue when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ clock });
    const bucket = spec('a', 1);
    await limiter.run([bucket], 1, async () => undefined);
    const controller = new AbortController();
    const waiting = limiter.run([bucket], 1, async () => 'sent', { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(limiter.pending.read).toBe(0);
  });

  it('refuses a weight that can never fit, and reads beyond the queue bound', async () => {
    const limiter = new RateLimiter({ clock: new ManualClock(0), maxQueuedReads: 1 });
    const bucket = spec('a', 1);
    await expect(limiter.run([bucket], 2, async () => undefined)).rejects.toThrow(/can never fit/);
    await limiter.run([bucket], 1, async () => undefined);
    void limiter.run([bucket], 1, async () => undefined).catch(() => undefined);
    await expect(limiter.run([bucket], 1, async () => undefined)).rejects.toBeInstanceOf(LimiterQueueFullError);
    limiter.close();
  });

  it('fails fast on bad options with precise messages', () => {
    expect(() => new RateLimiter({ readReserve: 1 })).toThrow('Expected `readReserve` to be a number >= 0 and < 1, got `1`');
    expect(() => new RateLimiter({ maxQueuedReads: 0 })).toThrow('Expected `maxQueuedReads` to be a finite number > 0');
    const limiter = new RateLimiter();
    expect(() => limiter.prepare([{ bucket: spec('a', 0), weight: 1 }])).toThrow('Expected `a.capacity` to be a finite number > 0, got `0`');
    expect(() => limiter.prepare([{ bucket: spec('a', 1), weight: Number.NaN }])).toThrow('Expected `weight of a`');
  });
});
