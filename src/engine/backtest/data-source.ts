import { closeSync, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotImplementedError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { isExchangeId, type ExchangeId } from '../../domain/exchange-ids.js';
import type { Exchange, Market } from '../../exchanges/exchange.port.js';
import { loadCandleCsv, parseCandleCsv } from '../../exchanges/simulated/candle-csv.js';
import { symbolAssets } from '../accounting/position-ledger.js';
import { CandleSeries } from '../../domain/candles.js';
import { downloadCandles } from './candle-download.js';
import { isDerivative } from '../risk.js';
import { isMarkFile, refuseOnSpot, resolvePerpetualData, type PerpetualData } from './perpetual-data.js';
import type { BacktestRequest, DataSource } from './config.js';
import { timeframeFromMs, timeframeMs } from '../../domain/timeframe.js';
import { parseDataFileName } from '../../domain/data-files.js';

/**
 * Where a backtest's candles come from, and the cut of them it runs on. Files (bundled or the user's)
 * go through the CSV loader (exchanges/simulated/candle-csv.ts), which reports every bad line by number; exchange data goes through the
 * `Exchange` port and the on-disk cache (candle-download.ts).
 */

export interface CandleSourceDeps {
  /** Directory of the bundled CSV files (the repository's data/). */
  bundledDir: string;
  /** Cache of downloaded candles (data/cache). */
  cacheDir: string;
  /** The exchange adapter of a stored connection, for `source: 'exchange'`. */
  exchangeFor?: (connectionId: string) => Promise<Exchange>;
  now?: () => number;
}

/** A data source as the CLI may also give it: a CSV file path on this machine (never accepted over HTTP). */
export type AnySource = DataSource | { source: 'file'; path: string };

export interface PreparedData {
  series: CandleSeries;
  symbol: string;
  timeframe: string;
  market: Market;
  /** First traded candle (earlier ones warm up). */
  start: number;
  end: number;
  /** Places where consecutive candles are further apart than one timeframe. */
  gaps: number;
  sourceName: string;
  /** The venue the candles came from (exchange data), whose fee rule is the default. */
  exchange?: ExchangeId;
  /** A perpetual's funding rates and mark prices (absent on spot). */
  perpetual?: PerpetualData;
}

interface Loaded {
  series: CandleSeries;
  name: string;
  symbol?: string;
  timeframe?: string;
  market?: Market;
  exchange?: ExchangeId;
}

/** The repository's data/ directory, found from this file whether run from src/ or dist/. */
export function findBundledDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'data'))) return path.join(dir, 'data');
    dir = path.dirname(dir);
  }
  return path.resolve('data');
}

/**
 * The candle files of data/: a CSV whose header is the candles' own (a funding-rate file beside them is
 * no price data, and a perpetual's mark prices, `…-mark.csv`, are not candles anyone trades).
 */
export function listBundledFiles(bundledDir: string): string[] {
  if (!existsSync(bundledDir)) return [];
  return readdirSync(bundledDir)
    .filter((f) => f.endsWith('.csv') && !isMarkFile(f) && firstLine(path.join(bundledDir, f)).startsWith(CANDLE_HEADER))
    .sort();
}

const CANDLE_HEADER = 'timestamp_ms,open,high,low,close,volume';

function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(128);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').split(/\r?\n/)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

/** freqtrade's file naming: `XRP_USDT_USDT-1h-futures.csv` → XRP/USDT:USDT, 1h (src/domain/data-files.ts, which the web shares). */
export { parseDataFileName };

export async function prepareData(request: BacktestRequest, source: AnySource, warmup: number, deps: CandleSourceDeps): Promise<PreparedData> {
  const loaded = await load(request, source, warmup, deps);
  const symbol = request.symbol ?? loaded.symbol;
  if (!symbol) throw new ValidationError('symbol is required for this data source (it cannot be read from the file name)', [{ path: 'symbol', message: 'required' }]);
  const { timeframe, gaps } = checkSpacing(loaded.series, request.timeframe ?? loaded.timeframe);
  const range = cut(loaded.series, request.from, request.to, warmup);
  const market = loaded.market ?? syntheticMarket(symbol, request.market);
  const perpetual = await perpetualDataFor(request, source, market, range, timeframe, deps);
  return {
    ...range,
    symbol,
    timeframe,
    gaps,
    market,
    sourceName: loaded.name,
    ...(loaded.exchange ? { exchange: loaded.exchange } : {}),
    ...(perpetual ? { perpetual } : {}),
  };
}

/** A perpetual's funding and mark data for the traded range (perpetual-data.ts); none on spot, where naming them is refused. */
async function perpetualDataFor(
  request: BacktestRequest,
  source: AnySource,
  market: Market,
  range: { series: CandleSeries; start: number; end: number },
  timeframe: string,
  deps: CandleSourceDeps,
): Promise<PerpetualData | undefined> {
  if (!isDerivative(market)) {
    refuseOnSpot(market.symbol, request.funding, request.mark);
    return undefined;
  }
  const tf = timeframeMs(timeframe);
  return resolvePerpetualData({
    range: { symbol: market.symbol, from: range.series.time(range.start), to: range.series.time(range.end - 1) + tf, timeframe, timeframeMs: tf },
    funding: request.funding,
    mark: request.mark,
    bundledDir: deps.bundledDir,
    bundledData: source.source === 'bundled',
  });
}

