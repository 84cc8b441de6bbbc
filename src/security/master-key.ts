import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { MASTER_KEY_BYTES, type MasterKey } from './secret-box.js';

export const MASTER_KEY_FILE = 'master.key';
/** Written before a rotation commits; promoted to MASTER_KEY_FILE once the database holds the new ciphertexts. */
export const NEXT_MASTER_KEY_FILE = 'master.key.next';

const KeyFileSchema = z.object({ version: z.number().int().min(1), key: z.string() }).strict();

export function generateMasterKey(version: number): MasterKey {
  return { version, key: randomBytes(MASTER_KEY_BYTES) };
}

/** `CTS_MASTER_KEY` is `v<version>:<base64 of 32 bytes>`, or plain base64 for version 1. */
export function parseMasterKeyText(text: string, source: string): MasterKey {
  const match = /^v(\d+):(.+)$/.exec(text.trim());
  const version = match ? Number(match[1]) : 1;
  const key = Buffer.from(match ? (match[2] ?? '') : text.trim(), 'base64');
  if (key.length !== MASTER_KEY_BYTES || !Number.isInteger(version) || version < 1) {
    throw new ConfigError(
      `${source} is not a valid master key: expected "v<version>:<base64 of ${MASTER_KEY_BYTES} bytes>" (got ${key.length} bytes)`,
    );
  }
  return { version, key };
}

export function formatMasterKeyText(key: MasterKey): string {
  return `v${key.version}:${key.key.toString('base64')}`;
}

export function readKeyFile(file: string): MasterKey {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `${file} is readable by other users (mode ${mode.toString(8)}); run "chmod 600 ${file}" and start again`,
    );
  }
  let parsed: z.infer<typeof KeyFileSchema>;
  try {
    parsed = KeyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw new ConfigError(`${file} is not a CTS master key file (expected {"version": n, "key": "<base64>"})`);
  }
  return parseMasterKeyText(`v${parsed.version}:${parsed.key}`, file);
}

/** Writes with mode 0600 from the first byte, through a temp file so a crash never leaves half a key. */
export function writeKeyFile(file: string, key: MasterKey): void {
  const tmp = writeTempKeyFile(file, key);
  renameSync(tmp, file);
}

/**
 * Creates `file` holding `key` unless it already exists, and answers the key the file holds afterwards:
 * `key` when this call created it, otherwise the one another process wrote first. The temp file is
 * linked into place, which fails when the name is taken, so two processes sharing a data directory
 * never each generate a key, and no reader ever sees half a file.
 */
export function createKeyFileOnce(file: string, key: MasterKey): { key: MasterKey; created: boolean } {
  const tmp = writeTempKeyFile(file, key);
  try {
    linkSync(tmp, file);
    return { key, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: readKeyFile(file), created: false };
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A complete, synced key file beside `file` (mode 0600, exclusive name), ready to be moved into place. */
function writeTempKeyFile(file: string, key: MasterKey): string {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, JSON.stringify({ version: key.version, key: key.key.toString('base64') }) + '\n');
      // A key lost in a crash after the database recorded its check would make every secret unreadable.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  return tmp;
}

export interface KeySource {
  /** The key to use, or undefined when none exists yet (first start). */
  current: MasterKey | undefined;
  /** A key left by an interrupted rotation, tried when `current` fails the check. */
  pendingRotation: MasterKey | undefined;
  describe: string;
  fromEnv: boolean;
}

export function locateMasterKey(dataDir: string, envKey: string | undefined): KeySource {
  if (envKey !== undefined) {
    return { current: parseMasterKeyText(envKey, 'CTS_MASTER_KEY'), pendingRotation: undefined, describe: 'CTS_MASTER_KEY', fromEnv: true };
  }
  const file = path.join(dataDir, MASTER_KEY_FILE);
  const next = path.join(dataDir, NEXT_MASTER_KEY_FILE);
  return {
    current: existsSync(file) ? readKeyFile(file) : undefined,
    pendingRotation: existsSync(next) ? readKeyFile(next) : undefined,
    describe: file,
    fromEnv: false,
  };
}

export function promotePendingKey(dataDir: string): void {
  renameSync(path.join(dataDir, NEXT_MASTER_KEY_FILE), path.join(dataDir, MASTER_KEY_FILE));
}
