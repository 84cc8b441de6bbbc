import { isMultiPairReport, type AnyBacktestReport } from '../../api/engine-types';
import { absoluteTime } from '../../format';
import { DerivativesPanel } from './DerivativesPanel';
import { EquityChart } from './EquityChart';
import { MetricsGrid } from './MetricsGrid';
import { PairTable } from './PairTable';
import { TradeTable } from './TradeTable';

/** A finished backtest: what ran, the metrics, the equity curve, the trades and notable events. */
export function BacktestReportView({ report }: { report: AnyBacktestReport }) {
  const params = Object.entries(report.strategy.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const events = report.events;
  const multi = isMultiPairReport(report) ? report : null;
  return (
    <div className="backtest-main" data-testid="backtest-report">
      <section className="panel" aria-labelledby="report-title">
        <header className="panel__header">
          <h2 id="report-title">
            {report.strategy.id} on {multi ? `${multi.symbols.length} pairs` : report.symbol} · {report.timeframe}
          </h2>
        </header>
        <p className="muted small">
          {absoluteTime(report.period.from)} → {absoluteTime(report.period.to)} · {report.period.candles} candles (+{report.period.warmupCandles} warm-up)
          {report.period.gaps ? ` · ${report.period.gaps} gaps` : ''} · fee {report.settings.feeRate}, slippage {report.settings.slippageBps} bps
          {params ? ` · ${params}` : ''}
        </p>
        {multi ? (
          <p className="muted small">
            One shared balance · max open trades {multi.settings.maxOpenTrades} (at most {multi.settings.peakOpenTrades} at once) · totals of the whole run; buy and hold splits the balance equally.
          </p>
        ) : null}
        <div className={multi ? 'backtest-totals' : undefined}>
          <MetricsGrid report={report} />
          {multi ? <PairTable pairs={multi.pairs} /> : null}
        </div>
        {events?.killSwitch ? (
          <p className="notice notice--error" role="alert">
            Kill switch at {absoluteTime(events.killSwitch.time)}: {events.killSwitch.message}
          </p>
        ) : null}
        {events && events.rejections.count > 0 ? (
          <p className="notice notice--info">
            Risk refused {events.rejections.count} order{events.rejections.count === 1 ? '' : 's'}
            {events.rejections.samples[0] ? `, e.g. “${events.rejections.samples[0].message}”` : ''}.
          </p>
        ) : null}
        {events && events.strategyErrors.count > 0 ? (
          <p className="notice notice--error">
            The strategy failed {events.strategyErrors.count} time{events.strategyErrors.count === 1 ? '' : 's'}
            {events.strategyErrors.samples[0] ? `: ${events.strategyErrors.samples[0].message}` : ''}.
          </p>
        ) : null}
      </section>
      {report.derivatives ? <DerivativesPanel derivatives={report.derivatives} /> : null}
      <section className="panel" aria-labelledby="equity-title">
        <h2 id="equity-title">Equity curve</h2>
        <EquityChart points={report.equityCurve.points} startingBalance={report.settings.startingBalance} />
        <p className="muted small">
          {report.equityCurve.points.length} of {report.equityCurve.totalPoints} points ({report.equityCurve.method}). Dashed line: starting balance.
        </p>
      </section>
      <section className="panel" aria-labelledby="trades-title">
        <h2 id="trades-title">
          Trades <span className="count">{report.trades.length}</span>
        </h2>
        <TradeTable trades={report.trades} />
      </section>
    </div>
  );
}
