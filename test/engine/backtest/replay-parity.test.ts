import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { replayMarket } from '../../../src/engine/runtime/venue.js';
import { connectionView, replayEngineService, tempStore, type TestStore } from '../runtime/support.js';
import { BUNDLED, backtest } from './support.js';

/**
 * The same strategy, on the same candles, in replay mode on the engine (the engine runner, the simulated
 * exchange, SQLite, events, a ManualClock) and as a backtest (the backtest's synchronous loop over the
 * fill simulator) produces the same fills: same sides, prices, amounts, fees and candles.
 */

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');
const CASES: { strategy: string; params: Record<string, unknown>; risk?: Record<string, unknown> }[] = [
  { strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' } },
  // Stops fire on candles where the strategy says nothing: both paths must check risk every candle.
  { strategy: 'sma-crossover', params: { fast: 5, slow: 20, sizeQuote: '100' }, risk: { stopLossPct: 0.5, takeProfitPct: 1 } },
  // Stops resting in the simulated account fire inside a candle; the trailing stop moves them every candle.
  { strategy: 'sma-crossover', params: { fast: 5, slow: 20, sizeQuote: '100' }, risk: { stopLossPct: 2, trailingStopPct: 0.8, trailingStopActivationPct: 0.3 } },
  { strategy: 'rsi-mean-reversion', params: { period: 7, oversold: 35, overbought: 65, sizeQuote: '100' } },
  { strategy: 'dca', params: { intervalCandles: 8, amountQuote: '50', takeProfitPct: 2 } },
  { strategy: 'grid', params: { lower: '1.02', upper: '1.12', levels: 11, sizePerLevel: '40' } },
];

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('replay on the engine and backtest give the same trades', () => {
  let db: TestStore;
  let clock: ManualClock;
  let engines: EngineService;

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    engines = replayEngineService({ db, clock, connections: new Map([['demo', connectionView()]]), replayCsvPath: CSV });
  });

  afterEach(async () => {
    await engines.shutdown();
    await db.store.close();
  });

  it.each(CASES)('$strategy, risk $risk', async ({ strategy, params, risk }) => {
    await engines.start({ connectionId: 'demo', engineId: 'demo', strategy, params, symbol: 'XRP/USDT', options: { replaySpeed: 1 }, ...(risk ? { risk } : {}) });
    for (let i = 0; i < 101; i++) {
      await clock.advance(1000);
      await settle();
    }
    const replayed = (await engines.trades('demo')).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.fee, feeAsset: f.feeAsset, time: f.timestamp }));
    replayed.sort((a, b) => a.time - b.time);

    // The replay venue's account: 10000 USDT, taker fee 0.1 %, no slippage, Binance-like XRP/USDT rules,
    // and Binance's fee rule (the connection's exchange): a buy's fee taken in XRP, a sell's in USDT.
    const market = replayMarket('XRP/USDT');
    const report = await backtest({
      strategy,
      params,
      symbol: 'XRP/USDT',
      data: BUNDLED,
      startingBalance: '10000',
      feeRate: '0.001',
      exchange: 'binance',
      slippageBps: '0',
      ...(risk ? { risk: { maxOpenOrders: 10, allowShort: false, ...risk } } : {}),
      market: { amountStep: market.amountStep ?? undefined, priceStep: market.priceStep ?? undefined, minAmount: market.minAmount ?? undefined, minCost: market.minCost ?? undefined },
    });
    const backtested = report.trades.flatMap((t) => t.fills).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.feeCharged, feeAsset: f.feeAsset, time: Date.parse(f.time) }));
    expect(replayed.length).toBeGreaterThan(0);
    expect(backtested).toEqual(replayed);
    expect(replayed.filter((f) => f.side === 'buy').every((f) => f.feeAsset === 'XRP')).toBe(true);
    // Same PnL: the engine's ledger over the stored fills and the backtest's, valued at the same last
    // close (the replay has ended, so the status values the position at the mark the engine row kept).
    const status = await engines.status('demo');
    expect(status.state).toBe('stopped');
    expect(status.pnl).toMatchObject({ realizedPnl: report.result.realizedPnl, unrealizedPnl: report.result.unrealizedPnl, fees: report.result.feesPaid });
    expect(status.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0').toBe(report.result.endPosition.quantity);
    // Fees in XRP never make a sell (a grid level, an exit) look like short selling or a zero amount.
    const refused = (await db.events.since(0, { limit: 10_000 })).filter((e) => e.type === 'risk.rejected').map((e) => String(e.payload.reason));
    expect(refused.filter((r) => /short selling|amount is 0/i.test(r))).toEqual([]);
    expect(report.events.rejections.samples.filter((r) => /short selling|amount is 0/i.test(r.message))).toEqual([]);
  });
});
