import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { KEY_CHECK_META, passesCheck, unlockSecrets, type UnlockResult } from '../../src/security/key-manager.js';
import { rotateMasterKey } from '../../src/security/key-rotation.js';
import {
  createKeyFileOnce,
  formatMasterKeyText,
  generateMasterKey,
  MASTER_KEY_FILE,
  readKeyFile,
  writeKeyFile,
} from '../../src/security/master-key.js';
import { SecretBox, type MasterKey } from '../../src/security/secret-box.js';
import { openStore, type Store } from '../../src/store/database.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { runProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';
import { PROBE_CONTEXT, PROBE_PLAINTEXT } from './support/unlock-process.js';

/** Several processes starting at once on one new database: one key becomes the installation's. */

const OPENERS = 5;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** Where the shared database lives: one SQLite file (in its own directory) or one Postgres schema. */
type Backend = { name: 'sqlite'; databaseDir: string } | { name: 'postgres'; schema: string };

async function backend(name: 'sqlite' | 'postgres'): Promise<Backend> {
  if (name === 'sqlite') return { name, databaseDir: makeTempDir('cts-keyrace-db-') };
  const created = await createTestSchema();
  cleanups.push(() => created.drop());
  return { name, schema: created.schema };
}

/** Every store has its own connection (Postgres: its own pool) to the one shared database. */
async function openOn(target: Backend, dataDir: string): Promise<Store> {
  const store = await openStore(
    target.name === 'sqlite' ? { dataDir: target.databaseDir } : { dataDir, databaseUrl: POSTGRES_URL, pgSchema: target.schema },
  );
  cleanups.push(() => store.close());
  return store;
}

async function metaOn(target: Backend, dataDir: string): Promise<MetaRepository> {
  return new MetaRepository((await openOn(target, dataDir)).db);
}

/** Opened one after another (the migrations are not the race here), then unlocked all at once. */
async function unlockAtOnce(
  target: Backend,
  openers: { dataDir: string; envKey: string | undefined }[],
): Promise<PromiseSettledResult<UnlockResult>[]> {
  const metas: MetaRepository[] = [];
  for (const opener of openers) metas.push(await metaOn(target, opener.dataDir));
  return Promise.allSettled(openers.map((opener, i) => unlockSecrets({ ...opener, meta: metas[i] as MetaRepository })));
}

