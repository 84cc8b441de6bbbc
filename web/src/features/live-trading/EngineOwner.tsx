/**
 * Which CTS process runs the engine (several processes on one Postgres: `owner` in the status). Absent
 * on a single process, where there is nothing to choose; null when no process holds the engine's lease.
 */
export interface EngineOwnerView {
  instanceId: string;
  host: string | null;
  pid: number | null;
  url: string | null;
  self: boolean;
  leaseExpiresAt: string;
}

/** The status's owner, read defensively: `undefined` when the server does not report one. */
export function ownerOf(status: object): EngineOwnerView | null | undefined {
  if (!('owner' in status)) return undefined;
  const owner: unknown = status.owner;
  if (owner === null) return null;
  if (typeof owner !== 'object' || !('instanceId' in owner) || typeof owner.instanceId !== 'string') return undefined;
  const o = owner as Partial<EngineOwnerView>;
  return {
    instanceId: owner.instanceId,
    host: typeof o.host === 'string' ? o.host : null,
    pid: typeof o.pid === 'number' ? o.pid : null,
    url: typeof o.url === 'string' ? o.url : null,
    self: o.self === true,
    leaseExpiresAt: typeof o.leaseExpiresAt === 'string' ? o.leaseExpiresAt : '',
  };
}

export function describeOwner(owner: EngineOwnerView | null, active: boolean): string {
  if (owner === null) return active ? 'none: its process is gone; another takes the engine over shortly' : '—';
  const where = [owner.host, owner.pid !== null ? `pid ${owner.pid}` : null, owner.url].filter(Boolean).join(' · ');
  return `${where || owner.instanceId}${owner.self ? ' (this process)' : ''}`;
}

/** One fact of the engine panel; nothing on a single process. */
export function EngineOwnerFact({ status, active }: { status: object; active: boolean }) {
  const owner = ownerOf(status);
  if (owner === undefined) return null;
  return (
    <div data-testid="engine-owner">
      <dt>Runs on</dt>
      <dd title={owner ? `CTS process ${owner.instanceId}; lease until ${owner.leaseExpiresAt}` : undefined}>{describeOwner(owner, active)}</dd>
    </div>
  );
}
