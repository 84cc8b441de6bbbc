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

/** A storage probe that hangs (a half-open connection) must not hold `/readyz` past a probe's patience. */
const STORAGE_PROBE_TIMEOUT_MS = 3_000;

/**
 * The checks run at startup, re-run on demand by GET /api/system/verify-startup. `integrity: 'cached'`
 * (readiness, polled often) reports the last `quick_check` instead of reading every page again.
 */
export async function runStartupChecks(facts: StartupFacts, options: { integrity?: 'fresh' | 'cached' } = {}): Promise<CheckReport> {
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
      try {
        await withTimeout(sql`select 1`.execute(store.db), STORAGE_PROBE_TIMEOUT_MS, `no answer within ${STORAGE_PROBE_TIMEOUT_MS} ms`);
      } catch (error) {
        const outage = store.availability();
        const since = outage.since ? ` since ${outage.since}` : '';
        throw new Error(`${store.backend} unreachable at ${store.location}${since}: ${(error as Error).message}; storage-dependent actions are refused until it answers`);
      }
      return { message: `${store.backend} reachable at ${store.location}` };
    }),
    await runStep('integrity', async () => {
      const result = options.integrity === 'cached' ? store.lastIntegrity : store.checkIntegrity();
      if (result.outcome === 'failed') throw new Error(`${result.message} (checked ${result.checkedAt}); restore the database from a backup`);
      return { outcome: result.outcome, message: `${result.message} (checked ${result.checkedAt})` };
    }),
    await runStep('migrations', async () => {
      const applied = await withTimeout(appliedMigrations(store), STORAGE_PROBE_TIMEOUT_MS, `the migration log did not answer within ${STORAGE_PROBE_TIMEOUT_MS} ms`);
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

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
