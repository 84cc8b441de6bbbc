import { ValidationError } from '../../domain/errors.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategy.js';
import type { BacktestSummary } from '../../domain/backtest-run.js';
import { backtestRequestSchema, startingBalanceFor, type BacktestRequest } from './config.js';
import { feeAssetsFor, resolveFeeAssets } from './fee-assets.js';
import { prepareData, type AnySource, type CandleSourceDeps, type PreparedData } from './data-source.js';
import type { BacktestReport } from '../../domain/backtest-report.js';
import { buildReport } from './report.js';
import { BacktestRunner } from './runner.js';

/**
 * One backtest from request to report, in three steps the service, the CLI and the sweep workers share:
 * `parseBacktestRequest` (validate everything that can be checked without data), `prepareData`
 * (load and cut the candles), `createRunner` + `buildReport`.
 */

/** Parses a request (strict schema, then the strategy's own parameter schema); throws ValidationError. */
export function parseBacktestRequest(input: unknown, registry: StrategyRegistry): { request: BacktestRequest; definition: StrategyDefinition } {
  const parsed = backtestRequestSchema.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw new ValidationError(`Invalid backtest: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
  }
  const definition = registry.get(parsed.data.strategy);
  definition.parseParams(parsed.data.params);
  // Exchange data names its venue only once loaded; a profile without any exchange is refused up front.
  if (parsed.data.data.source !== 'exchange') resolveFeeAssets(parsed.data.feeAsset, parsed.data.exchange);
  // Exchange data is downloaded by the job: its pair is known by name now, so a missing balance answers the request.
  const named = parsed.data.symbol ?? parsed.data.symbols?.[0];
  if (parsed.data.data.source === 'exchange' && named) startingBalanceFor(parsed.data.startingBalance, { symbol: named, quote: quoteOf(named) });
  return { request: parsed.data, definition };
}

/** The quote of a unified symbol: `BTC/USDT` and `BTC/USDT:USDT` are quoted in USDT. */
function quoteOf(symbol: string): string {
  return symbol.split(':')[0]?.split('/')[1] ?? '';
}

/** Loads and cuts the candles; `warmup` defaults to what the strategy needs with the request's params. */
export async function loadBacktestData(
  request: BacktestRequest,
  definition: StrategyDefinition,
  deps: CandleSourceDeps,
  source: AnySource = request.data,
  warmup = definition.warmup(request.params),
): Promise<PreparedData> {
  const data = await prepareData(request, source, warmup, deps);
  startingBalanceFor(request.startingBalance, data.market); // refused with the data's error, before any run
  return data;
}

export function createRunner(request: BacktestRequest, definition: StrategyDefinition, data: PreparedData, params: unknown = request.params): BacktestRunner {
  return new BacktestRunner({
    definition,
    params,
    series: data.series,
    market: data.market,
    timeframe: data.timeframe,
    start: data.start,
    end: data.end,
    startingBalance: startingBalanceFor(request.startingBalance, data.market),
    feeRate: request.feeRate,
    feeAssets: feeAssetsFor(request.feeAsset, request.exchange ?? data.exchange, data.market),
    slippageBps: request.slippageBps,
    risk: request.risk,
    ...(data.perpetual ? { perpetual: data.perpetual } : {}),
  });
}

/** Runs synchronously to the end (CLI, workers, tests). */
export function runBacktestSync(request: BacktestRequest, definition: StrategyDefinition, data: PreparedData, params: unknown = request.params): BacktestReport {
  const report = buildReport(createRunner(request, definition, data, params).run(), request.equityPoints);
  return withDataFacts(report, data);
}

export function withDataFacts(report: BacktestReport, data: PreparedData): BacktestReport {
  return { ...report, period: { ...report.period, gaps: data.gaps, source: data.sourceName } };
}

/** The list figures of a report (single or multi-pair: only the totals are read). */
export function summarize(report: { result: Omit<BacktestReport['result'], 'endPosition'> }): BacktestSummary {
  const r = report.result;
  return {
    netProfit: r.netProfit,
    netProfitPct: r.netProfitPct,
    maxDrawdownPct: r.maxDrawdown.pct,
    tradeCount: r.tradeCount,
    winRate: r.winRate,
    sharpe: r.sharpe,
  };
}
