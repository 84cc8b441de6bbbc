import { generateKeyPairSync } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

/**
 * The rules a PATCH or create must obey beyond the field shapes: no testnet where the exchange has
 * none, credentials in the exchange's own format, names people can tell apart, and no change of what
 * a running engine trades on.
 */
const BASE = '/api/settings/connections';
let t: TempSystem;
const bodies: string[] = [];
type Json = Record<string, unknown>;

async function call(options: InjectOptions): Promise<{ status: number; json: Json }> {
  const res = await t.system.app.inject(options);
  bodies.push(res.body);
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Json) : {} };
}
const post = (payload: Json) => call({ method: 'POST', url: BASE, payload });
const patch = (id: string, payload: Json) => call({ method: 'PATCH', url: `${BASE}/${id}`, payload });
const paths = (json: Json) => ((json.errors ?? []) as { path: string }[]).map((e) => e.path);

async function created(payload: Json): Promise<string> {
  const res = await post(payload);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return String(res.json.id);
}

const KEY = 'ctsguardkey0123456789';
const HMAC = 'ctsguardsecret0123456789abcdef';
const KRAKEN_SECRET = Buffer.alloc(64, 7).toString('base64');
const ecPem = (curve: string) => generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const CDP_NAME = 'organizations/0f1e2d3c-aaaa-bbbb-cccc-123456789abc/apiKeys/9a8b7c6d-1111-2222-3333-abcdefabcdef';

beforeAll(async () => {
  t = await startTempSystem();
});
afterAll(async () => {
  await t.close();
});

describe('testnet only where the exchange has one', () => {
  it.each(['kraken', 'coinbase', 'htx'])('refuses testnet on %s at create, with a field error on mode', async (exchange) => {
    const secret = exchange === 'kraken' ? KRAKEN_SECRET : HMAC;
    const res = await post({ name: `${exchange} testnet`, exchange, marketTypes: ['spot'], mode: 'testnet', apiKey: KEY, apiSecret: secret });
    expect(res.status).toBe(400);
    expect(paths(res.json)).toEqual(['mode']);
    expect(JSON.stringify(res.json.errors)).toMatch(/no testnet; use paper mode/);
  });

  it('refuses a PATCH to testnet on Kraken, and a PATCH moving a testnet connection to HTX', async () => {
    const kraken = await created({ name: 'kr live', exchange: 'kraken', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: KRAKEN_SECRET });
    const toTestnet = await patch(kraken, { mode: 'testnet' });
    expect(toTestnet.status).toBe(400);
    expect(paths(toTestnet.json)).toEqual(['mode']);
    const bybit = await created({ name: 'bb testnet', exchange: 'bybit', marketTypes: ['spot'], mode: 'testnet', apiKey: KEY, apiSecret: HMAC });
    expect((await patch(bybit, { exchange: 'htx' })).status).toBe(400);
    expect((await call({ method: 'GET', url: `${BASE}/${bybit}` })).json).toMatchObject({ exchange: 'bybit', mode: 'testnet' });
  });
});

