import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The engine table either side of this migration: keyed by engine id with a budget (up), or keyed by
 * connection id as 0007 left it (down). One builder, so `down` restores exactly the columns `up` replaced.
 */
async function createEnginesTable(db: Kysely<unknown>, name: string, key: 'engine' | 'connection'): Promise<void> {
  let table = db.schema.createTable(name);
  table = key === 'engine'
    ? table.addColumn('id', 'varchar(40)', (c) => c.primaryKey()).addColumn('connection_id', 'varchar(40)', (c) => c.notNull())
    : table.addColumn('connection_id', 'varchar(40)', (c) => c.primaryKey());
  table = table
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
    .addColumn('marks', 'text');
  if (key === 'engine') table = table.addColumn('budget', 'text');
  await table.execute();
}

/**
 * Engines get their own id, so a connection can run several ("bots"). The engine table is rebuilt
 * with `id` as its key (neither SQLite nor Postgres changes a primary key in place), and every old
 * engine's id is its connection id: old links (`/api/trade-engine/status/<connection id>`) and the
 * event log (whose `engine_id` always held that id) keep pointing at the same engine. Orders and fills
 * gain `engine_id` (set to the connection id for every old row: one engine per connection owned them
 * all); leases are keyed by engine id. `budget` is null on old rows: the whole account, as before.
 */
export const engineIdentityMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await createEnginesTable(db, 'engines_0008', 'engine');
    await sql`insert into engines_0008 (id, connection_id, state, strategy, params, symbol, timeframe, risk, options, started_at, stopped_at, last_heartbeat_at, last_error, resume, created_at, updated_at, marks, budget)
      select connection_id, connection_id, state, strategy, params, symbol, timeframe, risk, options, started_at, stopped_at, last_heartbeat_at, last_error, resume, created_at, updated_at, marks, null from engines`.execute(db);
    await db.schema.dropTable('engines').execute();
    await db.schema.alterTable('engines_0008').renameTo('engines').execute();
    await db.schema.createIndex('engines_connection_idx').on('engines').column('connection_id').execute();

    for (const table of ['orders', 'fills'] as const) {
      await db.schema.alterTable(table).addColumn('engine_id', 'varchar(40)', (c) => c.notNull().defaultTo('')).execute();
      await sql`update ${sql.table(table)} set engine_id = connection_id`.execute(db);
    }
    await db.schema.createIndex('orders_engine_status_idx').on('orders').columns(['engine_id', 'status']).execute();
    await db.schema.createIndex('fills_engine_time_idx').on('fills').columns(['engine_id', 'time']).execute();

    await db.schema.alterTable('engine_leases').renameColumn('connection_id', 'engine_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('engine_leases').renameColumn('engine_id', 'connection_id').execute();
    await db.schema.dropIndex('fills_engine_time_idx').execute();
    await db.schema.dropIndex('orders_engine_status_idx').execute();
    for (const table of ['orders', 'fills'] as const) await db.schema.alterTable(table).dropColumn('engine_id').execute();
    await db.schema.dropIndex('engines_connection_idx').execute();
    // Only the engine whose id is its connection's (a migrated one) fits the old one-per-connection table.
    await sql`delete from engines where id <> connection_id`.execute(db);
    await db.schema.alterTable('engines').renameTo('engines_0008').execute();
    await createEnginesTable(db, 'engines', 'connection');
    await sql`insert into engines select connection_id, state, strategy, params, symbol, timeframe, risk, options, started_at, stopped_at, last_heartbeat_at, last_error, resume, created_at, updated_at, marks from engines_0008`.execute(db);
    await db.schema.dropTable('engines_0008').execute();
  },
};
