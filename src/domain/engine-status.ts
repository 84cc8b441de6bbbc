import type { DecimalString } from './money.js';
import type { EngineAction, EngineState } from './engine-state.js';
import type { OrderRecord } from './orders.js';
import type { PairListConfig } from './pair-list-config.js';
import type { PnlSummary, PositionSnapshot } from './positions.js';

/** The engine status shape the API answers; built by src/engine/runtime/engine-status.ts. */

export interface EngineOptions {
  /** Cancel open orders when a user stops the engine. Default true. */
  cancelOrdersOnStop: boolean;
  /** Cancel open orders when the process shuts down (SIGTERM). Default false: they are reconciled on restart. */
  cancelOrdersOnShutdown: boolean;
  /** Start the engine again when the process starts, if it was running. Default true. */
  resumeOnRestart: boolean;
  /** Consecutive unexpected (non-exchange) errors before the engine goes to `error`. Default 5. */
  maxConsecutiveFailures: number;
  /**
   * How long (ms) an exchange outage may last before the engine goes to `error`; null = as long as it
   * lasts (the default). Optional: records stored before the option existed do not have it.
   */
  maxOutageMs?: number | null;
  /** Replay only: candles played per second. Default 50. */
  replaySpeed: number;
}

/** The status field "exchange unreachable since …": reachable, or since when (ISO), how often it failed, and why. */
export interface ExchangeReachability {
  reachable: boolean;
  since: string | null;
  lastError: string | null;
  attempts: number;
}

export type FlattenState = 'flat' | 'incomplete' | 'not_requested';

export interface FlattenOutcome {
  state: FlattenState;
  /** Signed base quantity left after the flatten (`0` when none was requested). */
  remaining: DecimalString;
  reason: string | null;
  at: string | null;
}

/** What `GET status/:id` answers: lifecycle, configuration, health, positions, open orders and PnL (decimal strings). */
/**
 * How much of the account a bot may spend: a fixed quote amount, or a share (in %) of the account's
 * quote balance when it starts. Absent: the whole account (then no other bot may run beside it).
 */
export type EngineBudget = { quote: DecimalString } | { sharePct: number };

/** Who runs an engine in a cluster: the holder of its live lease (`owner` in the status). */
export interface EngineOwnerView {
  instanceId: string;
  host: string | null;
  pid: number | null;
  url: string | null;
  /** Whether it is the process that answered this request. */
  self: boolean;
  leaseExpiresAt: string;
}

/** A derivatives pair's position as the exchange reports it beside the bot's books, signed base quantities. */
export interface PositionGap {
  symbol: string;
  ours: DecimalString;
  exchange: DecimalString;
}

/** One pair of a multi-pair bot; its position, PnL and orders are in the status's `positions` and `openOrders` (by symbol). */
export interface EnginePairView {
  symbol: string;
  /** `tradable`: on the list, may open trades. `managed`: left the list while held, exits only until flat. */
  role: 'tradable' | 'managed';
  /** Holds a position or an order that adds to one: counts against `maxOpenTrades`. */
  holdsSlot: boolean;
  candlesProcessed: number;
  lastPrice: DecimalString | null;
  /** Close time (ISO) of the last candle the bot processed for this pair. */
  lastCandleAt: string | null;
}

/** A multi-pair bot's list: what it was configured with, and what it trades right now. */
export interface EnginePairsStatus {
  pairList: PairListConfig;
  maxOpenTrades: number;
  /** Pairs holding a slot now (never above maxOpenTrades through the bot's own entries). */
  openTrades: number;
  /** When the list was last built (ISO); null before the first build (not running here). */
  builtAt: string | null;
  /** In list order: tradable pairs first (config order, or best quote volume first), then managed ones. */
  pairs: EnginePairView[];
  /** Markets left out at the last build, with the first reason found (at most 100). */
  rejected: { symbol: string; reason: string }[];
}

/** Where a bot's candles come from: the exchange's websocket, or REST while it is down (docs/streaming.md). */
export interface FeedStatus {
  mode: 'stream' | 'poll';
  /** Times the stream was dropped (failed or silent) and subscribed again. */
  reconnects: number;
  /** How late the last candle came after its close (ms), or null before one. */
  lastLagMs: number | null;
  /** Why the stream was last dropped, or null. */
  lastStreamError: string | null;
}

/** The account's order and trade stream of a running live bot (docs/streaming.md). */
export interface AccountFeedStatus {
  /** `poll`: the stream is down, orders and fills come from REST's syncs only. */
  mode: 'stream' | 'poll';
  reconnects: number;
  /** When the last update arrived (engine clock, ms), or null before one. */
  lastUpdateAt: number | null;
  lastStreamError: string | null;
}

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
  /** The one pair of a single-pair bot; null for a bot trading a pair list (see `pairs`). */
  symbol: string | null;
  /** A bot trading a pair list; null for a single-pair bot. */
  pairs: EnginePairsStatus | null;
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
  /** The running bot's candle feed when it streams; null when it polls REST only (pair lists, replay, stopped). */
  feed: FeedStatus | null;
  /** The running bot's order and trade stream; null where orders are read over REST only (paper, replay, unverified exchanges, stopped). */
  accountFeed: AccountFeedStatus | null;
  candlesProcessed: number;
  lastPrice: string | null;
  /** Every open position of the connection, each valued at its last known mark (with its time; null when none is known). */
  positions: PositionSnapshot[];
  /**
   * Derivatives pairs whose position on the exchange differs from the bot's books and that no
   * liquidation explains (a close by hand, another bot): no order of the pair goes out until they
   * agree (docs/derivatives.md). Absent when there is none.
   */
  positionGaps?: PositionGap[];
  openOrders: OrderRecord[];
  /** Over every position of the connection; `unpricedSymbols` names those whose unrealized PnL is unknown. */
  pnl: PnlSummary;
  /** The last emergency flatten in this process: `incomplete` means a position is left open (see `remaining`). */
  flatten: FlattenOutcome;
  /**
   * Several processes: who runs the engine (null: no process holds its lease). Absent on a single
   * process, where there is nothing to choose.
   */
  owner?: EngineOwnerView | null;
}
