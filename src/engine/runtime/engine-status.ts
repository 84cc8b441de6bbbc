import type { PnlSummary, PositionSnapshot } from '../accounting/index.js';
import { Portfolio, markViews, withMark, type MarkBook } from '../accounting/index.js';
import { allowedActions, type EngineAction, type EngineState } from '../engine-state.js';
import type { EngineRunner } from './engine-runner.js';
import { FLATTEN_NOT_REQUESTED, type FlattenOutcome } from './flatten.js';
import type { ExchangeReachability } from './fault-policy.js';
import type { EngineBudget, EngineOptions, EngineRecord, OrderRecord } from './ports.js';

/** What `GET status/:id` answers: lifecycle, configuration, health, positions, open orders and PnL (decimal strings). */
export interface EngineStatus {
  /** The engine's ("bot's") id: the `{id}` of the status, orders, trades and control routes. */
  id: string;
  connectionId: string;
  /** As configured at start; null: the whole account. */
  budget: EngineBudget | null;
  /** The budget in quote as resolved at this start (a share of the balance then); null: the whole account or not running here. */
  budgetQuote: string | null;
  state: EngineState;
  allowedActions: EngineAction[];
  strategy: string | null;
  params: Readonly<Record<string, unknown>> | null;
  symbol: string | null;
  timeframe: string | null;
  risk: Readonly<Record<string, unknown>> | null;
  options: EngineOptions | null;
  startedAt: string | null;
  stoppedAt: string | null;
  /** Since `startedAt`, while the engine is active. */
  uptimeMs: number | null;
  lastHeartbeatAt: string | null;
  lastError: string | null;
  resumeOnRestart: boolean;
  consecutiveFailures: number;
  /** "Exchange unreachable since …" while an outage lasts (the open position is unprotected meanwhile); null when no engine runs here. */
  exchange: ExchangeReachability | null;
  candlesProcessed: number;
  lastPrice: string | null;
  /** Every open position of the connection, each valued at its last known mark (with its time; null when none is known). */
  positions: PositionSnapshot[];
  openOrders: OrderRecord[];
  /** Over every position of the connection; `unpricedSymbols` names those whose unrealized PnL is unknown. */
  pnl: PnlSummary;
  /** The last emergency flatten in this process: `incomplete` means a position is left open (see `remaining`). */
  flatten: FlattenOutcome;
}

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
