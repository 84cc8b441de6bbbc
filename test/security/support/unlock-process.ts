/**
 * One process starting on a shared database: opens the store, waits for the common start instant
 * (UNLOCK_AT, epoch ms) so several such processes unlock at the same moment, then unlocks the master key
 * and prints one JSON line: the outcome and a probe sealed with the key it holds.
 */
import { unlockSecrets } from '../../../src/security/key-manager.js';
import { openStore } from '../../../src/store/database.js';
import { MetaRepository } from '../../../src/store/meta.repository.js';

export const PROBE_PLAINTEXT = 'key-race-probe';
export const PROBE_CONTEXT = 'test:key-race';

async function main(): Promise<void> {
  const dataDir = required('CTS_DATA_DIR');
  const databaseUrl = process.env.DATABASE_URL;
  const pgSchema = process.env.CTS_PG_SCHEMA;
  const store = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), ...(pgSchema ? { pgSchema } : {}) });
  try {
    const waitMs = Number(required('UNLOCK_AT')) - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    try {
      const unlocked = await unlockSecrets({ dataDir, envKey: process.env.CTS_MASTER_KEY, meta: new MetaRepository(store.db) });
      print({ ok: true, event: unlocked.event, probe: unlocked.box.seal(PROBE_PLAINTEXT, PROBE_CONTEXT) });
    } catch (error) {
      print({ ok: false, message: (error as Error).message });
    }
  } finally {
    await store.close();
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function print(outcome: Record<string, unknown>): void {
  process.stdout.write(`UNLOCK ${JSON.stringify(outcome)}\n`);
}

if (process.argv[1] === import.meta.filename) await main();
