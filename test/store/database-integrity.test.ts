import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { openStore, SQLITE_FILE, sqliteFileState } from '../../src/store/database.js';
import { SqlConnectionRepository } from '../../src/store/connection.repository.js';
import { makeTempDir } from '../support/temp-system.js';

/** Page-level damage is found by `quick_check` when the file opens, before anything writes to it. */
describe('SQLite integrity at open', () => {
  it('opens a sound file with quick_check ok, and refuses it once pages in the middle are overwritten', async () => {
    const dataDir = makeTempDir();
    expect(sqliteFileState(dataDir)).toBe('missing');
    const store = await openStore({ dataDir });
    expect(store.lastIntegrity).toMatchObject({ outcome: 'ok', message: 'quick_check: ok' });
    // Enough rows for several b-tree pages.
    for (let i = 0; i < 200; i++) {
      await store.db.insertInto('cts_meta').values({ key: `filler-${i}`, value: 'x'.repeat(200) }).execute();
    }
    expect(store.checkIntegrity().outcome).toBe('ok');
    await store.close();
    expect(sqliteFileState(dataDir)).toBe('present');

    const file = path.join(dataDir, SQLITE_FILE);
    const fd = openSync(file, 'r+');
    const pages = Math.floor(fstatSync(fd).size / 4096);
    expect(pages).toBeGreaterThan(6);
    writeSync(fd, Buffer.alloc(4096 * 2, 0x5a), 0, 4096 * 2, 4096 * Math.floor(pages / 2));
    closeSync(fd);

    const error = await openStore({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^The database file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(quick_check`));
    expect((error as Error).message).toMatch(/restore the file from your backup/);
  });

  it('knows an empty file from a missing one', async () => {
    const dataDir = makeTempDir();
    closeSync(openSync(path.join(dataDir, SQLITE_FILE), 'w'));
    expect(sqliteFileState(dataDir)).toBe('empty');
    const store = await openStore({ dataDir });
    expect(await new SqlConnectionRepository(store.db).all()).toEqual([]);
    await store.close();
  });
});
