import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BacktestRecord } from '../../src/engine/backtest/backtest-record.js';
import { SqlBacktestRepository } from '../../src/store/backtest.repository.js';
import type { Store } from '../../src/store/database.js';
import { useTestStore } from '../support/store-backends.js';

let counter = 0;
function record(overrides: Partial<BacktestRecord> = {}): BacktestRecord {
  counter++;
  return {
    id: `01HBT${String(counter).padStart(21, '0')}`,
    kind: 'backtest',
    status: 'queued',
    strategy: 'sma-crossover',
    symbol: 'XRP/USDT:USDT',
    timeframe: '1h',
    request: { strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' } },
    summary: null,
    result: null,
    error: null,
    createdAt: `2026-01-01T00:00:${String(counter % 60).padStart(2, '0')}.000Z`,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** One suite, on the embedded SQLite and on the real Postgres of this machine, through the real migrations. */
function describeRepository(backend: 'sqlite' | 'postgres'): void {
  describe(`backtest repository on ${backend}`, () => {
    const storeOf = useTestStore(backend);
    let store: Store;
    let repo: SqlBacktestRepository;

    beforeAll(() => {
      store = storeOf();
      repo = new SqlBacktestRepository(store.db);
    });

    beforeEach(async () => {
      await store.db.deleteFrom('backtests').execute();
    });

    it('stores a run and reads it back exactly, report included (decimal strings stay strings)', async () => {
      const r = record();
      await repo.insert(r);
      expect(await repo.findById(r.id)).toEqual(r);
      const done: BacktestRecord = {
        ...r,
        status: 'completed',
        startedAt: '2026-01-01T00:01:00.000Z',
        finishedAt: '2026-01-01T00:02:00.000Z',
        summary: { netProfit: '-2.3850419390866533148', netProfitPct: '-0.2385', maxDrawdownPct: '0.6021', tradeCount: 3, winRate: 0.5, sharpe: -5.262911 },
        result: { result: { netProfit: '-2.3850419390866533148' }, trades: [{ id: 1, pnl: '2.0858676585' }] },
      };
      await repo.update(done);
      expect(await repo.findById(r.id)).toEqual(done);
      expect(await repo.findById('missing')).toBeUndefined();
    });

    it('lists newest first without results, with a total', async () => {
      const a = record({ createdAt: '2026-01-01T00:00:01.000Z' });
      const b = record({ createdAt: '2026-01-01T00:00:02.000Z', kind: 'sweep', result: { results: [] } });
      const c = record({ createdAt: '2026-01-01T00:00:03.000Z' });
      for (const r of [a, b, c]) await repo.insert(r);
      const page = await repo.list({ limit: 2, offset: 0 });
      expect(page.total).toBe(3);
      expect(page.items.map((i) => i.id)).toEqual([c.id, b.id]);
      expect(page.items[0]).not.toHaveProperty('result');
      expect((await repo.list({ limit: 2, offset: 2 })).items.map((i) => i.id)).toEqual([a.id]);
    });

    it('fails runs a stopped process left queued or running, and leaves finished ones alone', async () => {
      const queued = record();
      const running = record({ status: 'running', startedAt: '2026-01-01T00:00:00.000Z' });
      const done = record({ status: 'completed' });
      for (const r of [queued, running, done]) await repo.insert(r);
      expect(await repo.failUnfinished('Interrupted', '2026-01-02T00:00:00.000Z')).toBe(2);
      expect((await repo.findById(running.id))?.status).toBe('failed');
      expect((await repo.findById(running.id))?.error).toBe('Interrupted');
      expect((await repo.findById(done.id))?.status).toBe('completed');
    });
  });
}

describeRepository('sqlite');
describeRepository('postgres');
