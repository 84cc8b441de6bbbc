import { z } from 'zod';
import { DECIMAL_PATTERN, Dec } from './money.js';

/**
 * The one zod schema for a decimal given as a string (money, quantities, rates). The pattern is checked
 * first and the bounds only on a string that matched it, so "abc" is a field error, never a
 * `DecimalError` thrown from inside validation (zod runs every check, also after one failed).
 */
export interface DecimalBounds {
  /** Inclusive lower bound (default: none). */
  readonly min?: string;
  /** Exclusive lower bound, e.g. "0" for strictly positive. */
  readonly greaterThan?: string;
  /** Inclusive upper bound. */
  readonly max?: string;
  /** Prefix of the messages, e.g. the field name. */
  readonly what?: string;
  /** Example shown when the text is not a decimal. */
  readonly example?: string;
}

export function decimalString(bounds: DecimalBounds = {}) {
  const what = bounds.what === undefined ? 'must' : `${bounds.what} must`;
  return z.string().check((ctx) => {
    const value = ctx.value;
    if (!DECIMAL_PATTERN.test(value)) {
      ctx.issues.push({ code: 'custom', input: value, continue: true, message: `${what} be a plain decimal string such as "${bounds.example ?? '100'}"` });
      return;
    }
    const problem = boundProblem(new Dec(value), bounds);
    if (problem) ctx.issues.push({ code: 'custom', input: value, continue: true, message: `${what} be ${problem}` });
  });
}

function boundProblem(value: Dec, bounds: DecimalBounds): string | undefined {
  if (bounds.greaterThan !== undefined && !value.gt(bounds.greaterThan)) return `greater than ${bounds.greaterThan}`;
  if (bounds.min !== undefined && value.lt(bounds.min)) return `at least ${bounds.min}`;
  if (bounds.max !== undefined && value.gt(bounds.max)) return `at most ${bounds.max}`;
  return undefined;
}

/** For cross-field rules: they run even when a field failed (so every error is reported at once). */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}
