import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBundledDir } from '../../../src/engine/backtest/data-source.js';
import { loadBacktestData, parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { sweepRequestSchema } from '../../../src/engine/backtest/config.js';
import { expandGrid, metricsOf, rankResults, runSweep, type SweepMetrics } from '../../../src/engine/backtest/sweep.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { BUNDLED, sourceDeps } from './support.js';

const metrics = (m: Partial<SweepMetrics>): SweepMetrics => ({
  netProfit: '0',
  netProfitPct: '0',
  maxDrawdownPct: '0',
  feesPaid: '0',
  tradeCount: 1,
  winRate: null,
  profitFactor: null,
  sharpe: null,
  sortino: null,
  exposure: 0,
  ...m,
});

describe('sweep ranking', () => {
  const rows = [
    { index: 0, params: { a: 1 }, metrics: metrics({ sharpe: 0.5, netProfit: '10', maxDrawdownPct: '5' }) },
    { index: 1, params: { a: 2 }, metrics: metrics({ sharpe: null, netProfit: '50', maxDrawdownPct: '1' }) },
    { index: 2, params: { a: 3 }, metrics: metrics({ sharpe: 2.1, netProfit: '-3', maxDrawdownPct: '9' }) },
    { index: 3, params: { a: 4 }, metrics: metrics({ sharpe: 0.5, netProfit: '12', maxDrawdownPct: '2' }) },
  ];

  it('ranks higher-is-better metrics descending, missing values last, ties by net profit', () => {
    expect(rankResults(rows, 'sharpe').map((r) => [r.rank, r.params.a])).toEqual([
      [1, 3],
      [2, 4],
      [3, 1],
      [4, 2],
    ]);
    expect(rankResults(rows, 'netProfit').map((r) => r.params.a)).toEqual([2, 4, 1, 3]);
  });

  it('ranks max drawdown ascending (smaller is better)', () => {
    expect(rankResults(rows, 'maxDrawdown').map((r) => r.params.a)).toEqual([2, 4, 1, 3]);
  });

  it('expands a grid over the base params, last key fastest', () => {
    expect(expandGrid({ sizeQuote: '50' }, { fast: [5, 10], slow: [30, 50] })).toEqual([
      { sizeQuote: '50', fast: 5, slow: 30 },
      { sizeQuote: '50', fast: 5, slow: 50 },
      { sizeQuote: '50', fast: 10, slow: 30 },
      { sizeQuote: '50', fast: 10, slow: 50 },
    ]);
  });
});

describe('sweep on worker threads', () => {
  it('gives each combination exactly the single-backtest figures, lists refused ones, and ranks by Sharpe', async () => {
    const registry = new StrategyRegistry();
    const request = sweepRequestSchema.parse({ strategy: 'sma-crossover', data: BUNDLED, grid: { fast: [3, 5, 35], slow: [20, 30] }, rank: 'sharpe', workers: 2 });
    const definition = registry.get('sma-crossover');
    const data = await loadBacktestData(request, definition, sourceDeps(), request.data, 31);
    const progress: number[] = [];
    const result = await runSweep(request, definition, data, { onProgress: (done) => progress.push(done) });
    expect(result.combinations).toBe(6);
    expect(result.invalid.map((i) => i.params)).toEqual([
      { fast: 35, slow: 20 },
      { fast: 35, slow: 30 },
    ]);
    expect(result.results).toHaveLength(4);
    expect(progress).toEqual([1, 2, 3, 4]);
    const sharpes = result.results.map((r) => r.metrics.sharpe ?? -Infinity);
    expect(sharpes).toEqual([...sharpes].sort((a, b) => b - a));
    for (const row of result.results) {
      const single = parseBacktestRequest({ strategy: 'sma-crossover', params: row.params, data: BUNDLED }, registry);
      const own = await loadBacktestData(single.request, single.definition, sourceDeps(), BUNDLED, 31);
      expect(row.metrics).toEqual(metricsOf(runBacktestSync(single.request, single.definition, own)));
    }
  });

  it('gives a perpetual sweep the single-run figures: the mark candles and funding rates reach the workers', async () => {
    const registry = new StrategyRegistry();
    // A mark of its own: the candles' prices, except that it crashes to 0.5 at 2021-11-18 05:00, which the candles never do.
    const crash = Date.parse('2021-11-18T05:00:00Z');
    const lines = readFileSync(path.join(findBundledDir(), 'XRP_USDT_USDT-1h-futures.csv'), 'utf8').trim().split('\n');
    const csv = `${lines.map((l) => (l.startsWith(`${crash},`) ? l.replace(/^(\d+,[^,]+,[^,]+,)[^,]+/, '$10.5') : l)).join('\n')}\n`;
    const base = { strategy: 'dca', data: BUNDLED, from: '2021-11-18T00:00:00Z', risk: { leverage: '25' }, mark: { source: 'csv' as const, csv, name: 'crash.csv' } };
    const request = sweepRequestSchema.parse({ ...base, grid: { amountQuote: ['500', '2000'], intervalCandles: [12, 24] }, rank: 'netProfit', workers: 2 });
    const definition = registry.get('dca');
    const data = await loadBacktestData(request, definition, sourceDeps());
    const result = await runSweep(request, definition, data);
    expect(result).toMatchObject({ ranOn: 'worker-threads', combinations: 4 });
    let liquidations = 0;
    for (const row of result.results) {
      const single = parseBacktestRequest({ ...base, params: row.params }, registry);
      const report = runBacktestSync(single.request, single.definition, await loadBacktestData(single.request, single.definition, sourceDeps()));
      expect(row.metrics).toEqual(metricsOf(report));
      expect(report.derivatives?.funding.count).toBeGreaterThan(0);
      liquidations += report.derivatives?.liquidations.events.filter((l) => l.time === '2021-11-18T05:00:00.000Z' && l.markSource === 'mark').length ?? 0;
    }
    // Every combination is liquidated by the crash only the mark shows (a worker without it would not be).
    expect(liquidations).toBe(4);
  });
});
