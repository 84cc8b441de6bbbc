import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { syntheticMarket, type PreparedData } from '../../../src/engine/backtest/data-source.js';
import { InformativeFeed, resampleSeries } from '../../../src/engine/backtest/informative-feed.js';
import { CandleSeries } from '../../../src/domain/candles.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type StrategySnapshot } from '../../../src/engine/strategy.js';
import type { Candle } from '../../../src/domain/candles.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Minute candles at the given minute offsets (gaps where offsets skip), prices from the generator. */
function minuteSeries(offsets: readonly number[], prices: readonly number[]): CandleSeries {
  return CandleSeries.from(
    offsets.map((m, k): Candle => {
      const p = prices[k % prices.length] ?? 1;
      return { time: T0 + m * MINUTE, open: String(p), high: String(p + 2), low: String(p), close: String(p + 1), volume: String(k + 1) };
    }),
  );
}

const minuteOffsets = fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 120 }).map((a) => [...a].sort((x, y) => x - y));
const prices = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 50 });

describe('informative inputs: no look-ahead across pairs and timeframes', () => {
  it('a higher timeframe shows only buckets closed at the decision time, built only from candles closed by then', () => {
    fc.assert(
      fc.property(minuteOffsets, prices, fc.constantFrom(2, 3, 5, 15, 60), (offsets, px, factor) => {
        const base = minuteSeries(offsets, px);
        const tf = `${factor}m`;
        const feed = new InformativeFeed({ symbol: 'A/B', timeframe: '1m' }, [{ timeframe: tf }], new Map([['A/B', base]]));
        for (let i = 0; i < base.length; i++) {
          const now = base.time(i) + MINUTE;
          feed.advanceTo(now);
          const window = feed.get({ timeframe: tf });
          // Resampling only what had closed by `now` gives the same complete buckets.
          const prefix = CandleSeries.from(Array.from({ length: i + 1 }, (_, k) => base.candle(k)));
          const expected = resampleSeries(prefix, tf);
          const complete = Array.from({ length: expected.length }, (_, k) => expected.candle(k)).filter((c) => c.time + factor * MINUTE <= now);
          expect(window.length).toBe(complete.length);
          for (let k = 0; k < window.length; k++) expect(window.candle(k)).toEqual(complete[k]);
          if (window.length > 0) expect(window.time(window.last) + factor * MINUTE).toBeLessThanOrEqual(now);
          expect(() => window.close(window.length)).toThrow(RangeError);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('another pair shows only its candles closed at the decision time, whatever the two pairs\' gaps', () => {
    fc.assert(
      fc.property(minuteOffsets, minuteOffsets, prices, (ownOffsets, otherOffsets, px) => {
        const own = minuteSeries(ownOffsets, px);
        const other = minuteSeries(otherOffsets, [...px].reverse());
        const feed = new InformativeFeed({ symbol: 'A/B', timeframe: '1m' }, [{ symbol: 'C/B' }, { symbol: 'C/B', timeframe: '5m' }], new Map([['A/B', own], ['C/B', other]]));
        for (let i = 0; i < own.length; i++) {
          const now = own.time(i) + MINUTE;
          feed.advanceTo(now);
          const window = feed.get({ symbol: 'C/B' });
          const visible = otherOffsets.filter((m) => T0 + m * MINUTE + MINUTE <= now).length;
          expect(window.length).toBe(visible);
          const hourly = feed.get({ symbol: 'C/B', timeframe: '5m' });
          if (hourly.length > 0) expect(hourly.time(hourly.last) + 5 * MINUTE).toBeLessThanOrEqual(now);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses inputs it cannot serve (an unknown pair, a timeframe that is not a multiple) and undeclared reads; serves the own pair as its candles', () => {
    const base = minuteSeries([0, 1, 2, 3], [10]);
    const pairs = new Map([['A/B', base]]);
    expect(() => new InformativeFeed({ symbol: 'A/B', timeframe: '1m' }, [{ symbol: 'X/B' }], pairs)).toThrow(/not one of the run's pairs/);
    expect(() => new InformativeFeed({ symbol: 'A/B', timeframe: '2m' }, [{ timeframe: '3m' }], pairs)).toThrow(/not a multiple/);
    const own = new InformativeFeed({ symbol: 'A/B', timeframe: '1m' }, [{ symbol: 'A/B' }], pairs);
    own.advanceTo(T0 + 2 * MINUTE);
    expect(own.get({}).length).toBe(2);
    const feed = new InformativeFeed({ symbol: 'A/B', timeframe: '1m' }, [{ timeframe: '1h' }], pairs);
    expect(() => feed.get({ timeframe: '4h' })).toThrow(/was not declared/);
  });

  it('resamples exactly: open of the first, extreme high and low, close of the last, summed volume', () => {
    const s = CandleSeries.from([
      { time: T0, open: '1.1', high: '1.5', low: '1.0', close: '1.2', volume: '0.1' },
      { time: T0 + MINUTE, open: '1.2', high: '1.9', low: '1.1', close: '1.3', volume: '0.2' },
      { time: T0 + 4 * MINUTE, open: '1.3', high: '1.4', low: '0.7', close: '1.25', volume: '0.0000000000000000001' },
      { time: T0 + 5 * MINUTE, open: '2', high: '2', low: '2', close: '2', volume: '1' },
    ]);
    const r = resampleSeries(s, '5m');
    expect(r.length).toBe(2);
    expect(r.candle(0)).toEqual({ time: T0, open: '1.1', high: '1.9', low: '0.7', close: '1.25', volume: '0.3000000000000000001' });
    expect(r.candle(1).time).toBe(T0 + 5 * MINUTE);
  });
});

describe('informative inputs in a backtest', () => {
  const base = minuteSeries(
    Array.from({ length: 180 }, (_, k) => k),
    Array.from({ length: 180 }, (_, k) => 100 + (k % 17)),
  );
  const data: PreparedData = { series: base, symbol: 'A/B', timeframe: '1m', market: syntheticMarket('A/B'), start: 0, end: base.length, gaps: 0, sourceName: 'test' };

  function runWith(onCandle: (s: StrategySnapshot) => void) {
    const definition = defineStrategy({
      id: 'reads-hourly',
      name: 'reads-hourly',
      description: 'test',
      params: z.object({}),
      warmup: () => 1,
      informative: () => [{ timeframe: '1h' }],
      create: () => ({ warmup: 1, onCandle: (s) => (onCandle(s), NO_INTENTS) }),
    });
    const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, definition]);
    const parsed = parseBacktestRequest({ strategy: 'reads-hourly', startingBalance: '1000', data: { source: 'csv', csv: 'unused' } }, registry);
    return runBacktestSync(parsed.request, parsed.definition, data);
  }

  it('a strategy sees an hourly candle only after its hour closed, and cannot mutate its snapshot', () => {
    const seen: { time: number; hours: number }[] = [];
    const report = runWith((s) => {
      expect(s.symbol).toBe('A/B');
      const hourly = s.informative?.get({ timeframe: '1h' });
      if (!hourly) throw new Error('no informative candles');
      seen.push({ time: s.time, hours: hourly.length });
      expect(() => hourly.close(hourly.length)).toThrow(RangeError);
      expect(() => ((s as { symbol: string }).symbol = 'X/Y')).toThrow(TypeError);
      expect(() => ((s.informative as { get: unknown }).get = () => null)).toThrow(TypeError);
    });
    expect(report.events.strategyErrors.count).toBe(0);
    expect(seen).toHaveLength(180);
    // Minute 59 closes at T0 + 60 min: the first hour becomes visible exactly then, not a minute before.
    expect(seen[58]).toEqual({ time: T0 + 59 * MINUTE, hours: 0 });
    expect(seen[59]).toEqual({ time: T0 + 60 * MINUTE, hours: 1 });
    expect(seen[179]).toEqual({ time: T0 + 180 * MINUTE, hours: 3 });
  });

  it('built-in strategies declare no informative inputs and get none', () => {
    for (const definition of BUILT_IN_STRATEGIES) expect(definition.informative?.({})).toEqual([]);
  });
});