function fulfilled(results: PromiseSettledResult<UnlockResult>[]): UnlockResult[] {
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

function rejectedMessages(results: PromiseSettledResult<UnlockResult>[]): string[] {
  return results.flatMap((r) => {
    if (r.status === 'fulfilled') return [];
    expect(r.reason).toBeInstanceOf(ConfigError);
    return [(r.reason as Error).message];
  });
}

function expectInteroperable(boxes: SecretBox[]): void {
  for (const sealer of boxes) {
    const sealed = sealer.seal('api-secret', 'connection:x:apiSecret');
    for (const opener of boxes) expect(opener.open(sealed, 'connection:x:apiSecret')).toBe('api-secret');
  }
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`first start with several openers at once (${name})`, () => {
    it('all openers with the same key start, and what one seals the others open', async () => {
      const target = await backend(name);
      const key = formatMasterKeyText(generateMasterKey(1));
      const results = await unlockAtOnce(
        target,
        Array.from({ length: OPENERS }, () => ({ dataDir: makeTempDir('cts-keyrace-'), envKey: key })),
      );
      const started = fulfilled(results);
      expect(started).toHaveLength(OPENERS);
      expect(started.every((s) => s.event === 'verified')).toBe(true);
      expectInteroperable(started.map((s) => s.box));
    });

    it('with a different key each, exactly one key wins and every other opener refuses without revealing a key', async () => {
      const target = await backend(name);
      const keys = Array.from({ length: OPENERS }, () => generateMasterKey(1));
      const results = await unlockAtOnce(
        target,
        keys.map((k) => ({ dataDir: makeTempDir('cts-keyrace-'), envKey: formatMasterKeyText(k) })),
      );
      expect(fulfilled(results)).toHaveLength(1);
      const messages = rejectedMessages(results);
      expect(messages).toHaveLength(OPENERS - 1);
      for (const message of messages) {
        expect(message).toMatch(/does not match this database/);
        for (const k of keys) expect(message).not.toContain(k.key.toString('base64'));
      }
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      const check = await (await metaOn(target, makeTempDir('cts-keyrace-'))).get(KEY_CHECK_META);
      expect(check).toBeDefined();
      keys.forEach((k, i) => expect(passesCheck(k, check ?? '')).toBe(i === winner));
    });

    it('openers that each generate their own key file (separate data dirs): one starts, the others refuse', async () => {
      const target = await backend(name);
      const dirs = Array.from({ length: OPENERS }, () => makeTempDir('cts-keyrace-'));
      const results = await unlockAtOnce(target, dirs.map((dataDir) => ({ dataDir, envKey: undefined })));
      const started = fulfilled(results);
      expect(started).toHaveLength(1);
      expect(started[0]?.event).toBe('created');
      const messages = rejectedMessages(results);
      expect(messages.every((m) => /does not match this database/.test(m)), messages.join(" | ")).toBe(true);
    });

    it('openers sharing a data dir without a key file agree on one generated key', async () => {
      const target = await backend(name);
      const dataDir = makeTempDir('cts-keyrace-');
      const results = await unlockAtOnce(target, Array.from({ length: OPENERS }, () => ({ dataDir, envKey: undefined })));
      const started = fulfilled(results);
      expect(started).toHaveLength(OPENERS);
      expect(started.filter((s) => s.event === 'created')).toHaveLength(1);
      expectInteroperable([...started.map((s) => s.box), new SecretBox(readKeyFile(path.join(dataDir, MASTER_KEY_FILE)))]);
      expect(readdirSync(dataDir).filter((f) => f.startsWith(MASTER_KEY_FILE))).toEqual([MASTER_KEY_FILE]);
    });

    it('a key rotation still replaces the recorded check deliberately', async () => {
      const target = await backend(name);
      const dataDir = makeTempDir('cts-keyrace-');
      const store = await openOn(target, dataDir);
      const meta = new MetaRepository(store.db);
      const first = await unlockSecrets({ dataDir, envKey: undefined, meta });
      const oldKey = readKeyFile(path.join(dataDir, MASTER_KEY_FILE));
      const rotated = await rotateMasterKey({ db: store.db, current: first.box, dataDir });
      expect(rotated.toVersion).toBe(2);
      const newKey = readKeyFile(path.join(dataDir, MASTER_KEY_FILE));
      const check = (await meta.get(KEY_CHECK_META)) ?? '';
      expect(passesCheck(newKey, check)).toBe(true);
      expect(passesCheck(oldKey, check)).toBe(false);
      expect((await unlockSecrets({ dataDir, envKey: undefined, meta })).box.keyVersion).toBe(2);
      await expect(unlockSecrets({ dataDir, envKey: formatMasterKeyText(oldKey), meta })).rejects.toThrow(/does not match this database/);
    });
  });
}

