import type { EngineOwnerView, EngineStatus } from '../../api/engine-types';

/**
 * Which CTS process runs the engine (several processes on one Postgres: `owner` in the status). Absent
 * on a single process, where there is nothing to choose; null when no process holds the engine's lease.
 */
export function describeOwner(owner: EngineOwnerView | null, active: boolean): string {
  if (owner === null) return active ? 'none: its process is gone; another takes the engine over shortly' : '—';
  const where = [owner.host, owner.pid !== null ? `pid ${owner.pid}` : null, owner.url].filter(Boolean).join(' · ');
  return `${where || owner.instanceId}${owner.self ? ' (this process)' : ''}`;
}

/** One fact of the engine panel; nothing on a single process. */
export function EngineOwnerFact({ status, active }: { status: EngineStatus; active: boolean }) {
  const owner = status.owner;
  if (owner === undefined) return null;
  return (
    <div data-testid="engine-owner">
      <dt>Runs on</dt>
      <dd title={owner ? `CTS process ${owner.instanceId}; lease until ${owner.leaseExpiresAt}` : undefined}>{describeOwner(owner, active)}</dd>
    </div>
  );
}
