import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveBinance } from '../support/connection-inputs.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * The real server on the machine's Postgres, which keeps running for everyone else (issue 12,
 * defects 12 and 15): CTS's own sessions are terminated by application name, and "unreachable" is a
 * TCP proxy in front of Postgres that this test cuts and restores.
 */

const APP_NAME = `cts_outage_${randomBytes(4).toString('hex')}`;
let schema: { schema: string; drop(): Promise<void> };
let proxy: TcpProxy;
let server: ServerProcess | undefined;
let root: string;

beforeAll(async () => {
  schema = await createTestSchema();
  const target = new URL(POSTGRES_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  root = makeTempDir('cts-pg-outage-');
});

afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
  await proxy?.close();
  await schema?.drop();
  rmSync(root, { recursive: true, force: true });
});

function viaProxy(): string {
  const url = new URL(POSTGRES_URL);
  url.port = String(proxy.port);
  url.searchParams.set('application_name', APP_NAME);
  return url.toString();
}

async function terminateCtsSessions(): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>('select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where application_name = $1', [APP_NAME]);
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(s: ServerProcess): boolean {
  return s.child.exitCode === null && s.child.signalCode === null;
}

describe('a CTS process on PostgreSQL when the database goes away', () => {
  it('survives terminated sessions and an unreachable database: /readyz 503 with the reason, storage writes 503, then 200 again', async () => {
    // A data dir that does not exist yet: with DATABASE_URL nothing else would create it (cts.pid).
    const dataDir = path.join(root, 'not', 'yet', 'there');
    server = await startServerProcess(
      { CTS_DATA_DIR: dataDir, DATABASE_URL: viaProxy(), CTS_PG_SCHEMA: schema.schema, CTS_MASTER_KEY: randomBytes(32).toString('base64'), CTS_CLUSTER_SCAN_MS: '500' },
      60_000,
    );
    expect(existsSync(path.join(dataDir, 'cts.pid'))).toBe(true);
    const base = server.url;
    expect((await get(`${base}/readyz`)).status).toBe(200);

    // 1. The idle-connection reaper / a failover: CTS's sessions die under it.
    expect(await terminateCtsSessions()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(alive(server), server.output()).toBe(true);
    await until('the pool to reconnect', async () => (await get(`${base}/readyz`)).status === 200);
    expect((await get(`${base}/api/settings/connections`)).status).toBe(200);

    // A replay engine keeps storing orders, fills and events while the database goes away.
    const demo = ((await get(`${base}/api/settings/connections`)).body.items as { id: string; mode: string }[]).find((c) => c.mode === 'replay');
    const started = await fetch(`${base}/api/trade-engine/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connectionId: demo?.id, engineId: demo?.id, strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '100' }, symbol: 'XRP/USDT' }),
    });
    expect(started.status, await started.text()).toBe(200);

    // 2. The database is unreachable.
    await proxy.cut();
    let ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const storage = (ready.body.checks as { name: string; outcome: string; message: string }[]).find((c) => c.name === 'storage');
    expect(storage).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/postgres unreachable at postgres:\/\/127\.0\.0\.1:\d+\/test/) as unknown });
    const refused = await fetch(`${base}/api/settings/connections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(liveBinance('during outage')) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { type: string }).type).toMatch(/storage-unavailable$/);
    await new Promise((r) => setTimeout(r, 1_500)); // cluster heartbeats and health writes fail meanwhile
    expect(alive(server), server.output()).toBe(true);
    ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(503);

    // 3. It comes back: the pool dials again, nothing needs a restart.
    await proxy.restore();
    await until('/readyz to answer 200 again', async () => (await get(`${base}/readyz`)).status === 200);
    const created = await fetch(`${base}/api/settings/connections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(liveBinance('after outage')) });
    expect(created.status).toBe(201);
    expect(alive(server)).toBe(true);
    expect((await get(`${base}/api/trade-engine/status/${String(demo?.id)}`)).status).toBe(200);
    expect(server.output()).toMatch(/database unreachable/);
    expect(server.output()).toMatch(/database reachable again/);
    expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
