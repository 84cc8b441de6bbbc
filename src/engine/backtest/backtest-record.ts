/**
 * The repository port the backtest service talks to (the stored form is src/domain/backtest-run.ts),
 * implemented with Kysely in src/store/backtest.repository.ts. The engine core never imports the store.
 */

import type { BacktestListItem, BacktestRecord } from '../../domain/backtest-run.js';

export type { BacktestKind, BacktestListItem, BacktestRecord, BacktestStatus, BacktestSummary } from '../../domain/backtest-run.js';

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
