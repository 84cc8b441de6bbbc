import type { ConnectionHealth, ConnectionView } from '../../api/types';
import { ConnectionCard } from './ConnectionCard';

interface ConnectionListProps {
  connections: readonly ConnectionView[];
  health: ReadonlyMap<string, ConnectionHealth>;
  onEdit: (connection: ConnectionView) => void;
}

export function ConnectionList({ connections, health, onEdit }: ConnectionListProps) {
  return (
    <ul className="card-grid" aria-label="Exchange connections">
      {connections.map((c) => (
        <li key={c.id}>
          <ConnectionCard connection={c} health={health.get(c.id)} onEdit={onEdit} />
        </li>
      ))}
    </ul>
  );
}
