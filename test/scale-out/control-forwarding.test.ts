import { describe, expect, it } from 'vitest';
import type { ServerProcess } from '../support/server-process.js';
import { api, leaseOf, until, useCluster } from './cluster-support.js';

/**
 * Three real CTS processes: stop, pause, resume and emergency stop sent to a process that does not own
 * the engine are carried out by the owner (Postgres LISTEN/NOTIFY) and its answer comes back; with the
 * owner killed -9 a request gets the clear "did not answer; its lease expires at …" 503 at once, and
 * once another process took the engine over, requests sent anywhere reach the new owner.
 */

const LEASE_TTL_MS = 8_000;
const ACK_TIMEOUT_MS = 2_000;
const ENGINE = { strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1s' };

const cluster = useCluster({
  start: 'together',
  startTimeoutMs: 90_000,
  leaseTtlMs: LEASE_TTL_MS,
  scanMs: 1_000,
  dataDirPrefix: 'cts-forward-',
  env: { CTS_CONTROL_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS) },
});

async function ownerPid(id: string): Promise<number | null> {
  const lease = await leaseOf(cluster.schema, id);
  return lease && lease.expiresAt > Date.now() ? lease.pid : null;
}

function control(p: ServerProcess, action: string, body: Record<string, unknown>) {
  return api(p.url, `/api/trade-engine/${action}`, { body });
}

describe('control requests across three CTS processes', () => {
  it('are executed by the owner wherever they arrive; a killed owner gets a clear answer; the new owner answers after takeover', async () => {
    const [p0, p1, p2] = cluster.processes as [ServerProcess, ServerProcess, ServerProcess];
    const id = await cluster.createConnection(p1.url, 'Binance forwarding');
    const started = await control(p0, 'start', { connectionId: id, engineId: id, ...ENGINE });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(await ownerPid(id)).toBe(p0.child.pid);

    // Status anywhere names the owner.
    const listed = await api(p2.url, '/api/trade-engine/status-all');
    const item = (listed.body.items as { connectionId: string; owner: { pid: number; url: string; self: boolean } | null }[]).find((i) => i.connectionId === id);
    expect(item?.owner).toMatchObject({ pid: p0.child.pid, url: p0.url, self: false });

    // Pause on p1, resume on p2, stop on p1: each answered with the owner's status.
    const paused = await control(p1, 'pause', { engineId: id });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', owner: { pid: p0.child.pid } });
    const resumed = await control(p2, 'resume', { engineId: id });
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    expect(resumed.body.state).toBe('running');
    // The owner's own refusal comes back as it is.
    const again = await control(p2, 'resume', { engineId: id });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, title: 'Conflict' });
    const stopped = await control(p1, 'stop', { engineId: id });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    // The owner gives the lease up as the engine exits (in the background of the answer).
    await until('the lease to be released after the stop', async () => (await ownerPid(id)) === null, 10_000);
    expect((await api(p0.url, `/api/trade-engine/status/${id}`)).body.state).toBe('stopped');

    // Run it again on p0, then kill p0.
    expect((await control(p0, 'start', { connectionId: id, engineId: id, ...ENGINE })).status).toBe(200);
    expect(await ownerPid(id)).toBe(p0.child.pid);
    const killedAt = Date.now();
    await p0.stop('SIGKILL');
    const gone = await control(p1, 'emergency-stop', { engineId: id });
    if (gone.status !== 503) {
      // Only possible if the lease ran out before the request (a machine stalled for a whole TTL).
      expect(Date.now() - killedAt, JSON.stringify(gone.body)).toBeGreaterThan(LEASE_TTL_MS * 0.8);
    } else {
      expect(gone.body).toMatchObject({ status: 503, type: 'https://cts.local/problems/engine-owner-unreachable' });
      expect(String(gone.body.detail)).toContain('The emergency stop is NOT confirmed');
      expect(String(gone.body.detail)).toMatch(/did not answer within 2\.0 s(; it may be gone\. Its lease expires at|, and its lease expired at)/);
    }

    // Takeover by p1 or p2 (lease TTL + scan + the start), then every control reaches the new owner.
    const newPid = await until(
      'the engine to run on a surviving process',
      async () => {
        const pid = await ownerPid(id);
        if (pid === null || pid === p0.child.pid) return undefined;
        return (await api(p1.url, `/api/trade-engine/status/${id}`)).body.state === 'running' ? pid : undefined;
      },
      60_000,
    );
    const owner = cluster.byPid(newPid) as ServerProcess;
    const other = owner === p1 ? p2 : p1;
    const pausedAfter = await control(other, 'pause', { engineId: id });
    expect(pausedAfter.status, JSON.stringify(pausedAfter.body)).toBe(200);
    expect(pausedAfter.body).toMatchObject({ state: 'paused', owner: { pid: newPid, self: false } });
    expect((await control(other, 'resume', { engineId: id })).body.state).toBe('running');
    const emergency = await control(other, 'emergency-stop', { engineId: id });
    expect(emergency.status, JSON.stringify(emergency.body)).toBe(200);
    expect(emergency.body.state).toBe('stopped');
    await until('the lease to be released after the emergency stop', async () => (await ownerPid(id)) === null, 10_000);
    expect((await api(owner.url, `/api/trade-engine/status/${id}`)).body).toMatchObject({ state: 'stopped', resumeOnRestart: false });
  }, 150_000);
});