describe('credential formats', () => {
  it('refuses a Kraken secret that is not base64, naming apiSecret and never echoing it', async () => {
    const secret = 'not-base64-secret!0123456789';
    const res = await post({ name: 'kr bad', exchange: 'kraken', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: secret });
    expect(res.status).toBe(400);
    expect(paths(res.json)).toEqual(['apiSecret']);
    expect(JSON.stringify(res.json)).toMatch(/base64/);
    expect(JSON.stringify(res.json)).not.toContain(secret);
    // Too short to be a key, though valid base64.
    expect((await post({ name: 'kr short', exchange: 'kraken', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: 'YWJjZGVmZ2hpamtsbW5vcA==' })).status).toBe(400);
  });

  it('checks a PATCH of the secret, and the stored secret when the exchange changes', async () => {
    const id = await created({ name: 'bn fmt', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: HMAC });
    const spaced = await patch(id, { apiSecret: 'has a space 0123456789' });
    expect(spaced.status).toBe(400);
    expect(paths(spaced.json)).toEqual(['apiSecret']);
    const moved = await patch(id, { exchange: 'kraken', marketTypes: ['spot'] });
    expect(moved.status).toBe(400);
    expect(paths(moved.json)).toEqual(['apiSecret']);
    expect(JSON.stringify(moved.json)).not.toContain(HMAC);
    expect((await patch(id, { exchange: 'kraken', marketTypes: ['spot'], apiSecret: KRAKEN_SECRET })).status).toBe(200);
  });

  it('Coinbase: a CDP key name with an EC P-256 PEM passes; mismatched or damaged forms are refused', async () => {
    const cb = (name: string, apiKey: string, apiSecret: string) => post({ name, exchange: 'coinbase', marketTypes: ['spot'], mode: 'live', apiKey, apiSecret });
    const pem = ecPem('prime256v1');
    expect((await cb('cb ok', CDP_NAME, pem)).status).toBe(201);
    expect((await cb('cb ed25519', '9a8b7c6d-1111-2222-3333-abcdefabcdef', Buffer.alloc(64, 3).toString('base64'))).status).toBe(201);
    expect((await cb('cb legacy hmac', 'legacyKey0123456789', 'legacySecret0123456789abcd')).status).toBe(201);

    const escaped = await cb('cb escaped', CDP_NAME, pem.replace(/\n/g, '\\n'));
    expect(escaped.status).toBe(400);
    expect(paths(escaped.json)).toEqual(['apiSecret']);
    expect((await cb('cb p384', CDP_NAME, ecPem('secp384r1'))).status).toBe(400);
    const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await cb('cb pkcs8', CDP_NAME, pkcs8)).status).toBe(400); // ccxt decodes only "BEGIN EC PRIVATE KEY"
    const wrongName = await cb('cb key id with pem', '9a8b7c6d-1111-2222-3333-abcdefabcdef', pem);
    expect(wrongName.status).toBe(400);
    expect(paths(wrongName.json)).toEqual(['apiKey']);
    expect(paths((await cb('cb name without pem', CDP_NAME, HMAC)).json)).toEqual(['apiSecret']);
    expect(bodies.join('\n')).not.toContain(pem.split('\n')[1]);
  });

  it('Binance also takes a PEM private key (RSA / Ed25519 keys), but not a broken one', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await post({ name: 'bn ed25519', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: ed })).status).toBe(201);
    const broken = await post({ name: 'bn broken pem', exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey: KEY, apiSecret: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' });
    expect(broken.status).toBe(400);
    expect(paths(broken.json)).toEqual(['apiSecret']);
  });

  it('an API key with whitespace inside is refused on every exchange', async () => {
    const res = await post({ name: 'gate key', exchange: 'gate', marketTypes: ['spot'], mode: 'live', apiKey: 'abc def 0123456789', apiSecret: HMAC });
    expect(res.status).toBe(400);
    expect(paths(res.json)).toEqual(['apiKey']);
  });
});

