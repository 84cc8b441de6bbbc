import { describe, expect, it } from 'vitest';
import { BatchProcessor, ItemTimeoutError, type BatchProgress, type WorkerContext } from '../../src/batch/batch-processor.js';
import { SEED_BATCH_SIZES } from '../../src/batch/batch-sizes.js';
import { ManualClock } from '../../src/domain/clock.js';

interface Job {
  id: string;
  exchange: string;
  /** Clock ms the job takes; 'fail' throws after that long; 'hang' ignores its signal. */
  ms: number;
  outcome?: 'ok' | 'fail' | 'hang';
}

function harness(options: { timeoutMs?: number; batchSizes?: Record<string, number> } = {}) {
  const clock = new ManualClock(0);
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const started: string[] = [];
  const worker = async (job: Job, { signal }: WorkerContext): Promise<string> => {
    started.push(job.id);
    running.set(job.exchange, (running.get(job.exchange) ?? 0) + 1);
    peak.set(job.exchange, Math.max(peak.get(job.exchange) ?? 0, running.get(job.exchange) ?? 0));
    try {
      await clock.sleep(job.ms, job.outcome === 'hang' ? undefined : signal);
      if (job.outcome === 'fail') throw new Error(`${job.id} failed`);
      return `${job.id} done`;
    } finally {
      running.set(job.exchange, (running.get(job.exchange) ?? 1) - 1);
    }
  };
  const processor = new BatchProcessor<Job, string>({
    worker,
    groupOf: (job) => job.exchange,
    batchSizes: options.batchSizes ?? SEED_BATCH_SIZES,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    clock,
  });
  return { clock, processor, peak, started };
}

/** Lets the clock run until `promise` settles. */
async function runOut<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  await clock.advance(0); // settle what is already due before time moves
  while (!done) await clock.advance(10);
  return promise;
}

describe('BatchProcessor', () => {
  it('keeps input order and never runs more than the batch size per exchange', async () => {
    const { clock, processor, peak } = harness();
    const jobs: Job[] = Array.from({ length: 24 }, (_, i) => ({
      id: `j${i}`,
      exchange: i % 3 === 0 ? 'coinbase' : i % 3 === 1 ? 'okx' : 'bybit',
      ms: 100 + ((i * 37) % 90),
    }));
    const result = await runOut(clock, processor.run(jobs));
    expect(result.items.map((r) => r.value)).toEqual(jobs.map((j) => `${j.id} done`));
    expect(peak.get('coinbase')).toBe(2);
    expect(peak.get('okx')).toBe(3);
    expect(peak.get('bybit')).toBe(8); // fewer items than its batch size of 10
    expect(result.totals).toMatchObject({ total: 24, fulfilled: 24 });
  });

  it('reports partial failures and timeouts item by item', async () => {
    const { clock, processor } = harness({ timeoutMs: 500 });
    const jobs: Job[] = [
      { id: 'a', exchange: 'gate', ms: 100 },
      { id: 'b', exchange: 'gate', ms: 200, outcome: 'fail' },
      { id: 'c', exchange: 'gate', ms: 5_000 },
      { id: 'd', exchange: 'gate', ms: 300 },
    ];
    const result = await runOut(clock, processor.run(jobs));
    expect(result.items.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'timeout', 'fulfilled']);
    expect(result.items[1]?.error).toBeInstanceOf(Error);
    expect(result.items[2]).toMatchObject({ durationMs: 500 });
    expect(result.items[2]?.error).toBeInstanceOf(ItemTimeoutError);
    expect(result.items[0]?.durationMs).toBe(100);
    expect(result.totals).toMatchObject({ total: 4, fulfilled: 2, rejected: 1, timeout: 1, cancelled: 0 });
  });

  it('holds the slot of a timed-out worker that ignores its signal until it stops', async () => {
    const { clock, processor, peak } = harness({ timeoutMs: 100, batchSizes: { kraken: 1 } });
    const jobs: Job[] = [
      { id: 'hang', exchange: 'kraken', ms: 1_000, outcome: 'hang' },
      { id: 'next', exchange: 'kraken', ms: 10 },
    ];
    const result = await runOut(clock, processor.run(jobs));
    expect(result.items.map((r) => r.status)).toEqual(['timeout', 'fulfilled']);
    expect(peak.get('kraken')).toBe(1);
  });

  it('cancels pending items and signals running ones when aborted', async () => {
    const { clock, processor, started } = harness();
    const controller = new AbortController();
    const jobs: Job[] = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, exchange: 'coinbase', ms: 1_000 }));
    const run = processor.run(jobs, { signal: controller.signal });
    await clock.advance(0); // let the first two start
    await clock.advance(500);
    controller.abort(new Error('user cancelled'));
    const result = await runOut(clock, run);
    expect(started).toEqual(['c0', 'c1']);
    expect(result.items.map((r) => r.status)).toEqual(Array(6).fill('cancelled'));
    expect(result.items[0]?.durationMs).toBe(500);
    expect(result.items[5]?.durationMs).toBe(0);
  });

  it('reports progress as items finish', async () => {
    const { clock, processor } = harness();
    const events: BatchProgress<string>[] = [];
    const jobs: Job[] = [
      { id: 'slow', exchange: 'htx', ms: 300 },
      { id: 'fast', exchange: 'htx', ms: 100, outcome: 'fail' },
    ];
    await runOut(clock, processor.run(jobs, { onProgress: (p) => events.push(p) }));
    expect(events.map((e) => [e.done, e.total, e.index, e.result.status])).toEqual([
      [1, 2, 1, 'rejected'],
      [2, 2, 0, 'fulfilled'],
    ]);
  });

  it('fails fast on bad options', () => {
    const base = { worker: async () => 1, groupOf: () => 'g' };
    expect(() => new BatchProcessor({ ...base, batchSizes: { okx: 0 } })).toThrow('Expected batch size `okx` to be an integer >= 1, got `0`');
    expect(() => new BatchProcessor({ ...base, timeoutMs: -1 })).toThrow('Expected `timeoutMs` to be a finite number > 0, got `-1`');
  });
});
