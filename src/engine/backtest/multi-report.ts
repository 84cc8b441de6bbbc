import { Dec, ZERO, toDecimalString } from '../../domain/money.js';
import { isDust } from '../accounting/dust.js';
import { downsampleIndices } from './equity-curve.js';
import { maxDrawdown, returnRatios, round } from './metrics.js';
import type { MultiPairOutcome } from './multi-runner.js';
import type { PairLane } from './pair-lane.js';
import { buyAndHoldOf, event, events, iso, pct, reportTrade } from './report.js';
import { periodsPerYear, timeframeMs } from '../../domain/timeframe.js';
import type { BacktestResult, BacktestTrade, MultiPairReport, PairReport, ReportTrade } from '../../domain/backtest-report.js';

/**
 * The report of a multi-pair run. Totals come from the total equity curve (shared quote + every pair's
 * base at its latest close) and from the sum of the pairs' ledgers; per pair, the ledger's own figures.
 * Money is exact, as in report.ts.
 */

interface PairFacts {
  lane: PairLane;
  mark: Dec | null;
  last: number;
  trades: BacktestTrade[];
}

export function buildMultiPairReport(outcome: MultiPairOutcome, equityPoints: number): MultiPairReport {
  const { input, equity } = outcome;
  const facts = outcome.lanes.map(pairFacts);
  const symbols = outcome.lanes.map((lane) => lane.symbol);
  const first = Math.min(...outcome.lanes.map((lane) => lane.series.time(lane.start)));
  const last = equity.length > 0 ? (equity.times[equity.length - 1] as number) : first;
  const split = new Dec(input.startingBalance).div(outcome.lanes.length);
  const pairs = facts.map((f) => pairReport(f, outcome, split));
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
    result: totalResult(outcome, facts),
    buyAndHold: totalBuyAndHold(pairs, new Dec(input.startingBalance)),
    equityCurve: curve(outcome, equityPoints),
    trades: mergedTrades(facts),
    events: { rejections: events(outcome.rejections), strategyErrors: events(outcome.strategyErrors), killSwitch: outcome.killSwitch ? event(outcome.killSwitch) : null },
    pairs,
  };
}

function pairFacts(lane: PairLane): PairFacts {
  const last = Math.min(lane.next, lane.end) - 1;
  const mark = last >= lane.start ? lane.series.decimal('close', last) : null;
  return { lane, mark, last, trades: lane.trades.trades(mark ? lane.ledger.unrealizedPnl(mark) : ZERO) };
}

function closedStats(trades: readonly BacktestTrade[]): { closed: Dec[]; wins: Dec[]; losses: Dec[] } {
  const closed = trades.filter((t) => t.status === 'closed').map((t) => new Dec(t.pnl));
  return { closed, wins: closed.filter((p) => p.gt(0)), losses: closed.filter((p) => p.lt(0)) };
}

function pairReport(f: PairFacts, outcome: MultiPairOutcome, split: Dec): PairReport {
  const { lane, mark } = f;
  const { input } = outcome;
  const ledger = lane.ledger;
  const unrealized = mark ? ledger.unrealizedPnl(mark) : ZERO;
  const { closed, wins, losses } = closedStats(f.trades);
  const traded = Math.max(0, f.last - lane.start + 1);
  return {
    symbol: lane.symbol,
    candles: traded,
    warmupCandles: lane.start,
    netPnl: toDecimalString(ledger.realizedPnl.add(unrealized).sub(ledger.fees)),
    realizedPnl: toDecimalString(ledger.realizedPnl),
    unrealizedPnl: toDecimalString(unrealized),
    feesPaid: toDecimalString(ledger.fees),
    tradeCount: f.trades.length,
    closedTrades: closed.length,
    wins: wins.length,
    losses: losses.length,
    winRate: closed.length > 0 ? round(wins.length / closed.length) : null,
    exposure: traded > 0 ? round(lane.exposureCandles / traded) : 0,
    endPosition: { quantity: toDecimalString(ledger.quantity), dust: isDust(ledger.quantity, lane.market, mark) },
    refusedOrders: lane.rejections,
    strategyErrors: lane.strategyErrors,
    buyAndHold: buyAndHoldOf({ series: lane.series, market: lane.market, start: lane.start, last: f.last, amount: split, traded: traded > 0, slippageBps: input.slippageBps, feeRate: input.feeRate }),
  };
}

