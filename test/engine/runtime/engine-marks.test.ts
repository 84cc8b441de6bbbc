import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { connectionView, replayEngineService, tempStore, type TestStore } from './support.js';

/**
 * Defect: when an engine stopped, its open position showed unrealized 0 (the status built a portfolio
 * without marks) and the net PnL jumped. The last mark per symbol, with its time, is kept on the engine
 * row: a stopped engine — and a new service over the same store — values the position as at the last tick.
 */

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('the last mark survives a stop and a restart', () => {
  let db: TestStore;
  let clock: ManualClock;
  let engines: EngineService;
  const connections = new Map([['demo', connectionView()]]);

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    engines = replayEngineService({ db, clock, connections, replayCsvPath: CSV });
  });

  afterEach(async () => {
    await engines.shutdown();
    await db.store.close();
  });

  it('keeps unrealized and net PnL, the mark and its time, when stopped and after a restart', async () => {
    // DCA buys every 4 candles and never reaches its take-profit here: a position stays open.
    await engines.start({ connectionId: 'demo', engineId: 'demo', strategy: 'dca', params: { intervalCandles: 4, amountQuote: '50', takeProfitPct: 50 }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } });
    for (let i = 0; i < 20; i++) {
      await clock.advance(1000);
      await settle();
    }
    const running = await engines.status('demo');
    expect(running.state).toBe('running');
    const position = running.positions.find((p) => p.symbol === 'XRP/USDT');
    expect(position?.side).toBe('long');
    expect(position?.markPrice).not.toBeNull();
    expect(position?.markTime).toMatch(/^2021-11-\d\dT\d\d:00:00.000Z$/);
    expect(running.pnl.unrealizedPnl).not.toBe('0');
    expect(running.pnl.unpricedSymbols).toEqual([]);

    const stopped = await engines.stop('demo', { cancelOpenOrders: true });
    expect(stopped.state).toBe('stopped');
    const after = await engines.status('demo');
    expect(after.pnl).toEqual(running.pnl);
    expect(after.positions).toEqual(running.positions);
    expect(after.lastPrice).toBe(running.lastPrice);

    // A new service over the same store (a process restart): the same figures.
    const restarted = replayEngineService({ db, clock, connections, replayCsvPath: CSV });
    const again = await restarted.status('demo');
    expect(again.pnl).toEqual(running.pnl);
    expect(again.positions).toEqual(running.positions);
    await restarted.shutdown();
  });

  it('a position with no known mark says so instead of counting 0', async () => {
    await engines.start({ connectionId: 'demo', engineId: 'demo', strategy: 'dca', params: { intervalCandles: 4, amountQuote: '50', takeProfitPct: 50 }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } });
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      await settle();
    }
    await engines.stop('demo', { cancelOpenOrders: true });
    const record = await db.engines.find('demo');
    expect(record?.marks?.['XRP/USDT']).toMatchObject({ price: expect.any(String), time: expect.any(String) });
    // An engine row written before marks were kept (or whose marks were lost) has none.
    await db.engines.save({ ...(record as NonNullable<typeof record>), marks: {} });
    const status = await engines.status('demo');
    expect(status.positions.find((p) => p.symbol === 'XRP/USDT')).toMatchObject({ markPrice: null, markTime: null, unrealizedPnl: '0' });
    expect(status.pnl.unpricedSymbols).toEqual(['XRP/USDT']);
  });
});
