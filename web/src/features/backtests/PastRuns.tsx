import { describeError } from '../../api/client';
import { useBacktests } from '../../api/backtests';
import type { BacktestListItem } from '../../api/engine-types';
import { relativeTime } from '../../format';
import { ErrorState, Loading } from '../../components/States';
import { fixed, pnlClass, signed } from '../live-trading/format';

const STATUS: Record<BacktestListItem['status'], string> = { queued: 'Queued', running: 'Running', completed: 'Done', failed: 'Failed' };

/** Past and running backtests, newest first; choosing one opens it. */
export function PastRuns({ selectedId, onOpen }: { selectedId: string | null; onOpen: (id: string) => void }) {
  const runs = useBacktests();
  return (
    <section className="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">
        Past runs {runs.data ? <span className="count">{runs.data.total}</span> : null}
      </h2>
      {runs.isPending ? <Loading label="Loading past runs…" /> : null}
      {runs.isError ? <ErrorState message={`Could not load past runs: ${describeError(runs.error)}`} onRetry={() => void runs.refetch()} /> : null}
      {runs.data && runs.data.items.length === 0 ? <p className="muted small">No backtest yet. Run one with the form above.</p> : null}
      {runs.data && runs.data.items.length > 0 ? (
        <ul className="run-list" aria-label="Past backtests">
          {runs.data.items.map((run) => (
            <li key={run.id}>
              <button type="button" className={`run${run.id === selectedId ? ' run--selected' : ''}`} aria-current={run.id === selectedId ? 'true' : undefined} onClick={() => onOpen(run.id)}>
                <span className="run__title">
                  {run.kind === 'sweep' ? 'Sweep · ' : ''}
                  {run.strategy} {run.symbol ? `· ${run.symbol}` : ''} {run.timeframe ? `· ${run.timeframe}` : ''}
                </span>
                <span className={`outcome outcome--${run.status === 'completed' ? 'ok' : run.status === 'failed' ? 'failed' : 'pending'}`}>{STATUS[run.status]}</span>
                <span className="run__meta">
                  {relativeTime(run.createdAt)}
                  {run.summary ? (
                    <>
                      {' · '}
                      <span className={pnlClass(run.summary.netProfit)}>
                        {signed(run.summary.netProfit, 2, true)} ({signed(run.summary.netProfitPct, 2, true)} %)
                      </span>
                      {` · ${run.summary.tradeCount} trades · DD ${fixed(run.summary.maxDrawdownPct, 2)} %`}
                    </>
                  ) : null}
                  {run.error ? ` · ${run.error}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
