import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { loadBacktestData, parseBacktestRequest } from '../../../src/engine/backtest/backtest.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { sourceDeps } from './support.js';

/** A user's CSV goes through the backtest's data path (the candle CSV loader): every bad line is named, nothing is skipped. */
async function load(lines: string[]): Promise<unknown> {
  const { request, definition } = parseBacktestRequest({ strategy: 'dca', symbol: 'BTC/USDT', data: { source: 'csv', csv: `${lines.join('\n')}\n`, name: 'mine.csv' } }, new StrategyRegistry());
  return loadBacktestData(request, definition, sourceDeps());
}

async function problems(lines: string[]): Promise<{ path: string; message: string }[]> {
  const error = await load(lines).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toMatch(/^mine\.csv: /);
  return (error as ValidationError).fields;
}

const HEADER = 'timestamp_ms,open,high,low,close,volume';
const row = (t: number, o = '1', h = '2', l = '0.5', c = '1.5', v = '10') => `${t},${o},${h},${l},${c},${v}`;
const T = 1_700_000_000_000;

describe('bad CSVs give line-numbered errors', () => {
  it('missing columns', async () => {
    expect(await problems(['timestamp_ms,open,high,low,close', '1700000000000,1,2,0.5,1.5'])).toEqual([
      { path: 'line 1', message: expect.stringMatching(/missing column\(s\) volume/) },
    ]);
  });

  it('non-numeric values', async () => {
    const found = await problems([HEADER, row(T), row(T + 60_000, '1', 'two'), row(T + 120_000, '1', '2', '0.5', '1.5', '-3')]);
    expect(found).toEqual([
      { path: 'line 3', message: 'high "two" must be a non-negative plain decimal' },
      { path: 'line 4', message: 'volume "-3" must be a non-negative plain decimal' },
    ]);
  });

  it('unsorted rows', async () => {
    const found = await problems([HEADER, row(T + 120_000), row(T), row(T + 180_000)]);
    expect(found).toEqual([{ path: 'line 3', message: expect.stringMatching(/earlier than .* on line 2; rows must be sorted by time/) }]);
  });

  it('duplicate timestamps', async () => {
    const found = await problems([HEADER, row(T), row(T + 60_000), row(T + 60_000)]);
    expect(found).toEqual([{ path: 'line 4', message: `duplicate timestamp ${T + 60_000} (also on line 3)` }]);
  });

  it('high below low', async () => {
    const found = await problems([HEADER, row(T), row(T + 60_000, '1', '0.4', '0.5', '0.45')]);
    expect(found[0]).toEqual({ path: 'line 3', message: 'high 0.4 is below low 0.5' });
  });

  it('reports every bad line at once, not just the first', async () => {
    const found = await problems([HEADER, row(T, 'x'), row(T + 60_000), row(T + 120_000, '1', '2', '3', '1'), row(T + 60_000)]);
    expect(found.map((f) => f.path)).toEqual(['line 2', 'line 4', 'line 4', 'line 4', 'line 5']);
  });

  it('a well-formed file loads, with the timeframe inferred from the spacing', async () => {
    const data = (await load([HEADER, row(T), row(T + 60_000), row(T + 180_000)])) as { timeframe: string; gaps: number };
    expect(data.timeframe).toBe('1m');
    expect(data.gaps).toBe(1);
  });
});
