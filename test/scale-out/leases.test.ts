import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseManager } from '../../src/cluster/lease-manager.js';
import { ManualClock } from '../../src/domain/clock.js';
import { LeaseLostError } from '../../src/engine/ownership.js';
import { SqlLeaseStore, SqlMemberStore } from '../../src/store/cluster.repository.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-system.js';

const backends: { name: string; open(): Promise<{ store: Store; drop(): Promise<void> }> }[] = [
  { name: 'SQLite', open: async () => ({ store: await openStore({ dataDir: makeTempDir() }), drop: async () => undefined }) },
  {
    name: 'Postgres',
    open: async () => {
      const schema = await createTestSchema();
      return { store: await openStore({ dataDir: makeTempDir(), databaseUrl: POSTGRES_URL, pgSchema: schema.schema }), drop: schema.drop };
    },
  },
];

for (const backend of backends) {
  describe(`engine leases on ${backend.name}`, () => {
    let opened: { store: Store; drop(): Promise<void> };
    let leases: SqlLeaseStore;

    beforeAll(async () => {
      opened = await backend.open();
      leases = new SqlLeaseStore(opened.store.db);
    });
    afterAll(async () => {
      await opened.store.close();
      await opened.drop();
    });

    it('acquires only when free, expired or already ours; every acquire gets a new fencing token', async () => {
      expect(await leases.acquire({ engineId: 'c1', ownerId: 'a', now: 1_000, expiresAt: 11_000 })).toBe(1);
      expect(await leases.acquire({ engineId: 'c1', ownerId: 'b', now: 5_000, expiresAt: 15_000 })).toBeUndefined();
      expect(await leases.acquire({ engineId: 'c1', ownerId: 'a', now: 5_000, expiresAt: 15_000 })).toBe(2);
      expect(await leases.acquire({ engineId: 'c1', ownerId: 'b', now: 15_000, expiresAt: 25_000 })).toBe(3); // expired
      expect(await leases.find('c1')).toEqual({ engineId: 'c1', ownerId: 'b', token: 3, expiresAt: 25_000 });
    });

    it('renews and releases only with the current owner and token', async () => {
      expect(await leases.renew({ engineId: 'c1', ownerId: 'a', token: 2, expiresAt: 99_000 })).toBe(false);
      expect(await leases.renew({ engineId: 'c1', ownerId: 'b', token: 3, expiresAt: 30_000 })).toBe(true);
      await leases.release({ engineId: 'c1', ownerId: 'a', token: 2 }); // stale: no effect
      expect((await leases.find('c1'))?.expiresAt).toBe(30_000);
      await leases.release({ engineId: 'c1', ownerId: 'b', token: 3 });
      expect(await leases.acquire({ engineId: 'c1', ownerId: 'a', now: 16_000, expiresAt: 26_000 })).toBe(4);
    });

    it('lets exactly one of many concurrent acquirers win', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => leases.acquire({ engineId: 'race', ownerId: `p${i}`, now: 1_000, expiresAt: 11_000 })));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('keeps membership rows and lists those seen recently', async () => {
      const members = new SqlMemberStore(opened.store.db);
      await members.heartbeat({ id: 'm1', pid: 1, host: 'h', url: 'http://127.0.0.1:1', startedAt: '2026-01-01T00:00:00.000Z', lastSeenMs: 1_000 });
      await members.heartbeat({ id: 'm2', pid: 2, host: 'h', url: null, startedAt: '2026-01-01T00:00:01.000Z', lastSeenMs: 5_000 });
      expect((await members.seenSince(2_000)).map((m) => m.id)).toEqual(['m2']);
      await members.remove('m2');
      await members.prune(2_000);
      expect(await members.seenSince(0)).toEqual([]);
    });
  });
}

describe('LeaseManager', () => {
  let opened: { store: Store; drop(): Promise<void> };
  beforeAll(async () => {
    opened = await backends[0]!.open();
  });
  afterAll(async () => {
    await opened.store.close();
  });

  it('renews held leases; a lease that cannot be renewed is lost before another process may take it', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new SqlLeaseStore(opened.store.db);
    const a = new LeaseManager({ leases: store, instanceId: 'a', clock, ttlMs: 10_000 });
    const b = new LeaseManager({ leases: store, instanceId: 'b', clock, ttlMs: 10_000 });
    const got = await a.acquire('e1');
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    const lost: string[] = [];
    got.lease.onLost(() => lost.push('e1'));
    expect((await b.acquire('e1')).ok).toBe(false);
    expect((await b.ownerElsewhere('e1'))?.ownerId).toBe('a');

    await clock.advance(7_000);
    await a.renewAll(); // extends to now + ttl
    await clock.advance(7_000);
    expect(got.lease.isValid()).toBe(true);
    expect((await b.acquire('e1')).ok).toBe(false);

    // No renewal for 8 s (ttl - margin): this process must consider the lease gone while the row still stands.
    await clock.advance(1_000);
    expect(got.lease.isValid()).toBe(false);
    expect(() => got.lease.assertValid()).toThrow(LeaseLostError);
    expect(lost).toEqual(['e1']);
    expect((await b.acquire('e1')).ok).toBe(false); // the row has 2 s left: b waits them out
    await clock.advance(2_000);
    const taken = await b.acquire('e1');
    expect(taken.ok).toBe(true);
    await a.renewAll(); // a no longer holds it: nothing renewed, nothing resurrected
    expect((await a.ownerElsewhere('e1'))?.ownerId).toBe('b');
  });

  it('declares a lease lost when its renewal is refused (taken over meanwhile)', async () => {
    const clock = new ManualClock(5_000_000);
    const store = new SqlLeaseStore(opened.store.db);
    const a = new LeaseManager({ leases: store, instanceId: 'a', clock, ttlMs: 10_000 });
    const got = await a.acquire('e2');
    if (!got.ok) throw new Error('expected the lease');
    await store.acquire({ engineId: 'e2', ownerId: 'b', now: 9_000_000_000_000, expiresAt: 9_000_000_010_000 }); // forced takeover (far-future clock)
    await a.renewAll();
    expect(got.lease.isValid()).toBe(false);
  });
});
