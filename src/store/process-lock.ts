import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'cts.pid';

/**
 * Marks a data directory as in use by a running server, so maintenance commands (key rotation) can
 * refuse to change secrets under a live process that still holds the old key.
 */
export function acquireProcessLock(dataDir: string): () => void {
  // With DATABASE_URL nothing else creates the data dir before the lock (the key and cache live there too).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const holder = lockHolder(dataDir);
  if (holder !== undefined && holder !== process.pid) {
    throw new Error(`Data directory ${dataDir} is in use by process ${holder}`);
  }
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

/** The pid of a live process holding the directory, if any (a stale file from a crash is ignored). */
export function lockHolder(dataDir: string): number | undefined {
  const file = path.join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
