import { Portfolio, markViews, withMark, type MarkBook } from '../accounting/index.js';
import { allowedActions, type EngineState } from '../../domain/engine-state.js';
import type { EngineRunner } from './engine-runner.js';
import { FLATTEN_NOT_REQUESTED } from './flatten.js';
import type { EngineStatus, FlattenOutcome } from '../../domain/engine-status.js';
import type { EngineRecord } from './ports.js';
import type { OrderRecord } from '../../domain/orders.js';

export interface StatusInput {
  record: Readonly<EngineRecord>;
  runner?: EngineRunner;
  portfolio?: Portfolio;
  now: number;
  openOrders: OrderRecord[];
  /** The last flatten of an engine whose runner has exited. */
  flatten?: FlattenOutcome;
}

export function buildStatus(input: StatusInput): EngineStatus {
  const { record, runner } = input;
  const state: EngineState = record?.state ?? 'stopped';
  const portfolio = runner?.portfolio ?? input.portfolio ?? new Portfolio();
  // The running tick's mark is the newest; the row keeps the last one of every symbol after a stop.
  const { marks, details } = markViews(currentMarks(record, runner));
  const mark = record ? (marks.get(record.symbol) ?? null) : null;
  const active = state === 'running' || state === 'paused' || state === 'starting' || state === 'stopping';
  const startedAt = record?.startedAt ?? null;
  return {
    id: record.id,
    connectionId: record.connectionId,
    budget: record.budget ?? null,
    budgetQuote: runner?.budgetQuote ? runner.budgetQuote.toFixed() : null,
    state,
    allowedActions: allowedActions(state),
    strategy: record?.strategy ?? null,
    params: record?.params ?? null,
    symbol: record?.symbol ?? null,
    pairs: null,
    timeframe: record?.timeframe ?? null,
    risk: record?.risk ?? null,
    options: record?.options ?? null,
    startedAt,
    stoppedAt: record?.stoppedAt ?? null,
    uptimeMs: active && startedAt ? Math.max(0, input.now - Date.parse(startedAt)) : null,
    lastHeartbeatAt: record?.lastHeartbeatAt ?? null,
    lastError: record?.lastError ?? null,
    resumeOnRestart: record?.resume ?? false,
    consecutiveFailures: runner?.consecutiveFailures ?? 0,
    exchange: runner?.exchange ?? null,
    candlesProcessed: runner?.tick.candlesProcessed ?? 0,
    lastPrice: mark ? mark.toFixed() : null,
    positions: portfolio.positions(marks, details),
    openOrders: input.openOrders,
    pnl: portfolio.summary(marks),
    flatten: runner?.flattenOutcome ?? input.flatten ?? FLATTEN_NOT_REQUESTED,
  };
}

function currentMarks(record: Readonly<EngineRecord> | undefined, runner: EngineRunner | undefined): MarkBook | undefined {
  const live = runner?.tick.storedMark() ?? null;
  return runner && live ? withMark(record?.marks, runner.tick.market.symbol, live) : record?.marks;
}
