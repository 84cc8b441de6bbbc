import { setImmediate as tick } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BacktestRecord } from '../../../src/engine/backtest/backtest-record.js';
import { BacktestService } from '../../../src/engine/backtest/backtest.service.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { SqlBacktestRepository } from '../../../src/store/backtest.repository.js';
import { openStore, type Store } from '../../../src/store/database.js';
import { makeTempDir } from '../../support/temp-system.js';
import { BUNDLED, sourceDeps } from './support.js';

let store: Store;
let repository: SqlBacktestRepository;

beforeAll(async () => {
  store = await openStore({ dataDir: makeTempDir() });
  repository = new SqlBacktestRepository(store.db);
});
afterAll(async () => store.close());
beforeEach(async () => {
  await store.db.deleteFrom('backtests').execute();
});

function service(sliceCandles: number, repo: SqlBacktestRepository = repository): BacktestService {
  return new BacktestService({ repository: repo, registry: new StrategyRegistry(), sources: sourceDeps(), sliceCandles, now: () => Date.UTC(2026, 0, 1) });
}

/** Holds the first job at its "running" write until released, so the queue can be observed deterministically. */
class HeldRepository extends SqlBacktestRepository {
  release: () => void = () => undefined;
  readonly #held = new Promise<void>((resolve) => (this.release = resolve));
  #first = true;
  override async update(record: BacktestRecord): Promise<void> {
    if (record.status === 'running' && this.#first) {
      this.#first = false;
      await this.#held;
    }
    return super.update(record);
  }
}

describe('backtest service', () => {
  it('reports progress slice by slice while it runs, then the report', async () => {
    const backtests = service(10);
    const { id } = await backtests.start({ strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, data: BUNDLED });
    const seen: number[] = [];
    for (let k = 0; k < 1_000; k++) {
      const view = await backtests.get(id);
      if (view.status === 'completed') break;
      if (view.status === 'running' && view.progress) seen.push(view.progress.done);
      await tick();
    }
    expect(seen.some((done) => done > 0 && done < 100)).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never goes backwards
    await backtests.whenIdle();
    const done = await backtests.get(id);
    expect(done).toMatchObject({ status: 'completed', progress: null, summary: { tradeCount: 3 } });
    expect((await repository.findById(id))?.result).toEqual(done.result);
  });

  it('runs queued jobs one after another', async () => {
    const held = new HeldRepository(store.db);
    const backtests = service(10, held);
    const a = await backtests.start({ strategy: 'dca', data: BUNDLED });
    const b = await backtests.start({ strategy: 'grid', params: { lower: '1.02', upper: '1.12', levels: 11, sizePerLevel: '40' }, data: BUNDLED });
    expect((await backtests.get(a.id)).status).toBe('running');
    expect((await backtests.get(b.id)).status).toBe('queued');
    held.release();
    await backtests.whenIdle();
    expect((await backtests.get(a.id)).status).toBe('completed');
    expect((await backtests.get(b.id)).status).toBe('completed');
  });

  it('on shutdown cancels what is running (stored as failed), and a new process fails what was left unfinished', async () => {
    const backtests = service(1);
    const { id } = await backtests.start({ strategy: 'sma-crossover', data: BUNDLED });
    await tick();
    await backtests.close();
    expect((await repository.findById(id))?.status).toBe('failed');
    expect((await repository.findById(id))?.error).toMatch(/shutting down/);
    await expect(backtests.start({ strategy: 'dca', data: BUNDLED })).rejects.toThrow(/shutting down/);

    await repository.insert({ ...(await repository.findById(id))!, id: '01HLEFTRUNNING000000000000', status: 'running', error: null });
    expect(await service(10).init()).toBe(1);
    expect((await repository.findById('01HLEFTRUNNING000000000000'))?.error).toMatch(/Interrupted/);
  });
});
