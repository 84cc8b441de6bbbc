import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../domain/errors.js';
import { withMigrationLock } from './migration-lock.js';
import { migrationProvider } from './migrations/index.js';
import { AvailabilityTracker, GuardedPostgresDialect, type StorageAvailability } from './pg-availability.js';
import type { Database } from './schema.js';

export type StorageBackend = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  backend: StorageBackend;
  /** Human-readable location (file path or host/db without credentials). */
  location: string;
  /** Postgres schema holding the tables and the migration log, when not the default search path. */
  schema?: string;
  /** Whether the database answers (Postgres tracks outages; SQLite is a local file: always available). */
  availability(): StorageAvailability;
  /** SQLite: `PRAGMA quick_check` now (page-level corruption); Postgres: not applicable. */
  checkIntegrity(): IntegrityResult;
  /** The last integrity result (from the start, or the last `checkIntegrity`). */
  lastIntegrity: IntegrityResult;
  close(): Promise<void>;
}

export interface IntegrityResult {
  outcome: 'ok' | 'failed' | 'skipped';
  message: string;
  checkedAt: string;
}

export const SQLITE_FILE = 'cts.sqlite';

export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Postgres only: a schema to live in (tests use a throwaway one). */
  pgSchema?: string;
  /** Postgres only: told of every connection the pool loses (idle reaper, failover, restart). */
  onConnectionError?: (error: Error) => void;
  /** Postgres only: told when the database becomes unreachable and when it answers again. */
  onAvailabilityChange?: (state: StorageAvailability) => void;
  /** Postgres only: `application_name` of CTS's sessions, unless the URL names one. Default `cts`. */
  applicationName?: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.databaseUrl ? openPostgres(options.databaseUrl, options) : openSqlite(options.dataDir);
  try {
    if (store.backend === 'postgres') await withMigrationLock(store.db, store.schema, () => migrate(store));
    else await migrate(store);
  } catch (cause) {
    await store.close();
    throw new ConfigError(`Database migration failed on ${store.location}: ${(cause as Error).message}`, { cause });
  }
  return store;
}

/** What is at the SQLite path before anything opens it: a lost database shows as missing or empty. */
export function sqliteFileState(dataDir: string): 'missing' | 'empty' | 'present' {
  try {
    return statSync(path.join(dataDir, SQLITE_FILE)).size === 0 ? 'empty' : 'present';
  } catch {
    return 'missing';
  }
}

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SQLITE_FILE);
  // Created 0600 before SQLite opens it: the file holds sealed secrets and trading history.
  closeSync(openSync(file, 'a', 0o600));
  let sqlite: SQLite.Database | undefined;
  let integrity: IntegrityResult;
  try {
    sqlite = new SQLite(file);
    // Before anything writes: a damaged page must stop the start, not be built upon.
    integrity = quickCheck(sqlite);
    if (integrity.outcome === 'failed') throw new Error(integrity.message);
    // WAL keeps readers off the writer's back; FULL makes a committed write survive power loss, which
    // matters for orders persisted before they are sent.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (cause) {
    sqlite?.close();
    throw new ConfigError(
      `The database file ${file} is damaged (${(cause as Error).message}). CTS will not start on it: ` +
        'stop, restore the file from your backup (docs/deployment.md), and start again.',
      { cause },
    );
  }
  const open = sqlite;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: open }) });
  const store: Store = {
    db,
    backend: 'sqlite',
    location: file,
    availability: () => ({ available: true }),
    checkIntegrity: () => (store.lastIntegrity = quickCheck(open)),
    lastIntegrity: integrity,
    close: () => db.destroy(),
  };
  return store;
}

/**
 * `quick_check` reads every page and checks its structure (not index contents, which `integrity_check`
 * adds at far greater cost): https://www.sqlite.org/pragma.html#pragma_quick_check. A page too broken to
 * read makes SQLite throw instead of answering rows; both are a failure.
 */
function quickCheck(sqlite: SQLite.Database): IntegrityResult {
  const checkedAt = new Date().toISOString();
  try {
    const rows = sqlite.pragma('quick_check(20)', { simple: false }) as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((line) => line !== 'ok');
    if (problems.length === 0) return { outcome: 'ok', message: 'quick_check: ok', checkedAt };
    return { outcome: 'failed', message: `quick_check found ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`, checkedAt };
  } catch (error) {
    return { outcome: 'failed', message: `quick_check could not read the file: ${(error as Error).message}`, checkedAt };
  }
}

function openPostgres(url: string, options: OpenStoreOptions): Store {
  const schema = options.pgSchema;
  const parsed = new URL(url);
  const location = `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Names CTS's sessions in pg_stat_activity (a name in the URL wins: pg reads the URL last).
    application_name: options.applicationName ?? 'cts',
    // An unreachable server must fail a query in bounded time, not hold it (and /readyz) forever.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A connection the server or the network drops emits 'error' on its client: idle clients report
  // through the pool, checked-out ones only on themselves. Unheard, either ends the process; heard,
  // the pool discards the client and dials a new one on the next query.
  const onError = (error: Error): void => options.onConnectionError?.(error);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const tracker = new AvailabilityTracker(options.onAvailabilityChange);
  const db = new Kysely<Database>({ dialect: new GuardedPostgresDialect({ pool }, { tracker, location }) });
  const skipped: IntegrityResult = { outcome: 'skipped', message: 'PostgreSQL checks its own pages (data checksums, if enabled)', checkedAt: new Date().toISOString() };
  return {
    db,
    ...(schema ? { schema } : {}),
    backend: 'postgres',
    location,
    availability: () => tracker.state,
    checkIntegrity: () => skipped,
    lastIntegrity: skipped,
    close: () => db.destroy(),
  };
}

/**
 * The migration log lives in the store's own schema: with several schemas in one database (tests, or
 * two installations) each must see only its own log and lock.
 */
function migratorFor(store: Pick<Store, 'db' | 'schema'>): Migrator {
  return new Migrator({
    db: store.db,
    provider: migrationProvider,
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
}

export async function migrate(store: Pick<Store, 'db' | 'schema'>): Promise<string[]> {
  const migrator = migratorFor(store);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).map((r) => r.migrationName);
}

export async function appliedMigrations(store: Pick<Store, 'db' | 'schema'>): Promise<string[]> {
  const migrator = migratorFor(store);
  return (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
