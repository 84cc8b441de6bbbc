import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { monotonicFactory } from 'ulid';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategy.js';
import { createRunner, loadBacktestData, parseBacktestRequest, summarize, withDataFacts } from './backtest.js';
import type { BacktestCatalog, BacktestListItem, BacktestRecord, BacktestView } from '../../domain/backtest-run.js';
import type { BacktestRepository } from './backtest-record.js';
import { sweepRequestSchema, type BacktestRequest, type SweepRequest } from './config.js';
import { listBundledFiles, type CandleSourceDeps, type PreparedData } from './data-source.js';
import { listPerpetualFiles } from './perpetual-data.js';
import { buildReport } from './report.js';
import { buildMultiPairReport } from './multi-report.js';
import { createMultiPairRunner, isMultiPair, loadMultiPairData, withPairDataFacts } from './multi-pair.js';
import { expandGrid, runSweep } from './sweep.js';

/**
 * Backtests and sweeps as background jobs: `start` validates everything it can at once (request,
 * strategy parameters, and file data — a bad CSV is a 400 with line numbers, not a failed job), stores
 * the job and returns its id; the job then runs in slices of candles that yield to the event loop, so
 * the API stays responsive while it runs. Sweeps run on worker threads. Results are stored through the
 * repository port; progress lives in memory while a job runs.
 */

export interface BacktestServiceOptions {
  repository: BacktestRepository;
  registry: StrategyRegistry;
  sources: CandleSourceDeps;
  now?: () => number;
  /** Candles per slice between yields to the event loop. Default 50 000 (≈ 50 ms). */
  sliceCandles?: number;
  /** Jobs running at once; more wait in a queue. Default 1. */
  maxRunning?: number;
  onError?: (error: unknown, id: string) => void;
}

export type { BacktestCatalog, BacktestProgress, BacktestView } from '../../domain/backtest-run.js';

interface Job {
  record: BacktestRecord;
  progress: { done: number; total: number };
  run: (job: Job) => Promise<void>;
  abort: AbortController;
}

export class BacktestService {
  readonly #o: BacktestServiceOptions;
  readonly #newId = monotonicFactory();
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Job[] = [];
  #running = 0;
  #idle: Promise<void> = Promise.resolve();
  #settleIdle: (() => void) | null = null;
  #closed = false;

  constructor(options: BacktestServiceOptions) {
    this.#o = options;
  }

  /** Marks runs a previous process left unfinished as failed (call once at startup). */
  async init(): Promise<number> {
    return this.#o.repository.failUnfinished('Interrupted: the server stopped before this run finished', this.#iso());
  }

