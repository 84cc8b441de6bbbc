import { describe, expect, expectTypeOf, it } from 'vitest';
import { isMultiPairReport, type AnyBacktestReport } from '../../../src/domain/backtest-report.js';
import { loadMultiPairData, runMultiPairSync } from '../../../src/engine/backtest/multi-pair.js';
import { parseBacktestRequest } from '../../../src/engine/backtest/backtest.js';
import { backtestRequestSchema, type BacktestRequestInput } from '../../../src/engine/backtest/config.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { BacktestRequestBody, DataSource, PerpetualFileChoice } from '../../../web/src/api/engine-types.js';
import { backtest, sourceDeps } from './support.js';

/*
 * The report types are shared with the web from src/domain; the backtest request body is still mirrored
 * by hand in the web (its schema builds on the engine's risk schema). These checks fail, at compile time
 * or at run time, when the two drift apart.
 */

describe('report kinds', () => {
  it('tells a real multi-pair report from a real single-pair one', async () => {
    const single: AnyBacktestReport = await backtest({ strategy: 'sma-crossover', to: '2024-01-10' });
    const { request, definition } = parseBacktestRequest(
      { strategy: 'rsi-mean-reversion', params: { sizeQuote: '0.3' }, startingBalance: '1', from: '2018-01-21', data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv'] } },
      new StrategyRegistry(),
    );
    const multi: AnyBacktestReport = runMultiPairSync(request, definition, await loadMultiPairData(request, definition, sourceDeps()));
    expect(isMultiPairReport(single)).toBe(false);
    expect(isMultiPairReport(multi)).toBe(true);
    expect(isMultiPairReport(multi) && multi.pairs.map((p) => p.symbol)).toEqual(['ADA/BTC', 'ETH/BTC']);
    // Stored reports are read back as JSON: the narrowing holds for them too.
    expect(isMultiPairReport(JSON.parse(JSON.stringify(single)) as AnyBacktestReport)).toBe(false);
    expect(isMultiPairReport(JSON.parse(JSON.stringify(multi)) as AnyBacktestReport)).toBe(true);
  });
});

describe("the web's backtest request body", () => {
  it('names only fields the server schema takes, with compatible types (risk aside: the web sends it as form values)', () => {
    expectTypeOf<keyof BacktestRequestBody>().toExtend<keyof BacktestRequestInput>();
    expectTypeOf<Omit<BacktestRequestBody, 'risk' | 'data'>>().toExtend<Omit<BacktestRequestInput, 'risk' | 'data'>>();
    expectTypeOf<DataSource>().toExtend<BacktestRequestInput['data']>();
  });

  it('is accepted by the server schema in each data source form the web sends', () => {
    const sources: DataSource[] = [
      { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' },
      { source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv'] },
      { source: 'csv', csv: 'time,open,high,low,close,volume\n', name: 'mine.csv' },
      { source: 'exchange', connectionId: '01J0000000000000000000CONN' },
    ];
    for (const data of sources) {
      const multi = data.source === 'bundled' && 'files' in data;
      const body: BacktestRequestBody = {
        strategy: 'sma-crossover',
        params: { fast: 5 },
        ...(multi ? { maxOpenTrades: 1 } : { symbol: 'BTC/USDT', timeframe: '1h' }),
        from: '2024-01-01',
        to: '2024-02-01T00:00:00Z',
        startingBalance: '1000',
        feeRate: '0.001',
        slippageBps: '5',
        risk: { maxOpenOrders: 10, allowShort: false },
        data,
      };
      const parsed = backtestRequestSchema.safeParse(body);
      expect(parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toBe('ok');
    }
  });

  it("is accepted with a perpetual's funding and mark files as the form names them (a file of data/, or none)", () => {
    expectTypeOf<PerpetualFileChoice>().toExtend<NonNullable<BacktestRequestInput['funding']>>();
    expectTypeOf<PerpetualFileChoice>().toExtend<NonNullable<BacktestRequestInput['mark']>>();
    const choices: [PerpetualFileChoice, PerpetualFileChoice][] = [
      [
        { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' },
        { source: 'bundled', file: 'XRP_USDT_USDT-1h-mark.csv' },
      ],
      [{ source: 'none' }, { source: 'none' }],
    ];
    for (const [funding, mark] of choices) {
      const body: BacktestRequestBody = {
        strategy: 'dca',
        params: {},
        risk: { leverage: '5', marginMode: 'isolated', liquidationBufferPct: 2 },
        data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' },
        funding,
        mark,
      };
      const parsed = backtestRequestSchema.safeParse(body);
      expect(parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toBe('ok');
    }
  });
});
