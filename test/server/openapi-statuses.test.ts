import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempSystem, type TempSystem } from '../support/temp-system.js';

/**
 * The OpenAPI document states every status the routes really answer. Every route in the document is
 * exercised with valid input and with the usual kinds of bad input; each status seen must be listed
 * in that route's `responses`, and every route must have been answered with a success at least once.
 */
type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, unknown>;
}
let t: TempSystem;
let doc: { paths: Record<string, Record<string, Operation>> };
const seen = new Map<string, Set<number>>();
const UNKNOWN_ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

beforeAll(async () => {
  t = await startTempSystem({ CTS_BODY_LIMIT_BYTES: '4096' });
  doc = (await t.system.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as typeof doc;
});
afterAll(async () => t.close());

/** Sends the request and files its status under the route's document key ("POST /api/x/{id}"). */
async function hit(key: string, options: Omit<InjectOptions, 'method'>): Promise<{ status: number; json: Json }> {
  const method = key.split(' ')[0] as InjectOptions['method'];
  const res = await t.system.app.inject({ ...options, method } as InjectOptions);
  let statuses = seen.get(key);
  if (!statuses) seen.set(key, (statuses = new Set()));
  statuses.add(res.statusCode);
  return { status: res.statusCode, json: res.body && res.headers['content-type']?.toString().includes('json') ? (res.json() as Json) : {} };
}
const withId = (key: string, values: Record<string, string>) => key.split(' ')[1]!.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'x');

const C = '/api/settings/connections';
const E = '/api/trade-engine';
const B = '/api/backtests';

