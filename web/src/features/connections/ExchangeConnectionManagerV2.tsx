import { useMemo, useState } from 'react';
import { describeError } from '../../api/client';
import { PAGE_SIZE, useConnections, useHealth, useStartBatchTest } from '../../api/connections';
import type { ConnectionFilters as Filters, ConnectionHealth, ConnectionView, HealthReport } from '../../api/types';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { AddConnectionDialog } from './AddConnectionDialog';
import { BatchTestPanel } from './BatchTestPanel';
import { ConnectionFilters } from './ConnectionFilters';
import { ConnectionList } from './ConnectionList';
import { EditConnectionDialog } from './EditConnectionDialog';

/** Settings → Exchange connections. */
export function ExchangeConnectionManagerV2() {
  const [filters, setFilters] = useState<Filters>({});
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<ConnectionView | null>(null);
  const [batchJob, setBatchJob] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const list = useConnections(filters, offset);
  const health = useHealth();
  const startBatch = useStartBatchTest();
  const healthById = useMemo(() => indexHealth(health.data), [health.data]);
  const filtered = Boolean(filters.exchange || filters.status || filters.mode);

  const runBatch = (): void => {
    setBatchJob(null);
    startBatch.mutate(undefined, { onSuccess: ({ jobId }) => setBatchJob(jobId) });
  };

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">Settings</p>
          <h1>Exchange connections</h1>
          <p className="muted">Your exchange accounts: keys, tests and health.{health.data ? <OverallHealth report={health.data} /> : null}</p>
        </div>
        <div className="page__actions">
          <button type="button" className="button" onClick={runBatch} disabled={startBatch.isPending || !list.data?.total}>
            {startBatch.isPending ? 'Starting…' : 'Test all'}
          </button>
          <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
            + Add connection
          </button>
        </div>
      </header>

      {flash ? (
        <p className="notice notice--success" role="status">
          {flash}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setFlash(null)}>
            ×
          </button>
        </p>
      ) : null}
      {startBatch.isError ? (
        <p className="notice notice--error" role="alert">
          Test all could not start: {describeError(startBatch.error)}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => startBatch.reset()}>
            ×
          </button>
        </p>
      ) : null}
      {batchJob ? <BatchTestPanel jobId={batchJob} onClose={() => setBatchJob(null)} /> : null}

      <ConnectionFilters
        value={filters}
        onChange={(next) => {
          setFilters(next);
          setOffset(0);
        }}
      />

      {list.isPending ? <Loading label="Loading connections…" /> : null}
      {list.isError ? <ErrorState message={`Could not load connections: ${describeError(list.error)}`} onRetry={() => void list.refetch()} /> : null}
      {list.data && list.data.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No connection matches these filters.">
            <button type="button" className="button button--small" onClick={() => setFilters({})}>
              Clear filters
            </button>
          </EmptyState>
        ) : (
          <EmptyState title="No exchange connections yet.">
            <p className="muted">Add one to test your keys and trade. Paper and replay modes need no keys.</p>
            <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
              + Add connection
            </button>
          </EmptyState>
        )
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <>
          <ConnectionList connections={list.data.items} health={healthById} onEdit={setEditing} />
          <Pager total={list.data.total} offset={offset} count={list.data.items.length} onChange={setOffset} />
        </>
      ) : null}

      {adding ? <AddConnectionDialog onClose={() => setAdding(false)} onCreated={(name) => setFlash(`Added “${name}”.`)} /> : null}
      {editing ? <EditConnectionDialog connection={editing} onClose={() => setEditing(null)} onSaved={(name) => setFlash(`Saved “${name}”.`)} /> : null}
    </div>
  );
}

function indexHealth(report: HealthReport | null | undefined): ReadonlyMap<string, ConnectionHealth> {
  return new Map((report?.connections ?? []).map((h) => [h.connectionId, h]));
}

function OverallHealth({ report }: { report: HealthReport }) {
  return <span className={`overall overall--${report.overall}`}> Overall health: {report.overall}.</span>;
}

function Pager({ total, offset, count, onChange }: { total: number; offset: number; count: number; onChange: (offset: number) => void }) {
  if (total <= PAGE_SIZE) return <p className="muted small list-count">{total === 1 ? '1 connection' : `${total} connections`}</p>;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button button--small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - PAGE_SIZE))}>
        Previous
      </button>
      <span>
        {offset + 1}–{offset + count} of {total}
      </span>
      <button type="button" className="button button--small" disabled={offset + count >= total} onClick={() => onChange(offset + PAGE_SIZE)}>
        Next
      </button>
    </nav>
  );
}