describe('key file creation', () => {
  it('never replaces an existing key file: the key already there is answered, and no temp file is left', () => {
    const dir = makeTempDir('cts-keyfile-');
    const file = path.join(dir, MASTER_KEY_FILE);
    const first = generateMasterKey(1);
    writeKeyFile(file, first);
    const before = readFileSync(file, 'utf8');
    const second = createKeyFileOnce(file, generateMasterKey(1));
    expect(second.created).toBe(false);
    expect(second.key.key.equals(first.key)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual([MASTER_KEY_FILE]);
  });

  it('creates the file with mode 0600 when the name is free', () => {
    const dir = makeTempDir('cts-keyfile-');
    const file = path.join(dir, MASTER_KEY_FILE);
    const key = generateMasterKey(1);
    expect(createKeyFileOnce(file, key)).toEqual({ key, created: true });
    expect(readKeyFile(file).key.equals(key.key)).toBe(true);
    expect(readdirSync(dir)).toEqual([MASTER_KEY_FILE]);
  });

  it('refuses a corrupt existing key file instead of replacing it', () => {
    const dir = makeTempDir('cts-keyfile-');
    const file = path.join(dir, MASTER_KEY_FILE);
    writeFileSync(file, 'garbage', { mode: 0o600 });
    expect(() => createKeyFileOnce(file, generateMasterKey(1))).toThrow(/not a CTS master key file/);
    expect(readFileSync(file, 'utf8')).toBe('garbage');
  });
});

describe('separate processes unlocking at the same instant (Postgres)', () => {
  const PROCESSES = 4;

  interface Outcome {
    ok: boolean;
    event?: string;
    probe?: string;
    message?: string;
  }

  async function runAtOnce(schema: string, dataDirs: string[], envKeys: (string | undefined)[] = []): Promise<Outcome[]> {
    // Far enough ahead for every process to load and migrate first, so the unlocks overlap.
    const unlockAt = String(Date.now() + 8_000);
    const runs = await Promise.all(
      dataDirs.map((dataDir, i) => {
        const envKey = envKeys[i];
        return runProcess(
          ['test/security/support/unlock-process.ts'],
          {
            CTS_DATA_DIR: dataDir,
            DATABASE_URL: POSTGRES_URL,
            CTS_PG_SCHEMA: schema,
            UNLOCK_AT: unlockAt,
            ...(envKey ? { CTS_MASTER_KEY: envKey } : {}),
          },
          60_000,
        );
      }),
    );
    return runs.map((run) => {
      const line = /^UNLOCK (.+)$/m.exec(run.output)?.[1];
      if (line === undefined) throw new Error(`the process printed no outcome (exit ${String(run.code)}):\n${run.output}`);
      return JSON.parse(line) as Outcome;
    });
  }

  function opens(key: MasterKey, probe: string | undefined): boolean {
    try {
      return new SecretBox(key).open(probe ?? '', PROBE_CONTEXT) === PROBE_PLAINTEXT;
    } catch {
      return false;
    }
  }

  it('processes sharing a data dir without a key file all start with the one key written there', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const dataDir = makeTempDir('cts-keyrace-');
    const outcomes = await runAtOnce(schema, Array.from({ length: PROCESSES }, () => dataDir));
    expect(outcomes.map((o) => o.ok)).toEqual(Array.from({ length: PROCESSES }, () => true));
    expect(outcomes.filter((o) => o.event === 'created')).toHaveLength(1);
    const key = readKeyFile(path.join(dataDir, MASTER_KEY_FILE));
    for (const outcome of outcomes) expect(opens(key, outcome.probe)).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.startsWith(MASTER_KEY_FILE))).toEqual([MASTER_KEY_FILE]);
  }, 120_000);

  it('processes each generating a key file in its own data dir: exactly one starts, the others refuse', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const dirs = Array.from({ length: PROCESSES }, () => makeTempDir('cts-keyrace-'));
    const outcomes = await runAtOnce(schema, dirs);
    const winners = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = winners[0] ?? -1;
    const winnerKey = readKeyFile(path.join(dirs[winner] ?? '', MASTER_KEY_FILE));
    expect(opens(winnerKey, outcomes[winner]?.probe)).toBe(true);
    // A process that reads the check after the winner recorded it finds no key of its own to try.
    outcomes.forEach((o, i) => {
      if (i !== winner) expect(o.message).toMatch(/does not match this database|no master key was found/);
    });
  }, 120_000);

  it('processes with different CTS_MASTER_KEYs: exactly one starts, every other refuses', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const keys = Array.from({ length: PROCESSES }, () => formatMasterKeyText(generateMasterKey(1)));
    const outcomes = await runAtOnce(schema, keys.map(() => makeTempDir('cts-keyrace-')), keys);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    for (const o of outcomes.filter((x) => !x.ok)) {
      expect(o.message).toMatch(/does not match this database/);
      for (const k of keys) expect(o.message).not.toContain(k);
    }
  }, 120_000);
});
