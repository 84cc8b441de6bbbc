import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CANDLE_CSV_COLUMNS } from '../../exchanges/simulated/candle-csv.js';
import type { CandleSeries } from '../../domain/candles.js';
import { BUILT_IN_STRATEGIES } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategy.js';
import { runBacktestSync } from './backtest.js';
import type { BacktestRequest, SweepRequest } from './config.js';
import type { PreparedData } from './data-source.js';
import type { BacktestReport } from '../../domain/backtest-report.js';
import type { RankMetric, SweepMetrics, SweepResult, SweepRow } from '../../domain/backtest-run.js';

/**
 * Parameter sweeps: every combination of a grid, run on worker threads (one per core at most), ranked
 * by one metric. The candles are prepared once on the calling thread and shared with the workers as
 * CSV bytes in a SharedArrayBuffer (one copy in memory whatever the worker count); each worker reads
 * them with the same CSV loader and runs the same runner as a single backtest.
 */

export type { SweepMetrics, SweepResult, SweepRow } from '../../domain/backtest-run.js';

/** Worker protocol (also used by sweep-worker.ts). */
export interface SweepWorkerData {
  csv: SharedArrayBuffer;
  bytes: number;
  meta: Omit<PreparedData, 'series'>;
  request: BacktestRequest;
}
export type ToWorker = { type: 'run'; index: number; params: Record<string, unknown> } | { type: 'stop' };
export type FromWorker = { type: 'result'; index: number; metrics: SweepMetrics } | { type: 'error'; index: number; message: string };

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
}

export async function runSweep(request: SweepRequest, definition: StrategyDefinition, data: PreparedData, options: SweepOptions = {}): Promise<SweepResult> {
  const all = expandGrid(request.params, request.grid);
  const valid: { index: number; params: Record<string, unknown> }[] = [];
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
  const workers = Math.max(1, Math.min(request.workers ?? cores, cores, valid.length));
  const base: BacktestRequest = { ...request, data: { source: 'csv', csv: '(shared with the workers)' } };
  const builtIn = BUILT_IN_STRATEGIES.includes(definition);
  const outcome = builtIn
    ? await runOnWorkers(valid, workers, base, data, options)
    : runInProcess(valid, base, definition, data, options);
  return {
    strategy: definition.id,
    rankBy: request.rank,
    combinations: all.length,
    workers: builtIn ? workers : 1,
    results: rankResults(outcome.done, request.rank),
    invalid,
    failed: outcome.failed,
  };
}

type Outcome = { done: { index: number; params: Record<string, unknown>; metrics: SweepMetrics }[]; failed: SweepResult['failed'] };

/** Strategies registered at run time are unknown to a fresh worker: they run here, one after another. */
function runInProcess(jobs: { index: number; params: Record<string, unknown> }[], request: BacktestRequest, definition: StrategyDefinition, data: PreparedData, options: SweepOptions): Outcome {
  const out: Outcome = { done: [], failed: [] };
  for (const job of jobs) {
    try {
      out.done.push({ ...job, metrics: metricsOf(runBacktestSync(request, definition, data, job.params)) });
    } catch (error) {
      out.failed.push({ params: job.params, error: (error as Error).message });
    }
    options.onProgress?.(out.done.length + out.failed.length, jobs.length);
  }
  return out;
}

function runOnWorkers(jobs: { index: number; params: Record<string, unknown> }[], count: number, request: BacktestRequest, data: PreparedData, options: SweepOptions): Promise<Outcome> {
  const { series, ...meta } = data;
  const text = new TextEncoder().encode(seriesToCsv(series));
  const csv = new SharedArrayBuffer(text.byteLength);
  new Uint8Array(csv).set(text);
  const workerData: SweepWorkerData = { csv, bytes: text.byteLength, meta, request };
  const out: Outcome = { done: [], failed: [] };
  let next = 0;
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    const finish = (error?: Error) => {
      for (const w of pool) void w.terminate();
      if (error) reject(error);
      else resolve(out);
    };
    options.signal?.addEventListener('abort', () => finish(new Error('Sweep cancelled')), { once: true });
    const feed = (worker: Worker) => {
      const job = jobs[next++];
      if (job) worker.postMessage({ type: 'run', index: job.index, params: job.params } satisfies ToWorker);
    };
    const onMessage = (worker: Worker, message: FromWorker) => {
      const job = jobs[message.index] as { index: number; params: Record<string, unknown> };
      if (message.type === 'result') out.done.push({ ...job, metrics: message.metrics });
      else out.failed.push({ params: job.params, error: message.message });
      const settled = out.done.length + out.failed.length;
      options.onProgress?.(settled, jobs.length);
      if (settled === jobs.length) finish();
      else feed(worker);
    };
    if (jobs.length === 0) return finish();
    for (let k = 0; k < count; k++) {
      const worker = spawnWorker(workerData);
      pool.push(worker);
      worker.on('message', (m: FromWorker) => onMessage(worker, m));
      worker.on('error', (error) => finish(error));
      feed(worker);
    }
  });
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

export function seriesToCsv(series: CandleSeries): string {
  const lines: string[] = [CANDLE_CSV_COLUMNS.join(',')];
  for (let i = 0; i < series.length; i++) {
    lines.push(`${series.time(i)},${series.text('open', i)},${series.text('high', i)},${series.text('low', i)},${series.text('close', i)},${series.text('volume', i)}`);
  }
  return `${lines.join('\n')}\n`;
}
