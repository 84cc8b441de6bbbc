import { describeError } from '../../api/client';
import { useBacktestCatalog } from '../../api/backtests';
import { useConnections } from '../../api/connections';
import { useRiskParams } from '../../api/engine';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { navigate, usePathname } from '../../router';
import { BacktestForm } from './BacktestForm';
import { BacktestRun } from './BacktestRun';
import { PastRuns } from './PastRuns';
import { StrategyFilesPanel } from '../strategies/StrategyFilesPanel';
import '../live-trading/trading.css';

const NO_FILTERS = {};

/** Backtests: the form and past runs on one side, the open run (progress, then report) on the other. */
export function BacktestsPage() {
  const pathname = usePathname();
  const openId = decodeURIComponent(pathname.split('/')[2] ?? '') || null;
  const catalog = useBacktestCatalog();
  const riskDocs = useRiskParams();
  const connections = useConnections(NO_FILTERS, 0);
  const open = (id: string): void => navigate(`/backtests/${encodeURIComponent(id)}`);

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">Trading</p>
          <h1>Backtests</h1>
          <p className="muted">Run a strategy over historical candles with the same code the engine trades with, and read its report.</p>
        </div>
      </header>
      <div className="backtest-layout">
        <div className="backtest-main">
          <section className="panel" aria-labelledby="new-backtest-title">
            <h2 id="new-backtest-title">New backtest</h2>
            {catalog.isPending ? <Loading label="Loading strategies and data…" /> : null}
            {catalog.isError ? <ErrorState message={`Could not load strategies and data files: ${describeError(catalog.error)}`} onRetry={() => void catalog.refetch()} /> : null}
            {catalog.data && catalog.data.strategies.length === 0 ? <p className="notice notice--info">The server offers no strategies.</p> : null}
            {riskDocs.isError ? <ErrorState message={`Could not load the risk limits: ${describeError(riskDocs.error)}`} onRetry={() => void riskDocs.refetch()} /> : null}
            {catalog.data && catalog.data.strategies.length > 0 && riskDocs.data ? <BacktestForm catalog={catalog.data} riskDocs={riskDocs.data} connections={connections.data?.items ?? []} onStarted={open} /> : null}
          </section>
          <StrategyFilesPanel />
          <PastRuns selectedId={openId} onOpen={open} />
        </div>
        <div className={`backtest-main${openId ? ' backtest-open' : ''}`}>
          {openId ? (
            <BacktestRun key={openId} id={openId} />
          ) : (
            <EmptyState title="No backtest open">
              <p className="muted">Run a backtest, or open a past run from the list.</p>
            </EmptyState>
          )}
        </div>
      </div>
    </div>
  );
}
