import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECIMAL_PATTERN } from '../../../src/domain/money.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

/**
 * Bad input to the trade-engine routes: every one a 400 (404/409 where the input is well-formed but
 * names nothing or the state forbids it), in the problem shape, never a 500, and never a started engine.
 */
const BASE = '/api/trade-engine';
type Json = Record<string, unknown>;
let t: TempSystem;
let replayId: string;

beforeAll(async () => {
  t = await startTempSystem();
  const res = await t.system.app.inject({ method: 'POST', url: '/api/settings/connections', payload: { name: 'bad input replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' } });
  replayId = (res.json() as { id: string }).id;
});
afterAll(async () => t.close());

const validStart = (): Json => ({ connectionId: replayId, strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', risk: { maxOpenOrders: 4 } });
const start = async (body: Json) => {
  const res = await t.system.app.inject({ method: 'POST', url: `${BASE}/start`, payload: body });
  return { status: res.statusCode, json: res.json() as Json, type: String(res.headers['content-type']) };
};
const errorPaths = (json: Json) => ((json.errors ?? []) as { path: string }[]).map((e) => e.path);

const NOT_DECIMALS = ['abc', '', ' 1', '1 ', '1e3', 'NaN', 'Infinity', '-Infinity', '0x10', '1.', '.5', '--1', '1,5', '١٢'];

describe('decimal fields take plain decimal strings only (400, never a DecimalError 500)', () => {
  it.each(NOT_DECIMALS)('params.sizeQuote %j', async (value) => {
    const res = await start({ ...validStart(), params: { fast: 3, slow: 8, sizeQuote: value } });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(errorPaths(res.json)).toEqual(['params.sizeQuote']);
  });

  it.each([
    ['risk.maxPositionBase', { risk: { maxPositionBase: 'abc' } }],
    ['risk.dailyLossLimit', { risk: { dailyLossLimit: 'abc' } }],
    ['risk.dailyLossLimit', { risk: { dailyLossLimit: '1e2' } }],
    ['params.lower', { strategy: 'grid', params: { lower: 'abc', upper: '2' } }],
    ['params.upper', { strategy: 'grid', params: { lower: '1', upper: 'NaN' } }],
    ['params.sizePerLevel', { strategy: 'grid', params: { sizePerLevel: 'ten' } }],
    ['params.amountQuote', { strategy: 'dca', params: { amountQuote: 'Infinity' } }],
  ])('%s', async (path, change) => {
    const res = await start({ ...validStart(), ...change });
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    expect(errorPaths(res.json)).toContain(path);
  });

  it('a grid with both bounds bad reports both fields (the lower<upper rule does not throw on them)', async () => {
    const res = await start({ ...validStart(), strategy: 'grid', params: { lower: 'x', upper: 'y' } });
    expect(res.status).toBe(400);
    expect(errorPaths(res.json)).toEqual(['params.lower', 'params.upper']);
  });
});

describe('unknown strategy parameters are refused, not dropped', () => {
  it.each([
    ['sma-crossover', { fsat: 3 }],
    ['rsi-mean-reversion', { periode: 14 }],
    ['grid', { level: 5 }],
    ['dca', { interval: 24 }],
  ])('%s with %j', async (strategy, params) => {
    const res = await start({ ...validStart(), strategy, params });
    expect(res.status).toBe(400);
    expect(errorPaths(res.json)).toEqual(['params']);
    expect(JSON.stringify(res.json.errors)).toContain(Object.keys(params)[0]);
  });
});

// ---- property: random malformed bodies ------------------------------------------------------------------

const notDecimal = fc.oneof(
  fc.string().filter((s) => !DECIMAL_PATTERN.test(s)),
  fc.constantFrom(...NOT_DECIMALS),
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);
const notInt = fc.oneof(fc.string(), fc.double().filter((n) => !Number.isInteger(n)), fc.constant(null), fc.integer({ min: 100_000_000 }));

/** One certainly-bad change to an otherwise valid start body. */
const badStartBody: fc.Arbitrary<unknown> = fc.oneof(
  notDecimal.map((v) => ({ ...validStart(), params: { fast: 3, slow: 8, sizeQuote: v } })),
  notDecimal.map((v) => ({ ...validStart(), risk: { maxPositionBase: v } })),
  notDecimal.map((v) => ({ ...validStart(), risk: { dailyLossLimit: v } })),
  notDecimal.map((v) => ({ ...validStart(), strategy: 'grid', params: { lower: v, upper: '2' } })),
  notInt.map((v) => ({ ...validStart(), params: { fast: v, slow: 8 } })),
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['fast', 'slow', 'sizeQuote', '__proto__'].includes(k)).map((k) => ({ ...validStart(), params: { fast: 3, slow: 8, [k]: 1 } })),
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['maxPositionBase', 'maxOpenOrders', 'stopLossPct', 'takeProfitPct', 'dailyLossLimit', 'allowShort', '__proto__'].includes(k)).map((k) => ({ ...validStart(), risk: { [k]: 1 } })),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null)).map((v) => ({ ...validStart(), connectionId: v })),
  fc.oneof(fc.integer(), fc.constant(''), fc.string({ minLength: 61, maxLength: 70 })).map((v) => ({ ...validStart(), strategy: v })),
  fc.oneof(fc.constant('7m'), fc.constant(''), fc.integer()).map((v) => ({ ...validStart(), timeframe: v })),
  fc.record({ options: fc.record({ replaySpeed: fc.oneof(fc.string(), fc.constant(0), fc.constant(-1)) }) }).map((o) => ({ ...validStart(), ...o })),
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || !('connectionId' in v)),
);