async function load(request: BacktestRequest, source: AnySource, warmup: number, deps: CandleSourceDeps): Promise<Loaded> {
  switch (source.source) {
    case 'bundled': {
      const file = source.file;
      if (file === undefined) throw new ValidationError('Several bundled files are a multi-pair run: load them one pair at a time', [{ path: 'data.files', message: 'one file per pair' }]);
      if (!listBundledFiles(deps.bundledDir).includes(file)) {
        throw new NotFoundError(`No bundled data file "${file}"; available: ${listBundledFiles(deps.bundledDir).join(', ') || 'none'}`);
      }
      return { series: await loadCandleCsv(path.join(deps.bundledDir, file)), name: file, ...parseDataFileName(file) };
    }
    case 'file':
      return { series: await loadCandleCsv(source.path), name: path.basename(source.path), ...parseDataFileName(source.path) };
    case 'csv':
      return { series: parseCandleCsv(source.csv, source.name ?? 'uploaded CSV'), name: source.name ?? 'uploaded CSV' };
    case 'exchange':
      return loadFromExchange(request, source.connectionId, warmup, deps);
  }
}

async function loadFromExchange(request: BacktestRequest, connectionId: string, warmup: number, deps: CandleSourceDeps): Promise<Loaded> {
  if (!deps.exchangeFor) throw new NotImplementedError('Downloading candles needs exchange access, which this server was started without');
  const fields = [
    ...(request.symbol ? [] : [{ path: 'symbol', message: 'required for exchange data' }]),
    ...(request.timeframe ? [] : [{ path: 'timeframe', message: 'required for exchange data' }]),
    ...(request.from === undefined ? [{ path: 'from', message: 'required for exchange data' }] : []),
  ];
  if (fields.length > 0) throw new ValidationError('Exchange data needs symbol, timeframe and from', fields);
  const symbol = request.symbol as string;
  const timeframe = request.timeframe as string;
  const exchange = await deps.exchangeFor(connectionId);
  try {
    const market = (await exchange.loadMarkets()).find((m) => m.symbol === symbol);
    if (!market) throw new ValidationError(`${exchange.id} has no market ${symbol}`, [{ path: 'symbol', message: 'unknown on this exchange' }]);
    const now = deps.now ?? Date.now;
    const { series } = await downloadCandles({
      exchange,
      symbol,
      timeframe,
      from: (request.from as number) - warmup * timeframeMs(timeframe),
      to: request.to ?? now(),
      cacheDir: deps.cacheDir,
      now,
    });
    return { series, name: `${exchange.id} ${symbol} ${timeframe}`, symbol, timeframe, market, ...(isExchangeId(exchange.id) ? { exchange: exchange.id } : {}) };
  } finally {
    await exchange.close();
  }
}

/** The timeframe (given, or the smallest spacing in the data) and the number of gaps. */
function checkSpacing(series: CandleSeries, given: string | undefined): { timeframe: string; gaps: number } {
  if (series.length < 2) throw new ValidationError(`At least 2 candles are needed, got ${series.length}`);
  let min = Infinity;
  for (let i = 1; i < series.length; i++) min = Math.min(min, series.time(i) - series.time(i - 1));
  const timeframe = given ?? timeframeFromMs(min);
  if (timeframe === null) throw new ValidationError(`Cannot infer a timeframe from a candle spacing of ${min} ms; give one`, [{ path: 'timeframe', message: 'required' }]);
  const tf = timeframeMs(timeframe);
  if (min < tf) throw new ValidationError(`Candles are ${min} ms apart somewhere, closer than the timeframe ${timeframe}`, [{ path: 'timeframe', message: 'does not match the data' }]);
  let gaps = 0;
  for (let i = 1; i < series.length; i++) if (series.time(i) - series.time(i - 1) > tf) gaps++;
  return { timeframe, gaps };
}

/** The candles of [from, to), preceded by up to `warmup` earlier ones; a new series only when cut. */
function cut(series: CandleSeries, from: number | undefined, to: number | undefined, warmup: number): { series: CandleSeries; start: number; end: number } {
  const first = from === undefined ? 0 : lowerBound(series, from);
  const end = to === undefined ? series.length : lowerBound(series, to);
  if (end - first < 1) throw new ValidationError('No candles in the requested date range', [{ path: 'from', message: 'no data in range' }]);
  const begin = Math.max(0, first - warmup);
  if (begin === 0 && end === series.length) return { series, start: first, end };
  const out = new CandleSeries(end - begin);
  for (let i = begin; i < end; i++) out.append(series.candle(i));
  return { series: out, start: first - begin, end: end - begin };
}

function lowerBound(series: CandleSeries, time: number): number {
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
 * File data carries no market rules, so the request may give them. Amounts default to a step of 1e-8
 * (the finest any of our exchanges uses): a quote-sized order (100 USDT / 1.07925) is then a short exact
 * decimal instead of 40 digits, and every product of the accounting stays exact.
 */
export const DEFAULT_AMOUNT_STEP = '0.00000001';

export function syntheticMarket(symbol: string, rules: BacktestRequest['market'] = {}): Market {
  const { base, quote } = symbolAssets(symbol);
  return {
    symbol,
    id: symbol,
    base,
    quote,
    type: symbol.includes(':') ? 'swap' : 'spot',
    active: true,
    amountStep: rules.amountStep ?? DEFAULT_AMOUNT_STEP,
    priceStep: rules.priceStep ?? null,
    minAmount: rules.minAmount ?? null,
    maxAmount: null,
    minCost: rules.minCost ?? null,
  };
}