describe('names people can tell apart', () => {
  const paper = (name: string) => ({ name, exchange: 'bybit', marketTypes: ['spot'], mode: 'paper' });

  it('refuses a lone UTF-16 surrogate instead of storing a corrupted name', async () => {
    // JSON text with an unpaired \ud800 escape: JSON.parse yields a lone surrogate.
    const res = await call({ method: 'POST', url: BASE, headers: { 'content-type': 'application/json' }, payload: '{"name":"pair\\ud800","exchange":"bybit","marketTypes":["spot"],"mode":"paper"}' });
    expect(res.status).toBe(400);
    expect(paths(res.json)).toEqual(['name']);
    expect((await call({ method: 'POST', url: BASE, headers: { 'content-type': 'application/json' }, payload: '{"name":"pair\\udfff","exchange":"bybit","marketTypes":["spot"],"mode":"paper"}' })).status).toBe(400);
  });

  it.each([
    ['a bidi override', 'evil\u202Egnp.exe'],
    ['a bidi isolate', 'main\u2066x'],
    ['a zero-width space', 'ma\u200Bin'],
    ['a byte-order mark inside', 'ma\uFEFFin'],
    ['a line separator', 'main\u2028two'],
    ['a control character', 'main\u0007'],
  ])('refuses %s in a name', async (_what, name) => {
    const res = await post(paper(name));
    expect(res.status).toBe(400);
    expect(paths(res.json)).toEqual(['name']);
  });

  it('compares names ignoring case and Unicode composition (409), also on rename, but lets a connection keep its own name', async () => {
    const id = await created(paper('Café Main'));
    expect((await post(paper('café main'))).status).toBe(409);
    expect((await post(paper('CAFE\u0301 MAIN'))).status).toBe(409); // decomposed é
    const other = await created(paper('Other'));
    expect((await patch(other, { name: 'CAFÉ MAIN' })).status).toBe(409);
    const recased = await patch(id, { name: 'café main' });
    expect(recased.status).toBe(200);
    expect(recased.json.name).toBe('café main');
    // Stored in NFC: the decomposed form comes back composed.
    const nfd = await created(paper('Re\u0301sume\u0301'));
    expect((await call({ method: 'GET', url: `${BASE}/${nfd}` })).json.name).toBe('Résumé');
    expect((await post(paper('Greek Σ 😀'))).status).toBe(201);
  });
});

describe('market types', () => {
  it('any change of market types resets the status to untested and drops the last test', async () => {
    const id = await created({ name: 'replay mt', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' });
    expect((await call({ method: 'POST', url: `${BASE}/${id}/test` })).status).toBe(200);
    expect((await call({ method: 'GET', url: `${BASE}/${id}` })).json.status).toBe('ok');
    const changed = await patch(id, { marketTypes: ['spot', 'futures'] });
    expect(changed.json).toMatchObject({ status: 'untested', lastTestResult: null, lastTestAt: null });
    await call({ method: 'POST', url: `${BASE}/${id}/test` });
    // The same set in another order is no change.
    expect((await patch(id, { marketTypes: ['futures', 'spot'] })).json.status).toBe('ok');
  });
});

describe('the connection under a running engine', () => {
  it('refuses changes to what the engine trades on with 409 naming the engine; harmless fields stay editable', async () => {
    const id = await created({ name: 'engine replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay' });
    const start = await call({
      method: 'POST',
      url: '/api/trade-engine/start',
      payload: { connectionId: id, strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } },
    });
    expect(start.status, JSON.stringify(start.json)).toBe(200);
    expect(start.json.state).toBe('running');
    const engineId = String(start.json.id);

    for (const change of [{ mode: 'paper' }, { enabled: false }, { exchange: 'bybit' }, { marketTypes: ['spot', 'futures'] }, { apiKey: KEY, apiSecret: HMAC }]) {
      const res = await patch(id, change);
      expect(res.status, JSON.stringify(change)).toBe(409);
      expect(String(res.json.detail)).toMatch(/sma-crossover on XRP\/USDT \(running\)/);
      expect(String(res.json.detail)).toMatch(/stop that engine/);
      expect(String(res.json.detail)).toContain(Object.keys(change)[0]);
    }
    const unchanged = (await call({ method: 'GET', url: `${BASE}/${id}` })).json;
    expect(unchanged).toMatchObject({ mode: 'replay', enabled: true, exchange: 'binance', marketTypes: ['spot'] });

    expect((await patch(id, { name: 'engine replay renamed' })).status).toBe(200);
    expect((await patch(id, { mode: 'replay', enabled: true, marketTypes: ['spot'] })).status).toBe(200); // same values: no change

    expect((await call({ method: 'POST', url: '/api/trade-engine/pause', payload: { engineId } })).json.state).toBe('paused');
    expect(String((await patch(id, { mode: 'paper' })).json.detail)).toMatch(/\(paused\)/);

    expect((await call({ method: 'POST', url: '/api/trade-engine/stop', payload: { engineId } })).json.state).toBe('stopped');
    const after = await patch(id, { mode: 'paper' });
    expect(after.status).toBe(200);
    expect(after.json.mode).toBe('paper');
  });
});
