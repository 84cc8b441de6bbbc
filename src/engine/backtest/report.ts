import { Dec } from '../../domain/money.js';
import type { RunOutcome } from './runner.js';
import { iso, reportTrade } from './report-format.js';
import { derivativesReport, endPosition, equityCurve, pairBuyAndHold, pairFacts, runEvents, totalResult } from './run-report.js';
import { timeframeMs } from '../../domain/timeframe.js';
import type { BacktestReport } from '../../domain/backtest-report.js';

export type { BacktestReport, BacktestResult, BuyAndHold, EventList, MultiPairReport, PairReport, ReportTrade } from '../../domain/backtest-report.js';

/**
 * Builds the report a trader reads of a single-pair run (its types live in src/domain/backtest-report.ts,
 * shared with the CLI and the web UI): the figures of the run of one pair (run-report.ts, as for a
 * multi-pair run), laid out for one pair. Money is exact decimal strings.
 */
export function buildReport(outcome: RunOutcome, equityPoints: number): BacktestReport {
  const { input, run, lane } = outcome;
  const n = run.equity.length;
  const last = input.start + n - 1;
  const facts = pairFacts(lane);
  const derivatives = derivativesReport(run, [facts], false);
  return {
    strategy: { id: input.definition.id, params: run.params },
    symbol: input.market.symbol,
    timeframe: input.timeframe,
    period: {
      from: iso(input.series.time(input.start)),
      to: iso(input.series.time(last) + timeframeMs(input.timeframe)),
      candles: n,
      warmupCandles: input.start,
    },
    settings: {
      startingBalance: input.startingBalance,
      feeRate: input.feeRate,
      feeAssets: input.feeAssets ?? { buy: 'quote', sell: 'quote' },
      slippageBps: input.slippageBps,
      risk: input.risk,
    },
    result: { ...totalResult(run, [facts], 'per-candle returns'), endPosition: endPosition(facts) },
    buyAndHold: pairBuyAndHold(facts, run, new Dec(input.startingBalance)),
    equityCurve: equityCurve(run, equityPoints),
    trades: facts.trades.map(reportTrade),
    events: runEvents(run, false),
    ...(derivatives ? { derivatives } : {}),
  };
}
