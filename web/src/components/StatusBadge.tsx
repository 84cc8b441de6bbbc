import type { ConnectionStatus } from '../api/types';

const LABELS: Record<ConnectionStatus, string> = {
  untested: 'Untested',
  ok: 'OK',
  degraded: 'Degraded',
  failing: 'Failing',
  disabled: 'Disabled',
};

export function StatusBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`status status--${status}`}>
      <span className="status__dot" aria-hidden="true" />
      <span className="visually-hidden">Status: </span>
      {LABELS[status]}
    </span>
  );
}

export function statusLabel(status: ConnectionStatus): string {
  return LABELS[status];
}
