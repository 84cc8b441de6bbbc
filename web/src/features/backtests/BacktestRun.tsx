import { ApiError, describeError } from '../../api/client';
import { useBacktest } from '../../api/backtests';
import type { AnyBacktestReport, BacktestView, SweepResult } from '../../api/engine-types';
import { ErrorState, Loading } from '../../components/States';
import { BacktestReportView } from './BacktestReportView';
import { SweepResults } from './SweepResults';

/** One run, by id: progress while it runs, then its report (or the sweep's ranking), or why it failed. */
export function BacktestRun({ id }: { id: string }) {
  const run = useBacktest(id);
  if (run.isPending) return <Loading label="Loading the backtest…" />;
  if (run.isError) {
    const message = run.error instanceof ApiError && run.error.status === 404 ? 'This backtest does not exist (any more).' : describeError(run.error);
    return <ErrorState message={message} onRetry={() => void run.refetch()} />;
  }
  const view = run.data;
  if (view.status === 'queued' || view.status === 'running') return <RunProgress view={view} />;
  if (view.status === 'failed') {
    return (
      <section className="panel" aria-label="Backtest failed">
        <h2>Backtest failed</h2>
        <p className="notice notice--error" role="alert">
          {view.error ?? 'The run failed without a message.'}
        </p>
      </section>
    );
  }
  if (view.kind === 'sweep') return <SweepResults result={view.result as SweepResult} />;
  return <BacktestReportView report={view.result as AnyBacktestReport} />;
}

function RunProgress({ view }: { view: BacktestView }) {
  const progress = view.progress;
  const pct = progress ? Math.round(progress.fraction * 100) : 0;
  const text = view.status === 'queued' ? 'Waiting for an earlier run to finish…' : progress && progress.total > 0 ? `${progress.done.toLocaleString()} of ${progress.total.toLocaleString()} candles` : 'Loading data…';
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Running {view.strategy}…</h2>
      <div className="progress" role="progressbar" aria-label="Backtest progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={text}>
        <div className="progress__bar" style={{ width: `${pct}%` }} />
      </div>
      <p className="muted small" role="status" aria-live="polite">
        {text}
      </p>
    </section>
  );
}
