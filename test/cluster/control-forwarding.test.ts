import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterEngineControl } from '../../src/cluster/control-forwarding-engine.js';
import { ControlForwarder, ForwardedProblemError, type LocalEngineControl, type StatusBody } from '../../src/cluster/control-forwarding.js';
import { PART_BYTES } from '../../src/cluster/control-messages.js';
import { PgControlChannel, controlChannelName } from '../../src/cluster/pg-control-channel.js';
import { systemClock, type Clock } from '../../src/domain/clock.js';
import { ConflictError } from '../../src/domain/errors.js';
import type { EngineOwnership } from '../../src/engine/ownership.js';
import { problem, problemFromError } from '../../src/server/problem.js';
import { SqlLeaseStore, SqlMemberStore } from '../../src/store/cluster.repository.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * Two cluster members in one test process, each with its own LISTEN session on the real Postgres:
 * requests sent to a member that does not own the engine reach the owner, which answers through its
 * own engine control; a silent or vanished owner gives the 503 that says so. The engine service is
 * replaced by a recording double (this test is about the transport; the three-process test runs the
 * real engines).
 */

interface Call {
  action: string;
  engineId: string;
  options?: unknown;
}

class RecordingEngines implements LocalEngineControl {
  readonly calls: Call[] = [];
  constructor(
    readonly name: string,
    readonly running = new Set<string>(),
  ) {}
  runsHere(engineId: string): boolean {
    return this.running.has(engineId);
  }
  async stop(engineId: string, options?: { cancelOpenOrders?: boolean }): Promise<StatusBody> {
    this.calls.push({ action: 'stop', engineId, options });
    // Non-ASCII text on purpose: NOTIFY payloads are counted in bytes.
    return { id: engineId, connectionId: 'c-1', state: 'stopped', by: this.name, note: 'gestoppt — ok' } as StatusBody;
  }
  async pause(engineId: string): Promise<StatusBody> {
    this.calls.push({ action: 'pause', engineId });
    throw new ConflictError(`Cannot pause: the engine ${engineId} is stopping (from ${this.name})`);
  }
  resume(engineId: string): Promise<StatusBody> {
    this.calls.push({ action: 'resume', engineId });
    return new Promise(() => undefined); // never answers: the owner is stuck
  }
  async emergencyStop(engineId: string, options?: { flatten?: boolean }): Promise<StatusBody> {
    this.calls.push({ action: 'emergency-stop', engineId, options });
    // Far larger than one NOTIFY payload (a grid engine's open orders).
    const openOrders = Array.from({ length: 120 }, (_, i) => ({ clientOrderId: `x-${i}-${'é'.repeat(30)}`, price: `0.${i}`, status: 'canceled' }));
    return { id: engineId, connectionId: 'c-1', state: 'stopped', by: this.name, openOrders } as StatusBody;
  }
}

