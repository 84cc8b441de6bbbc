import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { isDust } from '../accounting/dust.js';
import { roundDownToStep } from '../order-sizing.js';
import { downsampleIndices } from './equity-curve.js';
import { maxDrawdown, returnRatios, round } from './metrics.js';
import type { MultiPairOutcome } from './multi-runner.js';
import type { PairLane } from './pair-lane.js';
import { events, event, iso, pct } from './report-format.js';
import { periodsPerYear, timeframeMs } from '../../domain/timeframe.js';
import type { BacktestReport, BacktestResult, BacktestTrade, BuyAndHold, PairReport } from '../../domain/backtest-report.js';

/**
 * The figures of a finished run, for both reports (report.ts for one pair, multi-report.ts for
 * several): totals from the total equity curve (shared quote + every pair's base at its latest close)
 * and from the sum of the pairs' ledgers; per pair, the ledger's own figures. Money is exact.
 */

export interface PairFacts {
  lane: PairLane;
  /** The last processed close, null before the first traded candle. */
  mark: Dec | null;
  last: number;
  trades: BacktestTrade[];
}

export function pairFacts(lane: PairLane): PairFacts {
  const last = Math.min(lane.next, lane.end) - 1;
  const mark = last >= lane.start ? lane.series.decimal('close', last) : null;
  return { lane, mark, last, trades: lane.trades.trades(mark ? lane.ledger.unrealizedPnl(mark) : ZERO) };
}

function closedStats(trades: readonly BacktestTrade[]): { closed: Dec[]; wins: Dec[]; losses: Dec[] } {
  const closed = trades.filter((t) => t.status === 'closed').map((t) => new Dec(t.pnl));
  return { closed, wins: closed.filter((p) => p.gt(0)), losses: closed.filter((p) => p.lt(0)) };
}

/** One pair's own figures; `split`: its share of the starting balance for buy and hold. */
export function pairReport(f: PairFacts, outcome: MultiPairOutcome, split: Dec): PairReport {
  const { lane, mark } = f;
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
    endPosition: endPosition(f),
    refusedOrders: lane.rejections,
    strategyErrors: lane.strategyErrors,
    buyAndHold: pairBuyAndHold(f, outcome, split),
  };
}

/** What the pair holds at the end; `dust` when too small to trade on its market. */
export function endPosition({ lane, mark }: PairFacts): PairReport['endPosition'] {
  return { quantity: toDecimalString(lane.ledger.quantity), dust: isDust(lane.ledger.quantity, lane.market, mark) };
}

/** Buy and hold of `amount` on the pair, over its traded candles. */
export function pairBuyAndHold({ lane, last }: PairFacts, outcome: MultiPairOutcome, amount: Dec): BuyAndHold {
  const { slippageBps, feeRate } = outcome.input;
  return buyAndHoldOf({ series: lane.series, market: lane.market, start: lane.start, last, amount, traded: last >= lane.start, slippageBps, feeRate });
}

/** The run's totals; `returns` names what the Sharpe and Sortino ratios are computed over. */
export function totalResult(outcome: MultiPairOutcome, facts: readonly PairFacts[], returns: string): Omit<BacktestResult, 'endPosition'> {
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
    annualisation: { periodsPerYear: round(ppy), note: `${returns} × √${round(ppy)} (365-day year of ${input.timeframe} candles), risk-free rate 0` },
    exposure: equity.length > 0 ? round(outcome.exposureSteps / equity.length) : 0,
  };
}

/** Located on the double curve, then valued exactly at the peak and trough. */
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

export function equityCurve(outcome: MultiPairOutcome, maxPoints: number): BacktestReport['equityCurve'] {
  const { equity, input } = outcome;
  const tf = timeframeMs(input.timeframe);
  const keep = downsampleIndices(equity.values, equity.length, maxPoints);
  return {
    method: keep.length < equity.length ? `min and max of each of ${Math.floor((maxPoints - 2) / 2)} equal buckets, plus first and last` : 'every candle',
    totalPoints: equity.length,
    points: keep.map((k) => ({ time: iso((equity.times[k] as number) + tf), equity: toDecimalString(equity.exact(k)) })),
  };
}

/** `named`: refusals and strategy failures start with their pair (a run of several pairs). */
export function runEvents(outcome: MultiPairOutcome, named: boolean): BacktestReport['events'] {
  return { rejections: events(outcome.rejections, named), strategyErrors: events(outcome.strategyErrors, named), killSwitch: outcome.killSwitch ? event(outcome.killSwitch) : null };
}

/**
 * All of `amount` bought at the open of candle `start`, with the same slippage, fee and amount step as
 * a market order of the strategy, valued at the close of `last` (no exit fee, like the strategy's own
 * open position).
 */
export function buyAndHoldOf(h: {
  series: CandleSeries;
  market: Market;
  start: number;
  last: number;
  amount: Dec;
  traded: boolean;
  slippageBps: DecimalString;
  feeRate: DecimalString;
}): BuyAndHold {
  if (!h.traded) return { entryPrice: '0', exitPrice: '0', quantity: '0', netProfit: '0', netProfitPct: '0' };
  const entry = h.series.decimal('open', h.start).mul(new Dec(h.slippageBps).div(10_000).add(1));
  const exit = h.series.decimal('close', h.last);
  const step = h.market.amountStep === null ? null : new Dec(h.market.amountStep);
  const quantity = roundDownToStep(h.amount.div(entry.mul(new Dec(h.feeRate).add(1))), step);
  const spent = quantity.mul(entry);
  const net = quantity.mul(exit).sub(spent).sub(spent.mul(h.feeRate));
  return { entryPrice: toDecimalString(entry), exitPrice: toDecimalString(exit), quantity: toDecimalString(quantity), netProfit: toDecimalString(net), netProfitPct: pct(net, h.amount) };
}
