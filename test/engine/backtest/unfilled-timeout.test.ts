import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CandleSeries, type Candle } from '../../../src/domain/candles.js';
import { parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { syntheticMarket, type PreparedData } from '../../../src/engine/backtest/data-source.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type StrategySnapshot } from '../../../src/engine/strategy.js';

/**
 * `unfilledTimeout` in a backtest, with the live engine's rule (risk.ts unfilledExpiry /
 * repriceIntent): an entry limit below a market that never comes down is cancelled at the first close
 * past its time and, with `reprice`, placed again at that close; `maxReprices` bounds the chase.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Rising by 1 an hour from 100: a buy limit at the close rests below the next candles' lows. */
const rising = CandleSeries.from(
  Array.from({ length: 12 }, (_, i): Candle => {
    const p = 100 + i;
    return { time: T0 + i * HOUR, open: String(p), high: String(p + 0.5), low: String(p), close: String(p + 0.5), volume: '1' };
  }),
);
const data: PreparedData = { series: rising, symbol: 'BTC/USDT', timeframe: '1h', market: syntheticMarket('BTC/USDT'), start: 0, end: rising.length, gaps: 0, sourceName: 'test' };

function run(unfilledTimeout: Record<string, unknown> | undefined) {
  const seen: StrategySnapshot['openOrders'][] = [];
  let candle = 0;
  const definition = defineStrategy({
    id: 'dip-buyer',
    name: 'dip-buyer',
    description: 'one limit buy 5 below the close of candle 1',
    params: z.object({}),
    warmup: () => 1,
    create: () => ({
      warmup: 1,
      onCandle: (s) => {
        seen.push(s.openOrders);
        const close = s.candles.close(s.candles.last);
        return candle++ === 1 ? [{ kind: 'enter', side: 'long', size: { base: '1' }, price: String(close - 5) }] : NO_INTENTS;
      },
    }),
  });
  const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, definition]);
  const { request } = parseBacktestRequest({ strategy: 'dip-buyer', startingBalance: '1000', risk: unfilledTimeout ? { unfilledTimeout } : {}, data: { source: 'csv', csv: 'unused' } }, registry);
  return { report: runBacktestSync(request, definition, data), seen };
}

describe('unfilledTimeout in a backtest', () => {
  it('without it the limit rests to the end, unfilled', () => {
    const { report, seen } = run(undefined);
    expect(report.result.tradeCount).toBe(0);
    expect(seen.at(-1)?.map((o) => o.price)).toEqual(['96.5']);
  });

  it('cancel: gone at the first close past its time, nothing placed again', () => {
    const { report, seen } = run({ entrySeconds: 7_200 });
    expect(seen[2]?.map((o) => o.price)).toEqual(['96.5']);
    expect(seen[3]).toEqual([]); // two hours after candle 1's close
    expect(seen.at(-1)).toEqual([]);
    expect(report.result.tradeCount).toBe(0);
  });

  it('reprice: placed again at each close past its time, maxReprices times, then only cancelled', () => {
    const chased = run({ entrySeconds: 3_600, action: 'reprice', maxReprices: 2 });
    // Placed at 96.5 after candle 1; re-priced at candle 2's close (102.5) — the next candle opens at 103, above it — and at candle 3's (103.5); then cancelled.
    expect(chased.seen[2]?.map((o) => o.price)).toEqual(['102.5']);
    expect(chased.seen[3]?.map((o) => o.price)).toEqual(['103.5']);
    expect(chased.seen[4]).toEqual([]);
    expect(chased.report.result.tradeCount).toBe(0);
  });
});
