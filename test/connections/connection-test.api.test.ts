import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { ConnectionTestResult } from '../../src/domain/connection-test.js';
import { startTempSystem, type TempSystem } from '../support/temp-system.js';

const BASE = '/api/settings/connections';
const KEY = 'ctsapitestkey0123456789';
const SECRET = 'ctsapitestsecret0123456789abcdef';

let sim: RunningSimulator;
let t: TempSystem;

beforeAll(async () => {
  sim = await startSimulator();
  sim.control.addAccount('binance', { apiKey: KEY, secret: SECRET, balances: { USDT: '1000', BTC: '0.5' } });
  sim.control.addAccount('bybit', { apiKey: KEY, secret: SECRET, permissions: { trade: true, withdraw: true, ipRestricted: false }, balances: { USDT: '10' } });
  t = await startTempSystem({ CTS_EXCHANGE_PROXY_URL: sim.url, CTS_HEALTH_INTERVAL_MS: '200', CTS_TEST_TIMEOUT_MS: '3000' });
  await t.system.listen();
});
afterAll(async () => {
  await t.close();
  await sim.close();
});
beforeEach(() => {
  sim.control.clearFaults();
  sim.control.setClockSkew('binance', 0);
});

async function create(body: Record<string, unknown>): Promise<string> {
  const res = await t.system.app.inject({ method: 'POST', url: BASE, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function test(id: string): Promise<{ status: number; result: ConnectionTestResult }> {
  const res = await t.system.app.inject({ method: 'POST', url: `${BASE}/${id}/test` });
  return { status: res.statusCode, result: res.json() as ConnectionTestResult };
}

async function connection(id: string): Promise<Record<string, unknown>> {
  return (await t.system.app.inject({ method: 'GET', url: `${BASE}/${id}` })).json() as Record<string, unknown>;
}

describe('POST /api/settings/connections/{id}/test through ccxt and the simulator', () => {
  it('reports every step and stores the result on the connection', async () => {
    const id = await create({ name: 'bn ok', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    const { status, result } = await test(id);
    expect(status).toBe(200);
    expect(result.outcome).toBe('ok');
    expect(result.simulated).toBe(false);
    expect(result.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['reachability', 'ok'],
      ['clock', 'ok'],
      ['authentication', 'ok'],
      ['permissions', 'ok'],
      ['balances', 'ok'],
    ]);
    expect(result.steps.every((s) => s.durationMs >= 0)).toBe(true);
    expect(await connection(id)).toMatchObject({ status: 'ok', lastTestAt: result.startedAt, lastTestResult: result });
  });

  it('a wrong secret is "authentication failed", stored as failing, never a 500', async () => {
    const id = await create({ name: 'bn bad', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: 'wrong-secret-0123456789' });
    const { status, result } = await test(id);
    expect(status).toBe(200);
    expect(result).toMatchObject({ outcome: 'failed', summary: 'authentication failed' });
    expect(JSON.stringify(result)).not.toContain('wrong-secret-0123456789');
    expect((await connection(id)).status).toBe('failing');
  });

  it('warns, impossible to miss, when the key can withdraw', async () => {
    const id = await create({ name: 'bb withdraw', exchange: 'bybit', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    const { result } = await test(id);
    expect(result.outcome).toBe('warning');
    const permissions = result.steps.find((s) => s.name === 'permissions');
    expect(permissions?.outcome).toBe('warning');
    expect(permissions?.message).toMatch(/withdraw/i);
  });

  it('an exchange without a testnet cannot get a testnet connection at all (400 on mode)', async () => {
    const res = await t.system.app.inject({
      method: 'POST',
      url: BASE,
      payload: { name: 'kr testnet', exchange: 'kraken', marketTypes: ['spot'], mode: 'testnet', apiKey: KEY, apiSecret: Buffer.alloc(64, 5).toString('base64') },
    });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['mode']);
  });

  it('a replay connection tests against its simulated exchange and says so', async () => {
    const id = await create({ name: 'replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' });
    const { status, result } = await test(id);
    expect(status).toBe(200);
    expect(result).toMatchObject({ outcome: 'ok', simulated: true });
    expect(result.summary).toMatch(/simulated/);
    expect((await connection(id)).status).toBe('ok');
  });

  it('a paper connection tests the real exchange\'s public data and the simulated account', async () => {
    // OKX: no other connection in this file talks to it, so every OKX request seen here is the paper test's.
    const id = await create({ name: 'paper', exchange: 'okx', marketTypes: ['spot'], mode: 'paper' });
    sim.control.clearRequests();
    const { result } = await test(id);
    expect(result).toMatchObject({ outcome: 'ok', simulated: true });
    const sent = sim.control.requests({ exchange: 'okx' });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => !r.headers['ok-access-key'])).toBe(true); // nothing signed leaves for a paper account
  });

  it('404 for an unknown connection, 400 for a malformed id', async () => {
    expect((await t.system.app.inject({ method: 'POST', url: `${BASE}/01ARZ3NDEKTSV4RRFFQ69G5FAV/test` })).statusCode).toBe(404);
    expect((await t.system.app.inject({ method: 'POST', url: `${BASE}/nope/test` })).statusCode).toBe(400);
  });
});

describe('GET /api/settings/connections/health', () => {
  interface Health {
    overall: string;
    connections: { connectionId: string; status: string | null; latencyP50Ms: number | null; consecutiveFailures: number; errorRate: number }[];
  }
  async function healthOf(id: string): Promise<Health['connections'][number] | undefined> {
    const res = await t.system.app.inject({ method: 'GET', url: `${BASE}/health` });
    expect(res.statusCode).toBe(200);
    return (res.json() as Health).connections.find((c) => c.connectionId === id);
  }
  async function waitFor(id: string, predicate: (h: Health['connections'][number]) => boolean): Promise<Health['connections'][number]> {
    const deadline = Date.now() + 8_000;
    for (;;) {
      const h = await healthOf(id);
      if (h && predicate(h)) return h;
      if (Date.now() > deadline) throw new Error(`health never matched: ${JSON.stringify(h)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('probes enabled connections and reflects an injected fault, then recovery', async () => {
    const id = await create({ name: 'bn health', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    const healthy = await waitFor(id, (h) => h.status === 'ok');
    expect(healthy.latencyP50Ms).not.toBeNull();
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'serverError', status: 503 } });
    const failing = await waitFor(id, (h) => h.status === 'failing' && h.consecutiveFailures >= 3);
    expect((await connection(id)).status).toBe('failing');
    // Why, as a person reads it: the error's code and message, stamped as ISO time.
    const why = (failing as unknown as { lastFailure: { at: string; code: string; message: string } }).lastFailure;
    expect(why.code).toBe('exchange_unavailable');
    expect(Number.isNaN(Date.parse(why.at))).toBe(false);
    expect(why.message).not.toMatch(new RegExp(SECRET));
    sim.control.clearFaults();
    await waitFor(id, (h) => h.status !== 'failing');
  });

  it("never shows a connection better than its own test: healthy probes leave it untested before a test, degraded after one with a warning", async () => {
    // The Bybit key of this file can withdraw: its test passes with that warning.
    const id = await create({ name: 'by verdict', exchange: 'bybit', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    await waitFor(id, (h) => h.status === 'ok');
    expect((await connection(id)).status).toBe('untested');
    const { result } = await test(id);
    expect(result.outcome).toBe('warning');
    expect((await connection(id)).status).toBe('degraded');
    await new Promise((r) => setTimeout(r, 500)); // more healthy probes
    expect((await connection(id)).status).toBe('degraded');
  });

  it('stops probing a connection once it is disabled', async () => {
    const id = await create({ name: 'bn disabled', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    await waitFor(id, (h) => h.status === 'ok');
    await t.system.app.inject({ method: 'PATCH', url: `${BASE}/${id}`, payload: { enabled: false } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await healthOf(id)).toBeUndefined();
    expect((await connection(id)).status).toBe('disabled');
  });

  // Last: the ban pauses Binance for this whole process for 120 s.
  it('shows an exchange ban in health, and counts exchange calls and pauses in /metrics', async () => {
    const id = await create({ name: 'bn banned', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: SECRET });
    await waitFor(id, (h) => h.status === 'ok');
    sim.control.injectFault({ exchange: 'binance', times: 1, fault: { kind: 'ban', retryAfterSec: 120, status: 418 } });
    const deadline = Date.now() + 8_000;
    let ban: unknown = null;
    while (!ban && Date.now() < deadline) {
      const body = (await t.system.app.inject({ method: 'GET', url: `${BASE}/health` })).json() as { connections: { connectionId: string; ban: unknown }[] };
      ban = body.connections.find((c) => c.connectionId === id)?.ban ?? null;
      if (!ban) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ban).toMatchObject({ banned: true });
    const metrics = (await t.system.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/cts_exchange_requests_total\{exchange="binance",lane="read",outcome="2xx"\} [1-9]/);
    expect(metrics).toMatch(/cts_exchange_requests_total\{exchange="binance",lane="read",outcome="4xx"\} [1-9]/);
    expect(metrics).toMatch(/cts_ratelimit_pauses_total\{exchange="binance",kind="ban"\} [1-9]/);
    expect(metrics).toContain('cts_ratelimit_wait_seconds_bucket');
  });
});