describe('OpenAPI responses match what the routes answer', () => {
  it('every status a route answers is in its OpenAPI entry', { timeout: 120_000 }, async () => {
    // Fixtures: connections, an engine that runs (for 409s), a batch job, a backtest.
    const created = await hit(`POST ${C}`, { url: C, payload: { name: 'oa replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' } });
    const id = String(created.json.id);
    const spare = String((await hit(`POST ${C}`, { url: C, payload: { name: 'oa spare', exchange: 'bybit', marketTypes: ['spot'], mode: 'paper' } })).json.id);
    await hit(`POST ${C}`, { url: C, payload: { name: 'OA REPLAY', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' } }); // 409
    await hit(`POST ${C}`, { url: C, payload: { name: 'kr', exchange: 'kraken', marketTypes: ['spot'], mode: 'testnet' } }); // 400
    const start = { connectionId: id, strategy: 'sma-crossover', params: { fast: 3, slow: 8 }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } };
    const first = await hit(`POST ${E}/start`, { url: `${E}/start`, payload: start });
    expect(first.status).toBe(200);
    const engineId = String(first.json.id);
    await hit(`POST ${E}/start`, { url: `${E}/start`, payload: { ...start, engineId } }); // 409 running
    await hit(`POST ${E}/start`, { url: `${E}/start`, payload: { ...start, connectionId: UNKNOWN_ULID } }); // 404
    await hit(`POST ${E}/start`, { url: `${E}/start`, payload: { ...start, connectionId: spare, params: { sizeQuote: 'abc' } } }); // 400
    await hit(`POST ${E}/resume`, { url: `${E}/resume`, payload: { engineId } }); // 409
    await hit(`POST ${E}/pause`, { url: `${E}/pause`, payload: { engineId } }); // 200
    await hit(`POST ${E}/resume`, { url: `${E}/resume`, payload: { engineId } }); // 200
    await hit(`PATCH ${C}/{id}`, { url: `${C}/${id}`, payload: { mode: 'paper' } }); // 409 under the engine
    await hit(`DELETE ${C}/{id}`, { url: `${C}/${id}` }); // 409 under the engine
    await hit(`PATCH ${C}/{id}`, { url: `${C}/${id}`, payload: { name: 'oa replay renamed' } }); // 200
    for (const r of ['status', 'positions', 'orders', 'trades']) {
      await hit(`GET ${E}/${r}/{id}`, { url: `${E}/${r}/${engineId}` });
      await hit(`GET ${E}/${r}/{id}`, { url: `${E}/${r}/${UNKNOWN_ULID}` }); // 404
    }
    await hit(`GET ${E}/orders/{id}`, { url: `${E}/orders/${engineId}?status=nonsense` });
    await hit(`GET ${E}/events`, { url: `${E}/events?engineId=${engineId}&follow=false` });
    await hit(`GET ${E}/events`, { url: `${E}/events?since=-1` });
    await hit(`POST ${E}/emergency-stop`, { url: `${E}/emergency-stop`, payload: { engineId } }); // 200
    await hit(`POST ${E}/emergency-stop`, { url: `${E}/emergency-stop`, payload: { engineId } }); // 409 stopped
    await hit(`POST ${E}/stop`, { url: `${E}/stop`, payload: { engineId } }); // 409 stopped
    expect((await hit(`POST ${E}/start`, { url: `${E}/start`, payload: { ...start, engineId } })).status).toBe(200);
    await hit(`POST ${E}/stop`, { url: `${E}/stop`, payload: { engineId, cancelOpenOrders: true } }); // 200
    await hit(`POST ${E}/pause`, { url: `${E}/pause`, payload: { engineId: UNKNOWN_ULID } });
    await hit(`GET ${E}/status-all`, { url: `${E}/status-all` });
    await hit(`GET ${E}/status-all`, { url: `${E}/status-all?connectionId=${id}` });
    await hit(`GET ${E}/status-all`, { url: `${E}/status-all?connectionId=${UNKNOWN_ULID}` }); // 404
    await hit(`GET ${E}/status-all`, { url: `${E}/status-all?connectionId=nope` }); // 400
    await hit(`GET ${E}/strategies`, { url: `${E}/strategies` });
    await hit(`GET ${E}/risk-params`, { url: `${E}/risk-params` });

    await hit(`GET ${C}/{id}`, { url: `${C}/${id}` });
    await hit(`GET ${C}`, { url: `${C}?limit=5` });
    await hit(`GET ${C}`, { url: `${C}?limit=0` });
    await hit(`GET ${C}/health`, { url: `${C}/health` });
    await hit(`POST ${C}/{id}/test`, { url: `${C}/${id}/test` });
    const batch = await hit(`POST ${C}/batch-test`, { url: `${C}/batch-test`, payload: { ids: [id] } });
    await hit(`POST ${C}/batch-test`, { url: `${C}/batch-test`, payload: { ids: [UNKNOWN_ULID] } });
    const jobId = String(batch.json.jobId);
    await hit(`GET ${C}/batch-test/{jobId}`, { url: `${C}/batch-test/${jobId}` });
    await hit(`DELETE ${C}/batch-test/{jobId}`, { url: `${C}/batch-test/${jobId}` });

    const backtest = { strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, data: { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' } };
    const run = await hit(`POST ${B}`, { url: B, payload: backtest });
    await hit(`POST ${B}`, { url: B, payload: { ...backtest, data: { source: 'exchange', connectionId: UNKNOWN_ULID }, symbol: 'BTC/USDT', timeframe: '1h' } });
    await hit(`POST ${B}`, { url: B, payload: { ...backtest, feeRate: 'abc' } });
    await hit(`POST ${B}/sweeps`, { url: `${B}/sweeps`, payload: { ...backtest, grid: { fast: [3, 5] } } });
    await hit(`POST ${B}/sweeps`, { url: `${B}/sweeps`, payload: { ...backtest, grid: {} } });
    await hit(`GET ${B}`, { url: `${B}?limit=2` });
    await hit(`GET ${B}`, { url: `${B}?offset=-1` });
    await hit(`GET ${B}/catalog`, { url: `${B}/catalog` });
    await hit(`GET ${B}/{id}`, { url: `${B}/${String(run.json.id)}` });

    await hit('GET /api/strategies', { url: '/api/strategies' });
    await hit('POST /api/strategies/reload', { url: '/api/strategies/reload', payload: {} });

    await hit('GET /api/system/status', { url: '/api/system/status' });
    await hit('GET /api/system/verify-startup', { url: '/api/system/verify-startup' });
    await hit('GET /api/system/verify-apis', { url: '/api/system/verify-apis' });
    await hit('POST /api/system/integration-test', { url: '/api/system/integration-test' });

    // The generic bad inputs, on every route of the document.
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (path.includes('{')) {
          await hit(key, { url: withId(key, { id: 'not-an-id', jobId: 'not-an-id' }), payload: {} });
          await hit(key, { url: withId(key, { id: UNKNOWN_ULID, jobId: UNKNOWN_ULID }), ...(key.startsWith('PATCH') ? { payload: { name: 'zz' } } : {}) });
        }
        if (key === 'POST /api/system/integration-test') continue; // valid without a body; run once above
        const url = withId(key, { id, jobId });
        if (['POST', 'PATCH', 'DELETE'].includes(method.toUpperCase())) {
          await hit(key, { url, headers: { 'content-type': 'application/json' }, payload: '{"broken' });
          await hit(key, { url, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
          await hit(key, { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ filler: 'x'.repeat(5000) }) });
        }
      }
    }

    await hit(`DELETE ${C}/{id}`, { url: `${C}/${spare}` }); // 204

    const undocumented: string[] = [];
    const neverSucceeded: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        const statuses = seen.get(key) ?? new Set<number>();
        const declared = new Set(Object.keys(op.responses).map(Number));
        for (const status of statuses) if (!declared.has(status)) undocumented.push(`${key} answered ${status}; documented: ${[...declared].join(', ')}`);
        if (![...statuses].some((s) => s >= 200 && s < 300)) neverSucceeded.push(key);
      }
    }
    expect(undocumented).toEqual([]);
    expect(neverSucceeded).toEqual([]);
    // Every request above went to a documented route.
    expect([...seen.keys()].filter((k) => doc.paths[k.split(' ')[1]!]?.[k.split(' ')[0]!.toLowerCase()] === undefined)).toEqual([]);
    // The documented success statuses are the ones the routes answer.
    expect(Object.keys(doc.paths[`${C}/{id}`]!.delete!.responses)).toContain('204');
    expect(Object.keys(doc.paths[`${C}/batch-test`]!.post!.responses)).toContain('202');
    expect(Object.keys(doc.paths[`${C}/batch-test`]!.post!.responses)).not.toContain('200');
    expect(Object.keys(doc.paths[`${C}/{id}`]!.delete!.responses)).not.toContain('200');
  });
});
