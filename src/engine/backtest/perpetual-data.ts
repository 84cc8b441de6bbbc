import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError, NotFoundError } from '../../domain/errors.js';
import { Dec, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';
import type { PerpetualFileInfo, PerpetualPairFiles } from '../../domain/backtest-run.js';
import { CandleCsvError, parseCandleCsv, type CsvIssue } from '../../exchanges/simulated/candle-csv.js';
import { symbolAssets } from '../accounting/position-ledger.js';
import { iso } from './report-format.js';

/**
 * What a backtest of a perpetual needs beside its candles: the funding rates (a file of
 * `timestamp_ms,funding_rate`, one row per settlement) and the mark prices (a candle file of the mark,
 * for liquidations and to price funding). Both are optional: without them the report says what was
 * not modelled. Everything here is plain data (the sweep hands it to its workers).
 */

/** Funding settlements of one perpetual, in time order. */
export interface FundingRates {
  /** The file they came from. */
  source: string;
  /** The usual spacing of the settlements (the most common one in the file), ms. */
  intervalMs: number;
  /** Settlement times, snapped to the whole hour (sources stamp them a few ms late), ascending. */
  times: number[];
  /** Rate per settlement as a plain decimal (positive: longs pay shorts). */
  rates: DecimalString[];
}

/** Mark-price candles of one perpetual. */
export interface MarkPrices {
  source: string;
  series: CandleSeries;
  timeframeMs: number;
}

/** The perpetual side of a backtest's data, resolved before the run. */
export interface PerpetualData {
  funding: FundingRates | null;
  /** Where funding came from, or why there is none (a person reads it in the report). */
  fundingNote: string;
  mark: MarkPrices | null;
  markNote: string;
}

/** How a request names a funding or mark file: a file in data/, an inline CSV, or none. */
export type PerpetualFileSource = { source: 'bundled'; file: string } | { source: 'csv'; csv: string; name?: string | undefined } | { source: 'none' };

const HOUR_MS = 3_600_000;
/** A settlement stamped further than this from a whole hour is refused (the source's are a few ms late). */
const SNAP_TOLERANCE_MS = 60_000;
const MAX_ISSUES = 50;
export const FUNDING_HEADER = 'timestamp_ms,funding_rate';
/** A rate as files write it: a plain decimal or one with an exponent (`8.995e-05`), signed. */
const RATE_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a funding-rate CSV; every bad line is reported with its number (CandleCsvError, a ValidationError). */
export function parseFundingCsv(text: string, source: string): FundingRates {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const issues: CsvIssue[] = [];
  const report = (line: number, message: string): void => {
    if (issues.length < MAX_ISSUES) issues.push({ line, message });
  };
  const names = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((n) => n.trim());
  const timeCol = names.indexOf('timestamp_ms');
  const rateCol = names.indexOf('funding_rate');
  if (timeCol < 0 || rateCol < 0) {
    report(1, `expected a header ${FUNDING_HEADER}, got "${names.join(',')}"`);
    throw new CandleCsvError(source, issues, false);
  }
  const times: number[] = [];
  const rates: DecimalString[] = [];
  const lineOf: number[] = [];
  for (let k = 1; k < lines.length; k++) {
    const line = k + 1;
    const cells = (lines[k] as string).split(',');
    const stamp = (cells[timeCol] ?? '').trim();
    const rate = (cells[rateCol] ?? '').trim();
    if (!/^\d+$/.test(stamp) || !Number.isSafeInteger(Number(stamp)) || Number(stamp) < 1_000_000_000_000) {
      report(line, `timestamp_ms "${stamp}" must be an integer number of milliseconds`);
      continue;
    }
    if (!RATE_PATTERN.test(rate)) {
      report(line, `funding_rate "${rate}" is not a number`);
      continue;
    }
    const raw = Number(stamp);
    const snapped = Math.round(raw / HOUR_MS) * HOUR_MS;
    if (Math.abs(raw - snapped) > SNAP_TOLERANCE_MS) {
      report(line, `timestamp_ms ${stamp} (${iso(raw)}) is not within a minute of a whole hour, where funding settles`);
      continue;
    }
    const previous = times[times.length - 1];
    if (previous !== undefined && snapped <= previous) {
      report(line, `settlement ${iso(snapped)} is ${snapped === previous ? 'a duplicate of' : 'earlier than'} the one on line ${lineOf[lineOf.length - 1]}; rows must be sorted by time`);
      continue;
    }
    times.push(snapped);
    // Exact: decimal.js reads the exponent form without rounding (8.995e-05 → 0.00008995).
    rates.push(toDecimalString(new Dec(rate)));
    lineOf.push(line);
  }
  if (times.length === 0 && issues.length === 0) report(1, 'no funding rates after the header');
  if (issues.length > 0) throw new CandleCsvError(source, issues, issues.length >= MAX_ISSUES);
  return { source, intervalMs: usualSpacing(times), times, rates };
}

/** The most common spacing of the settlements (ties: the shorter); 8 h for a file of one row. */
function usualSpacing(times: readonly number[]): number {
  const counts = new Map<number, number>();
  for (let k = 1; k < times.length; k++) {
    const d = (times[k] as number) - (times[k - 1] as number);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 8 * HOUR_MS;
  let most = 0;
  for (const [spacing, count] of counts) if (count > most || (count === most && spacing < best)) [best, most] = [spacing, count];
  return best;
}

/** One funding time the run crosses: the file's rate, or null where the file has none (a gap, or outside it). */
export interface FundingEvent {
  time: number;
  rate: DecimalString | null;
}

/**
 * The funding times strictly between `after` and `before` (a run's first candle open and its end): the
 * file's settlements, and where the file has a hole — before its first row, after its last, or a gap
 * longer than its usual spacing — the times its schedule would have settled at, without a rate.
 */
export function fundingEventsBetween(f: FundingRates, after: number, before: number): FundingEvent[] {
  const out: FundingEvent[] = [];
  const step = f.intervalMs;
  const inRun = (t: number) => t > after && t < before;
  const n = f.times.length;
  // Before the file's first settlement and after its last: the schedule it would have kept.
  for (let t = (f.times[0] as number) - step; t > after; t -= step) if (t < before) out.push({ time: t, rate: null });
  for (let k = 0; k < n; k++) {
    const t = f.times[k] as number;
    // A gap longer than the usual spacing: the settlements it skipped.
    if (k > 0) for (let s = (f.times[k - 1] as number) + step; s < t; s += step) if (inRun(s)) out.push({ time: s, rate: null });
    if (inRun(t)) out.push({ time: t, rate: f.rates[k] as DecimalString });
  }
  for (let t = (f.times[n - 1] as number) + step; t < before; t += step) if (t > after) out.push({ time: t, rate: null });
  return out.sort((a, b) => a.time - b.time);
}

/** Index of the candle opening exactly at `time`, else −1. */
export function indexAt(series: CandleSeries, time: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series.time(mid) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo < series.length && series.time(lo) === time ? lo : -1;
}

/** First index whose candle opens at or after `time` (series.length when none). */
export function lowerBoundTime(series: CandleSeries, time: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series.time(mid) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The price at `time` from a candle series: the open of the candle opening then, else the close of the
 * one ending then; null when neither is there.
 */
export function priceAt(series: CandleSeries, timeframeMs: number, time: number): Dec | null {
  const at = indexAt(series, time);
  if (at >= 0) return series.decimal('open', at);
  const before = indexAt(series, time - timeframeMs);
  return before >= 0 ? series.decimal('close', before) : null;
}

/** The file of `kind` in data/ for a perpetual (`XRP/USDT:USDT` → `XRP_USDT_USDT-8h-funding_rate.csv`, `…-1h-mark.csv`), or null. */
export function bundledPerpetualFile(bundledDir: string, symbol: string, kind: 'funding_rate' | 'mark', timeframe?: string): string | null {
  if (!existsSync(bundledDir)) return null;
  const stem = symbol.replaceAll('/', '_').replaceAll(':', '_');
  const pattern = new RegExp(`^${stem.replace(/[^A-Za-z0-9_]/g, '')}-(\\d+[smhdw])-${kind}\\.csv$`);
  const matches = readdirSync(bundledDir).filter((f) => pattern.test(f)).sort();
  if (matches.length === 0) return null;
  // The mark file of the run's own timeframe when there is one.
  return matches.find((f) => timeframe !== undefined && f.startsWith(`${stem}-${timeframe}-`)) ?? (matches[0] as string);
}

/** freqtrade's naming of a perpetual's funding and mark files: `XRP_USDT_USDT-8h-funding_rate.csv`, `XRP_USDT_USDT-1h-mark.csv`. */
const PERPETUAL_FILE = /^([A-Za-z0-9]+)_([A-Za-z0-9]+)_([A-Za-z0-9]+)-(\d+[smhdw])-(funding_rate|mark)\.csv$/;
/** What each file held when last read, by path, kept while its size and modification time stay the same. */
const fileInfoCache = new Map<string, { stamp: string; info: PerpetualFileInfo }>();

/**
 * The funding-rate and mark-price files of data/, per perpetual (symbols and files sorted), each with
 * the time it covers. A file that does not parse is listed with its problem rather than left out.
 */
export function listPerpetualFiles(bundledDir: string): PerpetualPairFiles[] {
  if (!existsSync(bundledDir)) return [];
  const pairs = new Map<string, PerpetualPairFiles>();
  for (const file of readdirSync(bundledDir).sort()) {
    const m = PERPETUAL_FILE.exec(file);
    if (!m) continue;
    const symbol = `${m[1]}/${m[2]}:${m[3]}`;
    const pair = pairs.get(symbol) ?? { symbol, funding: [], mark: [] };
    pairs.set(symbol, pair);
    const kind = m[5] === 'mark' ? 'mark' : 'funding';
    pair[kind].push(perpetualFileInfo(path.join(bundledDir, file), file, kind, m[4] as string));
  }
  return [...pairs.values()].sort((a, b) => a.symbol.localeCompare(b.symbol));
}

function perpetualFileInfo(full: string, file: string, kind: 'funding' | 'mark', interval: string): PerpetualFileInfo {
  const stat = statSync(full);
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const cached = fileInfoCache.get(full);
  if (cached?.stamp === stamp) return cached.info;
  let info: PerpetualFileInfo;
  try {
    const text = readFileSync(full, 'utf8');
    if (kind === 'funding') {
      const rates = parseFundingCsv(text, file);
      info = { file, interval, rows: rates.times.length, from: iso(rates.times[0] as number), to: iso(rates.times[rates.times.length - 1] as number) };
    } else {
      const series = parseCandleCsv(text, file);
      const last = series.time(series.length - 1);
      const step = smallestSpacing(series);
      info = { file, interval, rows: series.length, from: iso(series.time(0)), to: iso(last + (step ?? 0)) };
    }
  } catch (error) {
    info = { file, interval, rows: 0, from: null, to: null, problem: error instanceof Error ? error.message : String(error) };
  }
  fileInfoCache.set(full, { stamp, info });
  return info;
}

/** A bundled mark file (`…-mark.csv`) is mark prices, not candles anyone trades. */
export function isMarkFile(file: string): boolean {
  return /-mark\.csv$/.test(file);
}

interface RunRange {
  symbol: string;
  /** Open of the first traded candle. */
  from: number;
  /** End of the last candle. */
  to: number;
  timeframe: string;
  timeframeMs: number;
}

/**
 * Resolves a perpetual's funding and mark data for a run: what the request names, else (bundled data
 * only) the files of data/ for the pair — funding only when it has a rate for every funding time the
 * run crosses, the mark file wherever it has candles.
 */
export async function resolvePerpetualData(params: {
  range: RunRange;
  funding: PerpetualFileSource | undefined;
  mark: PerpetualFileSource | undefined;
  bundledDir: string;
  /** Defaults from data/ apply only to bundled candles. */
  bundledData: boolean;
}): Promise<PerpetualData> {
  const { range, bundledDir } = params;
  const [funding, fundingNote] = await resolveFunding(params.funding, range, bundledDir, params.bundledData);
  const [mark, markNote] = await resolveMark(params.mark, range, bundledDir, params.bundledData);
  return { funding, fundingNote, mark, markNote };
}

async function readBundled(bundledDir: string, file: string, what: string): Promise<string> {
  const full = path.join(bundledDir, file);
  if (!/^[A-Za-z0-9_.-]+\.csv$/.test(file) || !existsSync(full)) throw new NotFoundError(`No bundled ${what} file "${file}" in data/`);
  return readFile(full, 'utf8');
}

const span = (from: number, to: number): string => `${shortIso(from)} → ${shortIso(to)} UTC`;
const shortIso = (ms: number): string => iso(ms).slice(0, 16).replace('T', ' ');
const hours = (ms: number): string => (ms % HOUR_MS === 0 ? `${ms / HOUR_MS} h` : `${ms / 60_000} min`);

async function resolveFunding(requested: PerpetualFileSource | undefined, range: RunRange, bundledDir: string, bundledData: boolean): Promise<[FundingRates | null, string]> {
  const none = `No funding data for ${range.symbol}: no funding is booked, so the result leaves out what holding the position would have paid or received. Give a funding-rate file (timestamp_ms,funding_rate): funding in the request, --funding on the CLI.`;
  if (requested?.source === 'none') return [null, 'No funding data (funding: none): no funding is booked.'];
  if (requested === undefined) {
    const file = bundledData ? bundledPerpetualFile(bundledDir, range.symbol, 'funding_rate') : null;
    if (file === null) return [null, none];
    const rates = parseFundingCsv(await readBundled(bundledDir, file, 'funding'), file);
    const events = fundingEventsBetween(rates, range.from, range.to);
    const missing = events.filter((e) => e.rate === null);
    const about = `${file} (bundled; ${rates.times.length} rates every ${hours(rates.intervalMs)}, ${span(rates.times[0] as number, rates.times[rates.times.length - 1] as number)})`;
    if (missing.length === 0) return [rates, about];
    return [
      null,
      `No funding data: ${about} does not cover this run (${span(range.from, range.to)}): it has no rate for ${missing.length} of the ${events.length} funding times the run crosses (first ${shortIso((missing[0] as FundingEvent).time)}), so no funding is booked. Trade a range it covers, or give a funding file (funding, --funding).`,
    ];
  }
  const [text, name] = requested.source === 'bundled' ? [await readBundled(bundledDir, requested.file, 'funding'), requested.file] : [requested.csv, requested.name ?? 'uploaded funding CSV'];
  const rates = parseFundingCsv(text, name);
  const events = fundingEventsBetween(rates, range.from, range.to);
  const missing = events.filter((e) => e.rate === null).length;
  const about = `${name} (${rates.times.length} rates every ${hours(rates.intervalMs)}, ${span(rates.times[0] as number, rates.times[rates.times.length - 1] as number)})`;
  return [rates, missing === 0 ? about : `${about}; it has no rate for ${missing} of the ${events.length} funding times the run crosses: nothing is booked at those`];
}

async function resolveMark(requested: PerpetualFileSource | undefined, range: RunRange, bundledDir: string, bundledData: boolean): Promise<[MarkPrices | null, string]> {
  const fallback = "each candle's own high and low stand in for the mark's extremes (liquidations), and its prices for the mark (funding)";
  if (requested?.source === 'none') return [null, `No mark prices (mark: none): ${fallback}.`];
  let text: string;
  let name: string;
  if (requested === undefined) {
    const file = bundledData ? bundledPerpetualFile(bundledDir, range.symbol, 'mark', range.timeframe) : null;
    if (file === null) return [null, `No mark prices for ${range.symbol}: ${fallback}.`];
    [text, name] = [await readBundled(bundledDir, file, 'mark'), `${file} (bundled)`];
  } else if (requested.source === 'bundled') [text, name] = [await readBundled(bundledDir, requested.file, 'mark'), requested.file];
  else [text, name] = [requested.csv, requested.name ?? 'uploaded mark CSV'];
  const series = parseCandleCsv(text, name);
  const timeframeMs = smallestSpacing(series);
  if (timeframeMs === null || timeframeMs > range.timeframeMs || range.timeframeMs % timeframeMs !== 0) {
    const what = timeframeMs === null ? 'a single candle' : `${hours(timeframeMs)} candles`;
    if (requested !== undefined) {
      throw new ValidationError(`Mark prices ${name} are ${what}: they must be as fine as the run's ${range.timeframe} candles (or finer, evenly)`, [{ path: 'mark', message: 'timeframe does not fit the run' }]);
    }
    return [null, `No mark prices: ${name} holds ${what}, coarser than the run's ${range.timeframe}; ${fallback}.`];
  }
  const about = `${name}: ${hours(timeframeMs)} mark candles, ${span(series.time(0), series.time(series.length - 1) + timeframeMs)}; where it has no candle, ${fallback}`;
  return [{ source: name.replace(/ \(bundled\)$/, ''), series, timeframeMs }, about];
}

function smallestSpacing(series: CandleSeries): number | null {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < series.length; i++) min = Math.min(min, series.time(i) - series.time(i - 1));
  return Number.isFinite(min) ? min : null;
}

/** A funding or mark file named for a spot pair is a mistake worth saying. */
export function refuseOnSpot(symbol: string, funding: PerpetualFileSource | undefined, mark: PerpetualFileSource | undefined): void {
  const fields = [
    ...(funding && funding.source !== 'none' ? [{ path: 'funding', message: 'only for perpetuals' }] : []),
    ...(mark && mark.source !== 'none' ? [{ path: 'mark', message: 'only for perpetuals' }] : []),
  ];
  if (fields.length === 0) return;
  const { base, quote } = symbolAssets(symbol);
  throw new ValidationError(`${symbol} is a spot pair: funding rates and mark prices apply to perpetuals (e.g. ${base}/${quote}:${quote})`, fields);
}
