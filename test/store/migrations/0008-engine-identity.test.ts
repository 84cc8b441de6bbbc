import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlLeaseStore } from '../../../src/store/cluster.repository.js';
import { openStore, SQLITE_FILE, type Store } from '../../../src/store/database.js';
import { SqlEngineRepository, SqlEventLog } from '../../../src/store/engine.repository.js';
import { migrationProviderUntil } from '../../../src/store/migrations/index.js';
import { SqlOrderRepository } from '../../../src/store/order.repository.js';
import { createTestSchema, POSTGRES_URL } from '../../support/postgres.js';
import { makeTempDir } from '../../support/temp-system.js';

/**
 * Migration 0008 on rows the old schema (0007: one engine per connection, keyed by its id) wrote:
 * each old engine becomes the engine whose id is its connection id, with its orders, fills, events
 * and lease attached, and the old links keep working.
 */

const CONN_1 = '01J0000000000000000000000A';
const CONN_2 = '01J0000000000000000000000B';

async function writeOldRows(db: Kysely<unknown>): Promise<void> {
  const engine = (id: string, state: string) =>
    sql`insert into engines (connection_id, state, strategy, params, symbol, timeframe, risk, options, started_at, stopped_at, last_heartbeat_at, last_error, resume, created_at, updated_at, marks)
        values (${id}, ${state}, 'grid', '{"levels":5}', 'BTC/USDT', '1h', '{"maxOpenOrders":10,"allowShort":false}', '{"cancelOrdersOnStop":true,"cancelOrdersOnShutdown":false,"resumeOnRestart":true,"maxConsecutiveFailures":5,"replaySpeed":10}',
        '2026-01-01T00:00:00.000Z', null, null, null, 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '{"BTC/USDT":{"price":"50000","time":"2026-01-01T01:00:00.000Z"}}')`.execute(db);
  await engine(CONN_1, 'running');
  await engine(CONN_2, 'stopped');
  await sql`insert into orders (client_order_id, connection_id, exchange_order_id, symbol, side, type, price, amount, filled, average, status, adopted, reduce_only, tag, reason, error, created_at, updated_at)
      values ('ct-01J00000000000000000000001', ${CONN_1}, 'x-1', 'BTC/USDT', 'buy', 'limit', '49000.5', '0.01', '0.01', '49000.5', 'closed', 0, 0, 'level-1', 'grid', null, '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z'),
             ('ct-01J00000000000000000000002', ${CONN_1}, 'x-2', 'BTC/USDT', 'sell', 'limit', '51000', '0.01', '0', null, 'open', 0, 0, 'level-2', 'grid', null, '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:03.000Z'),
             ('ct-01J00000000000000000000003', ${CONN_2}, 'x-3', 'BTC/USDT', 'buy', 'market', null, '0.02', '0.02', '50000', 'closed', 0, 0, null, 'enter', null, '2026-01-01T00:00:04.000Z', '2026-01-01T00:00:04.000Z')`.execute(db);
  await sql`insert into fills (connection_id, trade_id, client_order_id, exchange_order_id, symbol, side, price, amount, fee, fee_asset, time)
      values (${CONN_1}, 't-1', 'ct-01J00000000000000000000001', 'x-1', 'BTC/USDT', 'buy', '49000.5', '0.01', '0.49', 'USDT', '2026-01-01T00:00:02.000Z'),
             (${CONN_2}, 't-1', 'ct-01J00000000000000000000003', 'x-3', 'BTC/USDT', 'buy', '50000', '0.02', '1', 'USDT', '2026-01-01T00:00:04.000Z')`.execute(db);
  await sql`insert into engine_events (engine_id, type, payload, time) values (${CONN_1}, 'engine.state', '{"to":"running"}', '2026-01-01T00:00:00.000Z')`.execute(db);
  await sql`insert into engine_leases (connection_id, owner_id, token, expires_at, acquired_at) values (${CONN_1}, 'proc-1', 7, 123456, '2026-01-01T00:00:00.000Z')`.execute(db);
}

async function migrateOld(db: Kysely<unknown>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProviderUntil('0007_engine_marks'), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

type Column = [name: string, type: string, notNull: boolean, primaryKey: boolean];

/** The engines table's columns as the database reports them, so both dialects compare the same way. */
async function engineColumns(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<Column[]> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string; type: string; notnull: number; pk: number }>`pragma table_info(engines)`.execute(db);
    // SQLite reports a column added by ALTER TABLE as `TEXT`, one created with the table as `text`: the same type.
    return rows.map((r) => [r.name, r.type.toLowerCase(), r.notnull === 1 || r.pk > 0, r.pk > 0]);
  }
  const { rows } = await sql<{ name: string; type: string; not_null: boolean; pk: boolean }>`
    select c.column_name as name,
           c.data_type || coalesce('(' || c.character_maximum_length || ')', '') as type,
           c.is_nullable = 'NO' as not_null,
           exists (select 1 from information_schema.key_column_usage k
                   join information_schema.table_constraints t on t.constraint_name = k.constraint_name and t.table_schema = k.table_schema
                   where t.constraint_type = 'PRIMARY KEY' and k.table_schema = c.table_schema and k.table_name = c.table_name and k.column_name = c.column_name) as pk
    from information_schema.columns c
    where c.table_schema = current_schema() and c.table_name = 'engines'
    order by c.ordinal_position`.execute(db);
  return rows.map((r) => [r.name, r.type, r.not_null, r.pk]);
}

