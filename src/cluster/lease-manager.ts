import type { Clock } from '../domain/clock.js';
import { LeaseLostError, type AcquireResult, type EngineLease, type EngineOwner, type EngineOwnership } from '../engine/ownership.js';
import type { SqlLeaseStore, SqlMemberStore } from '../store/cluster.repository.js';
import { every } from './loop.js';

/**
 * Engine leases on the shared database (docs/deployment.md, "Several processes").
 *
 * Why the database and not Redis: the lease guards writes to the very database it lives in, so both
 * fail together — a process that cannot reach Postgres can neither renew nor place (orders are stored
 * before they are sent), and a Redis outage does not stop every engine in the installation.
 *
 * Timing: a lease is written to expire `ttlMs` after the renewal started; this process trusts it only
 * until `ttlMs - marginMs` after that start, so with clocks within `marginMs` of each other (NTP) it
 * always stops acting before any other process may take over. A renewal that fails or runs late
 * leaves the lease to run out locally: the watchdog then declares it lost (fencing, see fenced.ts).
 */

export interface LeaseManagerOptions {
  leases: Pick<SqlLeaseStore, 'acquire' | 'renew' | 'release' | 'find'>;
  /** To name an owner (host, pid, url) in a 409. */
  members?: Pick<SqlMemberStore, 'find'>;
  instanceId: string;
  clock: Clock;
  ttlMs: number;
  /** Default ttl / 5. */
  renewEveryMs?: number;
  /** Default ttl / 5. */
  marginMs?: number;
  onError?: (error: unknown) => void;
}

class HeldLease implements EngineLease {
  #validUntil: number;
  #lost = false;
  readonly #listeners: (() => void)[] = [];

  constructor(
    readonly engineId: string,
    readonly token: number,
    validUntil: number,
    private readonly manager: LeaseManager,
    private readonly clock: Clock,
  ) {
    this.#validUntil = validUntil;
  }

  get lost(): boolean {
    return this.#lost;
  }

  isValid(): boolean {
    return !this.#lost && this.clock.now() < this.#validUntil;
  }

  assertValid(): void {
    if (this.isValid()) return;
    this.markLost();
    throw new LeaseLostError(`This process no longer holds the engine lease of engine ${this.engineId}; another process may own the engine`);
  }

  onLost(listener: () => void): void {
    if (this.#lost) listener();
    else this.#listeners.push(listener);
  }

  extend(validUntil: number): void {
    if (!this.#lost) this.#validUntil = Math.max(this.#validUntil, validUntil);
  }

  markLost(): void {
    if (this.#lost) return;
    this.#lost = true;
    this.manager.forget(this);
    for (const listener of this.#listeners.splice(0)) {
      try {
        listener();
      } catch {
        // One listener's failure must not keep the others from stopping.
      }
    }
  }

  release(): Promise<void> {
    return this.manager.release(this);
  }
}

export class LeaseManager implements EngineOwnership {
  readonly instanceId: string;
  readonly #o: LeaseManagerOptions;
  readonly #held = new Map<string, HeldLease>();
  readonly #renewEveryMs: number;
  readonly #marginMs: number;
  #stop: (() => Promise<void>) | undefined;

  constructor(options: LeaseManagerOptions) {
    this.#o = options;
    this.instanceId = options.instanceId;
    this.#renewEveryMs = options.renewEveryMs ?? Math.round(options.ttlMs / 5);
    this.#marginMs = options.marginMs ?? Math.round(options.ttlMs / 5);
  }

  get heldCount(): number {
    return this.#held.size;
  }

  async acquire(engineId: string): Promise<AcquireResult> {
    const held = this.#held.get(engineId);
    if (held?.isValid()) return { ok: true, lease: held };
    held?.markLost();
    const start = this.#o.clock.now();
    const token = await this.#o.leases.acquire({ engineId, ownerId: this.instanceId, now: start, expiresAt: start + this.#o.ttlMs });
    if (token !== undefined) {
      const lease = new HeldLease(engineId, token, start + this.#o.ttlMs - this.#marginMs, this, this.#o.clock);
      this.#held.set(engineId, lease);
      return { ok: true, lease };
    }
    return { ok: false, owner: (await this.ownerElsewhere(engineId)) ?? { ownerId: 'another process', expiresAt: start + this.#o.ttlMs } };
  }

  async ownerElsewhere(engineId: string): Promise<EngineOwner | undefined> {
    const row = await this.#o.leases.find(engineId);
    if (!row || row.ownerId === this.instanceId || row.expiresAt <= this.#o.clock.now()) return undefined;
    const member = await this.#o.members?.find(row.ownerId);
    return { ownerId: row.ownerId, expiresAt: row.expiresAt, ...(member ? { pid: member.pid, host: member.host, url: member.url } : {}) };
  }

  /** Starts renewing held leases and the watchdog that declares a lease lost once it ran out locally. */
  start(): void {
    if (this.#stop) return;
    const renewal = every(this.#o.clock, this.#renewEveryMs, () => this.renewAll(), this.#o.onError);
    const watchdog = every(this.#o.clock, Math.min(250, this.#renewEveryMs), async () => this.#expireOverdue(), this.#o.onError);
    this.#stop = async () => {
      await Promise.all([renewal(), watchdog()]);
    };
  }

  async stop(): Promise<void> {
    await this.#stop?.();
    this.#stop = undefined;
  }

  /** One renewal round (exposed for tests). */
  async renewAll(): Promise<void> {
    this.#expireOverdue();
    await Promise.all(
      [...this.#held.values()].map(async (lease) => {
        const start = this.#o.clock.now();
        let renewed: boolean;
        try {
          renewed = await this.#o.leases.renew({ engineId: lease.engineId, ownerId: this.instanceId, token: lease.token, expiresAt: start + this.#o.ttlMs });
        } catch (error) {
          this.#o.onError?.(error); // the watchdog ends it if renewals keep failing
          return;
        }
        if (renewed) lease.extend(start + this.#o.ttlMs - this.#marginMs);
        else lease.markLost(); // someone else holds it now
      }),
    );
  }

  forget(lease: HeldLease): void {
    if (this.#held.get(lease.engineId) === lease) this.#held.delete(lease.engineId);
  }

  async release(lease: HeldLease): Promise<void> {
    this.forget(lease);
    await this.#o.leases.release({ engineId: lease.engineId, ownerId: this.instanceId, token: lease.token });
  }

  #expireOverdue(): void {
    for (const lease of [...this.#held.values()]) if (!lease.isValid()) lease.markLost();
  }
}
