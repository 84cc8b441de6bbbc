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
import type { PerpetualBook } from './perpetual.js';
import { periodsPerYear, timeframeMs } from '../../domain/timeframe.js';
import type { BacktestReport, BacktestResult, BacktestTrade, BuyAndHold, DerivativesReport, PairReport } from '../../domain/backtest-report.js';

/**
 * The figures of a finished run, for both reports (report.ts for one pair, multi-report.ts for
 * several): totals from the total equity curve (shared quote + every pair's base at its latest close)
 * and from the sum of the pairs' ledgers; per pair, the ledger's own figures. Money is exact.
 */

export interface PairFacts {
  lane: PairLane;
  /** The last processed close (a perpetual's mark close where its mark file has it), null before the first traded candle. */
  mark: Dec | null;
  last: number;
  trades: BacktestTrade[];
}

export function pairFacts(lane: PairLane): PairFacts {
  const last = Math.min(lane.next, lane.end) - 1;
  const mark = last >= lane.start ? lane.valuationDecimal(last) : null;
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
  const perpetual = lane.perpetual !== null;
  return {
    symbol: lane.symbol,
    candles: traded,
    warmupCandles: lane.start,
    netPnl: toDecimalString(ledger.realizedPnl.add(unrealized).sub(ledger.fees).add(ledger.funding)),
    realizedPnl: toDecimalString(ledger.realizedPnl),
    unrealizedPnl: toDecimalString(unrealized),
    feesPaid: toDecimalString(ledger.fees),
    ...(perpetual ? { funding: toDecimalString(ledger.funding) } : {}),
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
    ...(outcome.wallet ? { funding: toDecimalString(sum((f) => f.lane.ledger.funding)) } : {}),
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

/**
 * A perpetual run's own section: margin settings, PnL with trading, fees and funding apart, every
 * funding payment and liquidation. `named`: a multi-pair run names the pair of each. Null on spot.
 */
export function derivativesReport(outcome: MultiPairOutcome, facts: readonly PairFacts[], named: boolean): DerivativesReport | null {
  const wallet = outcome.wallet;
  if (wallet === null) return null;
  const { leverage, marginMode, maintenanceMarginRate } = wallet.settings;
  const sum = (value: (f: PairFacts) => Dec): Dec => facts.reduce((a, f) => a.add(value(f)), ZERO);
  const books = facts.map((f) => ({ symbol: f.lane.symbol, book: f.lane.perpetual as PerpetualBook }));
  const payments = books.flatMap(({ symbol, book }) => book.payments.map((p) => ({ symbol, p }))).sort((a, b) => a.p.time - b.p.time);
  const liquidations = books.flatMap(({ symbol, book }) => book.liquidations.map((l) => ({ symbol, l }))).sort((a, b) => a.l.time - b.l.time);
  const amounts = payments.map(({ p }) => new Dec(p.amount));
  const paid = amounts.filter((a) => a.isNegative()).reduce((a, b) => a.add(b), ZERO).neg();
  const received = amounts.filter((a) => a.isPositive()).reduce((a, b) => a.add(b), ZERO);
  const realized = sum((f) => f.lane.ledger.realizedPnl);
  const unrealized = sum((f) => (f.mark ? f.lane.ledger.unrealizedPnl(f.mark) : ZERO));
  const fees = sum((f) => f.lane.ledger.fees);
  const funding = sum((f) => f.lane.ledger.funding);
  const named_ = (symbol: string) => (named ? { symbol } : {});
  const joined = (pick: (book: PerpetualBook, symbol: string) => string | null): string | null => {
    const all = books.map(({ book, symbol }) => pick(book, symbol)).filter((x): x is string => x !== null);
    return all.length === 0 ? null : [...new Set(all)].join(', ');
  };
  const first = books[0]?.book.data;
  const missingSamples = books.flatMap(({ book }) => book.missingSamples).sort((a, b) => a - b).slice(0, 20).map(iso);
  return {
    leverage: toDecimalString(leverage),
    marginMode,
    maintenanceMarginRate: toDecimalString(maintenanceMarginRate),
    liquidationModel:
      marginMode === 'isolated'
        ? `isolated: each position is closed when the candle's adverse mark extreme reaches entry × (1 ∓ 1/leverage) / (1 ∓ mmr) at its average entry (the live risk gate's estimate, rounded towards the entry), and its margin (cost ÷ leverage) is lost`
        : `cross: the whole wallet, less the other pairs' margins, backs each position: it is closed when the candle's adverse mark extreme reaches (entry ∓ collateral/size) / (1 ∓ mmr), and that collateral is lost; other pairs' unrealized PnL is left out`,
    pnl: {
      realizedTrading: toDecimalString(realized),
      unrealized: toDecimalString(unrealized),
      fees: toDecimalString(fees),
      funding: toDecimalString(funding),
      netPnl: toDecimalString(realized.add(unrealized).sub(fees).add(funding)),
    },
    funding: {
      source: joined((book) => book.data.funding?.source ?? null),
      note: named ? books.map(({ symbol, book }) => `${symbol}: ${book.data.fundingNote}`).join(' ') : (first?.fundingNote ?? ''),
      intervalHours: first?.funding ? first.funding.intervalMs / 3_600_000 : null,
      count: payments.length,
      paid: toDecimalString(paid),
      received: toDecimalString(received),
      net: toDecimalString(received.sub(paid)),
      missing: { count: books.reduce((n, { book }) => n + book.missingWithPosition, 0), samples: missingSamples },
      pricedByMark: payments.filter(({ p }) => p.priceSource === 'mark').length,
      pricedByLastPrice: payments.filter(({ p }) => p.priceSource === 'last').length,
      payments: payments.map(({ symbol, p }) => ({ time: iso(p.time), ...named_(symbol), rate: p.rate, markPrice: p.markPrice, priceSource: p.priceSource, quantity: p.quantity, amount: p.amount })),
    },
    mark: {
      source: joined((book) => book.data.mark?.source ?? null),
      note: named ? books.map(({ symbol, book }) => `${symbol}: ${book.data.markNote}`).join(' ') : (first?.markNote ?? ''),
      candlesWithMark: books.reduce((n, { book }) => n + book.candlesWithMark, 0),
      candles: books.reduce((n, { book }) => n + book.candlesChecked, 0),
    },
    liquidations: {
      count: liquidations.length,
      loss: toDecimalString(liquidations.reduce((a, { l }) => a.add(l.loss), ZERO)),
      fees: toDecimalString(liquidations.reduce((a, { l }) => a.add(l.fee), ZERO)),
      events: liquidations.map(({ symbol, l }) => ({ ...l, time: iso(l.time), ...named_(symbol) })),
    },
  };
}
