import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ConnectionStatus } from '../domain/exchange-ids.js';
import { appliedMigrations, type Store } from '../store/database.js';

/** Parts of the system that report into the status page once they exist (engines, limiter). */
export interface StatusContributors {
  enginesByState?: () => Promise<Record<string, number>>;
  rateLimitPauses?: () => Promise<{ scope: string; until: number; reason: string }[]>;
  clusterMembers?: () => Promise<{ id: string; pid: number; host: string; lastSeenAt: string }[]>;
}

export interface SystemStatus {
  version: string;
  node: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number };
  eventLoopLagMs: { p50: number; p99: number; max: number };
  storage: { backend: string; location: string; migration: string | null };
  connections: { total: number; byStatus: Partial<Record<ConnectionStatus, number>> };
  engines: { total: number; byState: Record<string, number> };
  rateLimitPauses: { scope: string; until: string; reason: string }[];
  cluster: { members: { id: string; pid: number; host: string; lastSeenAt: string }[] };
}

export class SystemStatusService {
  readonly #startedAt = new Date();
  readonly #loop: IntervalHistogram;

  constructor(
    private readonly deps: {
      version: string;
      store: Store;
      countConnectionsByStatus: () => Promise<Partial<Record<ConnectionStatus, number>>>;
      contributors: StatusContributors;
    },
  ) {
    this.#loop = monitorEventLoopDelay({ resolution: 10 });
    this.#loop.enable();
  }

  async status(): Promise<SystemStatus> {
    const { store, contributors } = this.deps;
    const byStatus = await this.deps.countConnectionsByStatus();
    const engines = (await contributors.enginesByState?.()) ?? {};
    const mem = process.memoryUsage();
    return {
      version: this.deps.version,
      node: process.version,
      pid: process.pid,
      startedAt: this.#startedAt.toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal },
      eventLoopLagMs: {
        p50: nsToMs(this.#loop.percentile(50)),
        p99: nsToMs(this.#loop.percentile(99)),
        max: nsToMs(this.#loop.max),
      },
      storage: { backend: store.backend, location: store.location, migration: (await appliedMigrations(store)).at(-1) ?? null },
      connections: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
      engines: { total: Object.values(engines).reduce((a, b) => a + b, 0), byState: engines },
      rateLimitPauses: ((await contributors.rateLimitPauses?.()) ?? []).map((p) => ({ ...p, until: new Date(p.until).toISOString() })),
      cluster: {
        members: (await contributors.clusterMembers?.()) ?? [
          { id: `local-${process.pid}`, pid: process.pid, host: 'localhost', lastSeenAt: new Date().toISOString() },
        ],
      },
    };
  }

  stop(): void {
    this.#loop.disable();
  }
}

function nsToMs(ns: number): number {
  return Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0;
}
