import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveBinance, liveOkx } from '../../support/connection-inputs.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

const BASE = '/api/settings/connections';
const ALLOWED_KEYS = new Set(['name', 'exchange', 'marketTypes', 'mode', 'enabled', 'apiKey', 'apiSecret', 'passphrase']);

let t: TempSystem;
let ids: string[];

beforeAll(async () => {
  t = await startTempSystem();
  ids = [];
  for (const body of [liveBinance(), liveOkx()]) {
    const res = await t.system.app.inject({ method: 'POST', url: BASE, payload: body });
    ids.push((res.json() as { id: string }).id);
  }
});
afterAll(async () => t.close());

async function snapshot(): Promise<string> {
  return JSON.stringify(await t.system.store.db.selectFrom('connections').selectAll().orderBy('id').execute());
}

/** A value of the wrong type or out of range for each field: every one of these must be refused. */
const wrongFieldValue = fc.oneof(
  fc.record({ field: fc.constant('name'), value: fc.oneof(fc.integer(), fc.constant(''), fc.string({ minLength: 101, maxLength: 120 }), fc.constant(null)) }),
  fc.record({ field: fc.constant('exchange'), value: fc.oneof(fc.string().filter((s) => !['bybit', 'binance', 'okx', 'kraken', 'coinbase', 'htx', 'gate'].includes(s)), fc.integer()) }),
  fc.record({ field: fc.constant('marketTypes'), value: fc.oneof(fc.constant([]), fc.string(), fc.array(fc.integer(), { minLength: 1 })) }),
  fc.record({ field: fc.constant('mode'), value: fc.oneof(fc.string().filter((s) => !['live', 'testnet', 'paper', 'replay'].includes(s)), fc.boolean()) }),
  fc.record({ field: fc.constant('enabled'), value: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
  fc.record({ field: fc.constant('apiKey'), value: fc.oneof(fc.string({ maxLength: 15 }), fc.integer(), fc.constant({})) }),
  fc.record({ field: fc.string({ minLength: 1 }).filter((k) => !ALLOWED_KEYS.has(k) && k !== '__proto__'), value: fc.jsonValue() }),
);

const randomJson = fc.jsonValue().filter(
  (v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => ALLOWED_KEYS.has(k))),
);

const badId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom("1' OR '1'='1", '../../etc/passwd', '%00', '01ARZ3NDEKTSV4RRFFQ69G5FA', 'ILOU0000000000000000000000'),
);
const unknownUlid = fc.constantFrom('01ARZ3NDEKTSV4RRFFQ69G5FAV', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ');

function request(): fc.Arbitrary<InjectOptions> {
  const json = { 'content-type': 'application/json' };
  return fc.oneof(
    wrongFieldValue.map(({ field, value }) => ({ method: 'POST' as const, url: BASE, headers: json, payload: JSON.stringify({ ...liveBinance('fresh'), [field]: value }) })),
    randomJson.map((v) => ({ method: 'POST' as const, url: BASE, headers: json, payload: JSON.stringify(v) })),
    fc.string().map((s) => ({ method: 'POST' as const, url: BASE, headers: json, payload: `{${s}` })),
    fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'), fc.string()).map(([type, body]) => ({ method: 'POST' as const, url: BASE, headers: { 'content-type': type }, payload: body })),
    fc.tuple(fc.nat(1), wrongFieldValue).map(([i, { field, value }]) => ({ method: 'PATCH' as const, url: `${BASE}/${ids[i] ?? ''}`, headers: json, payload: JSON.stringify({ [field]: value }) })),
    fc.tuple(fc.nat(1), randomJson).map(([i, v]) => ({ method: 'PATCH' as const, url: `${BASE}/${ids[i] ?? ''}`, headers: json, payload: JSON.stringify(v) })),
    fc.tuple(fc.oneof(badId, unknownUlid), fc.constantFrom('GET', 'DELETE', 'PATCH') as fc.Arbitrary<'GET' | 'DELETE' | 'PATCH'>).map(([id, method]) => ({ method, url: `${BASE}/${id}`, headers: json, payload: JSON.stringify({ name: 'x' }) })),
    fc.dictionary(fc.constantFrom('exchange', 'status', 'enabled', 'mode', 'marketType', 'limit', 'offset', 'x'), fc.string(), { minKeys: 1 }).map((q) => ({ method: 'GET' as const, url: `${BASE}?${new URLSearchParams(q).toString()}` })),
  );
}

describe('malformed requests to the connection routes', () => {
  it('never produce a 5xx and never change stored data', async () => {
    const before = await snapshot();
    let count = 0;
    await fc.assert(
      fc.asyncProperty(request(), async (options) => {
        count++;
        const res = await t.system.app.inject(options);
        expect(res.statusCode, `${options.method} ${options.url} ${String(options.payload)} → ${res.body}`).toBeLessThan(500);
        if (options.method !== 'GET' || res.statusCode !== 200) expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.headers['content-type']).toMatch(/json/);
      }),
      { numRuns: 400, seed: 20261124 },
    );
    expect(count).toBe(400);
    expect(await snapshot()).toBe(before);
  });
});
