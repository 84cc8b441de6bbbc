import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { Dec } from '../../../src/domain/money.js';
import { EngineService } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory, replayPerpetualMarket } from '../../../src/engine/runtime/venue.js';
import { backtest } from '../backtest/support.js';
import { registryWith, scripted } from '../backtest/perp-support.js';
import { connectionView, tempStore, type TestStore } from './support.js';

/**
 * A replay bot on the bundled XRP/USDT:USDT perpetual (the engine runner, the simulated margin
 * account, SQLite, events, a ManualClock) against a backtest over the same candles with the same
 * funding-rate and mark files: the same entry, the same funding payments at every 8 h settlement the
 * position is held through, the same liquidation at the same candle, the same PnL to the last digit.
 */

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');
const SYMBOL = 'XRP/USDT:USDT';
const H = 3_600_000;

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function service(db: TestStore, clock: ManualClock): EngineService {
  const connection = connectionView({ marketTypes: ['spot', 'futures'] });
  return new EngineService({
    connections: {
      get: async (id) => {
        if (id !== connection.id) throw new NotFoundError(`No connection with id ${id}`);
        return connection;
      },
      credentialsFor: async () => undefined,
    },
    strategies: registryWith(scripted()),
    venues: createVenueFactory({ openExchange: () => Promise.reject(new Error('no live exchange in this test')), clock, replayCsvPath: CSV }),
    engines: db.engines,
    orders: db.orders,
    events: new EngineEventBus({ log: db.events }),
    clock,
    random: () => 0.5,
  });
}

/** The backtest of the same bot: the replay account's 10000 USDT, 0.1 % taker fee, no slippage, the replay market's rules, the bundled funding file as it is. */
async function backtestOf(params: Record<string, unknown>, leverage: string) {
  const market = replayPerpetualMarket('XRP/USDT');
  return backtest(
    {
      strategy: 'scripted',
      params,
      symbol: SYMBOL,
      startingBalance: '10000',
      feeRate: '0.001',
      slippageBps: '0',
      exchange: 'binance',
      funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' },
      risk: { leverage, allowShort: true, maxOpenOrders: 10 },
      market: { amountStep: market.amountStep ?? undefined, priceStep: market.priceStep ?? undefined, minAmount: market.minAmount ?? undefined, minCost: market.minCost ?? undefined },
    },
    registryWith(scripted()),
  );
}

