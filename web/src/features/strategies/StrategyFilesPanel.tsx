import { describeError } from '../../api/client';
import { useReloadStrategies, useStrategyCatalog, type StrategyLoadProblem } from '../../api/strategies';
import { ErrorState, Loading } from '../../components/States';

function where(p: StrategyLoadProblem): string {
  if (p.line === undefined) return p.file;
  return `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
}

/**
 * The trader's strategy files: which loaded, which did not (with file and line), and a reload button.
 * Files are read from the server's folder; nothing is uploaded from the browser.
 */
export function StrategyFilesPanel() {
  const catalog = useStrategyCatalog();
  const reload = useReloadStrategies();
  const data = reload.data ?? catalog.data;
  const files = (data?.strategies ?? []).filter((s) => s.source.kind === 'file');
  return (
    <section className="panel" aria-labelledby="strategy-files-title">
      <div className="panel__header">
        <h2 id="strategy-files-title">Strategy files</h2>
        <button type="button" className="button button--small" disabled={reload.isPending || catalog.isPending} onClick={() => reload.mutate()}>
          {reload.isPending ? 'Reloading…' : 'Reload strategy files'}
        </button>
      </div>
      <p className="muted">
        Running engines keep the code they started with: after a reload, stop and start an engine to run the new version. New backtests
        and engines use the reloaded files.
      </p>
      {catalog.isPending ? <Loading label="Loading strategy files…" /> : null}
      {catalog.isError && !reload.data ? <ErrorState message={`Could not load the strategy files: ${describeError(catalog.error)}`} onRetry={() => void catalog.refetch()} /> : null}
      {reload.isError ? (
        <p className="notice notice--error" role="alert">
          Reload failed: {describeError(reload.error)}
        </p>
      ) : null}
      {data ? (
        <>
          <p className="muted">
            Folder <code>{data.directory}</code>
            {data.directoryExists ? '' : ' (does not exist yet)'}
            {data.loadedAt ? ` · loaded ${new Date(data.loadedAt).toLocaleString()}` : ''}
          </p>
          {files.length === 0 ? <p className="muted">No strategy files loaded. See docs/strategies.md to write one.</p> : null}
          {files.length > 0 ? (
            <ul aria-label="Loaded strategy files">
              {files.map((s) => (
                <li key={s.id}>
                  <strong>{s.name}</strong> <code>{s.id}</code> — {s.source.kind === 'file' ? s.source.file : ''}
                </li>
              ))}
            </ul>
          ) : null}
          {data.problems.length > 0 ? (
            <div className="notice notice--error" role="alert">
              <p>
                {data.problems.length === 1 ? 'One file' : `${data.problems.length} files`} did not load (the other strategies are not affected):
              </p>
              <ul aria-label="Strategy files that did not load">
                {data.problems.map((p) => (
                  <li key={`${p.file}:${p.kind}`}>
                    <code>{where(p)}</code> {p.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
