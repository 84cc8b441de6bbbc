import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CandleSeries, type Candle } from '../../../src/domain/candles.js';
import { parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { syntheticMarket, type PreparedData } from '../../../src/engine/backtest/data-source.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type Intent, type StrategySnapshot } from '../../../src/engine/strategy.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Candles with explicit open/high/low/close, one hour apart. */
function series(rows: [string, string, string, string][]): CandleSeries {
  return CandleSeries.from(rows.map(([open, high, low, close], i): Candle => ({ time: T0 + i * HOUR, open, high, low, close, volume: '1' })));
}

function data(s: CandleSeries): PreparedData {
  return { series: s, symbol: 'BTC/USDT', timeframe: '1h', market: syntheticMarket('BTC/USDT'), start: 0, end: s.length, gaps: 0, sourceName: 'test' };
}

/** A test strategy from a function of the snapshot. */
function custom(id: string, decide: (s: StrategySnapshot) => readonly Intent[]) {
  return defineStrategy({ id, name: id, description: id, params: z.object({}), warmup: () => 1, create: () => ({ warmup: 1, onCandle: decide }) });
}

function run(id: string, decide: (s: StrategySnapshot) => readonly Intent[], s: CandleSeries, extra: Record<string, unknown> = {}) {
  const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, custom(id, decide)]);
  const { request, definition } = parseBacktestRequest({ strategy: id, data: { source: 'csv', csv: 'unused' }, feeRate: '0.001', slippageBps: '10', ...extra }, registry);
  return runBacktestSync(request, definition, data(s));
}

const rising = series(
  Array.from({ length: 12 }, (_, i) => {
    const p = String(100 + i);
    return [p, String(100 + i + 0.5), String(100 + i - 0.5), String(100 + i + 0.25)];
  }),
);

describe('no look-ahead', () => {
  it('a strategy that reads the next candle cannot: the window ends at the current candle and the read throws', () => {
    const seen: { length: number; lastTime: number; time: number }[] = [];
    const report = run(
      'peeker',
      (s) => {
        seen.push({ length: s.candles.length, lastTime: s.candles.time(s.candles.last), time: s.time });
        // The "cheat": buy if the next candle closes higher. Reading it throws before any intent is returned.
        const next = s.candles.close(s.candles.last + 1);
        return next > s.candles.close(s.candles.last) ? [{ kind: 'enter', side: 'long', size: { quote: '100' } }] : NO_INTENTS;
      },
      rising,
    );
    expect(seen.map((v) => v.length)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const v of seen) expect(v.time).toBe(v.lastTime + HOUR); // decided at the close of the current candle
    expect(report.events.strategyErrors.count).toBe(12);
    expect(report.events.strategyErrors.samples[0]?.message).toMatch(/future candles are not visible/);
    expect(report.trades).toEqual([]);
    expect(report.result.netProfit).toBe('0');
  });

  it('the window handed to the strategy cannot be widened by the strategy', () => {
    const report = run(
      'widener',
      (s) => {
        const w = s.candles as unknown as { length: number };
        w.length = 1_000; // a getter without a setter: throws in strict mode, changes nothing
        return NO_INTENTS;
      },
      rising,
    );
    expect(report.events.strategyErrors.count).toBe(12);
    expect(report.events.strategyErrors.samples[0]?.message).toMatch(/getter|read only|Cannot set/);
  });

  it('a market order decided on candle t fills on candle t+1 at its open plus slippage, never at the close it saw', () => {
    const report = run('buy-at-3', (s) => (s.candles.last === 3 && s.position.side === 'flat' ? [{ kind: 'enter', side: 'long', size: { base: '1' } }] : NO_INTENTS), rising);
    const fill = report.trades[0]?.fills[0];
    expect(fill?.time).toBe(new Date(T0 + 4 * HOUR).toISOString());
    expect(fill?.price).toBe('104.104'); // open 104 × (1 + 10 bps)
    expect(fill?.fee).toBe('0.104104');
  });

  it('a limit order fills only on a later candle whose range touches it, at the limit', () => {
    const dip = series([
      ['100', '101', '99', '100'],
      ['100', '101', '99', '100'],
      ['100', '100.5', '98.2', '99'],
      ['99', '99.5', '97.9', '98.5'],
      ['98.5', '99', '98', '98.8'],
    ]);
    const report = run('limit-98', (s) => (s.candles.last === 0 ? [{ kind: 'place', side: 'buy', amount: '1', price: '98' }] : NO_INTENTS), dip);
    const fill = report.trades[0]?.fills[0];
    // Candle 2's low 98.2 does not reach 98; candle 3's low 97.9 does.
    expect(fill?.time).toBe(new Date(T0 + 3 * HOUR).toISOString());
    expect(fill?.price).toBe('98');
  });

  it('an order placed on the last candle never fills (there is no later candle)', () => {
    const report = run('buy-last', (s) => (s.candles.last === 11 ? [{ kind: 'enter', side: 'long', size: { base: '1' } }] : NO_INTENTS), rising);
    expect(report.trades).toEqual([]);
  });
});
