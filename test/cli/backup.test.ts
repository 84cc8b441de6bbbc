import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretContext } from '../../src/domain/connection.js';
import { unlockSecrets } from '../../src/security/key-manager.js';
import { readKeyFile } from '../../src/security/master-key.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { openStore } from '../../src/store/database.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { liveOkx, SECRETS } from '../support/connection-inputs.js';
import { runProcess, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';

const BASE = '/api/settings/connections';

async function post(url: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${BASE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function cts(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return runProcess(['src/cli/cts.ts', ...args], { CTS_DATA_DIR: dataDir, ...env }, 60_000);
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every file of a data dir with its content hash: "nothing changed" means this is equal before and after. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, sha(path.join(dir, name))]));
}

/** A data dir that already has its own database, key check and a master key other than the backup's. */
async function dataDirWithOtherKey(): Promise<string> {
  const dir = makeTempDir();
  const store = await openStore({ dataDir: dir });
  try {
    expect((await unlockSecrets({ dataDir: dir, envKey: undefined, meta: new MetaRepository(store.db) })).event).toBe('created');
  } finally {
    await store.close();
  }
  return dir;
}

let server: ServerProcess | undefined;
/** Generous: a loaded CI machine can take well over 20 s to start a tsx server process. */
const START_MS = 60_000;
let sourceDir: string;
let backupDir: string;
let backupFile: string;
let connectionId: string;
let backupRun: { code: number | null; output: string };
let concurrentWrites: number[];