let store: Store;
let schema: { schema: string; drop(): Promise<void> };
let dataDir: string;
const closers: (() => Promise<void>)[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  schema = await createTestSchema();
  dataDir = makeTempDir('cts-forward-');
  store = await openStore({ dataDir, databaseUrl: POSTGRES_URL, pgSchema: schema.schema });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await store?.close();
  await schema?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A member: its channel, its forwarder (answering with `engines`) and its engine control. */
async function member(instanceId: string, engines: RecordingEngines, o: { ackTimeoutMs?: number; resultTimeoutMs?: number; clock?: Clock } = {}) {
  const channel = new PgControlChannel({ databaseUrl: POSTGRES_URL, installation: `test ${schema.schema}`, instanceId, db: store.db, clock: systemClock });
  closers.push(() => channel.close());
  const forwarder = new ControlForwarder({
    channel,
    instanceId,
    clock: systemClock,
    ackTimeoutMs: o.ackTimeoutMs ?? 2_000,
    resultTimeoutMs: o.resultTimeoutMs ?? 5_000,
    local: engines,
    toProblem: problemFromError,
    onError: (error) => errors.push(error),
  });
  await forwarder.start();
  const leases = new SqlLeaseStore(store.db);
  const ownership: Pick<EngineOwnership, 'ownerElsewhere' | 'instanceId'> = {
    instanceId,
    ownerElsewhere: async (engineId) => {
      const row = await leases.find(engineId);
      return row && row.ownerId !== instanceId && row.expiresAt > Date.now() ? { ownerId: row.ownerId, expiresAt: row.expiresAt } : undefined;
    },
  };
  const control = new ClusterEngineControl({
    local: Object.assign(engines, {
      status: async (id: string) => ({ id, connectionId: 'c-1', state: 'running' }),
      statusAll: async () => [{ id: 'e-owned', connectionId: 'c-1', state: 'running' }],
    }),
    forwarder,
    ownership,
    leases,
    members: new SqlMemberStore(store.db),
    clock: o.clock ?? systemClock,
    scanMs: 2_000,
    problem,
  });
  return { control, engines };
}

async function lease(engineId: string, ownerId: string, expiresAt: number): Promise<void> {
  const leases = new SqlLeaseStore(store.db);
  await leases.release({ engineId, ownerId: (await leases.find(engineId))?.ownerId ?? '', token: (await leases.find(engineId))?.token ?? 0 });
  expect(await leases.acquire({ engineId, ownerId, now: Date.now(), expiresAt })).toBeDefined();
}

async function problemOf(run: Promise<unknown>): Promise<{ status: number; type: string; detail: string }> {
  const error: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ForwardedProblemError);
  return (error as ForwardedProblemError).problem;
}

