import type { DecimalString } from './money.js';
import type { ParamDoc } from './strategy-catalog.js';

/**
 * A backtest or a sweep as the server stores and lists it (shared with the web UI), and the ranked
 * results of a sweep. The repository port that stores them is src/engine/backtest/backtest-record.ts.
 */

export type BacktestKind = 'backtest' | 'sweep';
export type BacktestStatus = 'queued' | 'running' | 'completed' | 'failed';

/** The headline figures shown in lists (the full report is only loaded for one run). */
export interface BacktestSummary {
  netProfit: DecimalString;
  netProfitPct: DecimalString;
  maxDrawdownPct: DecimalString;
  tradeCount: number;
  winRate: number | null;
  sharpe: number | null;
}

export interface BacktestRecord {
  id: string;
  kind: BacktestKind;
  status: BacktestStatus;
  strategy: string;
  symbol: string | null;
  timeframe: string | null;
  /** The request as given (an inline CSV is replaced by its name and size). */
  request: Record<string, unknown>;
  summary: BacktestSummary | null;
  /**
   * The full report (a backtest: `AnyBacktestReport`) or the ranked results (a sweep: `SweepResult`);
   * null until completed. Read back from storage as JSON, so typed by `kind` only where it is shown.
   */
  result: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type BacktestListItem = Omit<BacktestRecord, 'result'>;

/** How far a running job got (in candles); only known while it runs in this process. */
export interface BacktestProgress {
  done: number;
  total: number;
  fraction: number;
}

export type BacktestView = BacktestListItem & { progress: BacktestProgress | null; result: unknown };

/**
 * A perpetual's funding-rate or mark-price file in data/ (`XRP_USDT_USDT-8h-funding_rate.csv`,
 * `XRP_USDT_USDT-1h-mark.csv`), with the time it covers, read from the file itself.
 */
export interface PerpetualFileInfo {
  file: string;
  /** From the file name: the settlement spacing of a funding file (`8h`), the candle timeframe of a mark file (`1h`). */
  interval: string;
  /** Rates (funding) or candles (mark) in the file; 0 when it could not be read. */
  rows: number;
  /** First settlement (funding) or first candle's open (mark), ISO 8601 UTC; null when the file could not be read. */
  from: string | null;
  /** Last settlement (funding) or end of the last candle (mark), ISO 8601 UTC; null when the file could not be read. */
  to: string | null;
  /** Why the file could not be read (a run naming it is refused with the same lines); absent when it reads. */
  problem?: string;
}

/** The funding and mark files data/ holds for one perpetual. */
export interface PerpetualPairFiles {
  /** The unified symbol, e.g. `XRP/USDT:USDT`. */
  symbol: string;
  funding: PerpetualFileInfo[];
  mark: PerpetualFileInfo[];
}

/** What a backtest can run on: the strategies with their parameters, and the bundled data files. */
export interface BacktestCatalog {
  strategies: { id: string; name: string; description: string; params: ParamDoc[] }[];
  bundledFiles: string[];
  /** Per perpetual with any in data/: its funding-rate and mark-price files (the request's `funding` and `mark`), by symbol. */
  perpetualFiles: PerpetualPairFiles[];
}

/** Metrics a sweep can rank by; all but maxDrawdown rank higher-is-better. */
export const RANK_METRICS = ['sharpe', 'sortino', 'netProfit', 'profitFactor', 'winRate', 'maxDrawdown'] as const;
export type RankMetric = (typeof RANK_METRICS)[number];

export interface SweepMetrics {
  netProfit: DecimalString;
  netProfitPct: DecimalString;
  maxDrawdownPct: DecimalString;
  feesPaid: DecimalString;
  tradeCount: number;
  winRate: number | null;
  profitFactor: number | null;
  sharpe: number | null;
  sortino: number | null;
  exposure: number;
}

export interface SweepRow {
  rank: number;
  params: Record<string, unknown>;
  metrics: SweepMetrics;
}

export interface SweepResult {
  strategy: string;
  rankBy: RankMetric;
  combinations: number;
  /** Worker threads used; 1 when the sweep ran in process. */
  workers: number;
  /** Where the combinations ran: worker threads, or this thread when no worker could load the strategy. */
  ranOn: 'worker-threads' | 'in-process';
  /** Why the sweep could not use worker threads, when it could not. */
  workerProblem?: string;
  results: SweepRow[];
  /** Combinations the strategy's parameter schema refused (never run). */
  invalid: { params: Record<string, unknown>; error: string }[];
  /** Combinations whose run failed. */
  failed: { params: Record<string, unknown>; error: string }[];
}
