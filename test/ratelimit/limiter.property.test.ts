import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { BucketSpec, Draw } from '../../src/ratelimit/bucket-store.js';
import type { Limit } from '../../src/ratelimit/limit-rules.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { worstOverrun, type Sent } from './send-recorder.js';

const limitArb: fc.Arbitrary<Limit> = fc.oneof(
  fc.record({ type: fc.constant('sliding-window' as const), capacity: fc.integer({ min: 5, max: 40 }), windowMs: fc.integer({ min: 50, max: 2_000 }) }),
  fc.record({ type: fc.constant('fixed-window' as const), capacity: fc.integer({ min: 5, max: 40 }), windowMs: fc.integer({ min: 50, max: 2_000 }) }),
  fc.record({ type: fc.constant('decay' as const), capacity: fc.integer({ min: 5, max: 40 }), decayPerSecond: fc.double({ min: 0.5, max: 50, noNaN: true }) }),
);

const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  gapMs: fc.integer({ min: 0, max: 300 }),
  buckets: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
  weight: fc.integer({ min: 1, max: 5 }),
  lane: fc.constantFrom('order' as const, 'read' as const),
});

/** Drives the limiter with a ManualClock and records, per bucket, what `fn` actually "sent". */
interface RequestSpec {
  gapMs: number;
  buckets: number[];
  weight: number;
  lane: 'order' | 'read';
}

async function drive(limits: Limit[], requests: RequestSpec[], start: number) {
  const clock = new ManualClock(start);
  const limiter = new RateLimiter({ clock });
  const specs: BucketSpec[] = limits.map((limit, i) => ({ key: `b${i}`, scope: `s${i}`, limit }));
  const sent: Sent[][] = specs.map(() => []);
  const runs: Promise<unknown>[] = [];
  for (const r of requests) {
    await clock.advance(r.gapMs);
    const draws: Draw[] = r.buckets.map((i) => ({ bucket: specs[i] as BucketSpec, weight: r.weight }));
    runs.push(
      limiter.run(draws, 1, async () => {
        for (const i of r.buckets) sent[i]?.push({ at: clock.now(), weight: r.weight });
      }, { lane: r.lane }),
    );
  }
  let settled = false;
  void Promise.all(runs).then(() => (settled = true));
  while (!settled) await clock.advance(1_000);
  return sent;
}

describe('limiter properties', () => {
  it('never lets any window of any bucket exceed its limit, whatever the request stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(limitArb, { minLength: 3, maxLength: 3 }),
        fc.array(requestArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        async (limits, requests, start) => {
          const sent = await drive(limits, requests, start);
          limits.forEach((limit, i) => expect(worstOverrun(limit, sent[i] ?? [])).toBeLessThanOrEqual(1e-9));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('uses at least 95 % of the allowed budget when demand exceeds it', async () => {
    await fc.assert(
      fc.asyncProperty(
        limitArb,
        fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1_200, maxLength: 1_200 }),
        async (limit, weights) => {
          // Capacity ≥ 20 × the largest weight, so head-of-line rounding costs < 5 % per window;
          // demand (≥ 1,200 weight) is at least 3 × capacity (≤ 400).
          const big: Limit = { ...limit, capacity: limit.capacity * 10 };
          const requests = weights.map((weight) => ({ gapMs: 0, buckets: [0], weight, lane: 'read' as const }));
          const sent = (await drive([big], requests, 0))[0] ?? [];
          expect(utilisation(big, sent)).toBeGreaterThanOrEqual(0.95);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** Sent weight over what the limit allowed in the time it took (all demand arrives at t = 0). */
function utilisation(limit: Limit, sent: readonly Sent[]): number {
  const total = sent.reduce((sum, s) => sum + s.weight, 0);
  const last = Math.max(...sent.map((s) => s.at));
  if (limit.type === 'decay') return total / (limit.capacity + (last / 1000) * limit.decayPerSecond);
  // Windowed: every full window before the last must have carried ≥ 95 % of capacity.
  const windows = Math.floor(last / limit.windowMs);
  if (windows === 0) return 1;
  const before = sent.filter((s) => s.at < windows * limit.windowMs).reduce((sum, s) => sum + s.weight, 0);
  return before / (windows * limit.capacity);
}