describe('control requests forwarded over Postgres LISTEN/NOTIFY', () => {
  it('a stop sent to a non-owner is run by the owner, and its answer (with non-ASCII text) comes back', async () => {
    const owner = await member('member-b', new RecordingEngines('b', new Set(['e-owned'])));
    const other = await member('member-a', new RecordingEngines('a'));
    await lease('e-owned', 'member-b', Date.now() + 60_000);
    await new SqlMemberStore(store.db).heartbeat({ id: 'member-b', pid: 4242, host: 'host-b', url: 'http://127.0.0.1:9', startedAt: new Date().toISOString(), lastSeenMs: Date.now() });

    const answer = await other.control.stop('e-owned', { cancelOpenOrders: true });
    expect(answer).toMatchObject({ id: 'e-owned', state: 'stopped', by: 'b', note: 'gestoppt — ok' });
    expect(owner.engines.calls).toEqual([{ action: 'stop', engineId: 'e-owned', options: { cancelOpenOrders: true } }]);
    expect(other.engines.calls).toEqual([]);
    // The answer names the owner, as status does.
    expect((answer as unknown as { owner: unknown }).owner).toMatchObject({ instanceId: 'member-b', pid: 4242, host: 'host-b', self: false });
    const [listed] = await other.control.statusAll();
    expect(listed?.owner).toMatchObject({ instanceId: 'member-b', url: 'http://127.0.0.1:9' });
  });

  it("the owner's problem is answered as it is; an answer larger than one NOTIFY payload arrives whole", async () => {
    const owner = await member('member-d', new RecordingEngines('d', new Set(['e-big'])));
    const other = await member('member-c', new RecordingEngines('c'));
    await lease('e-big', 'member-d', Date.now() + 60_000);

    const refused = await problemOf(other.control.pause('e-big'));
    expect(refused).toEqual(problemFromError(new ConflictError('Cannot pause: the engine e-big is stopping (from d)')));

    const big = (await other.control.emergencyStop('e-big', { flatten: true })) as unknown as { openOrders: { clientOrderId: string }[] };
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(2 * PART_BYTES); // three parts
    expect(big.openOrders).toHaveLength(120);
    expect(big.openOrders[119]?.clientOrderId).toBe(`x-119-${'é'.repeat(30)}`);
    expect(owner.engines.calls.map((c) => c.action)).toEqual(['pause', 'emergency-stop']);
    expect(errors).toEqual([]);
  });

  it('an owner that does not acknowledge gets a 503 naming it and its lease expiry; emergency stop says nothing was done', async () => {
    const other = await member('member-e', new RecordingEngines('e'), { ackTimeoutMs: 400 });
    const expiresAt = Date.now() + 60_000;
    await lease('e-silent', 'member-gone', expiresAt); // nobody listens for member-gone

    const stop = await problemOf(other.control.stop('e-silent'));
    expect(stop.status).toBe(503);
    expect(stop.type).toContain('engine-owner-unreachable');
    expect(stop.detail).toContain('The stop is not confirmed');
    expect(stop.detail).toContain('CTS process member-gone');
    expect(stop.detail).toContain(`Its lease expires at ${new Date(expiresAt).toISOString()}`);

    const emergency = await problemOf(other.control.emergencyStop('e-silent', { flatten: true }));
    expect(emergency.status).toBe(503);
    expect(emergency.detail).toContain('The emergency stop is NOT confirmed');
    expect(emergency.detail).toContain('cancelled and flattened nothing');
    expect(other.engines.calls).toEqual([]);
  });

  it('says so when the lease of the silent owner has expired meanwhile', async () => {
    const later: Clock = { now: () => Date.now() + 120_000, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const other = await member('member-f', new RecordingEngines('f'), { ackTimeoutMs: 300, clock: later });
    const expiresAt = Date.now() + 60_000;
    await lease('e-expiring', 'member-vanished', expiresAt);
    const answer = await problemOf(other.control.stop('e-expiring'));
    expect(answer.status).toBe(503);
    expect(answer.detail).toContain(`its lease expired at ${new Date(expiresAt).toISOString()}: the process is gone`);
    expect(answer.detail).toContain('Send the request again now');
  });

  it('an owner that acknowledges but never finishes gets a 504 (it may still be working), not a success', async () => {
    const owner = await member('member-h', new RecordingEngines('h', new Set(['e-stuck'])));
    const other = await member('member-g', new RecordingEngines('g'), { resultTimeoutMs: 1_000 });
    await lease('e-stuck', 'member-h', Date.now() + 60_000);
    const answer = await problemOf(other.control.resume('e-stuck'));
    expect(answer.status).toBe(504);
    expect(answer.detail).toContain('received it but did not answer within 1 s');
    expect(owner.engines.calls.map((c) => c.action)).toEqual(['resume']);
  });

  it('an owner whose listening session was cut dials again and answers the next request', async () => {
    const owner = await member('member-k', new RecordingEngines('k', new Set(['e-cut'])));
    const other = await member('member-j', new RecordingEngines('j'), { ackTimeoutMs: 500 });
    await lease('e-cut', 'member-k', Date.now() + 60_000);
    expect(await other.control.stop('e-cut')).toMatchObject({ by: 'k' });

    const channel = controlChannelName(`test ${schema.schema}`, 'member-k');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const cut = await admin.query(`select pg_terminate_backend(pid) as done from pg_stat_activity where query = $1`, [`listen "${channel}"`]);
      expect(cut.rows).toHaveLength(1);
    } finally {
      await admin.end();
    }
    // Until it listens again requests go unanswered (503, never a success); then they are served.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const answer = await other.control.stop('e-cut').then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      );
      if ('status' in answer) {
        expect(answer.status).toMatchObject({ by: 'k' });
        break;
      }
      expect(answer.error).toBeInstanceOf(ForwardedProblemError);
      expect((answer.error as ForwardedProblemError).problem.status).toBe(503);
      if (Date.now() > deadline) throw new Error('the owner never listened again');
    }
    expect(owner.engines.calls.filter((c) => c.action === 'stop').length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('runs the request here when this process runs the engine or nobody owns it', async () => {
    const here = await member('member-i', new RecordingEngines('i', new Set(['e-here'])));
    expect(await here.control.stop('e-here')).toMatchObject({ by: 'i', owner: null });
    expect(await here.control.stop('e-nobody')).toMatchObject({ by: 'i' });
    expect(here.engines.calls.map((c) => c.engineId)).toEqual(['e-here', 'e-nobody']);
  });
});
