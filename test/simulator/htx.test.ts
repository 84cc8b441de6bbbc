import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { htxHandler } from '../../simulator/exchanges/htx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';

/** HTX through unmodified ccxt against the simulator: signature v2 in the query, api-signature-not-valid. */

const KEY = { apiKey: 'htx-access-key-1', secret: 'htx-secret-1' };
let sim: RunningSimulator;

function htx(creds: Partial<typeof KEY> = KEY, options: Record<string, unknown> = {}): InstanceType<typeof ccxt.htx> {
  return new ccxt.htx({ proxyUrl: sim.url, enableRateLimit: false, ...creds, options });
}

/** ccxt stores response headers with capitalised names; look them up case-insensitively. */
function header(client: InstanceType<typeof ccxt.htx>, name: string): string | undefined {
  const entries = Object.entries((client.last_response_headers ?? {}) as Record<string, string>);
  return entries.find(([k]) => k.toLowerCase() === name)?.[1];
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [htxHandler] });
  sim.control.addAccount('htx', {
    ...KEY,
    permissions: { trade: true, withdraw: true, ipRestricted: false },
    balances: { BTC: { free: '2', used: '0.5' }, USDT: '99.9' },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.setClockSkew('htx', 0);
  sim.control.clearRequests();
});

describe('htx wire format through ccxt', () => {
  it('serves the server time', async () => {
    sim.control.setClockSkew('htx', 2_500);
    const time = await htx({}).fetchTime();
    expect(Math.abs((time ?? 0) - (sim.control.now() + 2_500))).toBeLessThan(1_000);
    expect(sim.control.requests({ exchange: 'htx' })[0]?.url).toBe('https://api.huobi.pro/v1/common/timestamp');
  });

  it('loads spot and contract markets from both hosts; trimmed to spot on request', async () => {
    const markets = await htx({}).loadMarkets();
    expect(markets['BTC/USDT']).toMatchObject({ id: 'btcusdt', spot: true, active: true });
    expect(markets['BTC/USDT:USDT']).toMatchObject({ id: 'BTC-USDT', swap: true, linear: true });
    expect(markets['BTC/USD:BTC']).toMatchObject({ swap: true, inverse: true });
    expect(Object.values(markets).some((m) => m?.future === true && m.inverse === true)).toBe(true);
    const hosts = new Set(sim.control.requests({ exchange: 'htx' }).map((r) => r.host));
    expect(hosts).toEqual(new Set(['api.huobi.pro', 'api.hbdm.vn']));

    sim.control.clearRequests();
    const trimmed = htx(KEY, { fetchMarkets: { types: { spot: true, linear: false, inverse: false } } });
    trimmed.has['fetchCurrencies'] = false;
    await trimmed.loadMarkets();
    expect(sim.control.requests({ exchange: 'htx' }).map((r) => r.path)).toEqual(['/v1/common/symbols']);
  });

  it('fetches the spot balance (accounts, then the account balance) with rate-limit headers', async () => {
    const client = htx();
    const balance = await client.fetchBalance();
    expect(balance.BTC).toMatchObject({ free: 2, used: 0.5, total: 2.5 });
    expect(balance.USDT).toMatchObject({ free: 99.9, used: 0 });
    const privatePaths = sim.control.requests({ exchange: 'htx' }).filter((r) => 'AccessKeyId' in r.query).map((r) => r.path);
    expect(privatePaths).toEqual(['/v1/account/accounts', '/v1/account/accounts/10000001/balance']);
    expect(Number(header(client, 'x-hb-ratelimit-requests-remain'))).toBe(99);
    expect(Number(header(client, 'x-hb-ratelimit-requests-expire'))).toBeGreaterThan(sim.control.now() - 1);
  });

  it('rejects a wrong secret: api-signature-not-valid, Verification failure (AuthenticationError)', async () => {
    const error = await htx({ ...KEY, secret: 'nope' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('api-signature-not-valid');
    expect(String(error)).toContain('Verification failure');
  });

  it('rejects an unknown key: Incorrect Access key', async () => {
    const error = await htx({ ...KEY, apiKey: 'nobody' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('Incorrect Access key');
  });

  it('rejects a Timestamp more than 5 minutes off: Invalid submission time (AuthenticationError)', async () => {
    const client = htx();
    await client.loadMarkets();
    sim.control.setClockSkew('htx', 10 * 60_000);
    const error = await client.fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('Invalid submission time');
  });

  it('reports key permissions through /v2/user/uid and /v2/user/api-key, withdraw included', async () => {
    const client = htx();
    const uid = (await client.spotPrivateGetV2UserUid()) as { code: number; data: number };
    expect(uid.code).toBe(200);
    const info = (await client.spotPrivateGetV2UserApiKey({ uid: uid.data, accessKey: KEY.apiKey })) as {
      data: Array<{ accessKey: string; permission: string; ipAddresses: string }>;
    };
    expect(info.data[0]).toMatchObject({ accessKey: KEY.apiKey, permission: 'readOnly,trade,withdraw', ipAddresses: '' });
  });
});
