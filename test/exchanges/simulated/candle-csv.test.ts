import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { CandleCsvError, loadCandleCsv, parseCandleCsv } from '../../../src/exchanges/simulated/candle-csv.js';

const HEADER = 'timestamp_ms,open,high,low,close,volume';
const GOOD = ['1637110800000,1.0801,1.09758,1.07654,1.07925,3153694.607359', '1637114400000,1.07896,1.0875,1.07351,1.07616,2697616.070908'];

function issuesOf(text: string): { line: number; message: string }[] {
  try {
    parseCandleCsv(text, 'test.csv');
  } catch (error) {
    expect(error).toBeInstanceOf(CandleCsvError);
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as CandleCsvError).issues];
  }
  throw new Error('expected the CSV to be refused');
}

describe('candle CSV loader', () => {
  it('loads the bundled real data exactly (100 hourly candles)', async () => {
    const series = await loadCandleCsv('data/XRP_USDT_USDT-1h-futures.csv');
    expect(series.length).toBe(100);
    expect(series.candle(0)).toEqual({ time: 1637110800000, open: '1.0801', high: '1.09758', low: '1.07654', close: '1.07925', volume: '3153694.607359' });
    expect(series.time(99) - series.time(0)).toBe(99 * 3_600_000);
  });

  it('accepts CRLF, a BOM, other column orders and extra columns', () => {
    const text = `\uFEFFvolume,timestamp_ms,close,low,high,open,trades\r\n5,1637110800000,1.5,1,2,1.2,7\r\n`;
    expect(parseCandleCsv(text).candle(0)).toEqual({ time: 1637110800000, open: '1.2', high: '2', low: '1', close: '1.5', volume: '5' });
  });

  it('missing columns: line 1 names them', () => {
    expect(issuesOf('timestamp_ms,open,high,close\n1,2,3,4\n')).toEqual([
      { line: 1, message: 'missing column(s) low, volume; expected a header timestamp_ms,open,high,low,close,volume, got "timestamp_ms,open,high,close"' },
    ]);
  });

  it('non-numeric values, with the field and the value', () => {
    expect(issuesOf(`${HEADER}\n${GOOD[0]}\n1637114400000,1.07896,abc,1.07351,1.07616,-5\n`)).toEqual([
      { line: 3, message: 'high "abc" must be a non-negative plain decimal' },
      { line: 3, message: 'volume "-5" must be a non-negative plain decimal' },
    ]);
    expect(issuesOf(`${HEADER}\n1.5e12,1,1,1,1,1\n`)).toEqual([{ line: 2, message: 'timestamp_ms "1.5e12" must be an integer number of milliseconds' }]);
  });

  it('timestamps in seconds are caught', () => {
    expect(issuesOf(`${HEADER}\n1637110800,1,1,1,1,1\n`)[0]).toEqual({ line: 2, message: 'timestamp_ms "1637110800" looks like seconds, not milliseconds' });
  });

  it('unsorted rows and duplicate timestamps', () => {
    expect(issuesOf(`${HEADER}\n${GOOD[1]}\n${GOOD[0]}\n`)).toEqual([
      { line: 3, message: 'timestamp 1637110800000 is earlier than 1637114400000 on line 2; rows must be sorted by time' },
    ]);
    expect(issuesOf(`${HEADER}\n${GOOD[0]}\n${GOOD[0]}\n`)).toEqual([{ line: 3, message: 'duplicate timestamp 1637110800000 (also on line 2)' }]);
  });

  it('high below low, and open or close outside the range', () => {
    expect(issuesOf(`${HEADER}\n1637110800000,1.5,1,2,1.5,1\n`)).toEqual([
      { line: 2, message: 'high 1 is below low 2' },
      { line: 2, message: 'open 1.5 is above high 1' },
      { line: 2, message: 'open 1.5 is below low 2' },
      { line: 2, message: 'close 1.5 is above high 1' },
      { line: 2, message: 'close 1.5 is below low 2' },
    ]);
    // differences beyond a double's precision still count
    expect(issuesOf(`${HEADER}\n1637110800000,0.3,0.30000000000000001,0.300000000000000011,0.3,1\n`)[0]?.message).toBe(
      'high 0.30000000000000001 is below low 0.300000000000000011',
    );
  });

  it('short rows and empty lines are reported, never skipped', () => {
    expect(issuesOf(`${HEADER}\n${GOOD[0]}\n\n1637118000000,1,1\n`)).toEqual([
      { line: 3, message: 'empty line' },
      { line: 4, message: 'expected at least 6 columns, got 3' },
    ]);
    expect(issuesOf(`${HEADER}\n`)).toEqual([{ line: 1, message: 'no candles after the header' }]);
  });

  it('collects problems from every line (up to 50) into one error message', () => {
    const bad = Array.from({ length: 80 }, (_, i) => `${1637110800000 + i * 3_600_000},x,1,1,1,1`);
    let error: CandleCsvError | undefined;
    try {
      parseCandleCsv([HEADER, ...bad].join('\n'), 'mine.csv');
    } catch (e) {
      error = e as CandleCsvError;
    }
    expect(error?.issues).toHaveLength(50);
    expect(error?.message).toMatch(/^mine\.csv: 50\+ problem\(s\): line 2: open "x" must be a non-negative plain decimal; line 3/);
    expect(error?.fields[0]).toEqual({ path: 'line 2', message: 'open "x" must be a non-negative plain decimal' });
  });
});
