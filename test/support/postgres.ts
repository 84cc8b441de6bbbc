import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's real Postgres (trust auth, database `test`). */
export const POSTGRES_URL = process.env.CTS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway schema so parallel test files never see each other's rows. */
export async function createTestSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `cts_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await runSql(`create schema ${schema}`);
  return { schema, drop: () => runSql(`drop schema if exists ${schema} cascade`) };
}

async function runSql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
