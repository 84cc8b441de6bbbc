import type { EngineStatus } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { EngineStateBadge } from './EngineStateBadge';

interface EngineSelectorProps {
  connections: readonly ConnectionView[];
  engines: readonly EngineStatus[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}

/** One engine per connection: a button for each, with its state, to choose which one the page shows. */
export function EngineSelector({ connections, engines, selectedId, onSelect }: EngineSelectorProps) {
  const byId = new Map(engines.map((e) => [e.connectionId, e]));
  return (
    <nav className="engine-selector" aria-label="Engines">
      <ul>
        {connections.map((c) => {
          const engine = byId.get(c.id);
          const selected = c.id === selectedId;
          return (
            <li key={c.id}>
              <button type="button" className={`engine-tab${selected ? ' engine-tab--selected' : ''}`} aria-pressed={selected} onClick={() => onSelect(c.id)}>
                <span className="engine-tab__name">{c.name}</span>
                <span className="engine-tab__meta">
                  <span className="muted small">{c.mode}</span>
                  <EngineStateBadge state={engine?.state ?? 'stopped'} />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
