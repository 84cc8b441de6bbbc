import { afterAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server-process.js';
import { api, leaseOf, openSse, until, useCluster, type SseEvent } from './cluster-support.js';

/**
 * Three real CTS processes on this machine's Postgres and Redis form one installation. Engines are
 * started through one process; the owner is killed with SIGKILL; another process must take each engine
 * over within lease TTL + scan interval (the new lease's time), and run it after reconciliation, with every
 * order the simulator received stored exactly once and none sent twice, and an SSE client on a
 * surviving process must see the events wherever the engines run.
 */

const LEASE_TTL_MS = 10_000;
const SCAN_MS = 2_000;
// What a loaded machine adds to a scan (its queries, and a scan busy starting another engine): the
// bound is on the takeover itself (the new lease), never on how fast ccxt and the warm-up run.
const SCAN_SLACK_MS = 4_000;
// The start after the takeover (loadMarkets, reconciliation, warm-up): waited for, not timed.
const START_WAIT_MS = 45_000;
const ENGINE = { strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1s' };

const cluster = useCluster({ start: 'first-migrates', startTimeoutMs: 60_000, leaseTtlMs: LEASE_TTL_MS, scanMs: SCAN_MS, dataDirPrefix: 'cts-scale-' });
const sse: { close(): void }[] = [];

afterAll(() => {
  for (const s of sse) s.close();
});

async function storedOrders(base: string, id: string): Promise<{ clientOrderId: string; status: string }[]> {
  const res = await api(base, `/api/trade-engine/orders/${id}?limit=1000`);
  expect(res.status).toBe(200);
  return res.body.items as { clientOrderId: string; status: string }[];
}

describe('three CTS processes on one Postgres and Redis', () => {
  it('runs each engine in exactly one process, takes over after kill -9 without duplicated or lost orders, and fans events out', async () => {
    const [p0, p1] = cluster.processes as [ServerProcess, ServerProcess, ServerProcess];
    const members = await api(p1.url, '/api/system/status');
    expect((members.body.cluster as { members: { pid: number }[] }).members.map((m) => m.pid).sort()).toEqual(cluster.processes.map((p) => p.child.pid).sort());

    const ids = [await cluster.createConnection(p0.url, 'Binance scale A'), await cluster.createConnection(p0.url, 'Binance scale B')];
    for (const id of ids) {
      const started = await api(p0.url, '/api/trade-engine/start', { body: { connectionId: id, engineId: id, ...ENGINE } });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.body.state).toBe('running');
    }
    // Exactly one owner: another process refuses, naming it.
    const again = await api(p1.url, '/api/trade-engine/start', { body: { connectionId: ids[0], engineId: ids[0], ...ENGINE } });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(`pid ${String(p0.child.pid)}`);
    const owner = cluster.byPid((await leaseOf(cluster.schema, ids[0] as string))?.pid ?? null);
    expect(owner).toBe(p0);

    // An SSE client on another process sees the owner's events live.
    const watcher = cluster.processes.find((p) => p !== owner) as ServerProcess;
    const stream = openSse(`${watcher.url}/api/trade-engine/events?since=0`);
    sse.push(stream);
    await stream.ready;
    // Waited for, not timed: on a loaded machine three processes' 1 s polls and the random walk's
    // crossovers can take a minute to give each engine two orders (40 s was once not enough in CI).
    await until('orders on both engines before the kill', async () => (await Promise.all(ids.map((id) => storedOrders(p1.url, id)))).every((o) => o.length >= 2), 90_000);
    await until('the watcher to receive order events from the owner', async () => stream.events.some((e) => e.type === 'order.created'), 5_000);

    const killedAt = Date.now();
    const deadPid = owner?.child.pid ?? null;
    await owner?.stop('SIGKILL');
    for (const id of ids) {
      await until(
        `engine ${id} to run on a surviving process`,
        async () => {
          const lease = await leaseOf(cluster.schema, id);
          if (!lease || lease.pid === deadPid || lease.pid === null || lease.expiresAt < Date.now()) return undefined;
          const status = await api(watcher.url, `/api/trade-engine/status/${id}`);
          return status.body.state === 'running' && Date.parse(String(status.body.startedAt)) > killedAt ? true : undefined;
        },
        LEASE_TTL_MS + SCAN_MS + START_WAIT_MS,
      );
      // The dead owner's lease ran out at most a TTL after the kill; a survivor's next scan took it.
      const takenAfterMs = ((await leaseOf(cluster.schema, id))?.acquiredAt ?? Number.POSITIVE_INFINITY) - killedAt;
      expect(takenAfterMs).toBeLessThan(LEASE_TTL_MS + SCAN_MS + SCAN_SLACK_MS);
    }

    // It trades on: more orders after the takeover, placed by the new owner.
    const before = new Map(await Promise.all(ids.map(async (id) => [id, (await storedOrders(watcher.url, id)).length] as const)));
    await until('new orders after the takeover', async () => (await Promise.all(ids.map(async (id) => (await storedOrders(watcher.url, id)).length > (before.get(id) ?? 0)))).some(Boolean), 30_000);

    // The watcher's stream saw the takeover (state events published by another surviving process),
    // in sequence order, each event once.
    await until('the takeover events on the watcher stream', async () => stream.events.some((e) => e.type === 'engine.state' && e.data.payload?.['action'] === 'owner_lost'), 5_000);
    const seqs = stream.events.filter((e: SseEvent) => e.id !== undefined).map((e) => e.id as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    // Stop through whichever process owns each engine now.
    for (const id of ids) {
      const lease = await leaseOf(cluster.schema, id);
      const current = cluster.byPid(lease?.pid ?? null) as ServerProcess;
      const stopped = await api(current.url, '/api/trade-engine/stop', { body: { engineId: id } });
      expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    }

    // No order sent twice, none sent that is not stored, none stored as placed that was never sent.
    const creates = cluster.sim.control.requests({ exchange: 'binance' }).filter((r) => r.method === 'POST' && r.path === '/api/v3/order');
    const sent = creates.map((r) => r.params['newClientOrderId']).filter((v): v is string => typeof v === 'string');
    const stored = (await Promise.all(ids.map((id) => storedOrders(watcher.url, id)))).flat();
    const storedIds = new Map(stored.map((o) => [o.clientOrderId, o.status]));
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent).size).toBe(sent.length);
    for (const id of sent) expect(storedIds.has(id), `sent ${id} but not stored`).toBe(true);
    for (const o of stored) {
      // `rejected` covers a create stored but never sent (killed in between): looked up, not found, not placed.
      if (o.status !== 'rejected') expect(sent, `stored ${o.clientOrderId} (${o.status}) but never sent`).toContain(o.clientOrderId);
    }
  }, 300_000);
});
