import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { testConnection } from '../connections/connection-tester.js';
import type { Clock } from '../domain/clock.js';
import { createCcxtExchange } from '../exchanges/ccxt/ccxt-exchange.js';
import type { Exchange } from '../exchanges/exchange.port.js';
import { openGate } from '../ratelimit/request-gate.js';
import { generateMasterKey } from '../security/master-key.js';
import { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/database.js';
import { MetaRepository } from '../store/meta.repository.js';
import { createSandboxEngines } from './sandbox-engines.js';
import { runStep, summarize, type CheckReport, type CheckStep } from './check.js';

export interface IntegrationTestDeps {
  /** The user's store: only touched inside a transaction that is rolled back. */
  store: Store;
  clock: Clock;
  replayCsvPath: string;
}

class RolledBack extends Error {}

/**
 * A real end-to-end self-test in a sandbox: its own simulator instance, its own key, its own temporary
 * SQLite for the engine run. The user's database is only written inside a rolled-back transaction,
 * and no user connection or live account is ever used.
 */
export async function runIntegrationTest(deps: IntegrationTestDeps): Promise<CheckReport> {
  const sandbox = mkdtempSync(path.join(tmpdir(), 'cts-selftest-'));
  let sim: RunningSimulator | undefined;
  let exchange: Exchange | undefined;
  const steps: CheckStep[] = [];
  const step = async (name: string, body: () => Promise<{ outcome?: CheckStep['outcome']; message: string }>): Promise<boolean> => {
    const result = await runStep(name, body);
    steps.push(result);
    return result.outcome !== 'failed';
  };
  try {
    await step('storage write/read/rollback', () => storageRoundTrip(deps.store));
    await step('secret encrypt/decrypt', secretRoundTrip);
    const keys = { apiKey: `selftest${randomBytes(8).toString('hex')}`, apiSecret: randomBytes(24).toString('hex') };
    const reached = await step('exchange adapter through ccxt to the simulator', async () => {
      sim = await startSimulator();
      sim.control.addAccount('binance', { apiKey: keys.apiKey, secret: keys.apiSecret, balances: { USDT: '1000' } });
      exchange = await createCcxtExchange({
        gate: openGate,
        clock: deps.clock,
        connection: { id: 'self-test', exchange: 'binance', mode: 'live', credentials: keys, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 5_000 },
      });
      const markets = await exchange.loadMarkets();
      const balances = await exchange.fetchBalances();
      return { message: `${markets.length} markets, ${balances.length} balances from the simulated Binance` };
    });
    if (reached && exchange) {
      const ex = exchange;
      await step('connection test', async () => {
        const result = await testConnection(ex, { simulated: false, timeoutMs: 5_000, clock: deps.clock });
        if (result.outcome === 'failed') throw new Error(`connection test failed: ${result.summary}`);
        return { outcome: result.outcome === 'warning' ? 'warning' : 'ok', message: `${result.summary} (${result.steps.length} steps)` };
      });
    } else {
      steps.push({ name: 'connection test', outcome: 'skipped', durationMs: 0, message: 'the exchange was not reachable' });
    }
    await step('engine start → order → fill → stop on replay', () => engineRoundTrip(sandbox, deps));
  } finally {
    await step('cleanup', async () => {
      await exchange?.close();
      await sim?.close();
      rmSync(sandbox, { recursive: true, force: true });
      return { message: 'sandbox simulator, exchange and temporary database removed' };
    });
  }
  return summarize(steps);
}

async function storageRoundTrip(store: Store): Promise<{ message: string }> {
  const key = `selftest_${randomBytes(6).toString('hex')}`;
  let readBack: string | undefined;
  try {
    await store.db.transaction().execute(async (trx) => {
      const meta = new MetaRepository(trx);
      await meta.set(key, 'probe');
      readBack = await meta.get(key);
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  if (readBack !== 'probe') throw new Error('a value written in the transaction could not be read back');
  const leftover = await new MetaRepository(store.db).get(key);
  if (leftover !== undefined) throw new Error('the rolled-back write is still in the database');
  await sql`select 1`.execute(store.db);
  return { message: `${store.backend}: wrote, read back and rolled back` };
}

async function secretRoundTrip(): Promise<{ message: string }> {
  const box = new SecretBox(generateMasterKey(1));
  const secret = randomBytes(32).toString('hex');
  const sealed = box.seal(secret, 'selftest:secret');
  if (box.open(sealed, 'selftest:secret') !== secret) throw new Error('decrypted value differs');
  let refused = false;
  try {
    box.open(sealed, 'selftest:other-row');
  } catch {
    refused = true;
  }
  if (!refused) throw new Error('a ciphertext moved to another row decrypted');
  return { message: 'AES-256-GCM round trip ok; a moved ciphertext is refused' };
}

async function engineRoundTrip(sandbox: string, deps: IntegrationTestDeps): Promise<{ message: string }> {
  const { engines, connection, close } = await createSandboxEngines({ dataDir: path.join(sandbox, 'engine'), clock: deps.clock, replayCsvPath: deps.replayCsvPath });
  try {
    const { id } = await engines.start({ connectionId: connection.id, strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', options: { replaySpeed: 200, resumeOnRestart: false } });
    const deadline = Date.now() + 10_000;
    while ((await engines.trades(id)).length === 0) {
      if (Date.now() > deadline) throw new Error('no fill within 10 s of starting the replay engine');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const fills = await engines.trades(id);
    const status = await engines.status(id);
    if (status.state === 'running' || status.state === 'paused') await engines.stop(id, {});
    const final = await engines.status(id);
    if (final.state !== 'stopped') throw new Error(`engine ended in state ${final.state}`);
    return { message: `${fills.length} fill(s); first ${fills[0]?.side} ${fills[0]?.amount} @ ${fills[0]?.price}; engine stopped` };
  } finally {
    await close();
  }
}
