import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import { isDust } from '../accounting/dust.js';
import { roundDownToStep } from '../order-sizing.js';
import { downsampleIndices } from './equity-curve.js';
import { maxDrawdown, returnRatios, round } from './metrics.js';
import type { BacktestRunInput, RunEvent, RunOutcome } from './runner.js';
import { periodsPerYear, timeframeMs } from '../../domain/timeframe.js';
import type { BacktestReport, BacktestResult, BacktestTrade, BuyAndHold, EventList, ReportTrade } from '../../domain/backtest-report.js';

export type { BacktestReport, BacktestResult, BuyAndHold, EventList, MultiPairReport, PairReport, ReportTrade } from '../../domain/backtest-report.js';

/**
 * Builds the report a trader reads (its types live in src/domain/backtest-report.ts, shared with the
 * CLI and the web UI). Money is exact decimal strings; percentages of money keep 4 decimals.
 */

const PCT_SCALE = 4;

export function buildReport(outcome: RunOutcome, equityPoints: number): BacktestReport {
  const { input, equity } = outcome;
  const n = equity.length;
  const last = input.start + n - 1;
  const endingEquity = n > 0 ? equity.exact(n - 1) : new Dec(input.startingBalance);
  const mark = n > 0 ? input.series.decimal('close', last) : null;
  const trades = outcome.trades.trades(mark ? outcome.ledger.unrealizedPnl(mark) : ZERO);
  return {
    strategy: { id: input.definition.id, params: outcome.params },
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
    result: buildResult(outcome, endingEquity, mark, trades),
    buyAndHold: buyAndHold(outcome),
    equityCurve: curve(outcome, equityPoints),
    trades: trades.map(reportTrade),
    events: { rejections: events(outcome.rejections), strategyErrors: events(outcome.strategyErrors), killSwitch: outcome.killSwitch ? event(outcome.killSwitch) : null },
  };
}

function buildResult(outcome: RunOutcome, endingEquity: Dec, mark: Dec | null, trades: BacktestTrade[]): BacktestResult {
  const { input, equity, ledger } = outcome;
  const start = new Dec(input.startingBalance);
  const net = endingEquity.sub(start);
  const closed = trades.filter((t) => t.status === 'closed').map((t) => new Dec(t.pnl));
  const wins = closed.filter((p) => p.gt(0));
  const losses = closed.filter((p) => p.lt(0));
  const grossWin = wins.reduce((a, b) => a.add(b), ZERO);
  const grossLoss = losses.reduce((a, b) => a.add(b), ZERO).abs();
  const ppy = periodsPerYear(input.timeframe);
  const ratios = returnRatios(equity.values, equity.length, ppy);
  return {
    startingBalance: toDecimalString(start),
    endingEquity: toDecimalString(endingEquity),
    netProfit: toDecimalString(net),
    netProfitPct: pct(net, start),
    realizedPnl: toDecimalString(ledger.realizedPnl),
    unrealizedPnl: toDecimalString(mark ? ledger.unrealizedPnl(mark) : ZERO),
    feesPaid: toDecimalString(ledger.fees),
    maxDrawdown: drawdown(outcome),
    tradeCount: trades.length,
    closedTrades: closed.length,
    wins: wins.length,
    losses: losses.length,
    winRate: closed.length > 0 ? round(wins.length / closed.length) : null,
    profitFactor: grossLoss.isZero() ? null : round(grossWin.div(grossLoss).toNumber()),
    sharpe: ratios.sharpe,
    sortino: ratios.sortino,
    annualisation: { periodsPerYear: round(ppy), note: `per-candle returns × √${round(ppy)} (365-day year of ${input.timeframe} candles), risk-free rate 0` },
    exposure: equity.length > 0 ? round(outcome.exposureCandles / equity.length) : 0,
    endPosition: { quantity: toDecimalString(ledger.quantity), dust: isDust(ledger.quantity, input.market, mark) },
  };
}

/** Located on the double curve, then valued exactly at the peak and trough candles. */
function drawdown(outcome: RunOutcome): BacktestResult['maxDrawdown'] {
  const { equity, input } = outcome;
  const dd = maxDrawdown(equity.values, equity.length);
  if (dd.fraction === 0) return { amount: '0', pct: '0', peakTime: null, troughTime: null };
  const peak = equity.exact(dd.peakIndex);
  const trough = equity.exact(dd.troughIndex);
  const tf = timeframeMs(input.timeframe);
  return {
    amount: toDecimalString(peak.sub(trough)),
    pct: pct(peak.sub(trough), peak),
    peakTime: iso(input.series.time(input.start + dd.peakIndex) + tf),
    troughTime: iso(input.series.time(input.start + dd.troughIndex) + tf),
  };
}

/**
 * All of the starting balance bought at the first traded candle's open, with the same slippage, fee and
 * amount step as a market order of the strategy, valued at the last close (no exit fee, like the
 * strategy's own open position).
 */
function buyAndHold(outcome: RunOutcome): BacktestReport['buyAndHold'] {
  const { input, equity } = outcome;
  return buyAndHoldOf({ ...input, last: input.start + equity.length - 1, amount: new Dec(input.startingBalance), traded: equity.length > 0 });
}

/** Buy and hold of `amount` on one series, from the open of candle `start` to the close of `last`. */
export function buyAndHoldOf(h: {
  series: BacktestRunInput['series'];
  market: BacktestRunInput['market'];
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

function curve(outcome: RunOutcome, maxPoints: number): BacktestReport['equityCurve'] {
  const { equity, input } = outcome;
  const tf = timeframeMs(input.timeframe);
  const keep = downsampleIndices(equity.values, equity.length, maxPoints);
  return {
    method: keep.length < equity.length ? `min and max of each of ${Math.floor((maxPoints - 2) / 2)} equal buckets, plus first and last` : 'every candle',
    totalPoints: equity.length,
    points: keep.map((k) => ({ time: iso(input.series.time(input.start + k) + tf), equity: toDecimalString(equity.exact(k)) })),
  };
}

export function reportTrade(t: BacktestTrade): ReportTrade {
  return { ...t, entryTime: iso(t.entryTime), exitTime: t.exitTime === null ? null : iso(t.exitTime), fills: t.fills.map((f) => ({ ...f, time: iso(f.time) })) };
}

export function events(list: { count: number; samples: RunEvent[] }): EventList {
  return { count: list.count, samples: list.samples.map(event) };
}

export function event(e: RunEvent): { time: string; message: string } {
  return { time: iso(e.time), message: e.message };
}

export function pct(part: Dec, whole: Dec): DecimalString {
  return whole.isZero() ? '0' : toDecimalString(part.div(whole).mul(100).toDecimalPlaces(PCT_SCALE));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
