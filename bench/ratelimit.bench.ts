/**
 * Rate limiter accuracy and overhead, side by side with ccxt's built-in throttler and bottleneck,
 * in one run. Run alone with `npx tsx bench/ratelimit.bench.ts`, or import `runRateLimitBench`.
 *
 * - accuracy: each limiter is given a 100 requests/s budget and 10× that demand for `seconds` of
 *   real time; utilisation = sent / allowed, overruns = 1 s sliding windows that carried > 100.
 * - overhead: CPU µs for 10,000 uncontended acquisitions (budget never binding), and CPU used per
 *   admitted request while throttling (ccxt's 1 ms polling shows up here).
 */
import type { BenchRow } from './support.js';
import { pathToFileURL } from 'node:url';
import Bottleneck from 'bottleneck';
import ccxt from 'ccxt';
import { Redis } from 'ioredis';
import { systemClock } from '../src/domain/clock.js';
import type { ExchangeRequest } from '../src/ratelimit/request-gate.js';
import type { BucketSpec } from '../src/ratelimit/bucket-store.js';
import { ExchangeRateLimiter } from '../src/ratelimit/exchange-limiter.js';
import { RateLimiter } from '../src/ratelimit/limiter.js';
import { exchangeLimitProfiles } from '../src/exchanges/profiles/limit-profiles.js';
import { RedisBucketStore } from '../src/ratelimit/redis-store.js';

export interface RateLimitBenchRow {
  readonly limiter: string;
  readonly allowedPerSecond: number;
  readonly sent: number;
  /** Sent over what the budget allowed in the run (first window included). */
  readonly utilisation: number;
  /** 1 s sliding windows carrying more than the budget. */
  readonly overruns: number;
  /** CPU time for 10,000 acquisitions when the budget never binds. */
  readonly cpuUsPer10kUncontended: number;
  /** CPU µs spent per admitted request while demand exceeds the budget. */
  readonly cpuUsPerRequestThrottled: number;
}

/** Lets `send` run once the limiter admits it; `send` records the moment the request would go out. */
type Acquire = (send: () => void) => Promise<unknown>;

interface Limited {
  readonly acquire: Acquire;
  /** Drops what is still queued, so a finished contender does not burn CPU under the next one. */
  readonly stop: () => void;
}

interface Contender {
  readonly name: string;
  /** An acquirer limited to `perSecond`. */
  readonly limited: (perSecond: number) => Limited;
  /** An acquirer whose budget never binds (pure overhead). */
  readonly unlimited: () => Acquire;
  /** Acquisitions timed for the overhead figure (scaled to 10,000); slow contenders get fewer. */
  readonly samples: number;
}

const BUDGET = 100;
/** Absorbs the ms between admission and `send` running (see `windowMarginMs`). */
const MARGIN_MS = 2;

function ours(): Contender {
  const bucket = (capacity: number): BucketSpec => ({ key: 'bench', scope: 'bench', limit: { type: 'sliding-window', capacity, windowMs: 1_000 } });
  const make = (capacity: number): Limited => {
    const limiter = new RateLimiter({ clock: systemClock, maxQueuedReads: Infinity, windowMarginMs: MARGIN_MS });
    const prepared = limiter.prepare([{ bucket: bucket(capacity), weight: 1 }]);
    return { acquire: (send) => limiter.runPrepared(prepared, async () => send()), stop: () => limiter.close() };
  };
  return { name: 'cts RateLimiter (memory)', limited: make, unlimited: () => make(1e12).acquire, samples: 10_000 };
}

function oursExchange(): Contender {
  const request: ExchangeRequest = { exchange: 'binance', accountKey: 'bench', method: 'GET', path: '/api/v3/ticker/24hr', symbol: 'BTC/USDT', lane: 'read' };
  const make = (perSecond: number): Limited => {
    const profiles = exchangeLimitProfiles({ binance: { defaultBudget: { type: 'sliding-window', capacity: perSecond, windowMs: 1_000 } } });
    // Only the seed budget may bind here, so all contenders get the same 100/s.
    const binance = { ...profiles.binance, rules: profiles.binance.rules.filter((r) => r.id === 'binance.seed') };
    const limiter = new RateLimiter({ maxQueuedReads: Infinity, windowMarginMs: MARGIN_MS });
    const gate = new ExchangeRateLimiter({ limiter, profiles: { binance } });
    return { acquire: (send) => gate.run(request, async () => send()), stop: () => limiter.close() };
  };
  return { name: 'cts ExchangeRateLimiter (binance profile)', limited: make, unlimited: () => make(1e12).acquire, samples: 10_000 };
}

function ccxtThrottler(): Contender {
  // What ccxt does per exchange instance: a leaky bucket, capacity 1, refilled every `rateLimit` ms.
  const make = (perSecond: number): Limited => {
    const throttler = new ccxt.Throttler({ refillRate: perSecond / 1000, capacity: 1, delay: 0.001, tokens: 0 });
    const stop = (): void => {
      throttler.queue.length = 0; // its loop ends when it finds the queue empty
      throttler.queueHead = 0;
      throttler.running = false;
    };
    return { acquire: (send) => throttler.throttle(1).then(send), stop };
  };
  return { name: 'ccxt Throttler (leaky bucket)', limited: make, unlimited: () => make(1e9).acquire, samples: 2_000 };
}

