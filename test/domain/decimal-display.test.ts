import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayDecimal, roundDecimalText } from '../../src/domain/decimal-display.js';
import { Dec } from '../../src/domain/money.js';

describe('decimals for people to read', () => {
  it('cuts the long fractions exact arithmetic makes to eight significant digits', () => {
    expect(displayDecimal('-3.57804147540545965515')).toBe('-3.5780415');
    expect(displayDecimal('1.093556505')).toBe('1.0935565');
    expect(displayDecimal('0.00001234567891')).toBe('0.000012345679'); // a BTC-quoted PnL keeps its digits
    expect(displayDecimal('50000.123456')).toBe('50000.123');
    expect(displayDecimal('123456789.987')).toBe('123456790');
  });

  it('never rounds the integer part, and leaves short values and non-decimals as they are', () => {
    expect(displayDecimal('98765432101.5')).toBe('98765432102');
    expect(displayDecimal('0.01')).toBe('0.01');
    expect(displayDecimal('-0.000000000000001', 2)).toBe('-0.000000000000001');
    expect(displayDecimal('90')).toBe('90');
    expect(displayDecimal('0')).toBe('0');
    expect(displayDecimal('0.000')).toBe('0');
    expect(displayDecimal('')).toBe('');
    expect(displayDecimal('n/a')).toBe('n/a');
  });

  it('rounds half away from zero on the digits; a rounded-away value is 0, never -0', () => {
    expect(roundDecimalText('-0.5102245', 6)).toBe('-0.510225');
    expect(roundDecimalText('99.995', 2)).toBe('100');
    expect(roundDecimalText('-0.000001', 2)).toBe('0');
    expect(roundDecimalText('2.5', 0)).toBe('3');
  });

  it('is within half a unit of its last shown digit of the exact value', () => {
    const decimal = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 25 }))
      .map(([negative, digits, scale]) => new Dec(`${negative ? '-' : ''}${digits}`).div(new Dec(10).pow(scale)).toFixed());
    fc.assert(
      fc.property(decimal, (value) => {
        const shown = displayDecimal(value);
        const places = shown.split('.')[1]?.length ?? 0;
        expect(new Dec(shown).sub(value).abs().lte(new Dec(10).pow(-places).div(2))).toBe(true);
      }),
    );
  });
});
