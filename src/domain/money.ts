import { Decimal } from 'decimal.js';

/**
 * Money and quantities are decimals: strings at every boundary (storage, JSON), `Dec` in arithmetic.
 * A dedicated clone keeps the precision settings in one place, never shared with other users of
 * decimal.js.
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 40 });
export type Dec = Decimal;

/** A decimal in its canonical string form (no exponent). */
export type DecimalString = string;

export const DECIMAL_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export function dec(value: Decimal.Value): Dec {
  return new Dec(value);
}

export function toDecimalString(value: Dec): DecimalString {
  return value.toFixed();
}

export const ZERO: Dec = new Dec(0);
