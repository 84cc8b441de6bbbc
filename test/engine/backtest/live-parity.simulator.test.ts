import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandleReplayPath, parseCandleCsv } from '../../../simulator/matching/price-path.js';
import type { MarketSpec } from '../../../simulator/matching/types.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { connectionView, tempStore, type TestStore } from '../runtime/support.js';
import { liveEngineService, testResult } from '../runtime/live-support.js';
import { BUNDLED, backtest } from './support.js';

/**
 * The live engine (ccxt → the simulator's Binance, fees the way Binance takes them: a buy's in XRP)
 * replaying the bundled candles, and a backtest of the same candles with Binance's fee rule, give the
 * same trades and PnL. The simulator fills market orders at the next candle's open without spread
 * (`takerFill: 'next-open'`), which is the backtest's fill model; everything else is the real path.
 */

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');
const CANDLES = parseCandleCsv(readFileSync(CSV, 'utf8'));
/** The simulator starts at this candle: the engine's warm-up history ends there and trading starts at the next. */
const START = 10;
const STEPS = 60;
const POLL_MS = 360_000;
// Amount step 1: every fee (amount × price × 0.001) has at most 8 decimals, the exchanges' commission precision.
const XRP: MarketSpec = { symbol: 'XRP/USDT', base: 'XRP', quote: 'USDT', tickSize: '0.00001', stepSize: '1', minQty: '1', maxQty: '9000000', minNotional: '5', liquidityPerStep: '1000000' };

let ccxt: CcxtModules;
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
});

afterAll(async () => {
  await limits.close();
});

async function until(check: () => Promise<boolean>, timeoutMs = 1_500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

const CASES = [
  { name: 'sma', strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '50' } },
  { name: 'rsi', strategy: 'rsi-mean-reversion', params: { period: 3, oversold: 45, overbought: 55, sizeQuote: '50' } },
] as const;

describe('live engine through ccxt and a backtest over the same bundled candles, fees in base', () => {
  let db: TestStore;

  beforeAll(async () => {
    db = await tempStore();
  });

  afterAll(async () => {
    await db.store.close();
  });

  it.each(CASES)('$strategy: same fills (price, amount, fee and its asset) and the same PnL', async ({ name, strategy, params }) => {
    // A simulator per case: each replays the candles from START.
    const sim: RunningSimulator = await startSimulator({ markets: [XRP], priceSource: () => new CandleReplayPath(CANDLES, START) });
    sim.control.venue('binance').takerFill = 'next-open';
    const apiKey = `ctsparity${name}${Date.now().toString(36)}`;
    const secret = `ctsparity${name}secret0123456789`;
    const connectionId = `parity-${name}`;
    sim.control.addAccount('binance', { apiKey, secret, balances: { USDT: '100000' } });
    const clock = new ManualClock(Date.now());
    const service = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections: new Map([[connectionId, connectionView({ id: connectionId, name: `Parity ${name}`, exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]), credentials: { apiKey, apiSecret: secret } });
    const first = CANDLES.findIndex((c) => c.openTime === sim.control.venue('binance').candle('XRP/USDT')?.openTime);
    try {
      const started = await service.start({ connectionId, engineId: connectionId, strategy, params, symbol: 'XRP/USDT', timeframe: '1h' });
      expect(started.state, JSON.stringify(started.lastError)).toBe('running');
      for (let i = 0; i < STEPS; i++) {
        const before = (await service.status(connectionId)).candlesProcessed;
        sim.control.step();
        await clock.advance(POLL_MS);
        // The whole tick (orders placed included) must finish before the next price step: its last
        // step is the heartbeat. The feed may have polled just before the step and gone to sleep for
        // a poll interval: then the clock moves on by another one.
        const after = clock.now();
        const done = async () => {
          const s = await service.status(connectionId);
          // …and no create may still be on its way (it would reach the exchange after the step).
          const settled = s.openOrders.every((o) => o.status === 'open');
          return s.candlesProcessed > before && s.lastHeartbeatAt !== null && Date.parse(s.lastHeartbeatAt) >= after && settled && s.consecutiveFailures === 0;
        };
        let finished = await until(done, 500);
        for (let retry = 0; !finished && retry < 5; retry++) {
          await clock.advance(POLL_MS);
          finished = await until(done, 1_000);
        }
        expect(finished, JSON.stringify({ i, status: await service.status(connectionId) })).toBe(true);
      }
      const status = await service.status(connectionId);
      expect(status.state, JSON.stringify(status.lastError)).toBe('running');
      const live = (await service.trades(connectionId)).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.fee, feeAsset: f.feeAsset }));

      // The backtest trades the candles the live engine traded: after the warm-up history ending at `first`.
      const report = await backtest({
        strategy,
        params,
        symbol: 'XRP/USDT',
        data: BUNDLED,
        from: CANDLES[first + 1]?.openTime as number,
        to: CANDLES[first + STEPS + 1]?.openTime as number,
        startingBalance: '100000',
        feeRate: '0.001',
        slippageBps: '0',
        exchange: 'binance',
        market: { amountStep: '1', priceStep: '0.00001', minAmount: '1', minCost: '5' },
      });
      const backtested = report.trades.flatMap((t) => t.fills).map((f) => ({ side: f.side, price: f.price, amount: f.amount, fee: f.feeCharged, feeAsset: f.feeAsset }));
      expect(live.length).toBeGreaterThanOrEqual(3);
      expect(live.filter((f) => f.side === 'buy').every((f) => f.feeAsset === 'XRP')).toBe(true);
      expect(backtested).toEqual(live);
      expect(status.pnl).toMatchObject({ realizedPnl: report.result.realizedPnl, unrealizedPnl: report.result.unrealizedPnl, fees: report.result.feesPaid });
      expect(status.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0').toBe(report.result.endPosition.quantity);
      await service.stop(connectionId);
    } finally {
      await service.shutdown();
      await sim.close();
    }
  }, 90_000);
});
