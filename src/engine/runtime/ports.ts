import type { FillRecord, OrderRecord, StoredOrderStatus } from '../../domain/orders.js';
import type { FundingRecord } from '../../domain/funding.js';
import type { DecimalString } from '../../domain/money.js';
import type { EngineState } from '../../domain/engine-state.js';
import type { MarkBook } from '../accounting/marks.js';
import type { EngineBudget, EngineOptions } from '../../domain/engine-status.js';
import type { EngineEvent, NewEngineEvent } from '../../domain/engine-events.js';
import type { PairListConfig } from '../../domain/pair-list-config.js';

/**
 * Storage ports of the engine runtime. The runtime never sees SQL or driver types; the Kysely
 * repositories in src/store implement these (and tests may use them directly on a temp SQLite).
 * An engine ("bot") has its own id; a connection may run several, each with its own orders, fills,
 * events and budget. Rows keep the connection id too: exchange order ids are unique per account.
 */

// ---- engines -----------------------------------------------------------------------------------------

export interface EngineConfig {
  /** The engine's own id (a ULID; for engines migrated from one-per-connection, their connection's id). */
  id: string;
  connectionId: string;
  strategy: string;
  /** Validated strategy parameters (defaults applied). */
  params: Readonly<Record<string, unknown>>;
  /** The one pair; for a bot with a pair list, the label its rows are listed under (the list's first pair, or "ANY/" + the quote for a dynamic list). */
  symbol: string;
  /** Several pairs (validated config); absent or null: the one `symbol`. */
  pairList?: PairListConfig | null;
  /** With a pair list: pairs that may hold a position at once. */
  maxOpenTrades?: number | null;
  timeframe: string;
  /** Validated risk settings (risk.ts's RiskConfig, as stored JSON). */
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
  /**
   * The bot's net PnL since 00:00 UTC of `day`, as its last tick computed it: what the account-level
   * daily loss limit of bots elsewhere (another process, or before a restart) counts for this one.
   */
  pnlToday?: { day: string; pnl: DecimalString };
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
  /** Stores a perpetual's funding payment once: false when its id was already stored for this connection. */
  insertFunding(payment: FundingRecord): Promise<boolean>;
  /** Funding payments booked to an engine, in time order. */
  listFunding(engineId: string): Promise<FundingRecord[]>;
}

// ---- events ---------------------------------------------------------------------------------------------

export interface EventLog {
  /** Stores an event and returns it with its sequence number. */
  append(event: NewEngineEvent): Promise<EngineEvent & { seq: number }>;
  /** Events with seq > `after`, oldest first, at most `limit`. */
  since(after: number, options: { limit: number; engineId?: string }): Promise<(EngineEvent & { seq: number })[]>;
}
