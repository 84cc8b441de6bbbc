import { Dec, ZERO, toDecimalString } from '../../domain/money.js';
import type { MultiPairOutcome } from './multi-runner.js';
import { iso, pct, reportTrade } from './report-format.js';
import { derivativesReport, equityCurve, pairFacts, pairReport, runEvents, totalResult, type PairFacts } from './run-report.js';
import { timeframeMs } from '../../domain/timeframe.js';
import type { MultiPairReport, PairReport, ReportTrade } from '../../domain/backtest-report.js';

/**
 * The report of a multi-pair run: the run's totals and each pair's own figures (run-report.ts, shared
 * with the single-pair report), the pairs' trades merged, and events naming their pair.
 */

export function buildMultiPairReport(outcome: MultiPairOutcome, equityPoints: number): MultiPairReport {
  const { input, equity } = outcome;
  const facts = outcome.lanes.map(pairFacts);
  const symbols = outcome.lanes.map((lane) => lane.symbol);
  const first = Math.min(...outcome.lanes.map((lane) => lane.series.time(lane.start)));
  const last = equity.length > 0 ? (equity.times[equity.length - 1] as number) : first;
  const split = new Dec(input.startingBalance).div(outcome.lanes.length);
  const pairs = facts.map((f) => pairReport(f, outcome, split));
  const derivatives = derivativesReport(outcome, facts, true);
  return {
    kind: 'multi-pair',
    strategy: { id: input.definition.id, params: outcome.params },
    symbol: symbols.join(','),
    symbols,
    timeframe: input.timeframe,
    period: { from: iso(first), to: iso(last + timeframeMs(input.timeframe)), candles: equity.length, warmupCandles: Math.max(...outcome.lanes.map((lane) => lane.start)) },
    settings: {
      startingBalance: input.startingBalance,
      feeRate: input.feeRate,
      feeAssets: input.feeAssets ?? { buy: 'quote', sell: 'quote' },
      slippageBps: input.slippageBps,
      risk: input.risk,
      maxOpenTrades: input.maxOpenTrades ?? outcome.lanes.length,
      peakOpenTrades: outcome.peakOpenTrades,
    },
    result: totalResult(outcome, facts, 'per-step returns of the total equity'),
    buyAndHold: totalBuyAndHold(pairs, new Dec(input.startingBalance)),
    equityCurve: equityCurve(outcome, equityPoints),
    trades: mergedTrades(facts),
    events: runEvents(outcome, true),
    pairs,
    ...(derivatives ? { derivatives } : {}),
  };
}

function totalBuyAndHold(pairs: readonly PairReport[], start: Dec): MultiPairReport['buyAndHold'] {
  const net = pairs.reduce((a, p) => a.add(p.buyAndHold.netProfit), ZERO);
  return { netProfit: toDecimalString(net), netProfitPct: pct(net, start) };
}

/** All pairs' trades by entry time, numbered anew, each naming its pair. */
function mergedTrades(facts: readonly PairFacts[]): (ReportTrade & { symbol: string })[] {
  const all = facts.flatMap((f) => f.trades.map((t) => ({ trade: t, symbol: f.lane.symbol })));
  all.sort((a, b) => a.trade.entryTime - b.trade.entryTime);
  return all.map(({ trade, symbol }, k) => ({ ...reportTrade({ ...trade, id: k + 1 }), symbol }));
}
