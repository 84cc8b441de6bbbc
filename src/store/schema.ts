import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. The same columns on SQLite and Postgres: booleans are integers
 * 0/1, JSON is text, timestamps are ISO-8601 text, money is decimal text — so one repository code path
 * serves both backends.
 */
export interface ConnectionsTable {
  id: string;
  name: string;
  exchange: string;
  market_types: string;
  mode: string;
  enabled: number;
  status: string;
  api_key_sealed: string | null;
  api_secret_sealed: string | null;
  passphrase_sealed: string | null;
  api_key_mask: string | null;
  api_key_fingerprint: string | null;
  key_version: number | null;
  last_test_at: string | null;
  last_test_result: string | null;
  rate_limit_tier: string | null;
  created_at: string;
  updated_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** Past backtests and sweeps (request, summary and result are JSON text). */
export interface BacktestsTable {
  id: string;
  kind: string;
  status: string;
  strategy: string;
  symbol: string | null;
  timeframe: string | null;
  request: string;
  summary: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Trade engines ("bots"), several per connection (params, risk, options and budget are JSON text). */
export interface EnginesTable {
  id: string;
  connection_id: string;
  state: string;
  strategy: string;
  params: string;
  symbol: string;
  timeframe: string;
  risk: string;
  options: string;
  started_at: string | null;
  stopped_at: string | null;
  last_heartbeat_at: string | null;
  last_error: string | null;
  resume: number;
  created_at: string;
  updated_at: string;
  /** JSON: the last mark per symbol ({ price, time, rules? }); null when none was taken yet. */
  marks: string | null;
  /** JSON: the bot's budget ({ quote } or { sharePct }); null = the whole account (migration 0008). */
  budget: string | null;
  /** JSON: { config, maxOpenTrades } of a bot trading a pair list; null = the one `symbol` (migration 0009). */
  pair_list: string | null;
  /** JSON: { day, pnl } — the bot's net PnL today as it last reported it (migration 0010). */
  pnl_today: string | null;
}

/** Engine orders, stored before they are sent (prices and amounts are decimal text). */
export interface OrdersTable {
  client_order_id: string;
  engine_id: string;
  connection_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  amount: string;
  filled: string;
  average: string | null;
  status: string;
  adopted: number;
  reduce_only: number;
  /** A stop order's trigger kind and price; null for plain orders (migration 0011). */
  trigger_kind: string | null;
  trigger_price: string | null;
  time_in_force: string | null;
  expires_at: string | null;
  tag: string | null;
  reason: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Fills, unique per connection and trade id (a trade belongs to one order, so to one engine). */
export interface FillsTable {
  connection_id: string;
  engine_id: string;
  trade_id: string;
  client_order_id: string | null;
  exchange_order_id: string;
  symbol: string;
  side: string;
  price: string;
  amount: string;
  fee: string;
  fee_asset: string | null;
  time: string;
}

/** Funding payments of perpetual positions (migration 0013); `time` ISO-8601, `amount` signed for the account. */
export interface FundingPaymentsTable {
  connection_id: string;
  payment_id: string;
  engine_id: string;
  symbol: string;
  amount: string;
  rate: string | null;
  time: string;
}

/** Engine events for SSE catch-up; `seq` is generated (serial / autoincrement). */
export interface EngineEventsTable {
  seq: Generated<number>;
  engine_id: string;
  type: string;
  payload: string;
  time: string;
}

/** Which process owns which engine (multi-process installations); times in ms since the epoch. */
export interface EngineLeasesTable {
  engine_id: string;
  owner_id: string;
  /** Fencing token: grows each time the lease changes hands. bigint: pg returns it as a string. */
  token: number | string;
  expires_at: number | string;
  acquired_at: string;
}

/** Live CTS processes of the installation, each heartbeating its row. */
export interface ClusterMembersTable {
  instance_id: string;
  pid: number;
  host: string;
  url: string | null;
  started_at: string;
  last_seen_ms: number | string;
}

/** Rate-limit pauses in force, kept across restarts (migration 0006); `until_ms` in ms since the epoch. */
export interface RateLimitPausesTable {
  scope: string;
  until_ms: number | string;
  reason: string;
  /** The HTTP status that started it (429, 418, …), when one did. */
  status_code: number | null;
  recorded_at: string;
}

export interface Database {
  connections: ConnectionsTable;
  cts_meta: MetaTable;
  backtests: BacktestsTable;
  engines: EnginesTable;
  orders: OrdersTable;
  fills: FillsTable;
  funding_payments: FundingPaymentsTable;
  engine_events: EngineEventsTable;
  engine_leases: EngineLeasesTable;
  cluster_members: ClusterMembersTable;
  rate_limit_pauses: RateLimitPausesTable;
}