/** Up to 0007, then 0008 up, down and up again (only as far as 0008: later migrations change the table again): `down` must give back exactly the table `up` replaced. */
async function expectRoundTrip(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres', schema?: string): Promise<void> {
  const tableSchema = schema ? { migrationTableSchema: schema } : {};
  await migrateOld(db, schema);
  const before = await engineColumns(db, dialect);
  const migrator = new Migrator({ db, provider: migrationProviderUntil('0008_engine_identity'), ...tableSchema });
  const steps = [await migrator.migrateToLatest()];
  const after = await engineColumns(db, dialect);
  steps.push(await migrator.migrateDown());
  const restored = await engineColumns(db, dialect);
  steps.push(await migrator.migrateToLatest());
  for (const { error } of steps) if (error) throw error instanceof Error ? error : new Error(String(error));

  const text = 'text';
  const varchar = (n: number) => (dialect === 'sqlite' ? `varchar(${n})` : `character varying(${n})`);
  const shared: Column[] = [
    ['state', varchar(10), true, false], ['strategy', varchar(60), true, false], ['params', text, true, false],
    ['symbol', varchar(60), true, false], ['timeframe', varchar(10), true, false], ['risk', text, true, false],
    ['options', text, true, false], ['started_at', varchar(30), false, false], ['stopped_at', varchar(30), false, false],
    ['last_heartbeat_at', varchar(30), false, false], ['last_error', text, false, false], ['resume', 'integer', true, false],
    ['created_at', varchar(30), true, false], ['updated_at', varchar(30), true, false], ['marks', text, false, false],
  ];
  expect(before).toEqual([['connection_id', varchar(40), true, true], ...shared]);
  expect(after).toEqual([['id', varchar(40), true, true], ['connection_id', varchar(40), true, false], ...shared, ['budget', text, false, false]]);
  expect(restored).toEqual(before);
  expect(await engineColumns(db, dialect)).toEqual(after);
}

async function expectMigrated(store: Store): Promise<void> {
  const engines = new SqlEngineRepository(store.db);
  const orders = new SqlOrderRepository(store.db);
  const one = await engines.find(CONN_1);
  expect(one).toMatchObject({ id: CONN_1, connectionId: CONN_1, state: 'running', strategy: 'grid', params: { levels: 5 }, resume: true });
  expect(one?.budget).toBeUndefined(); // the whole account, as before
  expect(one?.marks).toEqual({ 'BTC/USDT': { price: '50000', time: '2026-01-01T01:00:00.000Z' } });
  expect((await engines.byConnection(CONN_2)).map((e) => e.id)).toEqual([CONN_2]);
  expect((await orders.listOrders(CONN_1)).map((o) => [o.clientOrderId, o.engineId, o.status])).toEqual([
    ['ct-01J00000000000000000000001', CONN_1, 'closed'],
    ['ct-01J00000000000000000000002', CONN_1, 'open'],
  ]);
  expect((await orders.listOrders(CONN_2)).map((o) => o.engineId)).toEqual([CONN_2]);
  expect((await orders.findByExchangeId(CONN_1, 'x-2'))?.engineId).toBe(CONN_1);
  expect((await orders.listFills(CONN_1)).map((f) => [f.tradeId, f.engineId, f.price])).toEqual([['t-1', CONN_1, '49000.5']]);
  expect((await orders.listFills(CONN_2)).map((f) => [f.tradeId, f.engineId, f.amount])).toEqual([['t-1', CONN_2, '0.02']]);
  expect((await new SqlEventLog(store.db).since(0, { limit: 10, engineId: CONN_1 })).map((e) => e.type)).toEqual(['engine.state']);
  expect(await new SqlLeaseStore(store.db).find(CONN_1)).toEqual({ engineId: CONN_1, ownerId: 'proc-1', token: 7, expiresAt: 123456 });
  // A new engine beside the migrated one, on the same connection.
  await engines.save({ ...(one ?? expect.fail('migrated engine')), id: '01J0000000000000000000000Z', state: 'stopped', budget: { quote: '100' } });
  expect((await engines.byConnection(CONN_1)).map((e) => e.id)).toEqual([CONN_1, '01J0000000000000000000000Z']);
}

describe('migration 0008 (engine identity)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('moves single-engine data on SQLite', async () => {
    const dir = makeTempDir();
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path.join(dir, SQLITE_FILE)) }) });
    await migrateOld(old);
    await writeOldRows(old);
    await old.destroy();
    const store = await openStore({ dataDir: dir });
    cleanups.push(() => store.close());
    await expectMigrated(store);
  });

  it('moves single-engine data on Postgres', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 2 }) }) });
    await migrateOld(old, schema);
    await writeOldRows(old);
    await old.destroy();
    const store = await openStore({ dataDir: makeTempDir(), databaseUrl: POSTGRES_URL, pgSchema: schema });
    cleanups.push(() => store.close());
    await expectMigrated(store);
  });
  it('goes down to exactly the 0007 table and up again on SQLite', async () => {
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    cleanups.push(() => db.destroy());
    await expectRoundTrip(db, 'sqlite');
  });

  it('goes down to exactly the 0007 table and up again on Postgres', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 2 }) }) });
    cleanups.push(() => db.destroy());
    await expectRoundTrip(db, 'postgres', schema);
  });
});
