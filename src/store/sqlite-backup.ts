import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ConfigError } from '../domain/errors.js';
import { migrate } from './database.js';
import type { Database } from './schema.js';

/**
 * File-level operations on the embedded SQLite database: an online backup, and the staging and atomic
 * swap a restore needs. What is checked before a swap (the master key) is the caller's business.
 */

/**
 * Copies a live database with SQLite's online backup API: a consistent snapshot even while the server
 * writes (WAL), never a torn file copy. Written beside the destination, checked, fsynced, then renamed,
 * so a crash never leaves a half backup under the final name.
 */
export async function backupSqlite(source: string, destination: string): Promise<{ bytes: number }> {
  if (!existsSync(source)) throw new ConfigError(`No SQLite database at ${source}: nothing to back up`);
  if (existsSync(destination)) throw new ConfigError(`${destination} already exists: choose a new file name (nothing was written)`);
  if (!existsSync(path.dirname(destination))) throw new ConfigError(`The directory ${path.dirname(destination)} does not exist (nothing was written)`);
  const partial = `${destination}.partial-${process.pid}`;
  // 0600 from the first byte: the backup holds the sealed secrets and the trading history.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const db = new SQLite(source, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(partial);
    } finally {
      db.close();
    }
    const problem = finishSingleFile(partial);
    if (problem) throw new ConfigError(`The backup failed its integrity check (${problem}); nothing was written`);
    fsyncFile(partial);
    renameSync(partial, destination);
    fsyncDirectory(path.dirname(destination));
    return { bytes: statSync(destination).size };
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Copies a backup beside `target` (the backup file itself is never modified), checks it is an intact
 * SQLite database and brings it to the current schema, as the server would at start. Returns the
 * staging file and a handle for further checks; the caller closes it with `finishStaged`.
 */
export async function stageSqliteRestore(backup: string, target: string): Promise<StagedRestore> {
  if (!existsSync(backup)) throw new ConfigError(`No backup file at ${backup}`);
  const staging = `${target}.restore-${process.pid}`;
  closeSync(openSync(staging, 'wx', 0o600));
  try {
    copyFileSync(backup, staging);
    // copyFileSync gives the copy the backup's mode; the database file stays private whatever that was.
    chmodSync(staging, 0o600);
    const problem = integrityProblem(staging);
    if (problem) throw new ConfigError(`${backup} is not an intact SQLite database (${problem})`);
    const sqlite = new SQLite(staging, { fileMustExist: true });
    if (!isCtsDatabase(sqlite)) {
      sqlite.close();
      throw new ConfigError(`${backup} is an SQLite database but not a CTS one (no migration log)`);
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await migrate({ db });
    } catch (cause) {
      await db.destroy();
      throw new ConfigError(`${backup} cannot be brought to this version's schema: ${(cause as Error).message}`, { cause });
    }
    return { staging, db, sqlite };
  } catch (error) {
    removeSqliteFiles(staging);
    throw error;
  }
}

export interface StagedRestore {
  staging: string;
  db: Kysely<Database>;
  sqlite: SQLite.Database;
}

/** Closes the staged copy as one self-contained file (no -wal beside it) ready to be swapped in. */
export async function closeStaged(staged: StagedRestore): Promise<void> {
  staged.sqlite.pragma('journal_mode = DELETE');
  await staged.db.destroy();
}

export function discardStaged(staged: StagedRestore): void {
  removeSqliteFiles(staged.staging);
}

/**
 * Puts the staged file in place of `target` with one rename, so `target` is at every moment either
 * the old database or the new one. The old one is first hard-linked to `<name>.before-restore-<time>`
 * (its write-ahead log, if a crash left one, moves with it) so it can be put back by hand.
 */
export function swapInRestored(staging: string, target: string, now: Date): { previous: string | undefined } {
  fsyncFile(staging);
  let previous: string | undefined;
  if (existsSync(target)) {
    checkpoint(target);
    previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    try {
      linkSync(target, previous);
    } catch {
      copyFileSync(target, previous);
      fsyncFile(previous);
    }
    if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${previous}-wal`);
  }
  // The -shm index describes the old file's log; a stale one must not meet the new file.
  rmSync(`${target}-shm`, { force: true });
  renameSync(staging, target);
  fsyncDirectory(path.dirname(target));
  return { previous };
}

/** Undefined when `PRAGMA integrity_check` answers ok; otherwise what SQLite reported. */
export function integrityProblem(file: string): string | undefined {
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { fileMustExist: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const messages = rows.map((r) => r.integrity_check);
    if (messages.length === 1 && messages[0] === 'ok') return undefined;
    return messages.slice(0, 3).join('; ');
  } catch (error) {
    return (error as Error).message;
  } finally {
    db?.close();
  }
}

function isCtsDatabase(db: SQLite.Database): boolean {
  return db.prepare("select 1 from sqlite_master where type = 'table' and name in ('kysely_migration', 'cts_meta')").all().length === 2;
}

function finishSingleFile(file: string): string | undefined {
  const problem = integrityProblem(file);
  if (problem) return problem;
  const db = new SQLite(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
  return undefined;
}

/** Folds a write-ahead log left by a crash into the main file, so the preserved copy is complete. */
function checkpoint(file: string): void {
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { fileMustExist: true });
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // A damaged old database is kept as it is (with its log, moved beside it): it is being replaced.
  } finally {
    db?.close();
  }
}

function removeSqliteFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
