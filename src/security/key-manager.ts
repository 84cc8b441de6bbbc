import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, SecretDecryptionError } from '../domain/errors.js';
import type { MetaRepository } from '../store/meta.repository.js';
import {
  createKeyFileOnce,
  generateMasterKey,
  type KeySource,
  locateMasterKey,
  MASTER_KEY_FILE,
  promotePendingKey,
} from './master-key.js';
import { SecretBox, type MasterKey } from './secret-box.js';

const KEY_CHECK = 'key_check';
const KEY_CHECK_PLAINTEXT = 'cts-master-key-check';
const KEY_CHECK_CONTEXT = 'meta:key_check';

export interface UnlockResult {
  box: SecretBox;
  /** What happened, for the startup log and verify-startup. */
  event: 'created' | 'verified' | 'completed-rotation';
  source: string;
}

/**
 * Loads the master key and proves it is the one the database was written with, before anything is
 * decrypted or encrypted. A missing or wrong key stops the process: there is no plaintext fallback.
 */
export async function unlockSecrets(params: {
  dataDir: string;
  envKey: string | undefined;
  meta: MetaRepository;
}): Promise<UnlockResult> {
  const { dataDir, envKey, meta } = params;
  const source = locateMasterKey(dataDir, envKey);
  const stored = await meta.get(KEY_CHECK);
  if (stored === undefined) return recordKeyCheck(dataDir, source, meta);

  if (source.current && passesCheck(source.current, stored)) {
    return { box: new SecretBox(source.current), event: 'verified', source: source.describe };
  }
  // A rotation that committed its database writes but crashed before swapping key files.
  if (source.pendingRotation && passesCheck(source.pendingRotation, stored)) {
    promotePendingKey(dataDir);
    return { box: new SecretBox(source.pendingRotation), event: 'completed-rotation', source: source.describe };
  }
  if (!source.current) {
    throw new ConfigError(
      `The database holds encrypted secrets but no master key was found: restore ${path.join(dataDir, MASTER_KEY_FILE)} ` +
        'from your backup or set CTS_MASTER_KEY. CTS will not start without it.',
    );
  }
  throw wrongKey(source.describe);
}

/**
 * First start of an installation. Several processes may get here at once on one new database, each
 * with its own key: the check is inserted only if absent and read back, so the first key recorded is
 * the installation's and every process holding another refuses before it encrypts anything.
 */
async function recordKeyCheck(dataDir: string, source: KeySource, meta: MetaRepository): Promise<UnlockResult> {
  const { key, created } = source.current ? { key: source.current, created: false } : createKeyFile(dataDir);
  const box = new SecretBox(key);
  await meta.insertIfAbsent(KEY_CHECK, keyCheckValue(box));
  const recorded = await meta.get(KEY_CHECK);
  if (recorded === undefined) {
    throw new ConfigError('The master key check could not be recorded in the database; CTS will not start without it.');
  }
  if (!passesCheck(key, recorded)) throw wrongKey(source.describe);
  return { box, event: created ? 'created' : 'verified', source: source.describe };
}

function wrongKey(describe: string): ConfigError {
  return new ConfigError(
    `The master key from ${describe} does not match this database (wrong key or a different data directory). ` +
      'Restore the right key; CTS will not start with a key that cannot decrypt the stored secrets.',
  );
}

export function keyCheckValue(box: SecretBox): string {
  return box.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT);
}

export const KEY_CHECK_META = KEY_CHECK;

/** Whether `key` opens the database's key check (`cts_meta.key_check`): the test the server runs at start. */
export function passesCheck(key: MasterKey, check: string): boolean {
  try {
    return new SecretBox(key).open(check, KEY_CHECK_CONTEXT) === KEY_CHECK_PLAINTEXT;
  } catch (error) {
    if (error instanceof SecretDecryptionError) return false;
    throw error;
  }
}

function createKeyFile(dataDir: string): { key: MasterKey; created: boolean } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return createKeyFileOnce(path.join(dataDir, MASTER_KEY_FILE), generateMasterKey(1));
}
