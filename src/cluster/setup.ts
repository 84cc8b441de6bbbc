import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { EventTransport } from '../engine/events/event-bus.js';
import { SequencedEventTransport } from '../engine/events/sequenced-transport.js';
import type { EngineOwnership } from '../engine/ownership.js';
import { SqlLeaseStore, SqlMemberStore } from '../store/cluster.repository.js';
import type { Store } from '../store/database.js';
import type { SqlEventLog } from '../store/engine.repository.js';
import { ClusterEngineControl } from './control-forwarding-engine.js';
import { ControlForwarder, type LocalEngineControl, type StatusBody } from './control-forwarding.js';
import type { ForwardedProblem } from './control-messages.js';
import { LeaseManager } from './lease-manager.js';
import { every } from './loop.js';
import { ClusterMembership, type ClusterMember } from './membership.js';
import { PgControlChannel } from './pg-control-channel.js';
import { RedisEventRelay } from './redis-event-relay.js';

/**
 * The multi-process parts, built only on Postgres (docs/deployment.md, "Several processes"): engine
 * leases, membership, the takeover scan and event fan-out (Redis pub/sub when REDIS_URL is set, the
 * shared event log always), and control requests forwarded to the owning process (Postgres
 * LISTEN/NOTIFY, see control-forwarding.ts). On SQLite the data-dir lock already makes the process the only one, so
 * none of this runs and the engines behave exactly as in the single-process design.
 */

export interface ClusterOptions {
  store: Store;
  eventLog: SqlEventLog;
  clock: Clock;
  logger: Logger;
  redisUrl: string | undefined;
  leaseTtlMs: number;
  scanMs: number;
  /** The store's URL: forwarded control requests arrive on a session of their own. */
  databaseUrl: string | undefined;
  /** How long an owner has to acknowledge a forwarded control request. */
  controlAckTimeoutMs: number;
  /** How long an acknowledged control request may take to answer. */
  controlResultTimeoutMs: number;
}

/** How the API renders errors and problems (src/server/problem.ts), for answers that cross processes. */
export interface ProblemRendering {
  fromError(error: unknown): ForwardedProblem;
  make(status: number, slug: string, detail: string): ForwardedProblem;
}

export interface Cluster {
  instanceId: string;
  ownership: EngineOwnership;
  transport: EventTransport;
  members(): Promise<ClusterMember[]>;
  /** Once serving: register as a member. */
  join(url: string): Promise<void>;
  /**
   * Starts answering control requests forwarded to this process (run through `local`) and returns the
   * engine control the API uses. Call once, before this process can hold a lease.
   */
  engineControl<S extends StatusBody>(local: LocalEngineControl & { status(id: string): Promise<S>; statusAll(): Promise<S[]> }, problems: ProblemRendering): Promise<ClusterEngineControl<S>>;
  /** Looks for engines whose owner is gone every scan interval (after the first resume at start). */
  startTakeover(scan: () => Promise<void>): void;
  /** Before the engines stop: no more takeovers (this process would grab back what it releases). */
  stopTakeover(): Promise<void>;
  /** After the engines stopped (their leases released): stop renewing, leave, close the relay. */
  close(): Promise<void>;
}

export async function createCluster(o: ClusterOptions): Promise<Cluster | undefined> {
  if (o.store.backend !== 'postgres' || !o.databaseUrl) return undefined;
  const databaseUrl = o.databaseUrl;
  const host = hostname();
  const instanceId = `${host.slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const onError = (what: string) => (error: unknown) => o.logger.warn({ err: error }, `cluster: ${what} failed`);
  const memberStore = new SqlMemberStore(o.store.db);
  const leaseStore = new SqlLeaseStore(o.store.db);
  const leases = new LeaseManager({
    leases: leaseStore,
    members: memberStore,
    instanceId,
    clock: o.clock,
    ttlMs: o.leaseTtlMs,
    onError: onError('lease renewal'),
  });
  const membership = new ClusterMembership({
    members: memberStore,
    self: { id: instanceId, pid: process.pid, host, startedAt: new Date(o.clock.now()).toISOString() },
    clock: o.clock,
    heartbeatMs: Math.max(500, Math.round(o.leaseTtlMs / 5)),
    onError: onError('membership heartbeat'),
  });
  // One channel per installation (database + schema), so installations sharing a Redis never mix.
  const eventChannel = `cts:engine-events:${createHash('sha256').update(o.store.location).digest('hex').slice(0, 16)}`;
  const relay = o.redisUrl ? new RedisEventRelay({ url: o.redisUrl, channel: eventChannel, instanceId, onError: onError('event relay') }) : undefined;
  const transport = new SequencedEventTransport({ log: o.eventLog, clock: o.clock, onError: onError('event delivery'), ...(relay ? { relay } : {}) });
  await transport.start();
  leases.start();
  const controlChannel = new PgControlChannel({ databaseUrl, installation: o.store.location, instanceId, db: o.store.db, clock: o.clock, onError: onError('control channel') });
  let stopScan: (() => Promise<void>) | undefined;
  const stopTakeover = async (): Promise<void> => {
    await stopScan?.();
    stopScan = undefined;
  };
  o.logger.info({ instanceId, relay: relay ? 'redis' : 'event log only', leaseTtlMs: o.leaseTtlMs }, 'cluster member ready');

  return {
    instanceId,
    ownership: leases,
    transport,
    members: () => membership.members(),
    join: (url) => membership.start(url),
    async engineControl(local, problems) {
      const forwarder = new ControlForwarder({
        channel: controlChannel,
        instanceId,
        clock: o.clock,
        ackTimeoutMs: o.controlAckTimeoutMs,
        resultTimeoutMs: o.controlResultTimeoutMs,
        local,
        toProblem: (error) => {
          const answer = problems.fromError(error);
          if (answer.status >= 500) o.logger.error({ err: error }, 'forwarded control request failed');
          return answer;
        },
        onError: onError('control reply'),
      });
      await forwarder.start();
      return new ClusterEngineControl({ local, forwarder, ownership: leases, leases: leaseStore, members: memberStore, clock: o.clock, scanMs: o.scanMs, problem: problems.make });
    },
    startTakeover(scan) {
      stopScan ??= every(o.clock, o.scanMs, scan, onError('takeover scan'));
    },
    stopTakeover,
    async close() {
      await stopTakeover();
      await leases.stop();
      await membership.stop();
      await controlChannel.close();
      await transport.close();
    },
  };
}