function totalResult(outcome: MultiPairOutcome, facts: readonly PairFacts[]): Omit<BacktestResult, 'endPosition'> {
  const { input, equity } = outcome;
  const start = new Dec(input.startingBalance);
  const ending = equity.length > 0 ? equity.exact(equity.length - 1) : start;
  const net = ending.sub(start);
  const all = facts.flatMap((f) => f.trades);
  const { closed, wins, losses } = closedStats(all);
  const grossWin = wins.reduce((a, b) => a.add(b), ZERO);
  const grossLoss = losses.reduce((a, b) => a.add(b), ZERO).abs();
  const sum = (value: (f: PairFacts) => Dec): Dec => facts.reduce((a, f) => a.add(value(f)), ZERO);
  const ppy = periodsPerYear(input.timeframe);
  const ratios = returnRatios(equity.values, equity.length, ppy);
  return {
    startingBalance: toDecimalString(start),
    endingEquity: toDecimalString(ending),
    netProfit: toDecimalString(net),
    netProfitPct: pct(net, start),
    realizedPnl: toDecimalString(sum((f) => f.lane.ledger.realizedPnl)),
    unrealizedPnl: toDecimalString(sum((f) => (f.mark ? f.lane.ledger.unrealizedPnl(f.mark) : ZERO))),
    feesPaid: toDecimalString(sum((f) => f.lane.ledger.fees)),
    maxDrawdown: drawdown(outcome),
    tradeCount: all.length,
    closedTrades: closed.length,
    wins: wins.length,
    losses: losses.length,
    winRate: closed.length > 0 ? round(wins.length / closed.length) : null,
    profitFactor: grossLoss.isZero() ? null : round(grossWin.div(grossLoss).toNumber()),
    sharpe: ratios.sharpe,
    sortino: ratios.sortino,
    annualisation: { periodsPerYear: round(ppy), note: `per-step returns of the total equity × √${round(ppy)} (365-day year of ${input.timeframe} candles), risk-free rate 0` },
    exposure: equity.length > 0 ? round(outcome.exposureSteps / equity.length) : 0,
  };
}

function drawdown(outcome: MultiPairOutcome): BacktestResult['maxDrawdown'] {
  const { equity, input } = outcome;
  const dd = maxDrawdown(equity.values, equity.length);
  if (dd.fraction === 0) return { amount: '0', pct: '0', peakTime: null, troughTime: null };
  const peak = equity.exact(dd.peakIndex);
  const trough = equity.exact(dd.troughIndex);
  const tf = timeframeMs(input.timeframe);
  return {
    amount: toDecimalString(peak.sub(trough)),
    pct: pct(peak.sub(trough), peak),
    peakTime: iso((equity.times[dd.peakIndex] as number) + tf),
    troughTime: iso((equity.times[dd.troughIndex] as number) + tf),
  };
}

function totalBuyAndHold(pairs: readonly PairReport[], start: Dec): MultiPairReport['buyAndHold'] {
  const net = pairs.reduce((a, p) => a.add(p.buyAndHold.netProfit), ZERO);
  return { netProfit: toDecimalString(net), netProfitPct: pct(net, start) };
}

function curve(outcome: MultiPairOutcome, maxPoints: number): MultiPairReport['equityCurve'] {
  const { equity, input } = outcome;
  const tf = timeframeMs(input.timeframe);
  const keep = downsampleIndices(equity.values, equity.length, maxPoints);
  return {
    method: keep.length < equity.length ? `min and max of each of ${Math.floor((maxPoints - 2) / 2)} equal buckets, plus first and last` : 'every candle',
    totalPoints: equity.length,
    points: keep.map((k) => ({ time: iso((equity.times[k] as number) + tf), equity: toDecimalString(equity.exact(k)) })),
  };
}

/** All pairs' trades by entry time, numbered anew, each naming its pair. */
function mergedTrades(facts: readonly PairFacts[]): (ReportTrade & { symbol: string })[] {
  const all = facts.flatMap((f) => f.trades.map((t) => ({ trade: t, symbol: f.lane.symbol })));
  all.sort((a, b) => a.trade.entryTime - b.trade.entryTime);
  return all.map(({ trade, symbol }, k) => ({ ...reportTrade({ ...trade, id: k + 1 }), symbol }));
}
