import { Dec } from '../domain/money.js';
import type { BacktestReport, MultiPairReport } from '../engine/backtest/report.js';
import type { DerivativesReport } from '../domain/backtest-report.js';
import type { SweepResult } from '../engine/backtest/sweep.js';

/** Human-readable tables for the CLI. Figures are rounded for reading; `--json` gives the exact values. */

const money = (v: string, dp = 2): string => new Dec(v).toDecimalPlaces(dp).toFixed(dp);
const ratio = (v: number | null, dp = 2): string => (v === null ? '—' : v.toFixed(dp));
const price = (v: string | null): string => (v === null ? '—' : new Dec(v).toSignificantDigits(8).toFixed());
const short = (iso: string | null): string => (iso === null ? '—' : iso.replace(':00.000Z', 'Z').replace('T', ' '));

/** Columns padded to their widest cell; numbers (`right` columns) align right, text left. */
function table(rows: string[][], right: readonly number[] = []): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatReport(report: BacktestReport, maxTrades = 20): string {
  const r = report.result;
  const params = Object.entries(report.strategy.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const head = [
    `${report.strategy.id} ${params}`,
    `${report.symbol} ${report.timeframe}  ${short(report.period.from)} → ${short(report.period.to)}  ${report.period.candles} candles (+${report.period.warmupCandles} warm-up)${report.period.gaps ? `, ${report.period.gaps} gap(s)` : ''}`,
    '',
  ];
  const rows = [
    ['Starting balance', money(r.startingBalance)],
    ['Ending equity', money(r.endingEquity)],
    ['Net profit', `${money(r.netProfit)} (${r.netProfitPct} %)`],
    ['Buy and hold', `${money(report.buyAndHold.netProfit)} (${report.buyAndHold.netProfitPct} %)`],
    ['Max drawdown', `${money(r.maxDrawdown.amount)} (${r.maxDrawdown.pct} %)`],
    ['Trades', `${r.tradeCount} (${r.closedTrades} closed: ${r.wins} won, ${r.losses} lost)`],
    ['Win rate', r.winRate === null ? '—' : `${(r.winRate * 100).toFixed(1)} %`],
    ['Profit factor', ratio(r.profitFactor)],
    ['Sharpe / Sortino', `${ratio(r.sharpe)} / ${ratio(r.sortino)} (×√${r.annualisation.periodsPerYear})`],
    ['Exposure', `${(r.exposure * 100).toFixed(1)} %`],
    ['Fees paid', money(r.feesPaid, 4)],
    ['Refused orders', String(report.events.rejections.count)],
    ['Strategy errors', String(report.events.strategyErrors.count)],
    ...(report.events.killSwitch ? [['Kill switch', `${short(report.events.killSwitch.time)}: ${report.events.killSwitch.message}`]] : []),
  ];
  return [...head, table(rows), '', ...formatDerivatives(report.derivatives), formatTrades(report, maxTrades)].join('\n');
}

const signedMoney = (v: string, dp = 4): string => {
  const text = money(v, dp);
  return text.startsWith('-') || new Dec(v).isZero() ? text : `+${text}`;
};

/**
 * A perpetual's section: leverage and margin mode, trading PnL, fees and funding apart, where funding
 * and mark prices came from (or that there were none), and each liquidation. Nothing on spot.
 */
export function formatDerivatives(d: DerivativesReport | undefined, maxLiquidations = 10): string[] {
  if (!d) return [];
  const f = d.funding;
  const every = f.intervalHours === null ? '' : ` every ${f.intervalHours} h`;
  const rows = [
    ['Perpetual', `${d.leverage}× ${d.marginMode} (maintenance margin ${new Dec(d.maintenanceMarginRate).mul(100).toFixed()} %)`],
    ['Trading PnL', `${signedMoney(d.pnl.realizedTrading)} realized, ${signedMoney(d.pnl.unrealized)} unrealized`],
    ['Fees', money(d.pnl.fees, 4)],
    ['Funding', f.source === null ? `${signedMoney(d.pnl.funding)} (no funding data)` : `${signedMoney(f.net)}: ${f.count} payment(s)${every}, paid ${money(f.paid, 4)}, received ${money(f.received, 4)}`],
    ['Net', `${signedMoney(d.pnl.netPnl)} = trading PnL − fees + funding`],
    ['Liquidations', d.liquidations.count === 0 ? 'none' : `${d.liquidations.count}, margin lost ${money(d.liquidations.loss, 4)} (liquidation fees ${money(d.liquidations.fees, 4)})`],
    ['Mark prices', d.mark.source === null ? 'none: the candles stand in for the mark' : `${d.mark.source}, ${d.mark.candlesWithMark} of ${d.mark.candles} candles`],
  ];
  const notes = [
    `Funding: ${f.note}`,
    ...(f.missing.count > 0 ? [`${f.missing.count} settlement(s) with a position open had no rate (first ${short(f.missing.samples[0] ?? null)}): nothing booked there.`] : []),
    ...(f.count > 0 ? [`${f.pricedByMark} payment(s) priced at the mark, ${f.pricedByLastPrice} at the candles' price (no mark there).`] : []),
    `Mark: ${d.mark.note}`,
  ];
  const liquidations = d.liquidations.events.slice(0, maxLiquidations).map(
    (l) => `Liquidated ${short(l.time)}${l.symbol ? ` ${l.symbol}` : ''}: ${l.side} ${price(l.quantity)} from ${price(l.entryPrice)} at ${price(l.liquidationPrice)} (${l.markSource === 'mark' ? 'mark' : 'candle'} ${l.side === 'long' ? 'low' : 'high'} ${price(l.markExtreme)}), lost ${money(l.loss, 4)}`,
  );
  const more = d.liquidations.events.length > maxLiquidations ? [`(${d.liquidations.events.length - maxLiquidations} more liquidations; --json lists all)`] : [];
  return [table(rows), ...notes, ...liquidations, ...more, ''];
}

/** The totals, then one row per pair, then the latest trades of all pairs. */
export function formatMultiPairReport(report: MultiPairReport, maxTrades = 20): string {
  const r = report.result;
  const params = Object.entries(report.strategy.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const head = [
    `${report.strategy.id} ${params}`,
    `${report.symbols.length} pairs, ${report.timeframe}, maxOpenTrades ${report.settings.maxOpenTrades} (peak ${report.settings.peakOpenTrades})  ${short(report.period.from)} → ${short(report.period.to)}  ${report.period.candles} steps${report.period.gaps ? `, ${report.period.gaps} gap(s)` : ''}`,
    '',
  ];
  const totals = [
    ['Starting balance', money(r.startingBalance, 8)],
    ['Ending equity', money(r.endingEquity, 8)],
    ['Net profit', `${money(r.netProfit, 8)} (${r.netProfitPct} %)`],
    ['Buy and hold (equal split)', `${money(report.buyAndHold.netProfit, 8)} (${report.buyAndHold.netProfitPct} %)`],
    ['Max drawdown (total)', `${money(r.maxDrawdown.amount, 8)} (${r.maxDrawdown.pct} %)`],
    ['Trades', `${r.tradeCount} (${r.closedTrades} closed: ${r.wins} won, ${r.losses} lost)`],
    ['Win rate', r.winRate === null ? '—' : `${(r.winRate * 100).toFixed(1)} %`],
    ['Sharpe / Sortino', `${ratio(r.sharpe)} / ${ratio(r.sortino)} (×√${r.annualisation.periodsPerYear})`],
    ['Fees paid', money(r.feesPaid, 8)],
    ['Refused orders', String(report.events.rejections.count)],
    ['Strategy errors', String(report.events.strategyErrors.count)],
    ...(report.events.killSwitch ? [['Kill switch', `${short(report.events.killSwitch.time)}: ${report.events.killSwitch.message}`]] : []),
  ];
  const pairs = [
    ['pair', 'net PnL', 'fees', 'trades', 'win rate', 'exposure', 'refused', 'buy & hold'],
    ...report.pairs.map((p) => [p.symbol, money(p.netPnl, 8), money(p.feesPaid, 8), String(p.tradeCount), p.winRate === null ? '—' : `${(p.winRate * 100).toFixed(0)} %`, `${(p.exposure * 100).toFixed(1)} %`, String(p.refusedOrders), money(p.buyAndHold.netProfit, 8)]),
  ];
  return [...head, table(totals), '', table(pairs, [1, 2, 3, 4, 5, 6, 7]), '', ...formatDerivatives(report.derivatives), formatTrades(report, maxTrades)].join('\n');
}

function formatTrades(report: { trades: readonly (BacktestReport['trades'][number] & { symbol?: string })[] }, maxTrades: number): string {
  if (report.trades.length === 0) return 'No trades.';
  const shown = report.trades.slice(-maxTrades);
  const pair = shown.some((t) => t.symbol !== undefined);
  const rows = [
    ['#', ...(pair ? ['pair'] : []), 'side', 'entry', 'price', 'exit', 'price', 'size', 'PnL', 'fee', 'exit reason'],
    ...shown.map((t) => [String(t.id), ...(pair ? [t.symbol ?? ''] : []), t.side, short(t.entryTime), price(t.entryPrice), t.status === 'open' ? 'open' : short(t.exitTime), price(t.exitPrice), price(t.size), money(t.pnl, 4), money(t.fee, 4), t.exitReason ?? '']),
  ];
  const more = report.trades.length > shown.length ? `\n(${report.trades.length - shown.length} earlier trades not shown; --json lists all)` : '';
  return table(rows, (pair ? [0, 4, 6, 7, 8, 9] : [0, 3, 5, 6, 7, 8])) + more;
}

export function formatSweep(result: SweepResult, maxRows = 20): string {
  const rows = [
    ['rank', 'params', 'net profit', 'net %', 'max DD %', 'trades', 'win rate', 'PF', 'Sharpe', 'Sortino'],
    ...result.results.slice(0, maxRows).map((row) => [
      String(row.rank),
      Object.entries(row.params).map(([k, v]) => `${k}=${String(v)}`).join(' '),
      money(row.metrics.netProfit),
      row.metrics.netProfitPct,
      row.metrics.maxDrawdownPct,
      String(row.metrics.tradeCount),
      row.metrics.winRate === null ? '—' : `${(row.metrics.winRate * 100).toFixed(0)} %`,
      ratio(row.metrics.profitFactor),
      ratio(row.metrics.sharpe),
      ratio(row.metrics.sortino),
    ]),
  ];
  const notes = [
    `${result.strategy}: ${result.combinations} combinations on ${result.workers} worker thread(s), ranked by ${result.rankBy}`,
    ...(result.invalid.length > 0 ? [`${result.invalid.length} refused by the strategy's schema, e.g. ${JSON.stringify(result.invalid[0]?.params)}: ${result.invalid[0]?.error}`] : []),
    ...(result.failed.length > 0 ? [`${result.failed.length} failed, e.g. ${result.failed[0]?.error}`] : []),
  ];
  return [...notes, '', table(rows, [0, 2, 3, 4, 5, 6, 7, 8, 9])].join('\n');
}

/** One line of progress for a TTY: `[#####-----]  52 %  520,000 / 1,000,000 candles`. */
export function progressBar(done: number, total: number, unit: string, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)} %  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} ${unit}`;
}
