import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandleCursor, CandleSeries, significantDigits } from '../../src/domain/candles.js';

const candle = (time: number, close: string) => ({ time, open: close, high: close, low: close, close, volume: '0' });

describe('candle series', () => {
  it('gives back the exact decimal text, even when a double could not hold it', () => {
    const series = new CandleSeries(1);
    series.append({ time: 1, open: '1.0801', high: '0.00000001', low: '123456789.123456789123', close: '1.50', volume: '3153694.607359' });
    series.append(candle(2, '0.1'));
    expect(series.candle(0)).toEqual({ time: 1, open: '1.0801', high: '0.00000001', low: '123456789.123456789123', close: '1.5', volume: '3153694.607359' });
    expect(series.close(1)).toBe(0.1);
    expect(series.decimal('close', 1).toFixed()).toBe('0.1');
  });

  it('round-trips any decimal up to 15 significant digits through the numeric columns', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 20 }), (units, scale) => {
        const digits = units.toString().padStart(scale + 1, '0');
        const raw = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        const text = raw.includes('.') ? raw.replace(/0+$/, '').replace(/\.$/, '') : raw; // canonical form
        const series = new CandleSeries();
        series.append(candle(1, text));
        expect(series.text('close', 0)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('grows past its initial capacity and refuses out-of-order times', () => {
    const series = new CandleSeries(2);
    for (let t = 1; t <= 100; t++) series.append(candle(t, String(t)));
    expect(series.length).toBe(100);
    expect(series.close(99)).toBe(100);
    expect(() => series.append(candle(100, '1'))).toThrow(/does not come after/);
  });

  it('counts significant digits', () => {
    expect(significantDigits('0.00012300')).toBe(3);
    expect(significantDigits('-12.5')).toBe(3);
    expect(significantDigits('1000')).toBe(4);
    expect(significantDigits('0')).toBe(0);
  });
});

describe('candle window (no look-ahead)', () => {
  const series = CandleSeries.from([candle(1, '10'), candle(2, '11'), candle(3, '12')]);

  it('shows only candles up to the cursor, and refuses any index past it', () => {
    const cursor = new CandleCursor(series);
    cursor.showUntil(2);
    const window = cursor.window;
    expect(window.length).toBe(2);
    expect(window.close(window.last)).toBe(11);
    expect(() => window.close(2)).toThrow(/future candles are not visible/);
    expect(() => window.candle(2)).toThrow(RangeError);
    expect(() => window.close(-1)).toThrow(RangeError);
    expect(() => window.close(0.5)).toThrow(RangeError);
  });

  it('only moves forward, within the series', () => {
    const cursor = new CandleCursor(series);
    cursor.showUntil(3);
    expect(() => cursor.showUntil(2)).toThrow(RangeError);
    expect(() => cursor.showUntil(4)).toThrow(RangeError);
  });

  it('a strategy cannot reach the bound: the window exposes no way to move it', () => {
    const cursor = new CandleCursor(series);
    cursor.showUntil(1);
    const window = cursor.window as unknown as Record<string, unknown>;
    expect(Object.keys(window)).toEqual([]);
    expect(() => {
      window.length = 3;
    }).toThrow(TypeError);
    expect(cursor.window.length).toBe(1);
  });
});
