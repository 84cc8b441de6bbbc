import { monotonicFactory } from 'ulid';
import { BatchProcessor, type ItemResult } from '../batch/batch-processor.js';
import { SEED_BATCH_SIZES } from '../batch/batch-sizes.js';
import type { Clock } from '../domain/clock.js';
import type { ConnectionView } from '../domain/connection.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { ConnectionTestService } from './connection-test.service.js';
import type { ConnectionService } from './connection.service.js';

export type BatchItemState = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'timeout' | 'cancelled';

export interface BatchTestItemView {
  connectionId: string;
  name: string;
  exchange: string;
  state: BatchItemState;
  durationMs: number | null;
  result: ConnectionTestResult | null;
  error: string | null;
}

export interface BatchTestJobView {
  jobId: string;
  state: 'running' | 'done' | 'cancelled';
  total: number;
  done: number;
  startedAt: string;
  finishedAt: string | null;
  totals: { ok: number; warning: number; failed: number; errors: number; cancelled: number };
  results: BatchTestItemView[];
}

interface Job {
  view: BatchTestJobView;
  abort: AbortController;
  finished: Promise<void>;
}

/** Finished jobs kept for polling; older ones are dropped first. */
const MAX_KEPT_JOBS = 50;

/**
 * Batch connection tests as jobs: POST starts one and answers at once; GET polls its progress. Items
 * run through the batch processor, queued per exchange with at most that exchange's batch size at once;
 * results keep the input order and one failure never fails the batch.
 */
export class BatchTestService {
  readonly #jobs = new Map<string, Job>();
  readonly #newId = monotonicFactory();
  readonly #processor: BatchProcessor<ConnectionView, ConnectionTestResult>;

  constructor(
    private readonly deps: {
      connections: ConnectionService;
      tests: ConnectionTestService;
      clock: Clock;
      /** Per-item bound: the test's own timeout plus slack for storing the result. */
      itemTimeoutMs: number;
      batchSizes?: Readonly<Record<string, number>>;
    },
  ) {
    this.#processor = new BatchProcessor({
      worker: (connection) => deps.tests.test(connection.id),
      groupOf: (connection) => connection.exchange,
      batchSizes: deps.batchSizes ?? SEED_BATCH_SIZES,
      timeoutMs: deps.itemTimeoutMs,
      clock: deps.clock,
    });
  }

  async start(ids: readonly string[] | undefined): Promise<BatchTestJobView> {
    const connections = ids ? await this.#resolve(ids) : await this.#allEnabled();
    const jobId = this.#newId();
    const view: BatchTestJobView = {
      jobId,
      state: 'running',
      total: connections.length,
      done: 0,
      startedAt: new Date(this.deps.clock.now()).toISOString(),
      finishedAt: null,
      totals: { ok: 0, warning: 0, failed: 0, errors: 0, cancelled: 0 },
      results: connections.map((c) => ({
        connectionId: c.id, name: c.name, exchange: c.exchange, state: 'pending', durationMs: null, result: null, error: null,
      })),
    };
    const abort = new AbortController();
    const finished = this.#run(view, connections, abort.signal);
    this.#jobs.set(jobId, { view, abort, finished });
    this.#forgetOldJobs();
    return structuredClone(view);
  }

  get(jobId: string): BatchTestJobView {
    return structuredClone(this.#require(jobId).view);
  }

  /** Cancels pending items (running ones get the abort signal); the job ends as `cancelled`. */
  cancel(jobId: string): BatchTestJobView {
    const job = this.#require(jobId);
    if (job.view.state === 'running') job.abort.abort();
    return structuredClone(job.view);
  }

  /** For shutdown and tests: cancel everything and wait for it to settle. */
  async stop(): Promise<void> {
    for (const job of this.#jobs.values()) job.abort.abort();
    await Promise.all([...this.#jobs.values()].map((j) => j.finished));
  }

  async #run(view: BatchTestJobView, connections: ConnectionView[], signal: AbortSignal): Promise<void> {
    for (const item of view.results) item.state = 'running';
    const result = await this.#processor.run(connections, {
      signal,
      onProgress: ({ index, result: itemResult, done }) => {
        const item = view.results[index];
        if (item) applyResult(item, itemResult);
        view.done = done;
      },
    });
    result.items.forEach((r, i) => {
      const item = view.results[i];
      if (item && (item.state === 'running' || item.state === 'pending')) applyResult(item, r);
    });
    view.done = view.total;
    view.totals = tally(view.results);
    view.state = signal.aborted ? 'cancelled' : 'done';
    view.finishedAt = new Date(this.deps.clock.now()).toISOString();
  }

  async #resolve(ids: readonly string[]): Promise<ConnectionView[]> {
    const unique = [...new Set(ids)];
    const found: ConnectionView[] = [];
    const missing: string[] = [];
    for (const id of unique) {
      try {
        found.push(await this.deps.connections.get(id));
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        missing.push(id);
      }
    }
    if (missing.length > 0) {
      throw new ValidationError('Some connections do not exist', missing.map((id) => ({ path: 'ids', message: `no connection with id ${id}` })));
    }
    return found;
  }

  async #allEnabled(): Promise<ConnectionView[]> {
    const out: ConnectionView[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = await this.deps.connections.list({ enabled: true }, { limit: 200, offset });
      out.push(...page.items);
      if (out.length >= page.total || page.items.length === 0) return out;
    }
  }

  #require(jobId: string): Job {
    const job = this.#jobs.get(jobId);
    if (!job) throw new NotFoundError(`No batch test job ${jobId} (jobs are kept in memory until restart)`);
    return job;
  }

  #forgetOldJobs(): void {
    for (const [id, job] of this.#jobs) {
      if (this.#jobs.size <= MAX_KEPT_JOBS) return;
      if (job.view.state !== 'running') this.#jobs.delete(id);
    }
  }
}

function applyResult(item: BatchTestItemView, r: ItemResult<ConnectionTestResult>): void {
  item.state = r.status;
  item.durationMs = Math.round(r.durationMs);
  item.result = r.value ?? null;
  item.error = r.status === 'rejected' ? messageOf(r.error) : r.status === 'timeout' ? 'the test did not finish in time' : null;
}

function tally(items: BatchTestItemView[]): BatchTestJobView['totals'] {
  const totals = { ok: 0, warning: 0, failed: 0, errors: 0, cancelled: 0 };
  for (const item of items) {
    if (item.result) totals[item.result.outcome]++;
    else if (item.state === 'cancelled') totals.cancelled++;
    else totals.errors++;
  }
  return totals;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
