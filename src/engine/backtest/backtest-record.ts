/**
 * The stored form of a backtest or a sweep, and the repository port the service talks to (implemented
 * with Kysely in src/store/backtest.repository.ts). The engine core never imports the store.
 */

export type BacktestKind = 'backtest' | 'sweep';
export type BacktestStatus = 'queued' | 'running' | 'completed' | 'failed';

/** The headline figures shown in lists (the full report is only loaded for one run). */
export interface BacktestSummary {
  netProfit: string;
  netProfitPct: string;
  maxDrawdownPct: string;
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
  /** The full report (a backtest) or the ranked results (a sweep); null until completed. */
  result: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type BacktestListItem = Omit<BacktestRecord, 'result'>;

export interface BacktestRepository {
  insert(record: BacktestRecord): Promise<void>;
  /** Overwrites the mutable fields (status, summary, result, error, timestamps, symbol, timeframe). */
  update(record: BacktestRecord): Promise<void>;
  findById(id: string): Promise<BacktestRecord | undefined>;
  /** Newest first, without the (large) results. */
  list(page: { limit: number; offset: number }): Promise<{ items: BacktestListItem[]; total: number }>;
  /** Runs left queued or running by a process that stopped: marked failed with `reason`. Returns how many. */
  failUnfinished(reason: string, at: string): Promise<number>;
}
