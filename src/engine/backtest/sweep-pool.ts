import { Worker } from 'node:worker_threads';
import type { FromWorker, SweepMetrics, SweepResult, SweepWorkerData, ToWorker } from './sweep.js';

export type SweepJob = { index: number; params: Record<string, unknown> };
export type SweepOutcome = { done: (SweepJob & { metrics: SweepMetrics })[]; failed: SweepResult['failed'] };

/** What the pool left: combinations it did not settle because a worker could not load the strategy, and why. */
export interface PoolOutcome {
  unrun: readonly SweepJob[];
  problem: string | undefined;
}

export interface PoolOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** A worker not ready (strategy loaded) after this long counts as unable to load it. */
  startTimeoutMs: number;
}

/**
 * Worker threads fed one combination at a time. A worker that cannot get the strategy (says
 * `unavailable`, fails or stops before `ready`, or is not ready in time) ends the pool without an error:
 * the caller runs what is left on its own thread. A worker that fails after `ready` fails the sweep.
 */
export class SweepPool {
  readonly #jobs: readonly SweepJob[];
  readonly #out: SweepOutcome;
  readonly #o: PoolOptions;
  readonly #workers: Worker[] = [];
  readonly #ready = new Set<Worker>();
  readonly #settled = new Set<number>();
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onAbort = (): void => this.#finish({ error: new Error('Sweep cancelled') });
  #over = false;
  #resolve: (outcome: PoolOutcome) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;

  private constructor(jobs: readonly SweepJob[], out: SweepOutcome, options: PoolOptions) {
    this.#jobs = jobs;
    this.#out = out;
    this.#o = options;
  }

  /** Runs `jobs` on `count` workers, adding their results to `out`. */
  static run(jobs: readonly SweepJob[], count: number, workerData: SweepWorkerData, out: SweepOutcome, options: PoolOptions): Promise<PoolOutcome> {
    const pool = new SweepPool(jobs, out, options);
    return new Promise((resolve, reject) => {
      pool.#resolve = resolve;
      pool.#reject = reject;
      pool.#start(count, workerData);
    });
  }

  #start(count: number, workerData: SweepWorkerData): void {
    if (this.#jobs.length === 0) return this.#finish({});
    this.#o.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#timer = setTimeout(() => this.#finish({ problem: `a worker thread did not load the strategy within ${this.#o.startTimeoutMs} ms` }), this.#o.startTimeoutMs);
    for (let k = 0; k < count && !this.#over; k++) {
      try {
        this.#watch(spawnWorker(workerData));
      } catch (error) {
        this.#finish({ problem: `cannot start a worker thread: ${(error as Error).message}` });
      }
    }
  }

  #watch(worker: Worker): void {
    this.#workers.push(worker);
    worker.on('message', (m: FromWorker) => this.#onMessage(worker, m));
    // Before `ready` a worker has run nothing, so the sweep can still run on the calling thread.
    worker.on('error', (error) => this.#finish(this.#ready.has(worker) ? { error } : { problem: `a worker thread failed to start: ${error.message}` }));
    worker.on('exit', (code) => {
      const message = `a worker thread stopped (exit code ${code})`;
      this.#finish(this.#ready.has(worker) ? { error: new Error(message) } : { problem: `${message} before loading the strategy` });
    });
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    if (this.#over) return;
    if (message.type === 'unavailable') return this.#finish({ problem: message.message });
    if (message.type === 'ready') {
      this.#ready.add(worker);
      if (this.#ready.size === this.#workers.length) clearTimeout(this.#timer);
      return this.#feed(worker);
    }
    const job = this.#jobs[message.index] as SweepJob;
    this.#settled.add(job.index);
    if (message.type === 'result') this.#out.done.push({ ...job, metrics: message.metrics });
    else this.#out.failed.push({ params: job.params, error: message.message });
    this.#o.onProgress?.(this.#settled.size, this.#jobs.length);
    if (this.#settled.size === this.#jobs.length) this.#finish({});
    else this.#feed(worker);
  }

  #feed(worker: Worker): void {
    const job = this.#jobs[this.#next++];
    if (job) worker.postMessage({ type: 'run', index: job.index, params: job.params } satisfies ToWorker);
  }

  #finish(outcome: { error: Error } | { problem?: string }): void {
    if (this.#over) return;
    this.#over = true;
    clearTimeout(this.#timer);
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    for (const w of this.#workers) void w.terminate();
    if ('error' in outcome) return this.#reject(outcome.error);
    const unrun = outcome.problem === undefined ? [] : this.#jobs.filter((j) => !this.#settled.has(j.index));
    this.#resolve({ unrun, problem: outcome.problem });
  }
}

/**
 * The worker module next to this one. Run from TypeScript sources (tsx, vitest) the worker needs the
 * tsx loader too; the built server runs the compiled .js and needs nothing.
 */
function spawnWorker(workerData: SweepWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData });
  // Loader flags are not inherited reliably by workers, so the worker registers tsx itself first.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./sweep-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${worker}); })`, { eval: true, workerData });
}
