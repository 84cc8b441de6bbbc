import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedRequest } from '../../simulator/core/request-log.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * A rate-limit pause or ban must outlive the CTS process (issue 12, defect 11): the real server,
 * through ccxt, against the simulator. Health probes every 200 ms keep a steady stream of Binance
 * requests going, so a restart that forgot the pause would show in the simulator's log at once.
 */

let sim: RunningSimulator;
const servers: ServerProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? s.stop('SIGKILL') : Promise.resolve(null))));
  await sim?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function start(dataDir: string): Promise<ServerProcess> {
  const server = startServerProcess(
    {
      CTS_DATA_DIR: dataDir,
      CTS_EXCHANGE_PROXY_URL: sim.url,
      CTS_DEMO_CONNECTION: 'false',
      CTS_HEALTH_INTERVAL_MS: '200',
      CTS_TEST_TIMEOUT_MS: '2000',
    },
    60_000,
  );
  void server.then((s) => servers.push(s));
  return server;
}

async function api(base: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A live Binance connection whose health probes reach the simulator. */
async function liveBinance(base: string): Promise<string> {
  const apiKey = `ctsrl${randomBytes(6).toString('hex')}`;
  const secret = `ctsrlsecret${randomBytes(12).toString('hex')}`;
  sim.control.addAccount('binance', { apiKey, secret, balances: { USDT: '1000' } });
  const created = await api(base, '/api/settings/connections', { name: `rl ${apiKey}`, exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey, apiSecret: secret });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return String(created.body.id);
}

function binanceAfter(seq: number): LoggedRequest[] {
  return sim.control.requests({ exchange: 'binance' }).filter((r) => r.seq > seq);
}

type Pause = { scope: string; until: string; reason: string };

/** Injects one fault, waits until the server has taken the pause it causes, and returns the request it answered. */
async function breach(
  server: ServerProcess,
  fault: { kind: 'rateLimit'; status: 429; retryAfterSec: number } | { kind: 'ban'; status: 418; retryAfterSec: number },
): Promise<LoggedRequest> {
  const before = sim.control.requests({ exchange: 'binance' }).at(-1)?.seq ?? 0;
  sim.control.injectFault({ exchange: 'binance', fault, times: 1 });
  const hit = await until(`the ${fault.status} to be answered`, () => binanceAfter(before).find((r) => r.fault === fault.kind && r.outcome === 'answered'));
  await until('the server to pause', async () => ((await pausesOf(server.url)).length > 0 ? true : undefined));
  return hit;
}

async function pausesOf(base: string): Promise<Pause[]> {
  return ((await api(base, '/api/system/status')).body.rateLimitPauses as Pause[]).filter((p) => p.scope.startsWith('binance|'));
}

describe('rate-limit pauses across a CTS restart', () => {
  it('after a 429 with Retry-After and a SIGTERM restart, nothing is sent before it expires, then requests resume', async () => {
    const dataDir = makeTempDir('cts-rl-');
    dirs.push(dataDir);
    const first = await start(dataDir);
    await liveBinance(first.url);
    await until('health probes to reach Binance', () => (sim.control.requests({ exchange: 'binance' }).length > 3 ? true : undefined));

    // Long enough to outlast a restart on a loaded machine (a tsx start can take 10 s or more).
    const hit = await breach(first, { kind: 'rateLimit', status: 429, retryAfterSec: 30 });
    const expiresAt = hit.receivedAt + 30_000;
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await start(dataDir);
    const pauses = await pausesOf(second.url);
    expect(pauses, 'the restarted process shows the pause').toEqual([expect.objectContaining({ scope: 'binance|ip|local', reason: expect.stringContaining('429') as unknown })]);
    expect(Date.parse(pauses[0]?.until ?? '')).toBeGreaterThanOrEqual(expiresAt);
    expect(Date.now(), 'the restart happened inside the pause').toBeLessThan(expiresAt);

    const resumed = await until('requests to resume after the pause', () => binanceAfter(hit.seq)[0], 60_000);
    expect(resumed.receivedAt, `first request after the 429 (${resumed.path})`).toBeGreaterThanOrEqual(expiresAt);
    expect(await pausesOf(second.url)).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 150_000);

  it('after a 418 ban, a kill -9 and a crash-loop restart send nothing inside the ban, and status and health show it', async () => {
    const dataDir = makeTempDir('cts-ban-');
    dirs.push(dataDir);
    const first = await start(dataDir);
    const connectionId = await liveBinance(first.url);
    await until('health probes to reach Binance', () => (sim.control.requests({ exchange: 'binance' }).length > 3 ? true : undefined));

    // Binance's own Retry-After is 45 s; CTS holds a 418 for at least its two-minute floor.
    const hit = await breach(first, { kind: 'ban', status: 418, retryAfterSec: 45 });
    await first.stop('SIGKILL');
    // A probe admitted before the 418 came back may still have reached the exchange; after the kill nothing may.
    const killedAt = Date.now();

    for (let restart = 0; restart < 2; restart++) {
      const server = await start(dataDir);
      const [pause] = await pausesOf(server.url);
      expect(pause).toMatchObject({ scope: 'binance|ip|local', reason: expect.stringContaining('418') as unknown });
      expect(Date.parse(pause?.until ?? '')).toBeGreaterThanOrEqual(hit.receivedAt + 45_000);
      const health = await api(server.url, '/api/settings/connections/health');
      const entry = (health.body.connections as { connectionId: string; ban: { until: string; banned: boolean } | null }[]).find((c) => c.connectionId === connectionId);
      expect(entry?.ban, 'the connection health shows the ban').toMatchObject({ banned: true });
      // Long enough for ~15 probes at 200 ms had the ban been forgotten.
      await new Promise((r) => setTimeout(r, 3_000));
      const inBan = binanceAfter(hit.seq).filter((r) => r.receivedAt >= killedAt);
      expect(inBan.map((r) => `${r.method} ${r.path} at +${r.receivedAt - hit.receivedAt} ms`)).toEqual([]);
      await server.stop('SIGKILL');
    }
  }, 180_000);
});
