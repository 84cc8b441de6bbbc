import type { AnyBacktestReport } from '../../api/engine-types';
import { fixed, formatDecimal, pnlClass, signed } from '../live-trading/format';

const pct = (fraction: number | null): string => (fraction === null ? '—' : `${(fraction * 100).toFixed(1)} %`);
const ratio = (value: number | null): string => (value === null ? '—' : value.toFixed(2));

interface Metric {
  label: string;
  value: string;
  sub?: string;
  tone?: string;
}

/** The headline figures of a report. */
export function metricsOf(report: AnyBacktestReport): Metric[] {
  const r = report.result;
  const bh = report.buyAndHold;
  return [
    { label: 'Net profit', value: signed(r.netProfit, 2, true), sub: `${signed(r.netProfitPct, 2, true)} %`, tone: pnlClass(r.netProfit) },
    { label: 'Ending equity', value: fixed(r.endingEquity, 2), sub: `from ${fixed(r.startingBalance, 2)}` },
    { label: 'Max drawdown', value: `${fixed(r.maxDrawdown.pct, 2)} %`, sub: fixed(r.maxDrawdown.amount, 2), tone: r.maxDrawdown.pct !== '0' ? 'pnl--down' : '' },
    { label: 'Win rate', value: pct(r.winRate), sub: `${r.wins} won · ${r.losses} lost` },
    { label: 'Profit factor', value: ratio(r.profitFactor), sub: r.profitFactor === null ? 'no losing trade' : 'gross win / gross loss' },
    { label: 'Sharpe', value: ratio(r.sharpe), sub: 'annualised' },
    { label: 'Sortino', value: ratio(r.sortino), sub: 'annualised' },
    { label: 'Exposure', value: pct(r.exposure), sub: 'candles in a position' },
    { label: 'Trades', value: String(r.tradeCount), sub: `${r.closedTrades} closed` },
    { label: 'Fees paid', value: formatDecimal(r.feesPaid, 4) },
    { label: 'Buy and hold', value: signed(bh.netProfit, 2, true), sub: `${signed(bh.netProfitPct, 2, true)} %`, tone: pnlClass(bh.netProfit) },
  ];
}

export function MetricsGrid({ report }: { report: AnyBacktestReport }) {
  return (
    <dl className="metrics-grid" aria-label="Backtest metrics">
      {metricsOf(report).map((m) => (
        <div key={m.label} className="metric">
          <dt>{m.label}</dt>
          <dd className={m.tone}>
            {m.value}
            {m.sub ? <span className="metric__sub">{m.sub}</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}