describe('a replay bot on a perpetual trades the backtest’s margin account', () => {
  let db: TestStore;
  let clock: ManualClock;
  let engines: EngineService;

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    engines = service(db, clock);
  });

  afterEach(async () => {
    await engines.shutdown();
    await db.store.close();
  });

  async function replay(params: Record<string, unknown>, leverage: string): Promise<void> {
    await engines.start({ connectionId: 'demo', engineId: 'perp', strategy: 'scripted', params, symbol: SYMBOL, risk: { leverage, marginMode: 'isolated', allowShort: true }, options: { replaySpeed: 1 } });
    for (let i = 0; i < 102; i++) {
      await clock.advance(1000);
      await settle();
    }
    expect((await engines.status('perp')).state).toBe('stopped');
  }

  async function events(type: string): Promise<Record<string, unknown>[]> {
    return (await db.events.since(0, { limit: 10_000 })).filter((e) => e.type === type).map((e) => e.payload as Record<string, unknown>);
  }

  it('a 5× isolated short books the funding of every 8 h settlement it holds, as the backtest does', async () => {
    const params = { side: 'short', enterAt: 24, sizeBase: '1000' };
    await replay(params, '5');
    const report = await backtestOf(params, '5');
    const d = report.derivatives;
    expect(d?.liquidations.count).toBe(0);
    expect(d?.funding.count).toBe(9);

    // The entry: the same sell at the same open.
    const fills = (await engines.trades('perp')).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.fee, feeAsset: f.feeAsset, time: f.timestamp }));
    const backtested = report.trades.flatMap((t) => t.fills).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.feeCharged, feeAsset: f.feeAsset, time: Date.parse(f.time) }));
    expect(fills).toEqual(backtested);
    expect(fills[0]).toMatchObject({ side: 'sell', feeAsset: 'USDT' });

    // Funding: every settlement, 8 h apart, stamped with the replayed time, the backtest's amounts.
    const funding = (await db.orders.listFunding('perp')).map((p) => ({ time: p.timestamp, amount: p.amount, rate: p.rate }));
    expect(funding).toEqual(d?.funding.payments.map((p) => ({ time: Date.parse(p.time), amount: p.amount, rate: p.rate })));
    expect(funding.slice(1).every((p, k) => p.time - (funding[k]?.time ?? 0) === 8 * H)).toBe(true);
    const booked = await events('funding.booked');
    expect(booked).toHaveLength(9);
    expect(booked.every((e) => e.timeBasis === 'replay')).toBe(true);
    expect((await events('fill')).every((e) => e.timeBasis === 'replay')).toBe(true);

    // The same money: realized, fees, funding, and the open short valued at the last close.
    const status = await engines.status('perp');
    expect(status.pnl).toMatchObject({ realizedPnl: report.result.realizedPnl, unrealizedPnl: report.result.unrealizedPnl, fees: report.result.feesPaid, funding: report.result.funding });
    const short = status.positions.find((p) => p.symbol === SYMBOL);
    expect(short).toMatchObject({ quantity: '-1000', side: 'short', markSource: 'mark' });
    // Valued on the replayed time, as its candles are: a mark read in 2021, not at the wall clock.
    expect(short?.markTime?.startsWith('2021-11-')).toBe(true);
    // The margin it holds is what the simulated account's wallet has in use: |cost| ÷ 5.
    expect(short?.margin).toBe(new Dec(short?.cost ?? '0').abs().div(5).toFixed());
    expect(await events('position.mismatch')).toEqual([]);

    // Started again: the fresh simulated account holds the books' short at their entry, so the position check agrees.
    await engines.start({ connectionId: 'demo', engineId: 'perp', strategy: 'scripted', params, symbol: SYMBOL, risk: { leverage: '5', marginMode: 'isolated', allowShort: true }, options: { replaySpeed: 1 } });
    for (let i = 0; i < 5; i++) {
      await clock.advance(1000);
      await settle();
    }
    expect((await engines.status('perp')).positions.find((p) => p.symbol === SYMBOL)).toMatchObject({ quantity: '-1000', leverage: '5' });
    expect(await events('position.mismatch')).toEqual([]);
    await engines.stop('perp');
  });

  it('a 15× isolated short books two settlements and is liquidated by the candle the backtest liquidates it at, adopted like a live liquidation', async () => {
    const params = { side: 'short', enterAt: 40, sizeBase: '1000' };
    await replay(params, '15');
    const report = await backtestOf(params, '15');
    const d = report.derivatives;
    const liquidation = d?.liquidations.events[0];
    expect(d?.liquidations.count).toBe(1);
    expect(liquidation).toMatchObject({ time: '2021-11-19T14:00:00.000Z', side: 'short', quantity: '1000', markSource: 'last' });

    // Entry and the liquidation's fill: the same prices, amounts, fees and candles.
    const fills = (await engines.trades('perp')).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.fee, time: f.timestamp }));
    const backtested = report.trades.flatMap((t) => t.fills).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.feeCharged, time: Date.parse(f.time) }));
    expect(fills).toEqual(backtested);
    expect(fills[1]).toMatchObject({ side: 'buy', price: liquidation?.liquidationPrice, fee: liquidation?.fee, time: Date.parse('2021-11-19T14:00:00Z') });

    // Reported and adopted as a live liquidation is: a forced fill, then position.liquidated.
    const forced = (await events('fill')).filter((e) => e.forced === 'liquidation');
    expect(forced).toHaveLength(1);
    expect(forced[0]).toMatchObject({ price: liquidation?.liquidationPrice, amount: '1000', timeBasis: 'replay' });
    const liquidated = await events('position.liquidated');
    expect(liquidated).toHaveLength(1);
    expect(liquidated[0]).toMatchObject({ symbol: SYMBOL, before: '-1000', after: '0', realizedPnl: liquidation?.realizedPnl, fees: liquidation?.fee, timeBasis: 'replay' });

    // Funding at the two settlements before it, as the backtest booked them.
    const funding = (await db.orders.listFunding('perp')).map((p) => ({ time: p.timestamp, amount: p.amount }));
    expect(funding).toEqual(d?.funding.payments.map((p) => ({ time: Date.parse(p.time), amount: p.amount })));
    expect(funding.map((p) => new Date(p.time).toISOString())).toEqual(['2021-11-19T00:00:00.000Z', '2021-11-19T08:00:00.000Z']);

    const status = await engines.status('perp');
    expect(status.pnl).toMatchObject({ realizedPnl: report.result.realizedPnl, unrealizedPnl: '0', fees: report.result.feesPaid, funding: report.result.funding });
    // All its margin is lost, 1000 × entry ÷ 15: the move to the liquidation price, and the rest as the liquidation fee.
    expect(new Dec(liquidation?.loss ?? 'x').eq(new Dec(1000).mul(new Dec(fills[0]?.price ?? 'x')).div(15))).toBe(true);
    expect(status.positions.find((p) => p.symbol === SYMBOL)?.quantity ?? '0').toBe('0');
    expect(await events('position.mismatch')).toEqual([]);
  });

  it('refuses cross margin: each replay bot trades its own simulated account', async () => {
    await expect(
      engines.start({ connectionId: 'demo', engineId: 'cross', strategy: 'scripted', params: { side: 'short', enterAt: 5 }, symbol: SYMBOL, risk: { leverage: '5', marginMode: 'cross', allowShort: true }, options: { replaySpeed: 1 } }),
    ).rejects.toThrow(/cross margin is not simulated in paper and replay/);
  });
});
