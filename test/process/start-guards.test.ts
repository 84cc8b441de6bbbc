import { closeSync, cpSync, fstatSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { liveOkx } from '../support/connection-inputs.js';
import { runProcess, startServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';

/** What a start must refuse, or survive, about the data it finds (issue 12, defect 15): the real server process. */

const BASE = '/api/settings/connections';
const env = (dataDir: string, extra: Record<string, string> = {}): Record<string, string> => ({ CTS_DATA_DIR: dataDir, CTS_PORT: '0', ...extra });

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** An installation with a master key, the demo connection and one live connection; returns that connection's id. */
async function installation(dataDir: string): Promise<string> {
  const server = await startServerProcess({ CTS_DATA_DIR: dataDir }, 60_000);
  const created = await json(`${server.url}${BASE}`, { method: 'POST', body: JSON.stringify(liveOkx()) });
  expect(created.status).toBe(201);
  expect(await server.stop('SIGTERM')).toBe(0);
  return String(created.body.id);
}

describe('start-up guards on the data directory', () => {
  it('refuses an empty or missing cts.sqlite beside an existing master key, unless CTS_ALLOW_NEW_DATABASE=1', async () => {
    const dataDir = makeTempDir('cts-lost-');
    await installation(dataDir);
    const file = path.join(dataDir, 'cts.sqlite');

    truncateSync(file, 0);
    const empty = await runProcess(['src/main.ts'], env(dataDir), 60_000);
    expect(empty.code).toBe(1);
    expect(empty.output).toMatch(/holds a master key \(master\.key\) but its database cts\.sqlite is empty/);
    expect(empty.output).toMatch(/CTS_ALLOW_NEW_DATABASE=1/);

    rmSync(file);
    const missing = await runProcess(['src/main.ts'], env(dataDir), 60_000);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/cts\.sqlite is missing/);

    const fresh = await startServerProcess({ CTS_DATA_DIR: dataDir, CTS_ALLOW_NEW_DATABASE: '1' }, 60_000);
    expect((await json(`${fresh.url}${BASE}`)).body.total).toBe(1); // only the newly seeded demo connection
    expect(await fresh.stop()).toBe(0);
    // Begun afresh on purpose: from now on it is the installation, and starts without the flag.
    const again = await startServerProcess({ CTS_DATA_DIR: dataDir }, 60_000);
    expect((await json(`${again.url}${BASE}`)).body.total).toBe(1);
    expect(await again.stop(), again.output()).toBe(0);
  }, 240_000);

  it('refuses a database file with damaged pages, with a message naming the file; the undamaged original starts', async () => {
    const dataDir = makeTempDir('cts-corrupt-');
    await installation(dataDir);
    const damaged = makeTempDir('cts-corrupt-copy-');
    cpSync(dataDir, damaged, { recursive: true });
    rmSync(path.join(damaged, 'cts.pid'), { force: true });
    const file = path.join(damaged, 'cts.sqlite');
    const fd = openSync(file, 'r+');
    try {
      const pages = Math.floor(fstatSync(fd).size / 4096);
      expect(pages).toBeGreaterThan(4);
      // Garbage over three pages in the middle (not the header page, which SQLite would reject at open).
      const garbage = Buffer.alloc(4096 * 3, 0xa5);
      writeSync(fd, garbage, 0, garbage.length, 4096 * Math.floor(pages / 2 - 1));
    } finally {
      closeSync(fd);
    }
    const refused = await runProcess(['src/main.ts'], env(damaged), 60_000);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`The database file ${file} is damaged`);
    expect(refused.output).toMatch(/restore the file from your backup/);

    const original = await startServerProcess({ CTS_DATA_DIR: dataDir }, 60_000);
    const ready = await json(`${original.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((ready.body.checks as { name: string; outcome: string; message: string }[]).find((c) => c.name === 'integrity')).toMatchObject({ outcome: 'ok', message: expect.stringMatching(/^quick_check: ok/) as unknown });
    expect(await original.stop()).toBe(0);
  }, 240_000);

  it('fails a malformed engine row alone: the server starts, that engine shows error naming the field, the others read normally', async () => {
    const dataDir = makeTempDir('cts-badrow-');
    const goodId = await installation(dataDir);
    const db = new SQLite(path.join(dataDir, 'cts.sqlite'));
    const demoId = (db.prepare("select id from connections where mode = 'replay'").get() as { id: string }).id;
    const now = new Date().toISOString();
    const insert = db.prepare(
      'insert into engines (id, connection_id, state, strategy, params, symbol, timeframe, risk, options, resume, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run(demoId, demoId, 'running', 'sma-crossover', '{"fast": 2, "slow":', 'XRP/USDT', '1h', '{}', '{}', 1, now, now);
    insert.run(goodId, goodId, 'stopped', 'sma-crossover', '{"fast":2,"slow":4}', 'BTC/USDT', '1h', '{}', '{}', 0, now, now);
    db.close();

    const server = await startServerProcess({ CTS_DATA_DIR: dataDir }, 60_000);
    const bad = await json(`${server.url}/api/trade-engine/status/${demoId}`);
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ state: 'error', lastError: expect.stringContaining('field `params` is not valid JSON') as unknown });
    expect(String(bad.body.lastError)).toContain(demoId);
    const good = await json(`${server.url}/api/trade-engine/status/${goodId}`);
    expect(good.body).toMatchObject({ state: 'stopped', params: { fast: 2, slow: 4 } });
    expect((await json(`${server.url}/api/trade-engine/status-all`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/stored row of engine \S+ \(connection \S+\) is malformed/);

    const after = new SQLite(path.join(dataDir, 'cts.sqlite'), { readonly: true });
    const events = after.prepare("select engine_id, payload from engine_events where type = 'engine.record_invalid'").all() as { engine_id: string; payload: string }[];
    after.close();
    expect(events).toHaveLength(1);
    expect(events[0]?.engine_id).toBe(demoId);
    expect(events[0]?.payload).toContain('params');
  }, 240_000);
});
