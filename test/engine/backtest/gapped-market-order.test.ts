import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CandleSeries, type Candle } from '../../../src/domain/candles.js';
import { parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { syntheticMarket, type PreparedData } from '../../../src/engine/backtest/data-source.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type StrategySnapshot } from '../../../src/engine/strategy.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Flat at 100, then candle 3 opens at 200: a market buy decided at candle 2's close cannot be paid. */
const gapped = CandleSeries.from(
  ['100', '100', '100', '200', '200', '200'].map((open, i): Candle => ({ time: T0 + i * HOUR, open, high: open, low: open, close: open, volume: '1' })),
);
const data: PreparedData = { series: gapped, symbol: 'BTC/USDT', timeframe: '1h', market: syntheticMarket('BTC/USDT'), start: 0, end: gapped.length, gaps: 0, sourceName: 'test' };

describe('a market order the simulator drops (the price gapped past its funds)', () => {
  it('is reported, and the next snapshot shows its funds free again', () => {
    const seen: StrategySnapshot['balance'][] = [];
    let candle = 0;
    const definition = defineStrategy({
      id: 'buys-once',
      name: 'buys-once',
      description: 'buys at market at the close of candle 2',
      params: z.object({}),
      warmup: () => 1,
      create: () => ({
        warmup: 1,
        onCandle: (s) => {
          seen.push(s.balance);
          return candle++ === 2 ? [{ kind: 'enter', side: 'long', size: { quote: '500' } }] : NO_INTENTS;
        },
      }),
    });
    const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, definition]);
    const { request } = parseBacktestRequest({ strategy: 'buys-once', startingBalance: '1000', data: { source: 'csv', csv: 'unused' } }, registry);
    const report = runBacktestSync(request, definition, data);
    expect(report.result.tradeCount).toBe(0);
    expect(report.events.rejections.samples.map((e) => e.message)).toEqual([expect.stringMatching(/at market was \w+: the price gapped past the funds set aside$/)]);
    // Candle 2 decided with all funds free; candle 3 (the drop) must not still show the reservation.
    expect(seen[2]?.quote.free).toBe('1000');
    expect(seen[3]?.quote).toEqual({ asset: 'USDT', free: '1000', total: '1000' });
  });
});
