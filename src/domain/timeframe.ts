import { ValidationError } from './errors.js';

/**
 * Timeframes as exchanges (and ccxt) spell them: `1m`, `15m`, `1h`, `4h`, `1d`, `1w`. Crypto markets
 * trade around the clock, so a year is 365 days of candles with no weekends or holidays removed; that
 * count is what Sharpe and Sortino are annualised with (see docs/backtesting.md).
 */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const TIMEFRAME_PATTERN = /^([1-9]\d{0,3})([smhdw])$/;
export const YEAR_MS = 365 * 86_400_000;

export function timeframeMs(timeframe: string): number {
  const m = TIMEFRAME_PATTERN.exec(timeframe);
  if (!m) throw new ValidationError(`Expected a timeframe such as 1m, 15m, 1h, 4h or 1d, got "${timeframe}"`, [{ path: 'timeframe', message: 'invalid timeframe' }]);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** The shortest spelling of a candle spacing in ms (3_600_000 → `1h`), or null when it is not a whole unit. */
export function timeframeFromMs(ms: number): string | null {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0 && ms / size < 10_000) return `${ms / size}${unit}`;
  }
  return null;
}

/** Candles per year for this timeframe (8760 for 1h). */
export function periodsPerYear(timeframe: string): number {
  return YEAR_MS / timeframeMs(timeframe);
}
