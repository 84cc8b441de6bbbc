import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../domain/errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type StorageBackend = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  backend: StorageBackend;
  /** Human-readable location (file path or host/db without credentials). */
  location: string;
  /** Postgres schema holding the tables and the migration log, when not the default search path. */
  schema?: string;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'cts.sqlite';

export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Postgres only: a schema to live in (tests use a throwaway one). */
  pgSchema?: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = options.databaseUrl ? openPostgres(options.databaseUrl, options.pgSchema) : openSqlite(options.dataDir);
  try {
    await migrate(store);
  } catch (cause) {
    await store.close();
    throw new ConfigError(`Database migration failed on ${store.location}: ${(cause as Error).message}`, { cause });
  }
  return store;
}

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SQLITE_FILE);
  // Created 0600 before SQLite opens it: the file holds sealed secrets and trading history.
  closeSync(openSync(file, 'a', 0o600));
  const sqlite = new SQLite(file);
  // WAL keeps readers off the writer's back; FULL makes a committed write survive power loss, which
  // matters for orders persisted before they are sent.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, backend: 'sqlite', location: file, close: () => db.destroy() };
}

function openPostgres(url: string, schema: string | undefined): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    db,
    ...(schema ? { schema } : {}),
    backend: 'postgres',
    location: `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
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
