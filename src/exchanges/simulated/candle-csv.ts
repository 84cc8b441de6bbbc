import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError, type FieldError } from '../../domain/errors.js';
import { Dec } from '../../domain/money.js';
import { CandleSeries } from '../../domain/candles.js';

/**
 * Candle CSV files (the bundled data and users' own): header `timestamp_ms,open,high,low,close,volume`
 * (any column order, extra columns ignored), one candle per line, open time in ms UTC, plain decimals.
 * Every bad line is reported with its number — nothing is skipped silently — up to MAX_ISSUES.
 */

export const CANDLE_CSV_COLUMNS = ['timestamp_ms', 'open', 'high', 'low', 'close', 'volume'] as const;
const MAX_ISSUES = 50;
/** Earliest plausible ms timestamp (2001-09-09): smaller values are almost certainly seconds. */
const MIN_MS_TIMESTAMP = 1_000_000_000_000;

export interface CsvIssue {
  line: number;
  message: string;
}

/** A CSV that cannot be used; `issues` lists each problem with its 1-based line number. */
export class CandleCsvError extends ValidationError {
  constructor(
    readonly source: string,
    readonly issues: readonly CsvIssue[],
    truncated: boolean,
  ) {
    super(
      `${source}: ${issues.length}${truncated ? '+' : ''} problem(s): ${issues
        .slice(0, 5)
        .map((i) => `line ${i.line}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? '; …' : ''}`,
      issues.map((i): FieldError => ({ path: `line ${i.line}`, message: i.message })),
    );
  }
}

const PRICE_PATTERN = /^(0|[1-9]\d*)(\.\d+)?$/;
const INTEGER_PATTERN = /^\d+$/;
const price = z.string().regex(PRICE_PATTERN, 'must be a non-negative plain decimal');
const rowSchema = z
  .object({
    timestamp_ms: z
      .string()
      .regex(INTEGER_PATTERN, 'must be an integer number of milliseconds')
      .transform(Number)
      .refine((t) => t >= MIN_MS_TIMESTAMP, 'looks like seconds, not milliseconds')
      .refine((t) => Number.isSafeInteger(t), 'is too large'),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: price,
  })
  .superRefine((row, ctx) => {
    for (const problem of ohlcProblems(row)) ctx.addIssue({ code: 'custom', message: problem, path: [] });
  });

type Row = z.output<typeof rowSchema>;

/** a < b for plain decimal texts: numbers decide unless they tie (parsing is monotonic), then exact decimals. */
function lt(a: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  return x === y ? a !== b && new Dec(a).lt(b) : x < y;
}

function ohlcConsistent(row: { open: string; high: string; low: string; close: string }): boolean {
  return !lt(row.high, row.low) && !lt(row.high, row.open) && !lt(row.open, row.low) && !lt(row.high, row.close) && !lt(row.close, row.low);
}

/** High ≥ low, and open/close within [low, high]. */
function ohlcProblems(row: { open: string; high: string; low: string; close: string }): string[] {
  const problems: string[] = [];
  if (lt(row.high, row.low)) problems.push(`high ${row.high} is below low ${row.low}`);
  for (const field of ['open', 'close'] as const) {
    if (lt(row.high, row[field])) problems.push(`${field} ${row[field]} is above high ${row.high}`);
    if (lt(row[field], row.low)) problems.push(`${field} ${row[field]} is below low ${row.low}`);
  }
  return problems;
}

/** Parses CSV text into a series; throws CandleCsvError listing every bad line. */
export function parseCandleCsv(text: string, source = 'candles.csv'): CandleSeries {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline
  const issues: CsvIssue[] = [];
  const report = (line: number, message: string): boolean => issues.push({ line, message }) >= MAX_ISSUES;
  const columns = headerColumns(lines[0] ?? '', report);
  if (columns === null) throw new CandleCsvError(source, issues, false);
  const series = new CandleSeries(Math.max(1, lines.length - 1));
  let previous: { time: number; line: number } | null = null;
  for (let k = 1; k < lines.length && issues.length < MAX_ISSUES; k++) {
    const row = parseRow(stripCr(lines[k] ?? ''), columns, k + 1, report);
    if (row === null) continue;
    const line = k + 1;
    // Rows must be strictly increasing, so a duplicate can only repeat the row before it.
    if (previous && row.timestamp_ms === previous.time) report(line, `duplicate timestamp ${row.timestamp_ms} (also on line ${previous.line})`);
    else if (previous && row.timestamp_ms < previous.time) {
      report(line, `timestamp ${row.timestamp_ms} is earlier than ${previous.time} on line ${previous.line}; rows must be sorted by time`);
    }
    if (issues.length === 0) series.append({ time: row.timestamp_ms, open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume });
    if (!previous || row.timestamp_ms > previous.time) previous = { time: row.timestamp_ms, line };
  }
  if (lines.length < 2 && issues.length === 0) report(1, 'no candles after the header');
  if (issues.length > 0) throw new CandleCsvError(source, issues, issues.length >= MAX_ISSUES);
  return series;
}

export async function loadCandleCsv(path: string): Promise<CandleSeries> {
  return parseCandleCsv(await readFile(path, 'utf8'), path);
}

/** Column index of each required field, or null (with issues reported) when some are missing. */
function headerColumns(header: string, report: (line: number, message: string) => boolean): number[] | null {
  const names = stripCr(header.replace(/^\uFEFF/, '')).split(',').map((n) => n.trim());
  const indexes = CANDLE_CSV_COLUMNS.map((c) => names.indexOf(c));
  const missing = CANDLE_CSV_COLUMNS.filter((_, i) => indexes[i] === -1);
  if (missing.length === 0) return indexes;
  report(1, `missing column(s) ${missing.join(', ')}; expected a header ${CANDLE_CSV_COLUMNS.join(',')}, got "${names.join(',')}"`);
  return null;
}

function parseRow(text: string, columns: readonly number[], line: number, report: (line: number, message: string) => boolean): Row | null {
  if (text.trim() === '') {
    report(line, 'empty line');
    return null;
  }
  const cells = text.split(',');
  const needed = Math.max(...columns) + 1;
  if (cells.length < needed) {
    report(line, `expected at least ${needed} columns, got ${cells.length}`);
    return null;
  }
  const cell = (k: number): string => (cells[columns[k] as number] ?? '').trim();
  const t = cell(0);
  const o = cell(1);
  const h = cell(2);
  const l = cell(3);
  const c = cell(4);
  const v = cell(5);
  const row = { timestamp_ms: Number(t), open: o, high: h, low: l, close: c, volume: v };
  if (isValidRow(t, row)) return row;
  // The fast check failed: let the schema say precisely what is wrong.
  const record: Record<string, string> = { timestamp_ms: t, open: o, high: h, low: l, close: c, volume: v };
  const result = rowSchema.safeParse(record);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? `${String(issue.path[0])} "${record[String(issue.path[0])] ?? ''}" ` : '';
    report(line, `${field}${issue.message}`);
  }
  return null;
}

/**
 * The schema's rules, checked without building zod's result objects (a million rows in well under a
 * second instead of ~8 s); any row this refuses goes through the schema for the message.
 */
function isValidRow(timestamp: string, row: Row): boolean {
  return (
    INTEGER_PATTERN.test(timestamp) &&
    row.timestamp_ms >= MIN_MS_TIMESTAMP &&
    Number.isSafeInteger(row.timestamp_ms) &&
    PRICE_PATTERN.test(row.open) &&
    PRICE_PATTERN.test(row.high) &&
    PRICE_PATTERN.test(row.low) &&
    PRICE_PATTERN.test(row.close) &&
    PRICE_PATTERN.test(row.volume) &&
    ohlcConsistent(row)
  );
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
