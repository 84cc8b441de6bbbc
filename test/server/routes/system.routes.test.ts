import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_MIGRATION } from '../../../src/store/migrations/index.js';
import { paperBybit } from '../../support/connection-inputs.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

let t: TempSystem;
beforeAll(async () => {
  t = await startTempSystem();
  await t.system.app.inject({ method: 'POST', url: '/api/settings/connections', payload: paperBybit() });
});
afterAll(async () => t.close());

describe('system endpoints', () => {
  it('GET /api/system/status reports process, storage, connections and cluster', async () => {
    const res = await t.system.app.inject({ method: 'GET', url: '/api/system/status' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      pid: process.pid,
      storage: { backend: 'sqlite', migration: LATEST_MIGRATION },
      connections: { total: 1, byStatus: { untested: 1 } },
      engines: { total: 0 },
      rateLimitPauses: [],
    });
    expect((body.memory as { rssBytes: number }).rssBytes).toBeGreaterThan(0);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('GET /api/system/verify-startup re-runs the startup checks', async () => {
    const res = await t.system.app.inject({ method: 'GET', url: '/api/system/verify-startup' });
    const body = res.json() as { outcome: string; steps: { name: string; outcome: string }[] };
    expect(body.outcome).toBe('ok');
    expect(body.steps.map((s) => s.name)).toEqual(['config', 'data-dir', 'key-material', 'storage', 'integrity', 'migrations', 'redis']);
    expect(body.steps.find((s) => s.name === 'redis')?.outcome).toBe('skipped');
    expect(body.steps.find((s) => s.name === 'integrity')).toMatchObject({ outcome: 'ok', message: expect.stringMatching(/^quick_check: ok/) as unknown });
  });

  it('GET /api/system/verify-apis lists every route and proves mutating ones reject an empty request', async () => {
    const before = await t.system.app.inject({ method: 'GET', url: '/api/settings/connections' });
    const res = await t.system.app.inject({ method: 'GET', url: '/api/system/verify-apis' });
    const body = res.json() as { outcome: string; routes: { method: string; url: string; outcome: string; status: number | null; hasSchema: boolean }[] };
    expect(body.outcome).toBe('ok');
    const find = (method: string, url: string) => body.routes.find((r) => r.method === method && r.url === url);
    expect(find('POST', '/api/settings/connections')).toMatchObject({ outcome: 'ok', status: 400, hasSchema: true });
    expect(find('PATCH', '/api/settings/connections/:id')).toMatchObject({ outcome: 'ok', status: 400 });
    expect(find('DELETE', '/api/settings/connections/:id')).toMatchObject({ outcome: 'ok', status: 400 });
    expect(find('GET', '/api/system/status')).toMatchObject({ outcome: 'ok', status: 200 });
    expect(find('GET', '/api/system/verify-apis')).toMatchObject({ outcome: 'skipped' });
    // probing changed nothing
    const after = await t.system.app.inject({ method: 'GET', url: '/api/settings/connections' });
    expect(after.body).toBe(before.body);
  });

  it('serves /healthz, /readyz and Prometheus metrics', async () => {
    expect((await t.system.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.system.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const metrics = await t.system.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('cts_http_requests_total{method="GET",route="/api/settings/connections",status="200"}');
    expect(metrics.body).toContain('cts_process_resident_memory_bytes');
  });
});

describe('POST /api/system/integration-test', () => {
  it('runs every step for real in a sandbox and leaves no trace in the user data', async () => {
    const before = {
      connections: (await t.system.app.inject({ method: 'GET', url: '/api/settings/connections' })).body,
      meta: JSON.stringify(await t.system.store.db.selectFrom('cts_meta').selectAll().orderBy('key').execute()),
      engines: (await t.system.app.inject({ method: 'GET', url: '/api/trade-engine/status-all' })).body,
    };
    const res = await t.system.app.inject({ method: 'POST', url: '/api/system/integration-test' });
    expect(res.statusCode).toBe(200);
    const report = res.json() as { outcome: string; steps: { name: string; outcome: string; durationMs: number; message: string }[] };
    expect(report.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['storage write/read/rollback', 'ok'],
      ['secret encrypt/decrypt', 'ok'],
      ['exchange adapter through ccxt to the simulator', 'ok'],
      ['connection test', 'ok'],
      ['engine start → order → fill → stop on replay', 'ok'],
      ['cleanup', 'ok'],
    ]);
    expect(report.outcome).toBe('ok');
    expect(report.steps.find((s) => s.name.startsWith('engine'))?.message).toMatch(/fill/);
    expect((await t.system.app.inject({ method: 'GET', url: '/api/settings/connections' })).body).toBe(before.connections);
    expect(JSON.stringify(await t.system.store.db.selectFrom('cts_meta').selectAll().orderBy('key').execute())).toBe(before.meta);
    expect((await t.system.app.inject({ method: 'GET', url: '/api/trade-engine/status-all' })).body).toBe(before.engines);
  }, 60_000);
});
