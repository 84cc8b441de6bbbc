import os from 'node:os';
import { CANDLE_CSV_COLUMNS } from '../../exchanges/simulated/candle-csv.js';
import type { CandleSeries } from '../../domain/candles.js';
import { BUILT_IN_STRATEGIES } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategy.js';
import { runBacktestSync } from './backtest.js';
import type { BacktestRequest, SweepRequest } from './config.js';
import type { PreparedData } from './data-source.js';
import type { MarkPrices, PerpetualData } from './perpetual-data.js';
import type { BacktestReport } from '../../domain/backtest-report.js';
import type { RankMetric, SweepMetrics, SweepResult, SweepRow } from '../../domain/backtest-run.js';
import { SweepPool, type SweepJob, type SweepOutcome } from './sweep-pool.js';
import { workerSourceOf, type WorkerModuleSource } from './sweep-strategy-source.js';

/**
 * Parameter sweeps: every combination of a grid, run on worker threads (one per core at most), ranked
 * by one metric. The candles are prepared once on the calling thread and shared with the workers as
 * CSV bytes in a SharedArrayBuffer (one copy in memory whatever the worker count); each worker reads
 * them with the same CSV loader and runs the same runner as a single backtest. Built-ins are found by
 * id; a strategy loaded at run time is imported by each worker from the module its loader named
 * (sweep-strategy-source.ts). One no worker can load runs on this thread, yielding between combinations.
 */

export type { SweepMetrics, SweepResult, SweepRow } from '../../domain/backtest-run.js';

/** How a worker finds the strategy: a built-in by the request's id, any other through its module source. */
export type WorkerStrategy = { kind: 'built-in' } | ({ kind: 'module' } & WorkerModuleSource);

/** Worker protocol (also used by sweep-worker.ts). A worker says `ready` (or `unavailable`) once it has the strategy. */
export interface SweepWorkerData {
  csv: SharedArrayBuffer;
  bytes: number;
  /** A perpetual's mark candles, shared the same way (its `perpetual.mark.series` is rebuilt from them). */
  mark: { csv: SharedArrayBuffer; bytes: number } | null;
  meta: WorkerMeta;
  request: BacktestRequest;
  strategy: WorkerStrategy;
}
/** The prepared data without its candle series (they travel as CSV bytes). */
export type WorkerMeta = Omit<PreparedData, 'series' | 'perpetual'> & {
  perpetual?: Omit<PerpetualData, 'mark'> & { mark: Omit<MarkPrices, 'series'> | null };
};
export type ToWorker = { type: 'run'; index: number; params: Record<string, unknown> } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'unavailable'; message: string }
  | { type: 'result'; index: number; metrics: SweepMetrics }
  | { type: 'error'; index: number; message: string };

/** Cartesian product of the grid over the base params, in grid key order (last key varies fastest). */
export function expandGrid(base: Record<string, unknown>, grid: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{ ...base }];
  for (const [key, values] of Object.entries(grid)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return combos;
}

export function metricsOf(report: BacktestReport): SweepMetrics {
  const r = report.result;
  return {
    netProfit: r.netProfit,
    netProfitPct: r.netProfitPct,
    maxDrawdownPct: r.maxDrawdown.pct,
    feesPaid: r.feesPaid,
    tradeCount: r.tradeCount,
    winRate: r.winRate,
    profitFactor: r.profitFactor,
    sharpe: r.sharpe,
    sortino: r.sortino,
    exposure: r.exposure,
  };
}

/** Best first by `metric` (maxDrawdown: smallest first); missing values last; ties by net profit, then grid order. */
export function rankResults(rows: { index: number; params: Record<string, unknown>; metrics: SweepMetrics }[], metric: RankMetric): SweepRow[] {
  const value = (m: SweepMetrics): number | null => {
    switch (metric) {
      case 'netProfit':
        return Number(m.netProfit);
      case 'maxDrawdown':
        return -Number(m.maxDrawdownPct);
      default:
        return m[metric];
    }
  };
  const sorted = [...rows].sort((a, b) => {
    const va = value(a.metrics);
    const vb = value(b.metrics);
    if (va !== vb) return va === null ? 1 : vb === null ? -1 : vb - va;
    return Number(b.metrics.netProfit) - Number(a.metrics.netProfit) || a.index - b.index;
  });
  return sorted.map((row, k) => ({ rank: k + 1, params: row.params, metrics: row.metrics }));
}

