import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';
import { api, leaseOf, until } from './cluster-support.js';

/**
 * Three real CTS processes: stop, pause, resume and emergency stop sent to a process that does not own
 * the engine are carried out by the owner (Postgres LISTEN/NOTIFY) and its answer comes back; with the
 * owner killed -9 a request gets the clear "did not answer; its lease expires at …" 503 at once, and
 * once another process took the engine over, requests sent anywhere reach the new owner.
 */

const REDIS_URL = process.env.CTS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_TTL_MS = 8_000;
const SCAN_MS = 1_000;
const ACK_TIMEOUT_MS = 2_000;
const ENGINE = { strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1s' };
const MASTER_KEY = randomBytes(32).toString('base64');

let sim: RunningSimulator;
let schema: { schema: string; drop(): Promise<void> };
const processes: ServerProcess[] = [];
const dataDirs: string[] = [];

function env(): Record<string, string> {
  const dataDir = makeTempDir('cts-forward-');
  dataDirs.push(dataDir);
  return {
    CTS_DATA_DIR: dataDir,
    DATABASE_URL: POSTGRES_URL,
    CTS_PG_SCHEMA: schema.schema,
    REDIS_URL,
    CTS_EXCHANGE_PROXY_URL: sim.url,
    CTS_MASTER_KEY: MASTER_KEY,
    CTS_DEMO_CONNECTION: 'false',
    CTS_HEALTH_INTERVAL_MS: '600000',
    CTS_LEASE_TTL_MS: String(LEASE_TTL_MS),
    CTS_CLUSTER_SCAN_MS: String(SCAN_MS),
    CTS_CONTROL_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
  };
}

beforeAll(async () => {
  schema = await createTestSchema();
  sim = await startSimulator({ autoStepMs: 300 });
  // All three at once on the empty schema: the migration lock lets exactly one migrate.
  processes.push(...(await Promise.all([startServerProcess(env()), startServerProcess(env()), startServerProcess(env())])));
}, 90_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => (p.child.exitCode === null && p.child.signalCode === null ? p.stop('SIGKILL') : Promise.resolve(null))));
  await sim?.close();
  await schema?.drop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function createConnection(base: string): Promise<string> {
  const apiKey = `ctsfwd${randomBytes(6).toString('hex')}`;
  const secret = `ctsfwdsecret${randomBytes(12).toString('hex')}`;
  sim.control.addAccount('binance', { apiKey, secret, balances: { USDT: '100000', XRP: '1000' } });
  const created = await api(base, '/api/settings/connections', { body: { name: 'Binance forwarding', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey, apiSecret: secret } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = String(created.body.id);
  const tested = await api(base, `/api/settings/connections/${id}/test`, { body: {} });
  expect(tested.status, JSON.stringify(tested.body)).toBe(200);
  return id;
}

async function ownerPid(id: string): Promise<number | null> {
  const lease = await leaseOf(schema.schema, id);
  return lease && lease.expiresAt > Date.now() ? lease.pid : null;
}

function control(p: ServerProcess, action: string, body: Record<string, unknown>) {
  return api(p.url, `/api/trade-engine/${action}`, { body });
}

describe('control requests across three CTS processes', () => {
  it('are executed by the owner wherever they arrive; a killed owner gets a clear answer; the new owner answers after takeover', async () => {
    const [p0, p1, p2] = processes as [ServerProcess, ServerProcess, ServerProcess];
    const id = await createConnection(p1.url);
    const started = await control(p0, 'start', { connectionId: id, engineId: id, ...ENGINE });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(await ownerPid(id)).toBe(p0.child.pid);

    // Status anywhere names the owner.
    const listed = await api(p2.url, '/api/trade-engine/status-all');
    const item = (listed.body.items as { connectionId: string; owner: { pid: number; url: string; self: boolean } | null }[]).find((i) => i.connectionId === id);
    expect(item?.owner).toMatchObject({ pid: p0.child.pid, url: p0.url, self: false });

    // Pause on p1, resume on p2, stop on p1: each answered with the owner's status.
    const paused = await control(p1, 'pause', { engineId: id });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', owner: { pid: p0.child.pid } });
    const resumed = await control(p2, 'resume', { engineId: id });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.state).toBe('running');
    // The owner's own refusal comes back as it is.
    const again = await control(p2, 'resume', { engineId: id });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, title: 'Conflict' });
    const stopped = await control(p1, 'stop', { engineId: id });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    // The owner gives the lease up as the engine exits (in the background of the answer).
    await until('the lease to be released after the stop', async () => (await ownerPid(id)) === null, 10_000);
    expect((await api(p0.url, `/api/trade-engine/status/${id}`)).body.state).toBe('stopped');

    // Run it again on p0, then kill p0.
    expect((await control(p0, 'start', { connectionId: id, engineId: id, ...ENGINE })).status).toBe(200);
    expect(await ownerPid(id)).toBe(p0.child.pid);
    const killedAt = Date.now();
    await p0.stop('SIGKILL');
    const gone = await control(p1, 'emergency-stop', { engineId: id });
    if (gone.status !== 503) {
      // Only possible if the lease ran out before the request (a machine stalled for a whole TTL).
      expect(Date.now() - killedAt, JSON.stringify(gone.body)).toBeGreaterThan(LEASE_TTL_MS * 0.8);
    } else {
      expect(gone.body).toMatchObject({ status: 503, type: 'https://cts.local/problems/engine-owner-unreachable' });
      expect(String(gone.body.detail)).toContain('The emergency stop is NOT confirmed');
      expect(String(gone.body.detail)).toMatch(/did not answer within 2\.0 s(; it may be gone\. Its lease expires at|, and its lease expired at)/);
    }

    // Takeover by p1 or p2 (lease TTL + scan + the start), then every control reaches the new owner.
    const newPid = await until(
      'the engine to run on a surviving process',
      async () => {
        const pid = await ownerPid(id);
        if (pid === null || pid === p0.child.pid) return undefined;
        return (await api(p1.url, `/api/trade-engine/status/${id}`)).body.state === 'running' ? pid : undefined;
      },
      60_000,
    );
    const owner = processes.find((p) => p.child.pid === newPid) as ServerProcess;
    const other = owner === p1 ? p2 : p1;
    const pausedAfter = await control(other, 'pause', { engineId: id });
    expect(pausedAfter.status, JSON.stringify(pausedAfter.body)).toBe(200);
    expect(pausedAfter.body).toMatchObject({ state: 'paused', owner: { pid: newPid, self: false } });
    expect((await control(other, 'resume', { engineId: id })).body.state).toBe('running');
    const emergency = await control(other, 'emergency-stop', { engineId: id });
    expect(emergency.status, JSON.stringify(emergency.body)).toBe(200);
    expect(emergency.body.state).toBe('stopped');
    await until('the lease to be released after the emergency stop', async () => (await ownerPid(id)) === null, 10_000);
    expect((await api(owner.url, `/api/trade-engine/status/${id}`)).body).toMatchObject({ state: 'stopped', resumeOnRestart: false });
  }, 150_000);
});