  async start(input: unknown): Promise<{ id: string }> {
    const { request, definition } = parseBacktestRequest(input, this.#o.registry);
    this.#checkExchangeRange(request);
    if (isMultiPair(request)) {
      const pairs = request.data.source === 'exchange' ? null : await loadMultiPairData(request, definition, this.#o.sources);
      return this.#enqueue(this.#record('backtest', request), (job) => this.#runMultiPair(job, request, definition, pairs));
    }
    const data = await this.#prepareEarly(request, definition);
    return this.#enqueue(this.#record('backtest', request), (job) => this.#runBacktest(job, request, definition, data));
  }

  async startSweep(input: unknown): Promise<{ id: string }> {
    const parsed = sweepRequestSchema.safeParse(input);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
      throw new ValidationError(`Invalid sweep: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
    }
    const request = parsed.data;
    const definition = this.#o.registry.get(request.strategy);
    this.#checkExchangeRange(request);
    const data = await this.#prepareEarly(request, definition, sweepWarmup(request, definition));
    return this.#enqueue(this.#record('sweep', request), (job) => this.#runSweep(job, request, definition, data));
  }

  async get(id: string): Promise<BacktestView> {
    const job = this.#jobs.get(id);
    const record = job?.record ?? (await this.#o.repository.findById(id));
    if (!record) throw new NotFoundError(`No backtest ${id}`);
    const progress = job ? { ...job.progress, fraction: job.progress.total > 0 ? job.progress.done / job.progress.total : 0 } : null;
    return { ...record, progress };
  }

  list(page: { limit: number; offset: number }): Promise<{ items: BacktestListItem[]; total: number }> {
    return this.#o.repository.list(page);
  }

  /** What a backtest can run on: the strategies with their parameters, the bundled data files, and the perpetuals' funding and mark files. */
  catalog(): BacktestCatalog {
    return {
      strategies: this.#o.registry.list().map((d) => ({ id: d.id, name: d.name, description: d.description, params: d.describeParams() })),
      bundledFiles: listBundledFiles(this.#o.sources.bundledDir),
      perpetualFiles: listPerpetualFiles(this.#o.sources.bundledDir),
    };
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  /** Cancels queued and running jobs (stored as failed) and waits for them to stop. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#jobs.values()) job.abort.abort();
    await this.#idle;
  }

  // ---- jobs -------------------------------------------------------------------------------------------

  /**
   * Exchange data is downloaded by the job, after the 202: what the request itself gets wrong is
   * refused now (400) instead — the pair, the timeframe and a start in the past are needed.
   */
  #checkExchangeRange(request: BacktestRequest): void {
    if (request.data.source !== 'exchange') return;
    const now = (this.#o.now ?? Date.now)();
    const fields = [
      ...(request.symbol || request.symbols ? [] : [{ path: 'symbol', message: 'required for exchange data' }]),
      ...(request.timeframe ? [] : [{ path: 'timeframe', message: 'required for exchange data' }]),
      ...(request.from === undefined ? [{ path: 'from', message: 'required for exchange data' }] : request.from >= now ? [{ path: 'from', message: 'must be in the past' }] : []),
    ];
    if (fields.length > 0) throw new ValidationError(`Exchange data needs ${fields.map((f) => `${f.path} (${f.message})`).join(', ')}`, fields);
  }

  /** File data is loaded now so its errors answer the request; exchange data is downloaded by the job. */
  async #prepareEarly(request: BacktestRequest, definition: StrategyDefinition, warmup?: number): Promise<PreparedData | null> {
    if (request.data.source === 'exchange') return null;
    return loadBacktestData(request, definition, this.#o.sources, request.data, warmup);
  }

  #record(kind: BacktestRecord['kind'], request: BacktestRequest): BacktestRecord {
    return {
      id: this.#newId(),
      kind,
      status: 'queued',
      strategy: request.strategy,
      symbol: request.symbol ?? request.symbols?.join(',') ?? null,
      timeframe: request.timeframe ?? null,
      request: storedRequest(request),
      summary: null,
      result: null,
      error: null,
      createdAt: this.#iso(),
      startedAt: null,
      finishedAt: null,
    };
  }

  async #enqueue(record: BacktestRecord, run: (job: Job) => Promise<void>): Promise<{ id: string }> {
    if (this.#closed) throw new ValidationError('The backtest service is shutting down');
    await this.#o.repository.insert(record);
    const job: Job = { record, progress: { done: 0, total: 0 }, run, abort: new AbortController() };
    this.#jobs.set(record.id, job);
    if (this.#jobs.size === 1) this.#idle = new Promise((resolve) => (this.#settleIdle = resolve));
    this.#queue.push(job);
    this.#pump();
    return { id: record.id };
  }

  #pump(): void {
    while (this.#running < (this.#o.maxRunning ?? 1) && this.#queue.length > 0) {
      const job = this.#queue.shift() as Job;
      this.#running++;
      void this.#execute(job).finally(() => {
        this.#running--;
        this.#jobs.delete(job.record.id);
        if (this.#jobs.size === 0) this.#settleIdle?.();
        this.#pump();
      });
    }
  }

  async #execute(job: Job): Promise<void> {
    const record = job.record;
    try {
      Object.assign(record, { status: 'running', startedAt: this.#iso() });
      await this.#o.repository.update(record);
      await job.run(job);
      Object.assign(record, { status: 'completed', finishedAt: this.#iso() });
    } catch (error) {
      this.#o.onError?.(error, record.id);
      Object.assign(record, { status: 'failed', error: error instanceof Error ? error.message : String(error), finishedAt: this.#iso() });
    }
    try {
      await this.#o.repository.update(record);
    } catch (error) {
      this.#o.onError?.(error, record.id);
    }
  }

  async #runBacktest(job: Job, request: BacktestRequest, definition: StrategyDefinition, early: PreparedData | null): Promise<void> {
    const data = early ?? (await loadBacktestData(request, definition, this.#o.sources));
    const runner = createRunner(request, definition, data);
    const slice = this.#o.sliceCandles ?? 50_000;
    job.progress = { ...runner.progress };
    while (!runner.advance(slice)) {
      job.progress = { ...runner.progress };
      await yieldToLoop();
      if (job.abort.signal.aborted) throw new Error('Cancelled: the server is shutting down');
    }
    job.progress = { ...runner.progress };
    const report = withDataFacts(buildReport(runner.outcome(), request.equityPoints), data);
    Object.assign(job.record, { symbol: data.symbol, timeframe: data.timeframe, summary: summarize(report), result: report });
  }

  async #runMultiPair(job: Job, request: BacktestRequest, definition: StrategyDefinition, early: PreparedData[] | null): Promise<void> {
    const data = early ?? (await loadMultiPairData(request, definition, this.#o.sources));
    const runner = createMultiPairRunner(request, definition, data);
    // A step moves every pair with a candle at that time, so a slice of steps covers about that many candles per pair.
    const slice = Math.max(1, Math.floor((this.#o.sliceCandles ?? 50_000) / data.length));
    job.progress = { ...runner.progress };
    while (!runner.advance(slice)) {
      job.progress = { ...runner.progress };
      await yieldToLoop();
      if (job.abort.signal.aborted) throw new Error('Cancelled: the server is shutting down');
    }
    job.progress = { ...runner.progress };
    const report = withPairDataFacts(buildMultiPairReport(runner.outcome(), request.equityPoints), data);
    Object.assign(job.record, { symbol: report.symbol, timeframe: report.timeframe, summary: summarize(report), result: report });
  }

  async #runSweep(job: Job, request: SweepRequest, definition: StrategyDefinition, early: PreparedData | null): Promise<void> {
    const data = early ?? (await loadBacktestData(request, definition, this.#o.sources, request.data, sweepWarmup(request, definition)));
    const result = await runSweep(request, definition, data, {
      signal: job.abort.signal,
      onProgress: (done, total) => (job.progress = { done, total }),
    });
    Object.assign(job.record, { symbol: data.symbol, timeframe: data.timeframe, result });
  }

  #iso(): string {
    return new Date((this.#o.now ?? Date.now)()).toISOString();
  }
}

/** The longest warm-up any valid combination of the grid needs. */
function sweepWarmup(request: SweepRequest, definition: StrategyDefinition): number {
  let warmup = 0;
  for (const params of expandGrid(request.params, request.grid)) {
    try {
      warmup = Math.max(warmup, definition.warmup(params));
    } catch {
      // refused combinations are reported by the sweep itself
    }
  }
  return warmup;
}

/** The request as stored and listed: an inline CSV (candles, funding rates, mark prices) is replaced by its name and size. */
function storedRequest(request: BacktestRequest): Record<string, unknown> {
  const inline = <T extends { source: string }>(d: T): T | { source: 'csv'; name: string | null; bytes: number } =>
    'csv' in d && typeof d.csv === 'string' ? { source: 'csv', name: 'name' in d && typeof d.name === 'string' ? d.name : null, bytes: Buffer.byteLength(d.csv) } : d;
  const perpetual = { ...(request.funding ? { funding: inline(request.funding) } : {}), ...(request.mark ? { mark: inline(request.mark) } : {}) };
  return JSON.parse(JSON.stringify({ ...request, data: inline(request.data), ...perpetual })) as Record<string, unknown>;
}
