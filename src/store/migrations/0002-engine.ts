import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * Trade engines, their orders and fills, and the engine event log. Decimals are text (exact), times
 * ISO-8601 text, booleans 0/1, so one repository serves SQLite and Postgres. The event sequence is the
 * only dialect difference: `serial` on Postgres, an autoincrement integer key on SQLite.
 */
export const engineMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('engines')
      .addColumn('connection_id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('state', 'varchar(10)', (c) => c.notNull())
      .addColumn('strategy', 'varchar(60)', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('symbol', 'varchar(60)', (c) => c.notNull())
      .addColumn('timeframe', 'varchar(10)', (c) => c.notNull())
      .addColumn('risk', 'text', (c) => c.notNull())
      .addColumn('options', 'text', (c) => c.notNull())
      .addColumn('started_at', 'varchar(30)')
      .addColumn('stopped_at', 'varchar(30)')
      .addColumn('last_heartbeat_at', 'varchar(30)')
      .addColumn('last_error', 'text')
      .addColumn('resume', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(30)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('orders')
      .addColumn('client_order_id', 'varchar(80)', (c) => c.primaryKey())
      .addColumn('connection_id', 'varchar(40)', (c) => c.notNull())
      .addColumn('exchange_order_id', 'varchar(100)')
      .addColumn('symbol', 'varchar(60)', (c) => c.notNull())
      .addColumn('side', 'varchar(4)', (c) => c.notNull())
      .addColumn('type', 'varchar(10)', (c) => c.notNull())
      .addColumn('price', 'text')
      .addColumn('amount', 'text', (c) => c.notNull())
      .addColumn('filled', 'text', (c) => c.notNull())
      .addColumn('average', 'text')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('adopted', 'integer', (c) => c.notNull())
      .addColumn('reduce_only', 'integer', (c) => c.notNull())
      .addColumn('tag', 'varchar(100)')
      .addColumn('reason', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(30)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orders_connection_status_idx').on('orders').columns(['connection_id', 'status']).execute();
    await db.schema.createIndex('orders_exchange_id_idx').on('orders').columns(['connection_id', 'exchange_order_id']).execute();

    await db.schema
      .createTable('fills')
      .addColumn('connection_id', 'varchar(40)', (c) => c.notNull())
      .addColumn('trade_id', 'varchar(100)', (c) => c.notNull())
      .addColumn('client_order_id', 'varchar(80)')
      .addColumn('exchange_order_id', 'varchar(100)', (c) => c.notNull())
      .addColumn('symbol', 'varchar(60)', (c) => c.notNull())
      .addColumn('side', 'varchar(4)', (c) => c.notNull())
      .addColumn('price', 'text', (c) => c.notNull())
      .addColumn('amount', 'text', (c) => c.notNull())
      .addColumn('fee', 'text', (c) => c.notNull())
      .addColumn('fee_asset', 'varchar(20)')
      .addColumn('time', 'varchar(30)', (c) => c.notNull())
      .addPrimaryKeyConstraint('fills_pk', ['connection_id', 'trade_id'])
      .execute();
    await db.schema.createIndex('fills_connection_time_idx').on('fills').columns(['connection_id', 'time']).execute();

    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('engine_events')
      .addColumn('seq', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('engine_id', 'varchar(40)', (c) => c.notNull())
      .addColumn('type', 'varchar(40)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('time', 'varchar(30)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('engine_events_engine_idx').on('engine_events').columns(['engine_id', 'seq']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('engine_events').execute();
    await db.schema.dropTable('fills').execute();
    await db.schema.dropTable('orders').execute();
    await db.schema.dropTable('engines').execute();
  },
};
