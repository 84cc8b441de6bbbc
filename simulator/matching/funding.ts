import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Dec } from '../../src/domain/money.js';

/**
 * Funding of perpetuals: the settlement times (every 8 h at 00:00, 08:00 and 16:00 UTC, the schedule
 * of Bybit, Binance and OKX USDT perpetuals) and the rate each time settles at.
 */

export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** Real 8-hourly XRP/USDT perpetual funding rates (see data/README.md for their provenance). */
export const XRP_FUNDING_CSV = fileURLToPath(new URL('../../data/XRP_USDT_USDT-8h-funding_rate.csv', import.meta.url));

/** The funding rate of `symbol` at the settlement `time` (a multiple of the interval). */
export interface FundingRates {
  rateAt(symbol: string, time: number): Dec;
}

/** The funding times t with after < t ≤ until, oldest first. */
export function fundingTimesBetween(after: number, until: number, intervalMs = FUNDING_INTERVAL_MS): number[] {
  const times: number[] = [];
  for (let t = Math.floor(after / intervalMs) * intervalMs + intervalMs; t <= until; t += intervalMs) times.push(t);
  return times;
}

/** The first funding time strictly after `time`. */
export function nextFundingTime(time: number, intervalMs = FUNDING_INTERVAL_MS): number {
  return Math.floor(time / intervalMs) * intervalMs + intervalMs;
}

/** One rate for every symbol and time; 0.0001 (0.01 % per 8 h) is the usual base rate of USDT perpetuals. */
export function constantFundingRate(rate = '0.0001'): FundingRates {
  const r = new Dec(rate);
  return { rateAt: () => r };
}

/**
 * Rates per symbol from series of (time, rate), e.g. the bundled XRP file; a time the series does not
 * hold, or a symbol without one, settles at `fallback`. Series times are snapped to the interval (the
 * source stamps settlements a few ms late: 1637193600017).
 */
export function seriesFundingRates(series: ReadonlyMap<string, ReadonlyMap<number, Dec>>, fallback: FundingRates = constantFundingRate()): FundingRates {
  return {
    rateAt: (symbol, time) => series.get(symbol)?.get(time) ?? fallback.rateAt(symbol, time),
  };
}

/** Parses `timestamp_ms,funding_rate` rows (a header line is skipped) into time → rate. */
export function parseFundingCsv(text: string, intervalMs = FUNDING_INTERVAL_MS): Map<number, Dec> {
  const out = new Map<number, Dec>();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = lines[0]?.startsWith('timestamp') ? lines.slice(1) : lines;
  rows.forEach((line, i) => {
    const [ts, rate] = line.split(',');
    const time = Number(ts);
    if (!Number.isFinite(time) || rate === undefined || rate.trim() === '') throw new Error(`Malformed funding CSV row ${i + 1}: ${line}`);
    out.set(Math.round(time / intervalMs) * intervalMs, new Dec(rate.trim()));
  });
  return out;
}

/** The bundled XRP rates for XRP/USDT (when the file ships), the constant default for every other symbol. */
export function bundledFundingRates(): FundingRates {
  if (!existsSync(XRP_FUNDING_CSV)) return constantFundingRate();
  return seriesFundingRates(new Map([['XRP/USDT', parseFundingCsv(readFileSync(XRP_FUNDING_CSV, 'utf8'))]]));
}
