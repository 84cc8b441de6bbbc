import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECIMAL_PATTERN } from '../../../src/domain/money.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

/** Bad input to the backtest routes: 400 with field errors in the problem shape, never a 500, never a run. */
const BASE = '/api/backtests';
type Json = Record<string, unknown>;
let t: TempSystem;

beforeAll(async () => {
  t = await startTempSystem();
});
afterAll(async () => t.close());

const DATA = { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' };
const validBacktest = (): Json => ({ strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, data: DATA });
const validSweep = (): Json => ({ ...validBacktest(), grid: { fast: [3, 5] } });
const post = async (url: string, body: Json) => {
  const res = await t.system.app.inject({ method: 'POST', url, payload: body });
  return { status: res.statusCode, json: res.json() as Json, type: String(res.headers['content-type']) };
};
const errorPaths = (json: Json) => ((json.errors ?? []) as { path: string }[]).map((e) => e.path);
const total = async () => ((await t.system.app.inject({ method: 'GET', url: BASE })).json() as { total: number }).total;

const FIELDS: [string, (v: unknown) => Json][] = [
  ['startingBalance', (v) => ({ startingBalance: v })],
  ['feeRate', (v) => ({ feeRate: v })],
  ['slippageBps', (v) => ({ slippageBps: v })],
  ['market.amountStep', (v) => ({ market: { amountStep: v } })],
  ['market.minCost', (v) => ({ market: { minCost: v } })],
  ['risk.maxPositionBase', (v) => ({ risk: { maxPositionBase: v } })],
  ['risk.dailyLossLimit', (v) => ({ risk: { dailyLossLimit: v } })],
];

describe.each([
  ['POST /api/backtests', BASE, validBacktest],
  ['POST /api/backtests/sweeps', `${BASE}/sweeps`, validSweep],
])('%s', (_name, url, valid) => {
  it.each(FIELDS)('%s: "abc" and other non-decimals are 400 on that field', async (path, change) => {
    for (const value of ['abc', '1e-3', 'NaN', '', ' 0.1']) {
      const res = await post(url, { ...valid(), ...change(value) });
      expect(res.status, `${path}=${JSON.stringify(value)} → ${JSON.stringify(res.json)}`).toBe(400);
      expect(res.type).toContain('application/problem+json');
      expect(errorPaths(res.json)).toContain(path);
    }
  });
});

describe('strategy parameters of a backtest', () => {
  it('a non-decimal or unknown parameter is 400 with a field error, not a run on defaults', async () => {
    const bad = await post(BASE, { ...validBacktest(), params: { fast: 5, slow: 20, sizeQuote: 'abc' } });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad.json)).toEqual(['params.sizeQuote']);
    const unknown = await post(BASE, { ...validBacktest(), params: { fsat: 5 } });
    expect(unknown.status).toBe(400);
    expect(errorPaths(unknown.json)).toEqual(['params']);
    expect(JSON.stringify(unknown.json.errors)).toContain('fsat');
  });
});

const notDecimal = fc.oneof(fc.string().filter((s) => !DECIMAL_PATTERN.test(s)), fc.double(), fc.constant(null), fc.constant({}));

function badRequest(): fc.Arbitrary<InjectOptions> {
  const json = { 'content-type': 'application/json' };
  const field = fc.tuple(fc.constantFrom(...FIELDS), notDecimal).map(([[, change], v]) => change(v));
  const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['fast', 'slow', 'sizeQuote', '__proto__'].includes(k)).map((k) => ({ params: { [k]: 1 } }));
  const badData = fc.oneof(fc.jsonValue(), fc.record({ source: fc.constant('bundled'), file: fc.string().filter((f) => !/^[A-Za-z0-9_.-]+\.csv$/.test(f)) }), fc.record({ source: fc.constant('csv'), csv: fc.constant('') })).map((data) => ({ data }));
  const body = fc.oneof(field, badData);
  return fc.oneof(
    // A sweep lists the combinations its strategy refuses instead of refusing the sweep (docs/backtesting.md),
    // so unknown parameters are a 400 for single runs only.
    unknownKey.map((change) => ({ method: 'POST' as const, url: BASE, headers: json, payload: JSON.stringify({ ...validBacktest(), ...change }) })),
    fc.tuple(fc.constantFrom(BASE, `${BASE}/sweeps`), body).map(([url, change]) => ({ method: 'POST' as const, url, headers: json, payload: JSON.stringify({ ...(url === BASE ? validBacktest() : validSweep()), ...change }) })),
    fc.tuple(fc.constantFrom(BASE, `${BASE}/sweeps`), fc.jsonValue()).map(([url, v]) => ({ method: 'POST' as const, url, headers: json, payload: JSON.stringify(v) })),
    fc.tuple(fc.constantFrom(BASE, `${BASE}/sweeps`), fc.string()).map(([url, s]) => ({ method: 'POST' as const, url, headers: json, payload: `[${s}` })),
    fc.record({ grid: fc.oneof(fc.constant({}), fc.jsonValue().filter((v) => typeof v !== 'object' || v === null)) }).map((g) => ({ method: 'POST' as const, url: `${BASE}/sweeps`, headers: json, payload: JSON.stringify({ ...validSweep(), ...g }) })),
    fc.dictionary(fc.constantFrom('limit', 'offset', 'x'), fc.string().filter((s) => !/^\d+$/.test(s)), { minKeys: 1 }).map((q) => ({ method: 'GET' as const, url: `${BASE}?${new URLSearchParams(q).toString()}` })),
  );
}

describe('malformed requests to the backtest routes', () => {
  it('never produce a 5xx, always answer a JSON problem, and never queue a run', async () => {
    const before = await total();
    await fc.assert(
      fc.asyncProperty(badRequest(), async (options) => {
        const res = await t.system.app.inject(options);
        const what = `${options.method} ${options.url} ${String(options.payload).slice(0, 300)} → ${res.statusCode} ${res.body}`;
        expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, what).toBeLessThan(500);
        expect(res.headers['content-type'], what).toContain('application/problem+json');
      }),
      { numRuns: 300, seed: 20261201 },
    );
    expect(await total()).toBe(before);
  });
});
