import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Several processes started at once on an empty Postgres database must run the migrations once.
 * Kysely's migrator takes its own lock only after creating its log tables, and that lock is one
 * constant for every schema; so the whole migration runs under a session-level advisory lock keyed
 * by the schema, held on one dedicated connection while the migrator works through the pool. The
 * others wait, then find nothing left to apply. SQLite needs none: the data-dir lock makes the
 * process the only one.
 */

/** First key of the two-key advisory lock ("CTMG"); the second is the schema's hash. */
export const MIGRATION_LOCK_CLASS = 0x43544d47;

export async function withMigrationLock<T>(db: Kysely<Database>, schema: string | undefined, run: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (session) => {
    const key = sql`${sql.lit(MIGRATION_LOCK_CLASS)}, hashtext(${schema ?? ''}::text || ':' || current_database())`;
    await sql`select pg_advisory_lock(${key})`.execute(session);
    try {
      return await run();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(session);
    }
  });
}