function bottleneck(): Contender {
  const make = (perSecond: number | undefined): Limited => {
    const limiter =
      perSecond === undefined
        ? new Bottleneck()
        : new Bottleneck({ reservoir: perSecond, reservoirRefreshAmount: perSecond, reservoirRefreshInterval: 1_000 });
    const stop = (): void => void limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    return { acquire: (send) => limiter.schedule(async () => send()), stop };
  };
  return { name: 'bottleneck (reservoir)', limited: make, unlimited: () => make(undefined).acquire, samples: 500 };
}

async function cpuFor(n: number, acquire: Acquire): Promise<number> {
  const send = (): void => undefined;
  for (let i = 0; i < Math.min(n, 1_000); i++) await acquire(send); // warm-up
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await acquire(send);
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/**
 * Fires 10× the budget at once for `seconds`, records when each request was let through. Times are
 * `Date.now()`, the clock every contender schedules by, so a window edge is judged as they judge it.
 */
async function accuracy(limited: Limited, seconds: number): Promise<{ sends: number[]; cpuUs: number }> {
  const sends: number[] = [];
  const start = Date.now();
  const before = process.cpuUsage();
  const demand = BUDGET * seconds * 10;
  const send = (): void => void sends.push(Date.now() - start);
  for (let i = 0; i < demand; i++) limited.acquire(send).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000 - 1));
  const used = process.cpuUsage(before);
  limited.stop();
  return { sends: sends.filter((t) => t < seconds * 1_000), cpuUs: used.user + used.system };
}

function overruns(sends: readonly number[], capacity: number, windowMs: number): number {
  const sorted = [...sends].sort((a, b) => a - b);
  let count = 0;
  let head = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[head] as number) <= (sorted[i] as number) - windowMs) head++;
    if (i - head + 1 > capacity) count++;
  }
  return count;
}

export async function runRateLimitBench(options: { seconds?: number } = {}): Promise<RateLimitBenchRow[]> {
  const seconds = options.seconds ?? 3;
  const rows: RateLimitBenchRow[] = [];
  for (const contender of [ours(), oursExchange(), ccxtThrottler(), bottleneck()]) {
    const cpu = ((await cpuFor(contender.samples, contender.unlimited())) * 10_000) / contender.samples;
    const { sends, cpuUs } = await accuracy(contender.limited(BUDGET), seconds);
    // A sliding window allows BUDGET at t=0 and BUDGET more per second after: BUDGET × seconds in all.
    rows.push({
      limiter: contender.name,
      allowedPerSecond: BUDGET,
      sent: sends.length,
      utilisation: sends.length / (BUDGET * seconds),
      overruns: overruns(sends, BUDGET, 1_000),
      cpuUsPer10kUncontended: Math.round(cpu),
      cpuUsPerRequestThrottled: Math.round(cpuUs / Math.max(1, sends.length)),
    });
  }
  const redisRow = await redisOverhead();
  if (redisRow) rows.push(redisRow);
  return rows;
}

/** The shared store's cost is a network round trip; measured only if Redis answers. */
async function redisOverhead(): Promise<RateLimitBenchRow | undefined> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const prefix = `cts:bench:${process.pid}`;
    const limiter = new RateLimiter({ store: new RedisBucketStore({ redis, prefix }) });
    const bucket: BucketSpec = { key: 'b', scope: 's', limit: { type: 'sliding-window', capacity: 1e9, windowMs: 1_000 } };
    const prepared = limiter.prepare([{ bucket, weight: 1 }]);
    const cpu = (await cpuFor(2_000, (send) => limiter.runPrepared(prepared, async () => send()))) * 5;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    return { limiter: 'cts RateLimiter (redis, 1 client)', allowedPerSecond: 0, sent: 0, utilisation: 0, overruns: 0, cpuUsPer10kUncontended: Math.round(cpu), cpuUsPerRequestThrottled: 0 };
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runRateLimitBench();
  console.table(rows.map((r) => ({ ...r, utilisation: `${(r.utilisation * 100).toFixed(1)} %` })));
  process.exit(0);
}

/** The rows in the shape of `npm run bench`'s table (targets: ≥ 98 % utilisation, 0 overruns, < 5 µs). */
export async function benchRateLimit(): Promise<BenchRow[]> {
  const rows = await runRateLimitBench();
  return rows.flatMap((r) => {
    const perAcquireUs = r.cpuUsPer10kUncontended / 10_000;
    const ours = r.limiter.startsWith('cts');
    const out: BenchRow[] = [
      { group: 'rate limiter', name: `${r.limiter}: CPU per acquisition (uncontended)`, value: `${perAcquireUs.toFixed(2)} µs`, ...(ours ? { target: '< 5 µs', met: perAcquireUs < 5 } : {}) },
    ];
    if (r.allowedPerSecond > 0) {
      out.push(
        { group: 'rate limiter', name: `${r.limiter}: budget used at 10× demand`, value: `${(r.utilisation * 100).toFixed(1)} %`, ...(ours ? { target: '≥ 98 %', met: r.utilisation >= 0.98 } : {}) },
        { group: 'rate limiter', name: `${r.limiter}: window overruns`, value: String(r.overruns), ...(ours ? { target: '0', met: r.overruns === 0 } : {}) },
      );
    }
    return out;
  });
}
