import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../domain/errors.js';
import type { Exchange } from '../../exchanges/exchange.port.js';
import { type Candle, CandleSeries } from '../../domain/candles.js';
import { CANDLE_CSV_COLUMNS, parseCandleCsv } from '../../exchanges/simulated/candle-csv.js';
import { timeframeMs } from '../../domain/timeframe.js';

/**
 * Candles downloaded through the `Exchange` port (so every request passes the adapter's rate-limit
 * gate), one page at a time, and cached on disk as the same CSV format users import, plus a sidecar
 * listing the time ranges already asked for. A later run asks the exchange only for what is missing.
 *
 * Layout: `<cacheDir>/<exchange>/<BASE_QUOTE[_SETTLE]>/<timeframe>.csv` and `….ranges.json`.
 * The cache file is read back with the CSV loader, so a corrupted cache fails with line numbers.
 */

export interface DownloadOptions {
  exchange: Exchange;
  symbol: string;
  timeframe: string;
  from: number;
  to: number;
  cacheDir: string;
  /** Candles per request (exchanges cap it: Binance 1000–1500, Bybit 1000, OKX 300). Default 500. */
  pageSize?: number;
  /** Current time: candles that have not closed yet are neither used nor cached. Default Date.now. */
  now?: () => number;
  onPage?: (received: number) => void;
}

export interface DownloadResult {
  series: CandleSeries;
  /** Requests sent to the exchange by this call (0 when the cache covered the range). */
  requests: number;
  cacheFile: string;
}

type Range = [number, number];

export async function downloadCandles(options: DownloadOptions): Promise<DownloadResult> {
  const tf = timeframeMs(options.timeframe);
  const now = (options.now ?? Date.now)();
  // Only closed candles: the last one that may be used opens one timeframe before `now` (floored).
  const to = Math.min(options.to, Math.floor(now / tf) * tf);
  if (!(options.from < to)) throw new ValidationError(`Nothing to download: the range starts at or after its end (or in the future)`, [{ path: 'from', message: 'must be before to and in the past' }]);
  const files = cachePaths(options.cacheDir, options.exchange.id, options.symbol, options.timeframe);
  const cached = await readCache(files);
  let requests = 0;
  for (const [start, end] of missing(cached.ranges, [options.from, to])) {
    requests += await fetchRange(options, start, end, tf, cached.candles);
    cached.ranges = mergeRanges([...cached.ranges, [start, end]]);
  }
  if (requests > 0) await writeCache(files, cached);
  const series = new CandleSeries();
  for (const time of [...cached.candles.keys()].sort((a, b) => a - b)) {
    if (time >= options.from && time < to) series.append(cached.candles.get(time) as Candle);
  }
  return { series, requests, cacheFile: files.csv };
}

/** Pages through [start, end) in time order; stops early when the exchange has nothing more. */
async function fetchRange(options: DownloadOptions, start: number, end: number, tf: number, into: Map<number, Candle>): Promise<number> {
  const limit = options.pageSize ?? 500;
  let since = start;
  let requests = 0;
  while (since < end) {
    const page = await options.exchange.fetchCandles({ symbol: options.symbol, timeframe: options.timeframe, since, limit });
    requests++;
    let last = -1;
    for (const candle of page) {
      if (candle.time >= since && candle.time < end) into.set(candle.time, candle);
      last = Math.max(last, candle.time);
    }
    options.onPage?.(page.length);
    // An empty page, or one that does not move forward, means the exchange has no more history here.
    if (page.length === 0 || last < since) break;
    since = last + tf;
  }
  return requests;
}

interface CacheFiles {
  csv: string;
  ranges: string;
}

function cachePaths(cacheDir: string, exchangeId: string, symbol: string, timeframe: string): CacheFiles {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '_');
  const dir = path.join(cacheDir, safe(exchangeId), safe(symbol));
  return { csv: path.join(dir, `${timeframe}.csv`), ranges: path.join(dir, `${timeframe}.ranges.json`) };
}

async function readCache(files: CacheFiles): Promise<{ candles: Map<number, Candle>; ranges: Range[] }> {
  let csv: string;
  let ranges: Range[];
  try {
    [csv, ranges] = await Promise.all([readFile(files.csv, 'utf8'), readFile(files.ranges, 'utf8').then((t) => JSON.parse(t) as Range[])]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { candles: new Map(), ranges: [] };
    throw error;
  }
  const series = parseCandleCsv(csv, files.csv);
  const candles = new Map<number, Candle>();
  for (let i = 0; i < series.length; i++) candles.set(series.time(i), series.candle(i));
  return { candles, ranges };
}

/** Written to temporary files and renamed, so a crash never leaves a half-written cache. */
async function writeCache(files: CacheFiles, cache: { candles: Map<number, Candle>; ranges: Range[] }): Promise<void> {
  await mkdir(path.dirname(files.csv), { recursive: true });
  const lines = [CANDLE_CSV_COLUMNS.join(',')];
  for (const time of [...cache.candles.keys()].sort((a, b) => a - b)) {
    const c = cache.candles.get(time) as Candle;
    lines.push(`${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  }
  await writeFile(`${files.csv}.tmp`, `${lines.join('\n')}\n`);
  await writeFile(`${files.ranges}.tmp`, JSON.stringify(cache.ranges));
  await rename(`${files.csv}.tmp`, files.csv);
  await rename(`${files.ranges}.tmp`, files.ranges);
}

/** Parts of `want` not covered by `have` (both half-open [start, end)). */
export function missing(have: readonly Range[], want: Range): Range[] {
  const out: Range[] = [];
  let cursor = want[0];
  for (const [start, end] of mergeRanges(have)) {
    if (end <= cursor || start >= want[1]) continue;
    if (start > cursor) out.push([cursor, Math.min(start, want[1])]);
    cursor = Math.max(cursor, end);
  }
  if (cursor < want[1]) out.push([cursor, want[1]]);
  return out;
}

export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
