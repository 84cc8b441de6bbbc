import { describe, expect, it } from 'vitest';
import { DecayState, FixedWindowState, SlidingLogState } from '../../src/ratelimit/buckets.js';
import { MemoryBucketStore } from '../../src/ratelimit/memory-store.js';
import type { BucketSpec } from '../../src/ratelimit/bucket-store.js';

describe('fixed window', () => {
  it('admits up to capacity per aligned window, then waits for the next window', () => {
    const b = new FixedWindowState(1_000);
    for (let i = 0; i < 5; i++) {
      expect(b.waitFor(1, 5, 1_200)).toBe(0);
      b.take(1, 1_200);
    }
    expect(b.waitFor(1, 5, 1_300)).toBe(700);
    expect(b.waitFor(1, 5, 2_000)).toBe(0);
  });

  it('never fits a weight above capacity', () => {
    expect(new FixedWindowState(1_000).waitFor(6, 5, 0)).toBe(Infinity);
  });
});

describe('sliding window', () => {
  it('counts weight in any window and waits until enough old weight leaves', () => {
    const b = new SlidingLogState(1_000);
    b.take(3, 0);
    b.take(2, 400);
    expect(b.used(999)).toBe(5);
    expect(b.waitFor(1, 5, 500)).toBe(500); // the weight-3 entry leaves at 1000
    expect(b.waitFor(3, 5, 500)).toBe(500);
    expect(b.waitFor(4, 5, 500)).toBe(900);
    expect(b.waitFor(5, 5, 500)).toBe(900); // needs both entries gone
    expect(b.used(1_000)).toBe(2);
    expect(b.used(1_400)).toBe(0);
  });

  it('corrections raise usage, expiring at the reported reset', () => {
    const b = new SlidingLogState(1_000);
    b.take(1, 0);
    b.raiseTo(8, 100, 600);
    expect(b.used(100)).toBe(8);
    expect(b.waitFor(5, 10, 100)).toBe(500); // the 7 unseen leave at the reset (600)
    b.raiseTo(0, 700); // never lowers
    expect(b.used(700)).toBe(1);
  });
});

describe('decay counter', () => {
  it('drains at its rate and admits as soon as the weight fits', () => {
    const b = new DecayState(0.5); // Kraken intermediate: max 20, -0.5/s
    b.take(20, 0);
    expect(b.waitFor(1, 20, 0)).toBe(2_000);
    expect(b.waitFor(2, 20, 1_000)).toBe(3_000);
    expect(b.waitFor(1, 20, 2_000)).toBe(0);
    b.raiseTo(25, 2_000);
    expect(b.used(2_000)).toBe(25);
  });
});

describe('memory store', () => {
  const a: BucketSpec = { key: 'a', scope: 's1', limit: { type: 'sliding-window', capacity: 2, windowMs: 1_000 } };
  const b: BucketSpec = { key: 'b', scope: 's2', limit: { type: 'sliding-window', capacity: 10, windowMs: 1_000 } };

  it('takes linked buckets all or nothing', () => {
    const store = new MemoryBucketStore();
    const req = { draws: [{ bucket: b, weight: 1 }, { bucket: a, weight: 1 }], pauseScopes: ['s1', 's2'], reserve: 0 };
    expect(store.tryAcquire(req, 0).ok).toBe(true);
    expect(store.tryAcquire(req, 0).ok).toBe(true);
    const refused = store.tryAcquire(req, 10);
    expect(refused).toEqual({ ok: false, waitMs: 990, blockedBy: 'a' });
    expect(store.used(b, 10)).toBe(2); // b was not charged for the refused request
  });

  it('reports a pause until it is over, and a later pause only extends it', () => {
    const store = new MemoryBucketStore();
    store.pause('s1', 5_000, 'HTTP 429', 0);
    store.pause('s1', 3_000, 'shorter', 0);
    const req = { draws: [{ bucket: a, weight: 1 }], pauseScopes: ['s1'], reserve: 0 };
    expect(store.tryAcquire(req, 1_000)).toMatchObject({ ok: false, waitMs: 4_000, pause: { reason: 'HTTP 429' } });
    expect(store.pauses(1_000)).toHaveLength(1);
    expect(store.tryAcquire(req, 5_000).ok).toBe(true);
    expect(store.pauses(5_000)).toHaveLength(0);
  });

  it('keeps a reserve the read lane cannot use', () => {
    const store = new MemoryBucketStore();
    const read = { draws: [{ bucket: b, weight: 1 }], pauseScopes: [], reserve: 0.2 };
    for (let i = 0; i < 8; i++) expect(store.tryAcquire(read, 0).ok).toBe(true);
    expect(store.tryAcquire(read, 0).ok).toBe(false);
    expect(store.tryAcquire({ ...read, reserve: 0 }, 0).ok).toBe(true);
  });
});
