import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveOkx, SECRETS } from '../support/connection-inputs.js';
import { runProcess, startServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';

const BASE = '/api/settings/connections';

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

// Each test starts two to four real processes (tsx, the whole server, ccxt): waited for, not timed. On a
// loaded machine four starts took longer than the default 30 s.
describe('the real server process', { timeout: 120_000 }, () => {
  it('keeps connections across a restart, stops with exit 0 on SIGTERM and SIGINT, and keeps its key private', async () => {
    const dataDir = makeTempDir();
    const first = await startServerProcess({ CTS_DATA_DIR: dataDir });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const demo = await json(`${first.url}${BASE}`);
    expect((demo.body.items as { name: string; mode: string }[])[0]).toMatchObject({ name: 'Demo (replay)', mode: 'replay' });
    const created = await json(`${first.url}${BASE}`, { method: 'POST', body: JSON.stringify(liveOkx()) });
    expect(created.status).toBe(201);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const second = await startServerProcess({ CTS_DATA_DIR: dataDir });
    const again = await json(`${second.url}${BASE}/${String(created.body.id)}`);
    expect(again.status).toBe(200);
    // Health probing may have moved the status (its exchange is unreachable here); the rest is intact.
    expect({ ...again.body, status: 'x' }).toEqual({ ...created.body, status: 'x' });
    const list = await json(`${second.url}${BASE}`);
    expect(list.body.total).toBe(2); // the demo connection is seeded once, not again
    expect(await second.stop('SIGINT')).toBe(0);
    expect(second.output()).not.toContain(SECRETS.apiSecret);
  });

  it('refuses to start with a wrong or missing master key, and never serves plaintext', async () => {
    const dataDir = makeTempDir();
    const first = await startServerProcess({ CTS_DATA_DIR: dataDir });
    await json(`${first.url}${BASE}`, { method: 'POST', body: JSON.stringify(liveOkx()) });
    expect(await first.stop()).toBe(0);
    const keyFile = path.join(dataDir, 'master.key');
    const original = readFileSync(keyFile, 'utf8');

    writeFileSync(keyFile, JSON.stringify({ version: 1, key: Buffer.alloc(32, 7).toString('base64') }), { mode: 0o600 });
    const wrong = await runProcess(['src/main.ts'], { CTS_DATA_DIR: dataDir, CTS_PORT: '0' });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/does not match this database/);

    rmSync(keyFile);
    const missing = await runProcess(['src/main.ts'], { CTS_DATA_DIR: dataDir, CTS_PORT: '0' });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/no master key was found/);

    writeFileSync(keyFile, original, { mode: 0o600 });
    const restored = await startServerProcess({ CTS_DATA_DIR: dataDir });
    expect((await json(`${restored.url}${BASE}`)).body.total).toBe(2);
    expect(await restored.stop()).toBe(0);
  });

  it('refuses to bind beyond loopback without an admin token', async () => {
    const result = await runProcess(['src/main.ts'], { CTS_DATA_DIR: makeTempDir(), CTS_HOST: '0.0.0.0', CTS_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/CTS_ADMIN_TOKEN/);
  });
});

describe('cts rotate-key', () => {
  it('re-encrypts every secret under a new key; the server then starts with the new key only', async () => {
    const dataDir = makeTempDir();
    const server = await startServerProcess({ CTS_DATA_DIR: dataDir });
    const created = await json(`${server.url}${BASE}`, { method: 'POST', body: JSON.stringify(liveOkx()) });
    const refused = await runProcess(['src/cli/cts.ts', 'rotate-key'], { CTS_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/stop it before rotating/);
    expect(await server.stop()).toBe(0);

    const keyFile = path.join(dataDir, 'master.key');
    const oldKey = readFileSync(keyFile, 'utf8');
    const rotated = await runProcess(['src/cli/cts.ts', 'rotate-key'], { CTS_DATA_DIR: dataDir });
    expect(rotated.output).toMatch(/from version 1 to 2; re-encrypted the secrets of 2 connection/);
    expect(rotated.code).toBe(0);
    expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const after = await startServerProcess({ CTS_DATA_DIR: dataDir });
    const same = await json(`${after.url}${BASE}/${String(created.body.id)}`);
    expect(same.body.apiKey).toEqual(created.body.apiKey);
    expect(await after.stop()).toBe(0);

    writeFileSync(keyFile, oldKey, { mode: 0o600 });
    const withOld = await runProcess(['src/main.ts'], { CTS_DATA_DIR: dataDir, CTS_PORT: '0' });
    expect(withOld.code).toBe(1);
  });
});
