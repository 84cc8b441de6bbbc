import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRecord } from '../../src/engine/runtime/ports.js';
import { SqlEngineRepository } from '../../src/store/engine.repository.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-system.js';

/** The engine row's last marks (migration 0007), the same on SQLite and Postgres. */

const record: EngineRecord = {
  id: 'eng-marks',
  connectionId: 'conn-marks',
  strategy: 'dca',
  params: {},
  symbol: 'XRP/USDT',
  timeframe: '1h',
  risk: { maxOpenOrders: 10, allowShort: false },
  options: { cancelOrdersOnStop: true, cancelOrdersOnShutdown: false, resumeOnRestart: true, maxConsecutiveFailures: 5, replaySpeed: 10 },
  state: 'stopped',
  startedAt: null,
  stoppedAt: null,
  lastHeartbeatAt: null,
  lastError: null,
  resume: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`engine marks on ${backend}`, () => {
    let store: Store;
    let engines: SqlEngineRepository;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      if (backend === 'postgres') {
        const schema = await createTestSchema();
        drop = schema.drop;
        store = await openStore({ dataDir: makeTempDir(), databaseUrl: POSTGRES_URL, pgSchema: schema.schema });
      } else store = await openStore({ dataDir: makeTempDir() });
      engines = new SqlEngineRepository(store.db);
    });

    afterAll(async () => {
      await store.close();
      await drop?.();
    });

    it('round-trips the marks of every symbol exactly; a row without marks reads back without them', async () => {
      await engines.save(record);
      expect(await engines.find(record.id)).toEqual(record);
      const marks = {
        'XRP/USDT': { price: '1.07925', time: '2021-11-17T02:00:00.000Z', rules: { amountStep: '0.1', minAmount: '0.1', minCost: '5' } },
        'BTC/USDT': { price: '60000.01', time: '2021-11-16T00:00:00.000Z' },
      };
      await engines.save({ ...record, marks });
      expect((await engines.find(record.id))?.marks).toEqual(marks);
    });

    it('drops damaged entries instead of failing the engine row', async () => {
      await engines.save(record);
      await store.db
        .updateTable('engines')
        .set({ marks: JSON.stringify({ 'XRP/USDT': { price: 'abc', time: 'x' }, 'ETH/USDT': { price: '3000', time: '2021-11-16T00:00:00.000Z' } }) })
        .where('id', '=', record.id)
        .execute();
      expect((await engines.find(record.id))?.marks).toEqual({ 'ETH/USDT': { price: '3000', time: '2021-11-16T00:00:00.000Z' } });
      await store.db.updateTable('engines').set({ marks: '{not json' }).where('id', '=', record.id).execute();
      expect((await engines.find(record.id))?.marks).toEqual({});
    });
  });
}
