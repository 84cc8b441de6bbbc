import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../domain/errors.js';
import { KEY_CHECK_META } from '../security/key-manager.js';
import { MASTER_KEY_FILE } from '../security/master-key.js';
import { SQLITE_FILE, sqliteFileState } from '../store/database.js';
import type { MetaRepository } from '../store/meta.repository.js';

/**
 * A master key file proves an installation existed here. A database that is missing or empty beside
 * it is almost always a lost or mis-pointed database (a volume not mounted, a wrong DATABASE_URL or
 * CTS_PG_SCHEMA, a restore that did not happen): starting as a new installation would silently hide
 * every connection, engine and order record. So that is refused unless the operator says otherwise.
 */
const ALLOW_HINT = 'or, to begin a new, empty installation with this key on purpose, start once with CTS_ALLOW_NEW_DATABASE=1';

/** Before the store opens (opening would create the file): the SQLite file is missing or empty. */
export function assertSqliteNotLost(options: { dataDir: string; databaseUrl: string | undefined; allowNewDatabase: boolean }): void {
  if (options.databaseUrl || options.allowNewDatabase || !hasKeyFile(options.dataDir)) return;
  const state = sqliteFileState(options.dataDir);
  if (state === 'present') return;
  throw new ConfigError(
    `The data directory ${options.dataDir} holds a master key (${MASTER_KEY_FILE}) but its database ${SQLITE_FILE} is ${state}: ` +
      `the data of this installation is not there. Restore ${path.join(options.dataDir, SQLITE_FILE)} from your backup ` +
      `(docs/deployment.md), ${ALLOW_HINT}.`,
  );
}

/** After the store opened: it has never been used (no key check) although a key file exists. */
export async function assertDatabaseNotLost(options: { dataDir: string; location: string; allowNewDatabase: boolean; meta: MetaRepository }): Promise<void> {
  if (options.allowNewDatabase || !hasKeyFile(options.dataDir)) return;
  if ((await options.meta.get(KEY_CHECK_META)) !== undefined) return;
  throw new ConfigError(
    `The data directory ${options.dataDir} holds a master key (${MASTER_KEY_FILE}) but the database at ${options.location} is empty ` +
      `(never used by CTS): is DATABASE_URL or CTS_PG_SCHEMA pointing at the right database? Restore the database from your backup, ${ALLOW_HINT}.`,
  );
}

function hasKeyFile(dataDir: string): boolean {
  return existsSync(path.join(dataDir, MASTER_KEY_FILE));
}