export interface SweepOptions {
  onProgress?: (done: number, total: number) => void;
  /** Aborts the sweep (workers are terminated). */
  signal?: AbortSignal;
  /** A worker that has not loaded the strategy after this long is given up on (the sweep runs in process). Default 60 s. */
  workerStartTimeoutMs?: number;
}

const WORKER_START_TIMEOUT_MS = 60_000;

export async function runSweep(request: SweepRequest, definition: StrategyDefinition, data: PreparedData, options: SweepOptions = {}): Promise<SweepResult> {
  const all = expandGrid(request.params, request.grid);
  const valid: SweepJob[] = [];
  const invalid: SweepResult['invalid'] = [];
  for (const params of all) {
    try {
      definition.parseParams(params);
      valid.push({ index: valid.length, params });
    } catch (error) {
      invalid.push({ params, error: (error as Error).message });
    }
  }
  const cores = Math.max(1, os.availableParallelism());
  const count = Math.max(1, Math.min(request.workers ?? cores, cores, valid.length));
  const base: BacktestRequest = { ...request, data: { source: 'csv', csv: '(shared with the workers)' } };
  const strategy = workerStrategyOf(definition);
  const out: SweepOutcome = { done: [], failed: [] };
  const poolOptions = { ...options, startTimeoutMs: options.workerStartTimeoutMs ?? WORKER_START_TIMEOUT_MS };
  const pool = strategy ? await SweepPool.run(valid, count, shareData({ request: base, data, strategy }), out, poolOptions) : { unrun: valid, problem: undefined };
  const onWorkers = strategy !== undefined && pool.problem === undefined;
  if (pool.unrun.length > 0) await runInProcess(pool.unrun, base, definition, data, out, { ...options, total: valid.length });
  return {
    strategy: definition.id,
    rankBy: request.rank,
    combinations: all.length,
    workers: onWorkers ? count : 1,
    ranOn: onWorkers ? 'worker-threads' : 'in-process',
    ...(pool.problem === undefined ? {} : { workerProblem: pool.problem }),
    results: rankResults(out.done, request.rank),
    invalid,
    failed: out.failed,
  };
}

/** Built-ins by id; strategies loaded at run time only when their loader said where a worker finds them. */
function workerStrategyOf(definition: StrategyDefinition): WorkerStrategy | undefined {
  if (BUILT_IN_STRATEGIES.includes(definition)) return { kind: 'built-in' };
  const source = workerSourceOf(definition);
  return source ? { kind: 'module', ...source } : undefined;
}

/**
 * The fallback for a strategy no worker can load: one combination at a time on this thread, giving the
 * event loop a turn before each, so a server running the sweep keeps answering.
 */
async function runInProcess(jobs: readonly SweepJob[], request: BacktestRequest, definition: StrategyDefinition, data: PreparedData, out: SweepOutcome, options: SweepOptions & { total: number }): Promise<void> {
  for (const job of jobs) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) throw new Error('Sweep cancelled');
    try {
      out.done.push({ ...job, metrics: metricsOf(runBacktestSync(request, definition, data, job.params)) });
    } catch (error) {
      out.failed.push({ params: job.params, error: (error as Error).message });
    }
    options.onProgress?.(out.done.length + out.failed.length, options.total);
  }
}

/** The candles as CSV bytes in one SharedArrayBuffer: one copy whatever the worker count. */
function shareData(input: { request: BacktestRequest; data: PreparedData; strategy: WorkerStrategy }): SweepWorkerData {
  const { series, perpetual, ...rest } = input.data;
  // A class instance does not survive the copy to a worker: the mark candles travel as CSV bytes too.
  const mark = perpetual?.mark ?? null;
  const meta: WorkerMeta = perpetual ? { ...rest, perpetual: { ...perpetual, mark: mark ? { source: mark.source, timeframeMs: mark.timeframeMs } : null } } : rest;
  return { ...share(seriesToCsv(series)), mark: mark ? share(seriesToCsv(mark.series)) : null, meta, request: input.request, strategy: input.strategy };
}

function share(text: string): { csv: SharedArrayBuffer; bytes: number } {
  const bytes = new TextEncoder().encode(text);
  const csv = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(csv).set(bytes);
  return { csv, bytes: bytes.byteLength };
}

export function seriesToCsv(series: CandleSeries): string {
  const lines: string[] = [CANDLE_CSV_COLUMNS.join(',')];
  for (let i = 0; i < series.length; i++) {
    lines.push(`${series.time(i)},${series.text('open', i)},${series.text('high', i)},${series.text('low', i)},${series.text('close', i)},${series.text('volume', i)}`);
  }
  return `${lines.join('\n')}\n`;
}