function badRequest(): fc.Arbitrary<InjectOptions> {
  const json = { 'content-type': 'application/json' };
  const bodyRoutes = ['start', 'stop', 'pause', 'resume', 'emergency-stop'] as const;
  return fc.oneof(
    badStartBody.map((b) => ({ method: 'POST' as const, url: `${BASE}/start`, headers: json, payload: JSON.stringify(b) })),
    fc.tuple(fc.constantFrom(...bodyRoutes), fc.jsonValue()).map(([r, v]) => ({ method: 'POST' as const, url: `${BASE}/${r}`, headers: json, payload: JSON.stringify(v) })),
    fc.tuple(fc.constantFrom(...bodyRoutes), fc.string()).map(([r, s]) => ({ method: 'POST' as const, url: `${BASE}/${r}`, headers: json, payload: `{${s}` })),
    fc.tuple(fc.constantFrom('status', 'positions', 'orders', 'trades'), fc.string({ minLength: 1, maxLength: 30 })).map(([r, id]) => ({ method: 'GET' as const, url: `${BASE}/${r}/${encodeURIComponent(id)}` })),
    fc.dictionary(fc.constantFrom('since', 'connectionId', 'follow', 'x'), fc.string(), { minKeys: 1 }).map((q) => ({ method: 'GET' as const, url: `${BASE}/events?${new URLSearchParams({ ...q, follow: q.follow === 'false' ? 'maybe' : (q.follow ?? 'no') }).toString()}` })),
  );
}

describe('malformed requests to the trade-engine routes', () => {
  it('never produce a 5xx, always answer a JSON problem, and never start an engine', async () => {
    await fc.assert(
      fc.asyncProperty(badRequest(), async (options) => {
        const res = await t.system.app.inject(options);
        const what = `${options.method} ${options.url} ${String(options.payload)} → ${res.statusCode} ${res.body}`;
        expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, what).toBeLessThan(500);
        expect(res.headers['content-type'], what).toContain('application/problem+json');
      }),
      { numRuns: 300, seed: 20261201 },
    );
    const engines = (await t.system.app.inject({ method: 'GET', url: `${BASE}/status-all` })).json() as { items: { state: string }[] };
    expect(engines.items.filter((e) => e.state !== 'stopped')).toEqual([]);
  });
});
