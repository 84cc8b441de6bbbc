import type { Clock } from '../domain/clock.js';
import type { MemberRow, SqlMemberStore } from '../store/cluster.repository.js';
import { every } from './loop.js';

/**
 * Cluster membership for `GET /api/system/status`: each process upserts its row (id, pid, host, url,
 * start time) every `heartbeatMs`; members are the rows seen within `staleAfterMs`. A crashed process
 * simply stops being seen; its row is pruned after a day. Kept in the shared database, like the
 * leases, so the status page and a 409's "owned by" agree on who exists.
 */

export interface ClusterMember {
  id: string;
  pid: number;
  host: string;
  url: string | null;
  startedAt: string;
  lastSeenAt: string;
  self: boolean;
}

export interface MembershipOptions {
  members: Pick<SqlMemberStore, 'heartbeat' | 'seenSince' | 'remove' | 'prune'>;
  self: { id: string; pid: number; host: string; startedAt: string };
  clock: Clock;
  heartbeatMs: number;
  /** Default 3 × heartbeatMs. */
  staleAfterMs?: number;
  onError?: (error: unknown) => void;
}

const PRUNE_AFTER_MS = 86_400_000;

export class ClusterMembership {
  readonly #o: MembershipOptions;
  #url: string | null = null;
  #stop: (() => Promise<void>) | undefined;

  constructor(options: MembershipOptions) {
    this.#o = options;
  }

  /** Registers now (so the process is listed as soon as it serves) and keeps heartbeating. */
  async start(url: string | null): Promise<void> {
    this.#url = url;
    await this.heartbeat();
    await this.#o.members.prune(this.#o.clock.now() - PRUNE_AFTER_MS);
    this.#stop ??= every(this.#o.clock, this.#o.heartbeatMs, () => this.heartbeat(), this.#o.onError);
  }

  heartbeat(): Promise<void> {
    const row: MemberRow = { ...this.#o.self, url: this.#url, lastSeenMs: this.#o.clock.now() };
    return this.#o.members.heartbeat(row);
  }

  async members(): Promise<ClusterMember[]> {
    const since = this.#o.clock.now() - (this.#o.staleAfterMs ?? 3 * this.#o.heartbeatMs);
    const rows = await this.#o.members.seenSince(since);
    return rows.map((r) => ({
      id: r.id,
      pid: r.pid,
      host: r.host,
      url: r.url,
      startedAt: r.startedAt,
      lastSeenAt: new Date(r.lastSeenMs).toISOString(),
      self: r.id === this.#o.self.id,
    }));
  }

  /** Clean stop: leave the list at once instead of fading out. */
  async stop(): Promise<void> {
    await this.#stop?.();
    this.#stop = undefined;
    await this.#o.members.remove(this.#o.self.id).catch((error: unknown) => this.#o.onError?.(error));
  }
}
