import { CtsError } from '../domain/errors.js';

/**
 * Engine ownership in a multi-process installation (docs/deployment.md, "Several processes"). Each
 * engine runs in exactly one process: the one holding its lease. The engine layer only sees this
 * port; `src/cluster/lease-manager.ts` implements it on the shared database. Without it (the
 * single-process default) every engine belongs to this process.
 */

/** The lease is gone (expired or taken over): this process must not act for the engine any more. */
export class LeaseLostError extends CtsError {
  readonly code = 'lease_lost';
}

/** Who runs an engine, as far as the cluster knows (for messages such as a 409 naming the owner). */
export interface EngineOwner {
  ownerId: string;
  pid?: number;
  host?: string;
  url?: string | null;
  /** Epoch ms the owner's lease runs until unless renewed. */
  expiresAt: number;
}

export interface EngineLease {
  /** Leases are per engine: several engines of one connection may run in different processes. */
  readonly engineId: string;
  /** Fencing token: grows each time the lease changes hands. */
  readonly token: number;
  /** Whether this process may still act for the engine (computed locally, with a safety margin). */
  isValid(): boolean;
  /** Throws LeaseLostError, after notifying the `onLost` listeners, once the lease is not valid. */
  assertValid(): void;
  /** Called once when the lease is lost (renewal refused, or it ran out before a renewal succeeded). */
  onLost(listener: () => void): void;
  /** Gives the lease up (only if still ours: a conditional write). */
  release(): Promise<void>;
}

export type AcquireResult = { ok: true; lease: EngineLease } | { ok: false; owner: EngineOwner };

export interface EngineOwnership {
  readonly instanceId: string;
  /** Compare-and-set: succeeds only when the lease is free, expired, or already ours. */
  acquire(engineId: string): Promise<AcquireResult>;
  /** The other process holding a live lease on the engine, if any. */
  ownerElsewhere(engineId: string): Promise<EngineOwner | undefined>;
}

export function describeOwner(owner: EngineOwner): string {
  const where = [owner.host, owner.pid !== undefined ? `pid ${owner.pid}` : undefined, owner.url ?? undefined].filter(Boolean).join(', ');
  return `CTS process ${owner.ownerId}${where ? ` (${where})` : ''}`;
}
