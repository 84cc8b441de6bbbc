/**
 * Shapes of the trade engine and backtest APIs. The engine's status, orders, fills, events, positions
 * and states are the server's own types from src/domain (type-only imports, plus the order status
 * list); the rest is declared here, mirrored from the route files' zod schemas and from
 * src/engine/strategy.ts, backtest/report.ts, backtest/sweep.ts and backtest/backtest-record.ts.
 * Money is always a decimal string.
 */

import type { DecimalString } from '../../../src/domain/money.js';
import type { EngineBudget, EngineOptions } from '../../../src/domain/engine-status.js';

export type { DecimalString } from '../../../src/domain/money.js';
export type { EngineAction, EngineState } from '../../../src/domain/engine-state.js';
export type { EngineEvent } from '../../../src/domain/engine-events.js';
export type { EngineBudget, EngineOptions, EngineOwnerView, EngineStatus, ExchangeReachability, FlattenOutcome } from '../../../src/domain/engine-status.js';
export type { FillRecord, OrderRecord, StoredOrderStatus as OrderStatus } from '../../../src/domain/orders.js';
export type { PnlSummary, PositionSnapshot } from '../../../src/domain/positions.js';
/** Statuses in which an order may still be live on the exchange. */
export { LIVE_STATUSES as LIVE_ORDER_STATUSES } from '../../../src/domain/orders.js';

/** Documentation of one strategy parameter, derived on the server from the strategy's zod schema. */
export interface ParamDoc {
  name: string;
  /** JSON-schema type: integer, number, string (decimals are strings), boolean. */
  type: string;
  description: string;
  /** Absent (undefined) when the parameter is optional without a default. */
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** Allowed values, when the parameter is an enum (not produced by the current built-ins). */
  enum?: readonly (string | number)[];
}

export interface StrategyInfo {
  id: string;
  name: string;
  description: string;
  params: ParamDoc[];
}

export interface StartEngineBody {
  connectionId: string;
  /** An existing bot to start again; absent: a new bot. */
  engineId?: string;
  budget?: EngineBudget | null;
  strategy: string;
  params: Record<string, unknown>;
  symbol: string;
  timeframe: string;
  risk: Record<string, unknown>;
  options?: Partial<EngineOptions>;
}

// ---- backtests ---------------------------------------------------------------------------------------

export type BacktestStatus = 'queued' | 'running' | 'completed' | 'failed';

export type DataSource =
  | { source: 'bundled'; file: string }
  | { source: 'bundled'; files: string[] }
  | { source: 'csv'; csv: string; name?: string }
  | { source: 'exchange'; connectionId: string };

export interface BacktestRequestBody {
  strategy: string;
  params: Record<string, unknown>;
  symbol?: string;
  timeframe?: string;
  from?: string;
  to?: string;
  startingBalance?: DecimalString;
  feeRate?: DecimalString;
  slippageBps?: DecimalString;
  risk?: Record<string, unknown>;
  data: DataSource;
  /** Multi-pair runs: pairs that may hold a position at once. */
  maxOpenTrades?: number;
}

export interface BacktestCatalog {
  strategies: StrategyInfo[];
  bundledFiles: string[];
}

export interface BacktestSummary {
  netProfit: DecimalString;
  netProfitPct: DecimalString;
  maxDrawdownPct: DecimalString;
  tradeCount: number;
  winRate: number | null;
  sharpe: number | null;
}

export interface BacktestListItem {
  id: string;
  kind: 'backtest' | 'sweep';
  status: BacktestStatus;
  strategy: string;
  symbol: string | null;
  timeframe: string | null;
  request: Record<string, unknown>;
  summary: BacktestSummary | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BacktestProgress {
  done: number;
  total: number;
  fraction: number;
}

export interface BacktestView extends BacktestListItem {
  progress: BacktestProgress | null;
  /** BacktestReport for a backtest, SweepResult for a sweep; null until completed. */
  result: unknown;
}

export interface BacktestResult {
  startingBalance: DecimalString;
  endingEquity: DecimalString;
  netProfit: DecimalString;
  netProfitPct: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  feesPaid: DecimalString;
  maxDrawdown: { amount: DecimalString; pct: DecimalString; peakTime: string | null; troughTime: string | null };
  tradeCount: number;
  closedTrades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  profitFactor: number | null;
  sharpe: number | null;
  sortino: number | null;
  annualisation?: { periodsPerYear: number; note: string };
  exposure: number;
}

export interface ReportTrade {
  id: number;
  side: 'long' | 'short';
  status: 'closed' | 'open';
  entryTime: string;
  entryPrice: DecimalString;
  exitTime: string | null;
  exitPrice: DecimalString | null;
  size: DecimalString;
  pnl: DecimalString;
  fee: DecimalString;
  entryReason: string | null;
  exitReason: string | null;
  /** Multi-pair runs: the trade's pair. */
  symbol?: string;
}

/** One pair of a multi-pair backtest. */
export interface PairReport {
  symbol: string;
  candles: number;
  gaps?: number;
  netPnl: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  feesPaid: DecimalString;
  tradeCount: number;
  closedTrades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  exposure: number;
  refusedOrders: number;
  strategyErrors: number;
  buyAndHold: { netProfit: DecimalString; netProfitPct: DecimalString };
}

export interface BacktestReport {
  strategy: { id: string; params: Record<string, unknown> };
  symbol: string;
  timeframe: string;
  period: { from: string; to: string; candles: number; warmupCandles: number; gaps?: number; source?: string };
  settings: { startingBalance: DecimalString; feeRate: DecimalString; slippageBps: DecimalString; risk: Record<string, unknown>; maxOpenTrades?: number; peakOpenTrades?: number };
  result: BacktestResult;
  /** Multi-pair: the balance split equally over the pairs (no single entry or exit price). */
  buyAndHold: { entryPrice?: DecimalString; exitPrice?: DecimalString; quantity?: DecimalString; netProfit: DecimalString; netProfitPct: DecimalString };
  equityCurve: { method: string; totalPoints: number; points: { time: string; equity: DecimalString }[] };
  trades: ReportTrade[];
  events?: { rejections: EventList; strategyErrors: EventList; killSwitch: { time: string; message: string } | null };
  /** Multi-pair runs only. */
  kind?: 'multi-pair';
  symbols?: string[];
  pairs?: PairReport[];
}

interface EventList {
  count: number;
  samples: { time: string; message: string }[];
}

export interface SweepRow {
  rank: number;
  params: Record<string, unknown>;
  metrics: {
    netProfit: DecimalString;
    netProfitPct: DecimalString;
    maxDrawdownPct: DecimalString;
    tradeCount: number;
    winRate: number | null;
    profitFactor: number | null;
    sharpe: number | null;
  };
}

export interface SweepResult {
  strategy: string;
  rankBy: string;
  combinations: number;
  results: SweepRow[];
  invalid: { params: Record<string, unknown>; error: string }[];
  failed: { params: Record<string, unknown>; error: string }[];
}
