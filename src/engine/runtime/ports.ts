import type { DecimalString } from '../../domain/money.js';
import type { Fill, OrderSide, OrderType } from '../../exchanges/exchange.port.js';
import type { EngineState } from '../engine-state.js';
import type { MarkBook } from '../accounting/marks.js';

/**
 * Storage ports of the engine runtime. The runtime never sees SQL or driver types; the Kysely
 * repositories in src/store implement these (and tests may use them directly on a temp SQLite).
 * An engine ("bot") has its own id; a connection may run several, each with its own orders, fills,
 * events and budget. Rows keep the connection id too: exchange order ids are unique per account.
 */

// ---- engines -----------------------------------------------------------------------------------------

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

/**
 * How much of the account a bot may spend: a fixed quote amount, or a share (in %) of the account's
 * quote balance when it starts. Absent: the whole account (then no other bot may run beside it).
 */
export type EngineBudget = { quote: DecimalString } | { sharePct: number };

export interface EngineConfig {
  /** The engine's own id (a ULID; for engines migrated from one-per-connection, their connection's id). */
  id: string;
  connectionId: string;
  strategy: string;
  /** Validated strategy parameters (defaults applied). */
  params: Readonly<Record<string, unknown>>;
  symbol: string;
  timeframe: string;
  /** Validated risk settings (E's RiskConfig, as stored JSON). */
  risk: Readonly<Record<string, unknown>>;
  options: EngineOptions;
  /** Absent or null: the whole account. */
  budget?: EngineBudget | null;
}

export interface EngineRecord extends EngineConfig {
  state: EngineState;
  startedAt: string | null;
  stoppedAt: string | null;
  lastHeartbeatAt: string | null;
  lastError: string | null;
  /** Start this engine when the process starts (it was running when the process went away). */
  resume: boolean;
  createdAt: string;
  updatedAt: string;
  /** The last known mark per symbol (kept after a stop and across restarts); absent before the first. */
  marks?: MarkBook;
}

export interface EngineStore {
  /** Inserts or replaces the engine `record.id`. */
  save(record: EngineRecord): Promise<void>;
  find(engineId: string): Promise<EngineRecord | undefined>;
  all(): Promise<EngineRecord[]>;
  /** The engines of one connection, oldest first. */
  byConnection(connectionId: string): Promise<EngineRecord[]>;
}

// ---- orders and fills -----------------------------------------------------------------------------------

/**
 * `pending_create`: stored, the request may or may not have reached the exchange.
 * `unknown`: the create (or a later lookup) failed in a way that leaves the exchange's state unknown.
 * `lost`: the exchange no longer knows an order it had accepted (lost-order policy, see docs/engine.md).
 */
export const ORDER_STATUSES = ['pending_create', 'open', 'closed', 'canceled', 'rejected', 'expired', 'unknown', 'lost'] as const;
export type StoredOrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which the order may still be (or become) live on the exchange. */
export const LIVE_STATUSES: readonly StoredOrderStatus[] = ['pending_create', 'open', 'unknown'];

export interface OrderRecord {
  clientOrderId: string;
  /** The engine that placed (or adopted) the order: only it may cancel, resolve or adopt it. */
  engineId: string;
  connectionId: string;
  exchangeOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  price: DecimalString | null;
  amount: DecimalString;
  filled: DecimalString;
  average: DecimalString | null;
  status: StoredOrderStatus;
  /** Found open on the exchange without a local record (placed elsewhere, or lost between send and store). */
  adopted: boolean;
  reduceOnly: boolean;
  tag: string | null;
  reason: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FillRecord extends Fill {
  engineId: string;
  connectionId: string;
}

export interface OrderStore {
  insertOrder(order: OrderRecord): Promise<void>;
  updateOrder(order: OrderRecord): Promise<void>;
  findOrder(clientOrderId: string): Promise<OrderRecord | undefined>;
  /** Exchange order ids are unique per account, so this looks across every engine of the connection. */
  findByExchangeId(connectionId: string, exchangeOrderId: string): Promise<OrderRecord | undefined>;
  /** Orders of an engine in `statuses` (all when absent), oldest first. */
  listOrders(engineId: string, options?: { statuses?: readonly StoredOrderStatus[]; limit?: number }): Promise<OrderRecord[]>;
  /** Stores a fill once: false when its trade id was already stored for this connection. */
  insertFill(fill: FillRecord): Promise<boolean>;
  /** Fills of an engine in time order (newest last). */
  listFills(engineId: string, options?: { limit?: number }): Promise<FillRecord[]>;
}

// ---- events ---------------------------------------------------------------------------------------------

export interface NewEngineEvent {
  engineId: string;
  type: string;
  payload: Readonly<Record<string, unknown>>;
  time: string;
}

export interface EngineEvent extends NewEngineEvent {
  /** Strictly increasing across the installation; the SSE `id`. Absent on transient events (heartbeats). */
  seq?: number;
}

export interface EventLog {
  /** Stores an event and returns it with its sequence number. */
  append(event: NewEngineEvent): Promise<EngineEvent & { seq: number }>;
  /** Events with seq > `after`, oldest first, at most `limit`. */
  since(after: number, options: { limit: number; engineId?: string }): Promise<(EngineEvent & { seq: number })[]>;
}
