import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { BatchTestJobView } from '../../src/connections/batch-test.service.js';
import { startTempSystem, type TempSystem } from '../support/temp-system.js';

const BASE = '/api/settings/connections';
const KEY = 'ctsbatchkey0123456789';
const SECRET = 'ctsbatchsecret0123456789abcdef';

let sim: RunningSimulator;
let t: TempSystem;

beforeAll(async () => {
  sim = await startSimulator();
  sim.control.addAccount('binance', { apiKey: KEY, secret: SECRET, balances: { USDT: '1000' } });
  sim.control.addAccount('bybit', { apiKey: KEY, secret: SECRET, balances: { USDT: '1000' } });
  t = await startTempSystem({ CTS_EXCHANGE_PROXY_URL: sim.url, CTS_HEALTH_INTERVAL_MS: '3600000', CTS_TEST_TIMEOUT_MS: '5000' });
});
afterAll(async () => {
  await t.close();
  await sim.close();
});
beforeEach(async () => {
  sim.control.clearFaults();
  sim.control.clearRequests();
  const list = (await t.system.app.inject({ method: 'GET', url: `${BASE}?limit=200` })).json() as { items: { id: string }[] };
  for (const c of list.items) await t.system.app.inject({ method: 'DELETE', url: `${BASE}/${c.id}` });
});

async function create(name: string, exchange: string, secret = SECRET): Promise<string> {
  const res = await t.system.app.inject({ method: 'POST', url: BASE, payload: { name, exchange, marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: secret } });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function poll(jobId: string): Promise<BatchTestJobView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = (await t.system.app.inject({ method: 'GET', url: `${BASE}/batch-test/${jobId}` })).json() as BatchTestJobView;
    if (job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`job still running: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Largest number of requests the simulator had in flight at once for one exchange. */
function maxInFlight(exchange: string): number {
  const events = sim.control
    .requests({ exchange: exchange as 'binance' })
    .flatMap((r) => [
      { at: r.receivedAt, d: 1 },
      { at: r.receivedAt + (r.durationMs ?? 0), d: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

describe('batch test', () => {
  it('tests every given connection, keeps input order, reports partial failures and totals', async () => {
    const ids = [await create('b1', 'binance'), await create('y1', 'bybit'), await create('bad', 'binance', 'wrong-secret-0123456789'), await create('y2', 'bybit')];
    const start = await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: { ids } });
    expect(start.statusCode).toBe(202);
    const job = await poll((start.json() as BatchTestJobView).jobId);
    expect(job.state).toBe('done');
    expect(job.results.map((r) => r.connectionId)).toEqual(ids);
    expect(job.results.map((r) => r.result?.outcome)).toEqual(['ok', 'ok', 'failed', 'ok']);
    expect(job.results[2]?.result?.summary).toBe('authentication failed');
    expect(job.totals).toEqual({ ok: 3, warning: 0, failed: 1, errors: 0, cancelled: 0 });
    expect(job.done).toBe(4);
    const stored = (await t.system.app.inject({ method: 'GET', url: `${BASE}/${ids[2] ?? ''}` })).json() as { status: string };
    expect(stored.status).toBe('failing');
  });

  it('with {} tests all enabled connections, never more at once per exchange than its batch size', async () => {
    for (let i = 0; i < 8; i++) await create(`bn${i}`, 'binance');
    const disabled = await create('off', 'binance');
    await t.system.app.inject({ method: 'PATCH', url: `${BASE}/${disabled}`, payload: { enabled: false } });
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'latency', ms: 120 } });
    const start = await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: {} });
    const job = await poll((start.json() as BatchTestJobView).jobId);
    expect(job.total).toBe(8);
    expect(job.results.every((r) => r.result?.outcome === 'ok')).toBe(true);
    const inFlight = maxInFlight('binance');
    expect(inFlight).toBeLessThanOrEqual(5); // Binance's batch size
    expect(inFlight).toBeGreaterThan(1); // and they did run side by side
  });

  it('cancellation stops pending items', async () => {
    for (let i = 0; i < 6; i++) await create(`slow${i}`, 'binance');
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'latency', ms: 400 } });
    const start = await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: {} });
    const { jobId } = start.json() as BatchTestJobView;
    await new Promise((r) => setTimeout(r, 100));
    const cancelled = await t.system.app.inject({ method: 'DELETE', url: `${BASE}/batch-test/${jobId}` });
    expect(cancelled.statusCode).toBe(200);
    const job = await poll(jobId);
    expect(job.state).toBe('cancelled');
    expect(job.results.filter((r) => r.state === 'cancelled').length).toBeGreaterThanOrEqual(1);
  });

  it('rejects unknown ids, bad bodies and unknown jobs', async () => {
    const unknown = await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: { ids: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'] } });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json())).toContain('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect((await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: { ids: [] } })).statusCode).toBe(400);
    expect((await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, payload: { all: true } })).statusCode).toBe(400);
    expect((await t.system.app.inject({ method: 'POST', url: `${BASE}/batch-test`, headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
    expect((await t.system.app.inject({ method: 'GET', url: `${BASE}/batch-test/01ARZ3NDEKTSV4RRFFQ69G5FAV` })).statusCode).toBe(404);
  });
});
