import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseManager } from '../../src/cluster/lease-manager.js';
import { ManualClock } from '../../src/domain/clock.js';
import { EngineService } from '../../src/engine/engine.service.js';
import { EngineEventBus } from '../../src/engine/events/event-bus.js';
import { createVenueFactory } from '../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../src/engine/strategies/registry.js';
import { SqlLeaseStore } from '../../src/store/cluster.repository.js';
import { connectionView, tempStore, type TestStore } from '../engine/runtime/support.js';

const CSV = path.resolve(import.meta.dirname, '../../data/XRP_USDT_USDT-1h-futures.csv');
const TTL = 10_000;

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Two "processes" (two EngineServices with their own lease managers) on one shared database. */
describe('engine ownership by lease (two services on one database, ManualClock)', () => {
  let db: TestStore;
  let clock: ManualClock;
  let a: { service: EngineService; leases: LeaseManager };
  let b: { service: EngineService; leases: LeaseManager };

  function node(id: string): { service: EngineService; leases: LeaseManager } {
    const leases = new LeaseManager({ leases: new SqlLeaseStore(db.store.db), instanceId: id, clock, ttlMs: TTL });
    const service = new EngineService({
      connections: { get: async () => connectionView(), credentialsFor: async () => undefined },
      strategies: new StrategyRegistry(),
      venues: createVenueFactory({ openExchange: () => Promise.reject(new Error('replay only')), clock, replayCsvPath: CSV }),
      engines: db.engines,
      orders: db.orders,
      events: new EngineEventBus({ log: db.events }),
      ownership: leases,
      clock,
      random: () => 0.5,
    });
    return { service, leases };
  }

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    a = node('proc-a');
    b = node('proc-b');
  });

  afterEach(async () => {
    await a.service.shutdown();
    await b.service.shutdown();
    await db.store.close();
  });

  const start = { connectionId: 'demo', engineId: 'demo', strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } };

  it('runs an engine in one process only: another refuses with 409 naming the owner, and stop elsewhere is refused too', async () => {
    expect((await a.service.start(start)).state).toBe('running');
    await expect(b.service.start(start)).rejects.toThrow(/runs in CTS process proc-a/);
    await expect(b.service.stop('demo')).rejects.toThrow(/runs in CTS process proc-a/);
    await expect(b.service.pause('demo')).rejects.toThrow(/runs in CTS process proc-a/);
    expect((await b.service.status('demo')).state).toBe('running'); // read from the shared store
    await b.service.resumeAll(); // the takeover scan leaves a live owner alone
    expect(b.service.runsHere('demo')).toBe(false);
    expect(await b.service.isInUse('demo')).toBe(true); // so deleting its connection on B is refused

    // A clean stop releases the lease: the other process may start it at once.
    await a.service.stop('demo');
    expect((await b.service.start(start)).state).toBe('running');
  });

  it('fences a process that lost its lease (stops without writing) and lets another take over after reconciliation', async () => {
    await a.service.start(start);
    for (let i = 0; i < 12; i++) {
      await clock.advance(1_000);
      await a.leases.renewAll();
      await settle();
    }
    const eventsBefore = (await db.events.since(0, { limit: 10_000 })).length;
    const validUntil = clock.now() + TTL - 2_000; // last renewal + ttl - margin

    // Process A stalls its renewals (the engine keeps playing candles). From ttl - margin on it must
    // not act, and it stops without writing — before the row expires for the others.
    await clock.advance(TTL - 2_000);
    await settle();
    await a.leases.renewAll(); // the watchdog round: the lease ran out locally
    await settle();
    expect(a.service.runsHere('demo')).toBe(false);
    expect((await db.engines.find('demo'))?.state).toBe('running'); // the record belongs to the next owner
    for (const o of await db.orders.listOrders('demo')) expect(Date.parse(o.updatedAt)).toBeLessThan(validUntil);
    const late = (await db.events.since(eventsBefore, { limit: 100 })).filter((e) => Date.parse(e.time) >= validUntil);
    expect(late.map((e) => e.type)).toEqual(['engine.lease_lost']);

    await b.service.resumeAll();
    expect(b.service.runsHere('demo')).toBe(false); // the row has not expired yet
    await clock.advance(2_000);
    await b.service.resumeAll();
    const status = await b.service.status('demo');
    expect(status.state).toBe('running');
    const takeover = (await db.events.since(eventsBefore, { limit: 100 })).filter((e) => e.type === 'engine.state').map((e) => e.payload['action']);
    expect(takeover).toEqual(['owner_lost', 'start', 'started']);
  });
});