beforeAll(async () => {
  sourceDir = makeTempDir();
  backupDir = makeTempDir('cts-backups-');
  backupFile = path.join(backupDir, 'cts-backup.sqlite');
  const running = await startServerProcess({ CTS_DATA_DIR: sourceDir }, START_MS);
  server = running;
  const created = await post(running.url, liveOkx());
  expect(created.status).toBe(201);
  connectionId = String(created.body.id);
  // The backup runs while the server keeps writing; every later test restores this file.
  const writes = Promise.all([1, 2, 3].map((i) => post(running.url, liveOkx(`OKX ${i}`))));
  backupRun = await cts(['backup', backupFile], sourceDir);
  concurrentWrites = (await writes).map((w) => w.status);
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describe('cts backup / cts restore (embedded SQLite)', () => {
  it('backs up a running server with data, online, while it keeps writing', async () => {
    expect(backupRun.code, backupRun.output).toBe(0);
    expect(backupRun.output).toContain('master key is NOT in the backup');
    expect(concurrentWrites).toEqual([201, 201, 201]);

    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(backupDir)).toEqual(['cts-backup.sqlite']); // one self-contained file, no -wal, no partial
    const db = new SQLite(backupFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const row = db.prepare('select api_secret_sealed from connections where id = ?').get(connectionId) as { api_secret_sealed: string };
      const box = new SecretBox(readKeyFile(path.join(sourceDir, 'master.key')));
      expect(box.open(row.api_secret_sealed, secretContext(connectionId, 'apiSecret'))).toBe(SECRETS.apiSecret);
      expect(readFileSync(backupFile).includes(Buffer.from(SECRETS.apiSecret))).toBe(false);
    } finally {
      db.close();
    }
    // Refuses to overwrite an existing backup.
    const again = await cts(['backup', backupFile], sourceDir);
    expect(again.code).toBe(1);
    expect(again.output).toContain('already exists');
  }, 240_000);

  it('refuses to restore while a server holds the data dir, and changes nothing', async () => {
    const before = snapshot(sourceDir);
    const result = await cts(['restore', backupFile], sourceDir);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/CTS is running \(pid \d+\)/);
    expect(snapshot(sourceDir)).toEqual(before);
  }, 120_000);

  it('restores into a fresh data dir with the right key: the server starts and serves the data', async () => {
    const fresh = makeTempDir();
    const noKey = await cts(['restore', backupFile], fresh);
    expect(noKey.code).toBe(1);
    expect(noKey.output).toContain('No master key');
    expect(existsSync(path.join(fresh, 'cts.sqlite'))).toBe(false);

    copyFileSync(path.join(sourceDir, 'master.key'), path.join(fresh, 'master.key'));
    const result = await cts(['restore', backupFile], fresh);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/opened its key check and all [1-9]\d* stored secret/);
    expect(statSync(path.join(fresh, 'cts.sqlite')).mode & 0o777).toBe(0o600);

    const restored = await startServerProcess({ CTS_DATA_DIR: fresh }, START_MS);
    try {
      const res = await fetch(`${restored.url}${BASE}/${connectionId}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { name: string }).name).toBe('OKX main');
    } finally {
      expect(await restored.stop()).toBe(0);
    }
  }, 240_000);

  it('keeps the replaced database as <name>.before-restore-<time> when restoring over one', async () => {
    const dir = makeTempDir();
    copyFileSync(path.join(sourceDir, 'master.key'), path.join(dir, 'master.key'));
    expect((await cts(['restore', backupFile], dir)).code).toBe(0);
    const first = sha(path.join(dir, 'cts.sqlite'));
    const result = await cts(['restore', backupFile], dir);
    expect(result.code, result.output).toBe(0);
    const kept = readdirSync(dir).filter((n) => n.startsWith('cts.sqlite.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(sha(path.join(dir, kept[0] ?? ''))).toBe(first);
    expect(result.output).toContain(kept[0]);
  }, 240_000);

  it('restores over a database a crash left with its write-ahead log: the log stays with the kept copy, never meets the new file', async () => {
    const dir = makeTempDir();
    copyFileSync(path.join(sourceDir, 'master.key'), path.join(dir, 'master.key'));
    const crashed = await startServerProcess({ CTS_DATA_DIR: dir, CTS_ALLOW_NEW_DATABASE: '1' }, START_MS);
    expect((await post(crashed.url, liveOkx('Written before the crash'))).status).toBe(201);
    await crashed.stop('SIGKILL');
    expect(existsSync(path.join(dir, 'cts.sqlite-wal'))).toBe(true);

    const result = await cts(['restore', backupFile], dir);
    expect(result.code, result.output).toBe(0);
    const names = (file: string): string[] => {
      const db = new SQLite(file, { readonly: true });
      try {
        return (db.prepare('select name from connections order by name').all() as { name: string }[]).map((r) => r.name);
      } finally {
        db.close();
      }
    };
    const kept = readdirSync(dir).find((n) => /^cts\.sqlite\.before-restore-[^-]/.test(n) && !n.endsWith('-wal') && !n.endsWith('-shm'));
    expect(names(path.join(dir, kept ?? ''))).toContain('Written before the crash');
    expect(names(path.join(dir, 'cts.sqlite'))).toContain('OKX main');
    expect(names(path.join(dir, 'cts.sqlite'))).not.toContain('Written before the crash');
    expect(existsSync(path.join(dir, 'cts.sqlite-wal'))).toBe(false);
  }, 240_000);

  it('refuses a backup the current master key cannot decrypt, and changes nothing', async () => {
    const dir = await dataDirWithOtherKey();
    const before = snapshot(dir);
    const result = await cts(['restore', backupFile], dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain('does not pass this database\'s key check');
    expect(result.output).toContain('nothing was changed');
    expect(snapshot(dir)).toEqual(before);
  }, 240_000);

  it('refuses a corrupt backup and a file that is not a database, and changes nothing', async () => {
    const dir = await dataDirWithOtherKey();
    copyFileSync(path.join(sourceDir, 'master.key'), path.join(dir, 'master.key'));
    const before = snapshot(dir);

    const damaged = path.join(backupDir, 'damaged.sqlite');
    const bytes = readFileSync(backupFile);
    // Page 1 keeps its header; the schema and the tables' pages after it are overwritten.
    bytes.fill(0xab, 100, Math.min(bytes.length, 4096 * 6));
    writeFileSync(damaged, bytes);
    const corrupt = await cts(['restore', damaged], dir);
    expect(corrupt.code).toBe(1);
    expect(corrupt.output).toMatch(/is not an intact SQLite database/);

    const garbage = path.join(backupDir, 'garbage.sqlite');
    writeFileSync(garbage, 'this is not a database '.repeat(500));
    const notDb = await cts(['restore', garbage], dir);
    expect(notDb.code).toBe(1);
    expect(notDb.output).toMatch(/is not an intact SQLite database \(file is not a database\)/);

    expect(snapshot(dir)).toEqual(before);
  }, 240_000);

  it('with DATABASE_URL set, both commands refuse and print the pg_dump / pg_restore equivalent', async () => {
    const dir = makeTempDir();
    for (const command of ['backup', 'restore']) {
      const result = await cts([command, path.join(backupDir, 'pg.dump')], dir, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
      expect(result.code).toBe(1);
      expect(result.output).toContain(command === 'backup' ? 'pg_dump --format=custom' : 'pg_restore --clean');
    }
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});
