import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';
import { MIGRATION_LOCK_CLASS } from '../../src/store/migration-lock.js';
import { LATEST_MIGRATION } from '../../src/store/migrations/index.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-system.js';

/** Several processes starting at once on an empty database: the migrations run once, the others wait. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function freshSchema(): Promise<string> {
  const created = await createTestSchema();
  cleanups.push(() => created.drop());
  return created.schema;
}

function open(schema: string): Promise<Store> {
  return openStore({ dataDir: makeTempDir('cts-migrate-'), databaseUrl: POSTGRES_URL, pgSchema: schema }).then((store) => {
    cleanups.push(() => store.close());
    return store;
  });
}

async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('migrations under the advisory lock (Postgres)', () => {
  it('six stores opened at once on an empty schema all start, and each migration is applied once', async () => {
    const schema = await freshSchema();
    const stores = await Promise.all(Array.from({ length: 6 }, () => open(schema)));
    expect(stores).toHaveLength(6);
    const log = await query<{ name: string }>(`select name from ${schema}.kysely_migration order by name`);
    expect(log.map((r) => r.name).at(-1)).toBe(LATEST_MIGRATION);
    expect(new Set(log.map((r) => r.name)).size).toBe(log.length);
    // Every store sees the migrated tables.
    for (const store of stores) expect(await store.db.selectFrom('engine_leases').select('engine_id').execute()).toEqual([]);
  }, 60_000);

  it('a start waits while another process holds the migration lock of its schema, and continues once it is released', async () => {
    const schema = await freshSchema();
    const holder = new pg.Client({ connectionString: POSTGRES_URL });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query(`select pg_advisory_lock($1, hashtext($2::text || ':' || current_database()))`, [MIGRATION_LOCK_CLASS, schema]);
    let opened = false;
    const opening = open(schema).then((store) => {
      opened = true;
      return store;
    });
    // The opener is seen waiting on exactly this lock (not merely slow).
    await waitFor(async () => {
      const rows = await query<{ n: string }>(`select count(*) as n from pg_locks where locktype = 'advisory' and classid = $1 and not granted`, [MIGRATION_LOCK_CLASS]);
      return Number(rows[0]?.n) > 0;
    });
    expect(opened).toBe(false);
    const tables = await query<{ n: string }>(`select count(*) as n from information_schema.tables where table_schema = $1`, [schema]);
    expect(Number(tables[0]?.n)).toBe(0);
    await holder.query(`select pg_advisory_unlock($1, hashtext($2::text || ':' || current_database()))`, [MIGRATION_LOCK_CLASS, schema]);
    await opening;
    expect(opened).toBe(true);
  }, 30_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
