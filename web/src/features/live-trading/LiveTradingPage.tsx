import { useEffect, useState } from 'react';
import { describeError } from '../../api/client';
import { useConnections } from '../../api/connections';
import { useEngineStatusAll } from '../../api/engine';
import type { EngineStatus } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { navigate, usePathname } from '../../router';
import { BotList } from './BotList';
import { EnginePanel } from './EnginePanel';
import { StreamIndicator } from './EventLog';
import { StartEngineForm } from './StartEngineForm';
import { useEngineEvents } from './useEngineEvents';
import './trading.css';
import { StrategyFilesPanel } from '../strategies/StrategyFilesPanel';

const NO_FILTERS = {};
const NEW = 'new';

/** The bot to show: the one in the URL, else an active one, else the first; `new` shows the start form. */
function pickDefault(bots: readonly EngineStatus[]): string {
  return (bots.find((b) => b.state !== 'stopped' && b.state !== 'error') ?? bots[0])?.id ?? NEW;
}

/** Live trading: every bot (several may share a connection), one shown in full; start new bots beside running ones. */
export function LiveTradingPage() {
  const pathname = usePathname();
  const fromUrl = decodeURIComponent(pathname.split('/')[2] ?? '') || null;
  const connections = useConnections(NO_FILTERS, 0);
  const engines = useEngineStatusAll();
  const { live, stream } = useEngineEvents();

  const items = connections.data?.items ?? [];
  const bots = engines.data ?? [];
  const known = fromUrl === NEW || (fromUrl !== null && bots.some((b) => b.id === fromUrl));
  const selectedId = known ? (fromUrl as string) : engines.data ? pickDefault(bots) : null;
  const select = (id: string): void => navigate(`/live/${encodeURIComponent(id)}`);

  useEffect(() => {
    if (selectedId && selectedId !== fromUrl && engines.data) navigate(`/live/${encodeURIComponent(selectedId)}`, { replace: true });
  }, [selectedId, fromUrl, engines.data]);

  const selected = bots.find((b) => b.id === selectedId);
  const connection = selected ? items.find((c) => c.id === selected.connectionId) : undefined;
  return (
    <div className="page live-page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">Trading</p>
          <h1>Live trading</h1>
          <p className="muted">Start, watch and stop your bots. A connection can run several, each within its own budget. Updates arrive live from the engine.</p>
        </div>
        <StreamIndicator state={stream} />
      </header>

      {connections.isPending || engines.isPending ? <Loading label="Loading bots…" /> : null}
      {connections.isError ? <ErrorState message={`Could not load connections: ${describeError(connections.error)}`} onRetry={() => void connections.refetch()} /> : null}
      {engines.isError ? <ErrorState message={`Could not load the bots: ${describeError(engines.error)}`} onRetry={() => void engines.refetch()} /> : null}
      {connections.data && items.length === 0 ? (
        <EmptyState title="No connections yet">
          <p className="muted">
            Add an exchange connection under <a href="/settings/connections">Exchange connections</a> first; each connection can run several bots.
          </p>
        </EmptyState>
      ) : null}

      {items.length > 0 && engines.data ? <BotList bots={bots} connections={items} selectedId={selectedId} onSelect={select} onNew={() => select(NEW)} creating={selectedId === NEW} /> : null}
      {selectedId === NEW && items.length > 0 ? <NewBot connections={items} onStarted={(status) => select(status.id)} /> : null}
      {selected && connection ? <EnginePanel key={selected.id} engineId={selected.id} connection={connection} connections={items} live={live} /> : null}
      {selected && !connection && connections.data ? (
        <ErrorState message={`The connection of bot ${selected.id} (${selected.connectionId}) no longer exists.`} onRetry={() => void connections.refetch()} />
      ) : null}
      <StrategyFilesPanel />
    </div>
  );
}

function firstUsable(connections: readonly ConnectionView[]): string {
  return (connections.find((c) => c.enabled && c.mode === 'replay') ?? connections.find((c) => c.enabled) ?? connections[0])?.id ?? '';
}

/** A new bot on any connection, also one that already runs bots. */
function NewBot({ connections, onStarted }: { connections: readonly ConnectionView[]; onStarted: (status: EngineStatus) => void }) {
  const [connectionId, setConnectionId] = useState(() => firstUsable(connections));
  return (
    <section className="panel new-bot" aria-labelledby="start-title">
      <h2 id="start-title">Start a new bot</h2>
      <StartEngineForm key={connectionId} connections={connections} connectionId={connectionId} onConnectionChange={setConnectionId} previous={undefined} onStarted={onStarted} />
    </section>
  );
}
