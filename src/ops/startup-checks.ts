import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config/config.js';
import { appliedMigrations, type Store } from '../store/database.js';
import { LATEST_MIGRATION } from '../store/migrations/index.js';
import { runStep, summarize, type CheckReport } from './check.js';

export interface StartupFacts {
  config: Config;
  store: Store;
  /** How the master key was obtained at start (created / verified / completed-rotation) and from where. */
  keyEvent: string;
  keySource: string;
  /** Pings Redis when REDIS_URL is configured. */
  pingRedis?: () => Promise<void>;
}

/** The checks run at startup, re-run on demand by GET /api/system/verify-startup. */
export async function runStartupChecks(facts: StartupFacts): Promise<CheckReport> {
  const { config, store } = facts;
  const steps = [
    await runStep('config', async () => ({ message: `valid; binding ${config.host}:${config.port}` })),
    await runStep('data-dir', async () => {
      const probe = path.join(config.dataDir, `.write-probe-${randomBytes(4).toString('hex')}`);
      writeFileSync(probe, 'ok', { mode: 0o600 });
      rmSync(probe);
      return { message: `${config.dataDir} is writable` };
    }),
    await runStep('key-material', async () => ({
      message: `master key ${facts.keyEvent} (${facts.keySource === 'CTS_MASTER_KEY' ? 'from CTS_MASTER_KEY' : 'from the key file'}); it decrypts the stored key check`,
    })),
    await runStep('storage', async () => {
      await sql`select 1`.execute(store.db);
      return { message: `${store.backend} reachable at ${store.location}` };
    }),
    await runStep('migrations', async () => {
      const applied = await appliedMigrations(store);
      const current = applied.at(-1);
      if (current !== LATEST_MIGRATION) throw new Error(`database at ${current ?? 'none'}, code expects ${LATEST_MIGRATION}`);
      return { message: `current (${current})` };
    }),
    await runStep('redis', async () => {
      if (!config.redisUrl || !facts.pingRedis) return { outcome: 'skipped', message: 'REDIS_URL not configured: budgets are kept in-process' };
      await facts.pingRedis();
      return { message: 'reachable' };
    }),
  ];
  return summarize(steps);
}
