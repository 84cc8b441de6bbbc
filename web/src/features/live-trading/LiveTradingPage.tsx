import { useEffect } from 'react';
import { describeError } from '../../api/client';
import { useConnections } from '../../api/connections';
import { useEngineStatusAll } from '../../api/engine';
import type { EngineStatus } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { navigate, usePathname } from '../../router';
import { EnginePanel } from './EnginePanel';
import { EngineSelector } from './EngineSelector';
import { StreamIndicator } from './EventLog';
import { useEngineEvents } from './useEngineEvents';
import './trading.css';
import { StrategyFilesPanel } from '../strategies/StrategyFilesPanel';

const NO_FILTERS = {};

/** Picks the engine to show: the one in the URL, else a running one, else the first replay connection. */
function pickDefault(connections: readonly ConnectionView[], engines: readonly EngineStatus[]): string | null {
  const active = engines.find((e) => e.state !== 'stopped' && connections.some((c) => c.id === e.connectionId));
  return active?.connectionId ?? connections.find((c) => c.mode === 'replay')?.id ?? connections[0]?.id ?? null;
}

/** Live trading: one engine per connection; controls, status, chart, positions, orders, fills and events. */
export function LiveTradingPage() {
  const pathname = usePathname();
  const fromUrl = decodeURIComponent(pathname.split('/')[2] ?? '') || null;
  const connections = useConnections(NO_FILTERS, 0);
  const engines = useEngineStatusAll();
  const { live, stream } = useEngineEvents();

  const items = connections.data?.items ?? [];
  const selectedId = fromUrl && items.some((c) => c.id === fromUrl) ? fromUrl : pickDefault(items, engines.data ?? []);
  const select = (id: string): void => navigate(`/live/${encodeURIComponent(id)}`);

  useEffect(() => {
    if (selectedId && selectedId !== fromUrl && connections.data) navigate(`/live/${encodeURIComponent(selectedId)}`, { replace: true });
  }, [selectedId, fromUrl, connections.data]);

  const selected = items.find((c) => c.id === selectedId);
  return (
    <div className="page live-page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">Trading</p>
          <h1>Live trading</h1>
          <p className="muted">Start, watch and stop the trade engine of each connection. Updates arrive live from the engine.</p>
        </div>
        <StreamIndicator state={stream} />
      </header>

      {connections.isPending ? <Loading label="Loading connections…" /> : null}
      {connections.isError ? <ErrorState message={`Could not load connections: ${describeError(connections.error)}`} onRetry={() => void connections.refetch()} /> : null}
      {engines.isError ? <ErrorState message={`Could not load the engines: ${describeError(engines.error)}`} onRetry={() => void engines.refetch()} /> : null}
      {connections.data && items.length === 0 ? (
        <EmptyState title="No connections yet">
          <p className="muted">
            Add an exchange connection under <a href="/settings/connections">Exchange connections</a> first; each connection runs one engine.
          </p>
        </EmptyState>
      ) : null}

      {items.length > 0 ? <EngineSelector connections={items} engines={engines.data ?? []} selectedId={selectedId} onSelect={select} /> : null}
      {selected ? <EnginePanel key={selected.id} connection={selected} connections={items} onSelect={select} live={live} /> : null}
      <StrategyFilesPanel />
    </div>
  );
}
