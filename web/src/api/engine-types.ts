/**
 * Shapes of the trade engine and backtest APIs, mirrored from the server (the route files' zod schemas
 * and the types they return: src/engine/runtime/engine-status.ts, runtime/ports.ts, engine-state.ts,
 * strategy.ts, backtest/report.ts, backtest/sweep.ts, backtest/backtest-record.ts). Declared here where
 * those modules pull in Node-only code; imported where the server module has type-only imports
 * (orders, fills). Money is always a decimal string.
 */

export type DecimalString = string;

export const ENGINE_STATES = ['stopped', 'starting', 'running', 'paused', 'stopping', 'error'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];
export type EngineAction = 'start' | 'started' | 'pause' | 'resume' | 'stop' | 'stopped' | 'fail' | 'recover';

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

export interface EngineOptions {
  cancelOrdersOnStop: boolean;
  cancelOrdersOnShutdown: boolean;
  resumeOnRestart: boolean;
  maxConsecutiveFailures: number;
  /** null: an exchange outage never ends the engine. */
  maxOutageMs?: number | null;
  replaySpeed: number;
}

/** Whether the engine's exchange answers; while it does not, since when (ISO) and why. */
export interface ExchangeReachability {
  reachable: boolean;
  since: string | null;
  lastError: string | null;
  attempts: number;
}

/** A bot's budget: a quote amount, or a share (%) of the account's quote balance at start; null: the whole account. */
export type EngineBudget = { quote: DecimalString } | { sharePct: number };

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

export interface PositionSnapshot {
  symbol: string;
  side: 'long' | 'short' | 'flat';
  quantity: DecimalString;
  averageEntryPrice: DecimalString | null;
  cost: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  fees: DecimalString;
  baseFees: DecimalString;
  netPnl: DecimalString;
  markPrice: DecimalString | null;
  /** Too small to trade on its market (what fees taken in base leave): reported, but flat to the strategy. */
  dust?: boolean;
  /** Close time (ISO) of the candle the mark comes from. */
  markTime?: string | null;
}

export interface PnlSummary {
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  fees: DecimalString;
  netPnl: DecimalString;
  /** Symbols with an open position but no known mark: their unrealized PnL is unknown, not 0. */
  unpricedSymbols?: string[];
}

export const ORDER_STATUSES = ['pending_create', 'open', 'closed', 'canceled', 'rejected', 'expired', 'unknown', 'lost'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Statuses in which an order may still be live on the exchange. */
export const LIVE_ORDER_STATUSES: readonly OrderStatus[] = ['pending_create', 'open', 'unknown'];

// Orders and fills are the server's own types: src/engine/runtime/ports.ts imports types only.
import type { FillRecord, OrderRecord } from '../../../src/engine/runtime/ports.js';
export type { FillRecord, OrderRecord };

export interface EngineStatus {
  /** The bot's own id (several bots may share a connection). */
  id: string;
  connectionId: string;
  budget: EngineBudget | null;
  /** The budget in quote as resolved when the bot started here; null: the whole account, or not running here. */
  budgetQuote: DecimalString | null;
  state: EngineState;
  allowedActions: EngineAction[];
  strategy: string | null;
  params: Record<string, unknown> | null;
  symbol: string | null;
  timeframe: string | null;
  risk: Record<string, unknown> | null;
  options: EngineOptions | null;
  startedAt: string | null;
  stoppedAt: string | null;
  uptimeMs: number | null;
  lastHeartbeatAt: string | null;
  lastError: string | null;
  resumeOnRestart: boolean;
  consecutiveFailures: number;
  /** null when no engine runs in the answering process. */
  exchange?: ExchangeReachability | null;
  candlesProcessed: number;
  lastPrice: DecimalString | null;
  positions: PositionSnapshot[];
  openOrders: OrderRecord[];
  pnl: PnlSummary;
  /** The last emergency flatten: `incomplete` means a position was left open (`remaining`, in base). */
  flatten: FlattenStatus;
}

export interface FlattenStatus {
  state: 'flat' | 'incomplete' | 'not_requested';
  remaining: DecimalString;
  reason: string | null;
  at: string | null;
}

/** One message of `GET /api/trade-engine/events` (the SSE `data:`); `seq` is the SSE id, absent on heartbeats. */
export interface EngineEvent {
  engineId: string;
  type: string;
  payload: Record<string, unknown>;
  time: string;
  seq?: number;
}

// ---- backtests ---------------------------------------------------------------------------------------

export type BacktestStatus = 'queued' | 'running' | 'completed' | 'failed';

export type DataSource =
  | { source: 'bundled'; file: string }
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
}

export interface BacktestReport {
  strategy: { id: string; params: Record<string, unknown> };
  symbol: string;
  timeframe: string;
  period: { from: string; to: string; candles: number; warmupCandles: number; gaps?: number; source?: string };
  settings: { startingBalance: DecimalString; feeRate: DecimalString; slippageBps: DecimalString; risk: Record<string, unknown> };
  result: BacktestResult;
  buyAndHold: { entryPrice: DecimalString; exitPrice: DecimalString; quantity: DecimalString; netProfit: DecimalString; netProfitPct: DecimalString };
  equityCurve: { method: string; totalPoints: number; points: { time: string; equity: DecimalString }[] };
  trades: ReportTrade[];
  events?: { rejections: EventList; strategyErrors: EventList; killSwitch: { time: string; message: string } | null };
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
