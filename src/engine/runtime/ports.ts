import type { FillRecord, OrderRecord, StoredOrderStatus } from '../../domain/orders.js';
import type { EngineState } from '../../domain/engine-state.js';
import type { MarkBook } from '../accounting/marks.js';
import type { EngineOptions } from '../../domain/engine-status.js';
import type { EngineEvent, NewEngineEvent } from '../../domain/engine-events.js';

/**
 * Storage ports of the engine runtime. The runtime never sees SQL or driver types; the Kysely
 * repositories in src/store implement these (and tests may use them directly on a temp SQLite).
 * One engine per connection, so an engine is identified by its connection id.
 */

// ---- engines -----------------------------------------------------------------------------------------

export interface EngineConfig {
  connectionId: string;
  strategy: string;
  /** Validated strategy parameters (defaults applied). */
  params: Readonly<Record<string, unknown>>;
  symbol: string;
  timeframe: string;
  /** Validated risk settings (risk.ts's RiskConfig, as stored JSON). */
  risk: Readonly<Record<string, unknown>>;
  options: EngineOptions;
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
  /** Inserts or replaces the engine of `record.connectionId`. */
  save(record: EngineRecord): Promise<void>;
  find(connectionId: string): Promise<EngineRecord | undefined>;
  all(): Promise<EngineRecord[]>;
}

// ---- orders and fills -----------------------------------------------------------------------------------

export interface OrderStore {
  insertOrder(order: OrderRecord): Promise<void>;
  updateOrder(order: OrderRecord): Promise<void>;
  findOrder(clientOrderId: string): Promise<OrderRecord | undefined>;
  findByExchangeId(connectionId: string, exchangeOrderId: string): Promise<OrderRecord | undefined>;
  /** Orders of a connection in `statuses` (all when absent), oldest first. */
  listOrders(connectionId: string, options?: { statuses?: readonly StoredOrderStatus[]; limit?: number }): Promise<OrderRecord[]>;
  /** Stores a fill once: false when its trade id was already stored for this connection. */
  insertFill(fill: FillRecord): Promise<boolean>;
  /** Fills of a connection in time order (newest last). */
  listFills(connectionId: string, options?: { limit?: number }): Promise<FillRecord[]>;
}

// ---- events ---------------------------------------------------------------------------------------------

export interface EventLog {
  /** Stores an event and returns it with its sequence number. */
  append(event: NewEngineEvent): Promise<EngineEvent & { seq: number }>;
  /** Events with seq > `after`, oldest first, at most `limit`. */
  since(after: number, options: { limit: number; engineId?: string }): Promise<(EngineEvent & { seq: number })[]>;
}
