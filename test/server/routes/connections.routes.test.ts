import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SECRETS, liveBinance, liveOkx, paperBybit } from '../../support/connection-inputs.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

const BASE = '/api/settings/connections';
let t: TempSystem;
let app: FastifyInstance;
const bodies: string[] = [];

async function call(options: InjectOptions): Promise<{ status: number; json: Record<string, unknown>; type: string }> {
  const res = await app.inject(options);
  bodies.push(res.body);
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {}, type: String(res.headers['content-type'] ?? '') };
}

async function create(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await call({ method: 'POST', url: BASE, payload: body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json;
}

async function clearAll(): Promise<void> {
  const list = await call({ method: 'GET', url: `${BASE}?limit=200` });
  for (const item of list.json.items as { id: string }[]) await call({ method: 'DELETE', url: `${BASE}/${item.id}` });
}

beforeAll(async () => {
  t = await startTempSystem();
  app = t.system.app;
});
afterAll(async () => t.close());
beforeEach(clearAll);

describe('create', () => {
  it('creates a live connection and shows only a mask and fingerprint of the key', async () => {
    const created = await create(liveBinance());
    expect(created).toMatchObject({
      name: 'Binance main',
      exchange: 'binance',
      marketTypes: ['spot', 'margin'],
      mode: 'live',
      enabled: true,
      status: 'untested',
      apiKey: { mask: 'KEYk…IKEY', fingerprint: expect.stringMatching(/^[0-9a-f]{8}$/) },
      hasApiSecret: true,
      hasPassphrase: false,
      lastTestAt: null,
    });
    expect(created.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(JSON.stringify(created)).not.toMatch(/apiSecret"|passphrase"/);
  });

  it('creates a paper connection without credentials', async () => {
    const created = await create(paperBybit());
    expect(created.apiKey).toBeNull();
    expect(created.hasApiSecret).toBe(false);
  });

  it('answers with the Location of the new connection', async () => {
    const res = await app.inject({ method: 'POST', url: BASE, payload: paperBybit() });
    expect(res.headers.location).toBe(`${BASE}/${(res.json() as { id: string }).id}`);
  });

  it.each([
    ['unknown exchange', { ...liveBinance(), exchange: 'ftx' }, 'exchange'],
    ['empty market types', { ...liveBinance(), marketTypes: [] }, 'marketTypes'],
    ['unsupported market type', { ...liveBinance(), marketTypes: ['swap'] }, 'marketTypes'],
    ['duplicate market type', { ...liveBinance(), marketTypes: ['spot', 'spot'] }, 'marketTypes'],
    ['bad mode', { ...liveBinance(), mode: 'demo' }, 'mode'],
    ['live without key', { ...liveBinance(), apiKey: undefined }, 'apiKey'],
    ['live without secret', { ...liveBinance(), apiSecret: undefined }, 'apiSecret'],
    ['OKX live without passphrase', { ...liveOkx(), passphrase: undefined }, 'passphrase'],
    ['passphrase on an exchange without one', { ...liveBinance(), passphrase: 'x' }, 'passphrase'],
    ['paper with key but no secret', { ...paperBybit(), apiKey: SECRETS.apiKey }, 'apiSecret'],
    ['unknown field (mass assignment)', { ...liveBinance(), status: 'ok' }, '(root)'],
    ['empty name', { ...liveBinance(), name: '   ' }, 'name'],
    ['short key', { ...liveBinance(), apiKey: 'abc' }, 'apiKey'],
    ['enabled as string', { ...liveBinance(), enabled: 'yes' }, 'enabled'],
  ])('rejects %s with 400 and a field error', async (_label, body, field) => {
    const res = await call({ method: 'POST', url: BASE, payload: body });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.json).toMatchObject({ status: 400, title: 'Bad Request' });
    const errors = res.json.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toContain(field);
    expect(errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it('keeps a Kraken verification tier (it sets the rate limits) and refuses one elsewhere', async () => {
    // Kraken private keys are base64 (credential-rules.ts).
    const kraken = await create({ ...liveBinance('Kraken'), exchange: 'kraken', marketTypes: ['spot'], apiSecret: Buffer.from(SECRETS.apiSecret).toString('base64'), rateLimitTier: 'pro' });
    expect(kraken.rateLimitTier).toBe('pro');
    const patched = await call({ method: 'PATCH', url: `${BASE}/${String(kraken.id)}`, payload: { rateLimitTier: null } });
    expect(patched.json.rateLimitTier).toBeNull();
    const refused = await call({ method: 'POST', url: BASE, payload: { ...liveBinance(), rateLimitTier: 'pro' } });
    expect(refused.status).toBe(400);
    expect((refused.json.errors as { path: string }[]).map((e) => e.path)).toContain('rateLimitTier');
  });

  it('refuses a duplicate name with 409', async () => {
    await create(liveBinance('Same'));
    const res = await call({ method: 'POST', url: BASE, payload: paperBybit('Same') });
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain('Same');
  });

  it('answers 415 for a non-JSON body and 400 for malformed JSON or no body', async () => {
    const text = await call({ method: 'POST', url: BASE, payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text.status).toBe(415);
    const bad = await call({ method: 'POST', url: BASE, payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/not valid JSON/);
    const none = await call({ method: 'POST', url: BASE, headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(400);
    const array = await call({ method: 'POST', url: BASE, payload: '[1,2]', headers: { 'content-type': 'application/json' } });
    expect(array.status).toBe(400);
  });
});

describe('list', () => {
  beforeEach(async () => {
    await create(liveBinance('A binance'));
    await create(liveOkx('B okx'));
    await create({ ...paperBybit('C bybit'), enabled: false });
    await create({ ...paperBybit('D bybit futures'), marketTypes: ['futures'], mode: 'replay' });
  });

  it.each([
    ['', ['A binance', 'B okx', 'C bybit', 'D bybit futures']],
    ['exchange=bybit', ['C bybit', 'D bybit futures']],
    ['status=disabled', ['C bybit']],
    ['enabled=false', ['C bybit']],
    ['enabled=true', ['A binance', 'B okx', 'D bybit futures']],
    ['mode=replay', ['D bybit futures']],
    ['marketType=swap', ['B okx']],
    ['marketType=spot&exchange=binance', ['A binance']],
    ['limit=2', ['A binance', 'B okx']],
    ['limit=2&offset=2', ['C bybit', 'D bybit futures']],
  ])('filters with ?%s', async (query, names) => {
    const res = await call({ method: 'GET', url: `${BASE}?${query}` });
    expect(res.status).toBe(200);
    expect((res.json.items as { name: string }[]).map((i) => i.name)).toEqual(names);
  });

  it('reports the total regardless of the page', async () => {
    const res = await call({ method: 'GET', url: `${BASE}?limit=1&offset=1` });
    expect(res.json).toMatchObject({ total: 4, limit: 1, offset: 1 });
  });

  it.each(['exchange=ftx', 'enabled=yes', 'limit=0', 'limit=201', 'offset=-1', 'limit=abc', 'colour=red', 'status=great'])(
    'rejects ?%s with 400',
    async (query) => {
      const res = await call({ method: 'GET', url: `${BASE}?${query}` });
      expect(res.status).toBe(400);
      expect(res.json.errors).toBeDefined();
    },
  );
});

describe('get, update, delete', () => {
  it('gets one by id; 404 for an unknown id; 400 for a malformed id', async () => {
    const created = await create(liveBinance());
    expect((await call({ method: 'GET', url: `${BASE}/${String(created.id)}` })).json).toEqual(created);
    const missing = await call({ method: 'GET', url: `${BASE}/01ARZ3NDEKTSV4RRFFQ69G5FAV` });
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    expect((await call({ method: 'GET', url: `${BASE}/not-an-id` })).status).toBe(400);
    expect((await call({ method: 'PATCH', url: `${BASE}/x'--`, payload: { name: 'n' } })).status).toBe(400);
  });

  it('PATCH changes only what is sent and returns the connection', async () => {
    const created = await create(liveBinance());
    const res = await call({ method: 'PATCH', url: `${BASE}/${String(created.id)}`, payload: { name: 'Renamed' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ...created, name: 'Renamed', updatedAt: expect.any(String) });
  });

  it('PATCH validates the result as a whole', async () => {
    const created = await create(liveBinance());
    const id = String(created.id);
    const okx = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { exchange: 'okx', marketTypes: ['spot'] } });
    expect(okx.status).toBe(400);
    expect((okx.json.errors as { path: string }[]).map((e) => e.path)).toContain('passphrase');
    const market = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { exchange: 'coinbase' } });
    expect(market.status).toBe(400);
    const drop = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { apiKey: null, apiSecret: null } });
    expect(drop.status).toBe(400);
    const toPaper = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { mode: 'paper', apiKey: null, apiSecret: null } });
    expect(toPaper.status).toBe(200);
    expect(toPaper.json).toMatchObject({ mode: 'paper', apiKey: null, hasApiSecret: false });
  });

  it('PATCH of credentials resets status to untested; disabling shows disabled', async () => {
    const created = await create(liveBinance());
    const id = String(created.id);
    const stored = await t.system.connections.recordTestResult(
      id,
      { outcome: 'ok', summary: 'ok', startedAt: new Date().toISOString(), durationMs: 5, simulated: false, steps: [] },
      'ok',
      String(created.updatedAt),
    );
    expect(stored).toBe(true);
    expect((await call({ method: 'GET', url: `${BASE}/${id}` })).json.status).toBe('ok');
    const renamed = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { name: 'Still ok' } });
    expect(renamed.json.status).toBe('ok');
    const rekeyed = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { apiSecret: 'a-brand-new-secret-value-123' } });
    expect(rekeyed.json).toMatchObject({ status: 'untested', lastTestAt: null, lastTestResult: null });
    const disabled = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { enabled: false } });
    expect(disabled.json.status).toBe('disabled');
    const enabled = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { enabled: true } });
    expect(enabled.json.status).toBe('untested');
  });

  it('PATCH with a new key updates the mask; the new secret is what decrypts', async () => {
    const created = await create(liveBinance());
    const id = String(created.id);
    const res = await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { apiKey: 'NEWKEY-abcdefghijklmnop-ZZZZ', apiSecret: 'new-secret-abcdefghijklmnop' } });
    expect(res.json.apiKey).toMatchObject({ mask: 'NEWK…ZZZZ' });
    expect(await t.system.connections.credentialsFor(id)).toEqual({ apiKey: 'NEWKEY-abcdefghijklmnop-ZZZZ', apiSecret: 'new-secret-abcdefghijklmnop' });
  });

  it('PATCH rejects an empty body, unknown fields and a taken name', async () => {
    const a = await create(liveBinance('A'));
    await create(paperBybit('B'));
    const id = String(a.id);
    expect((await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: {} })).status).toBe(400);
    expect((await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { status: 'ok' } })).status).toBe(400);
    expect((await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { createdAt: 'x' } })).status).toBe(400);
    expect((await call({ method: 'PATCH', url: `${BASE}/${id}`, payload: { name: 'B' } })).status).toBe(409);
    expect((await call({ method: 'PATCH', url: `${BASE}/01ARZ3NDEKTSV4RRFFQ69G5FAV`, payload: { name: 'C' } })).status).toBe(404);
  });

  it('DELETE removes it; a second DELETE is 404', async () => {
    const created = await create(liveBinance());
    const id = String(created.id);
    const res = await app.inject({ method: 'DELETE', url: `${BASE}/${id}` });
    expect(res.statusCode).toBe(204);
    expect((await call({ method: 'GET', url: `${BASE}/${id}` })).status).toBe(404);
    expect((await call({ method: 'DELETE', url: `${BASE}/${id}` })).status).toBe(404);
  });

  it('unknown routes and methods answer with the same problem shape', async () => {
    const res = await call({ method: 'GET', url: '/api/nope' });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ status: 404, type: expect.any(String), title: 'Not Found', detail: expect.any(String) });
    expect((await call({ method: 'PUT', url: BASE, payload: {} })).status).toBe(404);
  });
});

describe('secrets never come back out', () => {
  it('appear in no response, no log line and not in the SQLite file bytes', async () => {
    const okx = await create(liveOkx());
    await create(liveBinance());
    await call({ method: 'PATCH', url: `${BASE}/${String(okx.id)}`, payload: { passphrase: SECRETS.passphrase } });
    await call({ method: 'POST', url: BASE, payload: { ...liveBinance('bad'), exchange: 'nope' } });
    await call({ method: 'GET', url: BASE });
    await call({ method: 'GET', url: `${BASE}/${String(okx.id)}` });
    const everything = [bodies.join('\n'), t.logs.text];
    await t.system.store.db.selectFrom('connections').selectAll().execute(); // flush through the driver
    for (const file of readdirSync(t.dataDir).filter((f) => f.startsWith('cts.sqlite'))) {
      everything.push(readFileSync(path.join(t.dataDir, file)).toString('latin1'));
    }
    const haystack = everything.join('\n');
    expect(haystack.length).toBeGreaterThan(1000);
    for (const secret of Object.values(SECRETS)) expect(haystack).not.toContain(secret);
    // The log does show requests happened (the capture works).
    expect(t.logs.text).toContain('/api/settings/connections');
  });
});
