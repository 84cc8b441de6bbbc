import { ValidationError } from '../../domain/errors.js';
import type { StrategyDefinition } from '../strategy.js';
import { startingBalanceFor, type BacktestRequest } from './config.js';
import { parseDataFileName, prepareData, type AnySource, type CandleSourceDeps, type PreparedData } from './data-source.js';
import { feeAssetsFor } from './fee-assets.js';
import { buildMultiPairReport } from './multi-report.js';
import { MultiPairRunner } from './multi-runner.js';
import type { MultiPairReport } from '../../domain/backtest-report.js';

/**
 * A multi-pair backtest from request to report, the counterpart of backtest.ts: which requests are
 * multi-pair, loading one data set per pair (each cut like a single-pair run), the runner, the report.
 */

/** Several pairs: `symbols`, or several bundled files. */
export function isMultiPair(request: BacktestRequest): boolean {
  return request.symbols !== undefined || (request.data.source === 'bundled' && request.data.files !== undefined);
}

/** One source per pair with its symbol (from `symbols`, else from each file's name). */
export function pairSources(request: BacktestRequest, localFiles?: readonly string[]): { symbol: string | undefined; source: AnySource }[] {
  if (localFiles && localFiles.length > 0) return localFiles.map((p, k) => ({ symbol: request.symbols?.[k], source: { source: 'file', path: p } }));
  const data = request.data;
  if (data.source === 'bundled' && data.files) return data.files.map((file, k) => ({ symbol: request.symbols?.[k] ?? parseDataFileName(file)?.symbol, source: { source: 'bundled', file } }));
  if (data.source === 'exchange' && request.symbols) return request.symbols.map((symbol) => ({ symbol, source: data }));
  throw new ValidationError('A multi-pair run needs several bundled files (data.files) or exchange data with symbols', [{ path: 'symbols', message: 'no data per pair' }]);
}

/** Loads and cuts each pair's candles (the same from/to/warm-up for all); all pairs must share the timeframe. */
export async function loadMultiPairData(
  request: BacktestRequest,
  definition: StrategyDefinition,
  deps: CandleSourceDeps,
  localFiles?: readonly string[],
  warmup = definition.warmup(request.params),
): Promise<PreparedData[]> {
  const pairs = pairSources(request, localFiles);
  const data: PreparedData[] = [];
  for (const { symbol, source } of pairs) {
    const { symbols: _symbols, ...single } = request;
    data.push(await prepareData({ ...single, ...(symbol ? { symbol } : {}) }, source, warmup, deps));
  }
  const timeframes = new Set(data.map((d) => d.timeframe));
  if (timeframes.size > 1) {
    throw new ValidationError(`All pairs must have one timeframe, got ${data.map((d) => `${d.symbol} ${d.timeframe}`).join(', ')}`, [{ path: 'timeframe', message: 'pairs differ' }]);
  }
  const first = data[0];
  if (first) startingBalanceFor(request.startingBalance, first.market); // the pairs share one quote
  return data;
}

export function createMultiPairRunner(request: BacktestRequest, definition: StrategyDefinition, data: readonly PreparedData[], params: unknown = request.params): MultiPairRunner {
  const first = data[0];
  if (!first) throw new ValidationError('A multi-pair run needs at least one pair', [{ path: 'symbols', message: 'empty' }]);
  return new MultiPairRunner({
    definition,
    params,
    pairs: data.map((d) => ({ series: d.series, market: d.market, start: d.start, end: d.end, ...(d.perpetual ? { perpetual: d.perpetual } : {}) })),
    timeframe: first.timeframe,
    startingBalance: startingBalanceFor(request.startingBalance, first.market),
    feeRate: request.feeRate,
    feeAssets: feeAssetsFor(request.feeAsset, request.exchange ?? first.exchange, first.market),
    slippageBps: request.slippageBps,
    risk: request.risk,
    ...(request.maxOpenTrades === undefined ? {} : { maxOpenTrades: request.maxOpenTrades }),
  });
}

/** Adds each pair's data facts (gaps, source) and their totals. */
export function withPairDataFacts(report: MultiPairReport, data: readonly PreparedData[]): MultiPairReport {
  const gaps = data.reduce((n, d) => n + d.gaps, 0);
  const pairs = report.pairs.map((p, k) => ({ ...p, gaps: data[k]?.gaps ?? 0, source: data[k]?.sourceName ?? '' }));
  return { ...report, pairs, period: { ...report.period, gaps, source: data.map((d) => d.sourceName).join(', ') } };
}

/** Runs synchronously to the end (CLI, tests). */
export function runMultiPairSync(request: BacktestRequest, definition: StrategyDefinition, data: readonly PreparedData[]): MultiPairReport {
  return withPairDataFacts(buildMultiPairReport(createMultiPairRunner(request, definition, data).run(), request.equityPoints), data);
}
