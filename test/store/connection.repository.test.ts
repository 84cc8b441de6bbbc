import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionRecord, ConnectionRepository } from '../../src/domain/connection.js';
import { ConflictError } from '../../src/domain/errors.js';
import { CachedConnectionRepository } from '../../src/store/cached-connection.repository.js';
import { SqlConnectionRepository } from '../../src/store/connection.repository.js';
import { appliedMigrations, type Store } from '../../src/store/database.js';
import { LATEST_MIGRATION } from '../../src/store/migrations/index.js';
import { MetaRepository } from '../../src/store/meta.repository.js';
import { useTestStore } from '../support/store-backends.js';

function record(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const id = overrides.id ?? `01H${randomBytes(12).toString('hex').toUpperCase().replace(/[ILOU]/g, 'A').slice(0, 23)}`;
  return {
    id,
    name: `conn-${id}`,
    exchange: 'binance',
    marketTypes: ['spot'],
    mode: 'live',
    enabled: true,
    status: 'untested',
    sealed: { apiKey: 'v1.a.b.c', apiSecret: 'v1.d.e.f', passphrase: null },
    apiKeyPreview: { mask: 'abcd…wxyz', fingerprint: '0123abcd' },
    keyVersion: 1,
    rateLimitTier: null,
    lastTestAt: null,
    lastTestResult: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** One suite, run against the embedded SQLite and against the real Postgres of this machine. */
function describeRepository(backend: 'sqlite' | 'postgres', cached = false): void {
  describe(`connection repository on ${backend}${cached ? ' behind the in-memory cache' : ''}`, () => {
    const storeOf = useTestStore(backend);
    let store: Store;
    let repo: ConnectionRepository;

    beforeAll(() => {
      store = storeOf();
      repo = cached ? new CachedConnectionRepository(new SqlConnectionRepository(store.db)) : new SqlConnectionRepository(store.db);
    });

    beforeEach(async () => {
      // Through the repository, so a cache in front of it sees the deletions too.
      for (const r of await repo.all()) await repo.delete(r.id);
    });

    it('runs every migration', async () => {
      expect(store.backend).toBe(backend);
      expect((await appliedMigrations(store)).at(-1)).toBe(LATEST_MIGRATION);
    });

    it('stores and reads back a record exactly', async () => {
      const r = record({
        marketTypes: ['spot', 'margin'],
        lastTestAt: '2026-01-02T00:00:00.000Z',
        lastTestResult: { outcome: 'warning', summary: 'w', startedAt: '2026-01-02T00:00:00.000Z', durationMs: 12, simulated: false, steps: [] },
      });
      await repo.insert(r);
      expect(await repo.findById(r.id)).toEqual(r);
      expect(await repo.findByName(r.name)).toEqual(r);
      expect(await repo.findById('missing')).toBeUndefined();
    });

    it('updates and deletes', async () => {
      const r = record();
      await repo.insert(r);
      const changed = { ...r, rateLimitTier: 'pro' as const, name: 'renamed', enabled: false, status: 'disabled' as const, sealed: { ...r.sealed, passphrase: 'v1.x.y.z' } };
      await repo.update(changed);
      expect(await repo.findById(r.id)).toEqual(changed);
      expect(await repo.delete(r.id)).toBe(true);
      expect(await repo.delete(r.id)).toBe(false);
    });

    it('enforces unique names at the database', async () => {
      await repo.insert(record({ name: 'dup' }));
      await expect(repo.insert(record({ name: 'dup' }))).rejects.toThrow(ConflictError);
      const other = record({ name: 'other' });
      await repo.insert(other);
      await expect(repo.update({ ...other, name: 'dup' })).rejects.toThrow(ConflictError);
    });

    it('filters and paginates with a total', async () => {
      await repo.insert(record({ name: 'a', createdAt: '2026-01-01T00:00:01.000Z' }));
      await repo.insert(record({ name: 'b', exchange: 'okx', marketTypes: ['spot', 'swap'], createdAt: '2026-01-01T00:00:02.000Z' }));
      await repo.insert(record({ name: 'c', enabled: false, status: 'disabled', mode: 'paper', createdAt: '2026-01-01T00:00:03.000Z' }));
      const names = async (f: Parameters<typeof repo.list>[0], limit = 10, offset = 0): Promise<string[]> =>
        (await repo.list(f, { limit, offset })).items.map((i) => i.name);
      expect(await names({})).toEqual(['a', 'b', 'c']);
      expect(await names({ exchange: 'okx' })).toEqual(['b']);
      expect(await names({ enabled: false })).toEqual(['c']);
      expect(await names({ status: 'disabled' })).toEqual(['c']);
      expect(await names({ mode: 'paper' })).toEqual(['c']);
      expect(await names({ marketType: 'swap' })).toEqual(['b']);
      expect(await names({}, 1, 1)).toEqual(['b']);
      expect((await repo.list({}, { limit: 1, offset: 0 })).total).toBe(3);
    });

    it('records a test result only on the version that was tested, and counts by status', async () => {
      const r = record({ name: 'tested' });
      await repo.insert(r);
      const result = { outcome: 'ok' as const, summary: 'ok', startedAt: '2026-01-03T00:00:00.000Z', durationMs: 3, simulated: false, steps: [] };
      expect(await repo.recordTest(r.id, { status: 'ok', lastTestAt: result.startedAt, lastTestResult: result }, 'not-the-version')).toBe(false);
      expect((await repo.findById(r.id))?.status).toBe('untested');
      expect(await repo.recordTest(r.id, { status: 'ok', lastTestAt: result.startedAt, lastTestResult: result }, r.updatedAt)).toBe(true);
      expect(await repo.findById(r.id)).toMatchObject({ status: 'ok', lastTestAt: result.startedAt, lastTestResult: result });
      await repo.insert(record({ name: 'off', enabled: false, status: 'disabled' }));
      await repo.updateStatusIfEnabled(r.id, 'degraded');
      const off = await repo.findByName('off');
      await repo.updateStatusIfEnabled(off?.id ?? '', 'ok');
      expect((await repo.findById(r.id))?.status).toBe('degraded');
      expect((await repo.findByName('off'))?.status).toBe('disabled');
      expect(await repo.countByStatus()).toEqual({ degraded: 1, disabled: 1 });
    });

    it('keeps meta values', async () => {
      const meta = new MetaRepository(store.db);
      await meta.set('k', 'v1');
      await meta.set('k', 'v2');
      expect(await meta.get('k')).toBe('v2');
      expect(await meta.get('missing')).toBeUndefined();
    });
  });
}

describeRepository('sqlite');
describeRepository('postgres');
describeRepository('sqlite', true);
