import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../domain/errors.js';
import { assertKeyOpensDatabase } from '../security/key-verification.js';
import { locateMasterKey, MASTER_KEY_FILE } from '../security/master-key.js';
import { SQLITE_FILE } from '../store/database.js';
import { acquireProcessLock, lockHolder } from '../store/process-lock.js';
import { backupSqlite, closeStaged, discardStaged, stageSqliteRestore, swapInRestored } from '../store/sqlite-backup.js';

/** With Postgres the database's own tools do this job; CTS does not reimplement them. */
export function postgresEquivalent(command: 'backup' | 'restore'): string {
  return (
    `DATABASE_URL is set: CTS stores its data in PostgreSQL, so "cts ${command}" (for the embedded SQLite store) does not apply.\n` +
    'Use PostgreSQL\'s own tools:\n' +
    '  backup:  pg_dump --format=custom --file=cts.dump "$DATABASE_URL"   (add --schema=$CTS_PG_SCHEMA if you set one)\n' +
    '  restore: stop every CTS process, then\n' +
    '           pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" cts.dump\n' +
    'Back up the master key (CTS_MASTER_KEY or master.key) separately; a restored database needs the key it was written with.'
  );
}

/** A path given on the command line is relative to where the user ran it (npm scripts run from the package root). */
export function resolveUserPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD ?? process.cwd(), file);
}

export async function backupCommand(config: Config, file: string): Promise<string> {
  if (config.databaseUrl) throw new ConfigError(postgresEquivalent('backup'));
  const source = path.join(config.dataDir, SQLITE_FILE);
  const { bytes } = await backupSqlite(source, file);
  return (
    `Backed up ${source} to ${file} (${bytes} bytes, integrity check ok).\n` +
    `The master key is NOT in the backup: keep a copy of ${config.masterKeyFromEnv ? 'CTS_MASTER_KEY' : path.join(config.dataDir, MASTER_KEY_FILE)} ` +
    'separately; a restore needs the key that was current when this backup was taken.\n'
  );
}

/**
 * Replaces the SQLite database with a backup, but only after proving the current master key opens
 * every secret in it; any refusal leaves the data directory exactly as it was.
 */
export async function restoreCommand(config: Config, file: string, now: Date = new Date()): Promise<string> {
  if (config.databaseUrl) throw new ConfigError(postgresEquivalent('restore'));
  const holder = lockHolder(config.dataDir);
  // Our own pid can be in a stale lock file inside a container, where the server was pid 1 too.
  if (holder !== undefined && holder !== process.pid) {
    throw new ConfigError(`CTS is running (pid ${holder}) on ${config.dataDir}: stop it before restoring (nothing was changed)`);
  }
  const key = locateMasterKey(config.dataDir, config.masterKeyFromEnv).current;
  if (!key) {
    throw new ConfigError(
      `No master key: put the master.key that belongs to this backup in ${config.dataDir} (mode 0600) or set CTS_MASTER_KEY, ` +
        'then restore again. The key is checked against the backup before anything is changed.',
    );
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // Held for the whole restore, so a server started meanwhile refuses instead of opening a half-swapped store.
  const release = acquireProcessLock(config.dataDir);
  try {
    const target = path.join(config.dataDir, SQLITE_FILE);
    const staged = await stageSqliteRestore(file, target);
    let checked: number;
    try {
      checked = (await assertKeyOpensDatabase(staged.db, key)).secretsChecked;
      await closeStaged(staged);
    } catch (error) {
      await staged.db.destroy().catch(() => undefined);
      discardStaged(staged);
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(
        `Refusing to restore ${file}: ${error.message}. Restore the master key that was current when the backup was taken; nothing was changed.`,
      );
    }
    let previous: string | undefined;
    try {
      previous = swapInRestored(staged.staging, target, now).previous;
    } catch (error) {
      discardStaged(staged);
      throw error;
    }
    return (
      `Restored ${file} into ${target}; the current master key opened its key check and all ${checked} stored secret(s).\n` +
      (previous ? `The previous database is kept as ${previous}.\n` : '')
    );
  } finally {
    release();
  }
}
