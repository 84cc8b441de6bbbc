/**
 * Shapes of the trade engine and backtest APIs. The engine's start request, status (pair lists
 * included), orders, fills, events, positions and states are the server's own types from src/domain
 * (type-only imports, plus the order status list), and so are the strategy parameters and the
 * backtest records, reports and sweep results; the rest is declared here, mirrored from the route
 * files' zod schemas.
 * Money is always a decimal string.
 */

import type { DecimalString } from '../../../src/domain/money.js';

export type { DecimalString } from '../../../src/domain/money.js';
export type { EngineAction, EngineState } from '../../../src/domain/engine-state.js';
export type { EngineEvent } from '../../../src/domain/engine-events.js';
export type {
  EngineBudget,
  EngineOptions,
  EngineOwnerView,
  EnginePairView,
  EnginePairsStatus,
  EngineStatus,
  ExchangeReachability,
  FlattenOutcome,
  PositionGap,
} from '../../../src/domain/engine-status.js';
export type { DynamicPairListConfig, PairListConfig, StaticPairListConfig } from '../../../src/domain/pair-list-config.js';
export type { EngineEventType } from '../../../src/domain/engine-events.js';
export type { FillRecord, OrderRecord, StoredOrderStatus as OrderStatus } from '../../../src/domain/orders.js';
export type { PnlSummary, PositionSnapshot } from '../../../src/domain/positions.js';
/** Statuses in which an order may still be live on the exchange. */
export { LIVE_STATUSES as LIVE_ORDER_STATUSES } from '../../../src/domain/orders.js';

export type { ParamDoc, StrategyInfo } from '../../../src/domain/strategy-catalog.js';

/**
 * A form field's documentation: a strategy parameter or risk limit as the server describes it (from
 * its zod schema), or one of the UI's own fields (backtest settings).
 */
export type { ParamDoc as FieldDoc } from '../../../src/domain/strategy-catalog.js';

/** The start request: the server's own schema's input type (defaults may be left out). */
export type { StartEngineInput as StartEngineBody } from '../../../src/domain/engine-start.js';

// ---- backtests ---------------------------------------------------------------------------------------

export type { AnyBacktestReport, BacktestReport, BacktestResult, BuyAndHold, DerivativesReport, EventList, MultiPairReport, PairReport, ReportTrade } from '../../../src/domain/backtest-report.js';
export { isMultiPairReport } from '../../../src/domain/backtest-report.js';
export type { BacktestCatalog, BacktestListItem, PerpetualFileInfo, PerpetualPairFiles, BacktestProgress, BacktestStatus, BacktestSummary, BacktestView, RankMetric, SweepMetrics, SweepResult, SweepRow } from '../../../src/domain/backtest-run.js';

/*
 * The request body is still mirrored by hand: its zod schema (src/engine/backtest/config.ts) builds on
 * the risk schema of src/engine/risk.ts, which the web may not import. test/web/api-types.test.ts fails
 * to compile when the two drift apart.
 */

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
  /** Perpetuals: the funding-rate file (data/) or none. */
  funding?: PerpetualFileChoice;
  /** Perpetuals: the mark-price file (data/) or none (the candles' own prices stand in). */
  mark?: PerpetualFileChoice;
}

/** A perpetual's funding or mark data as the form names it: a file in data/ (from the catalog's `perpetualFiles`), or none. */
export type PerpetualFileChoice = { source: 'bundled'; file: string } | { source: 'none' };
