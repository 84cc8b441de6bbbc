import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { okxHandler } from '../../simulator/exchanges/okx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { SimContext } from '../../simulator/types.js';

/** OKX through unmodified ccxt against the simulator: real paths, OK-ACCESS-* signing, real error codes. */

const KEY = { apiKey: 'okx-key-1', secret: 'okx-secret-1', password: 'okx-pass-1' };
let sim: RunningSimulator;

function okx(creds: Partial<typeof KEY> = KEY, options: Record<string, unknown> = {}): InstanceType<typeof ccxt.okx> {
  return new ccxt.okx({ proxyUrl: sim.url, enableRateLimit: false, ...creds, options });
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [okxHandler] });
  sim.control.addAccount('okx', {
    apiKey: KEY.apiKey,
    secret: KEY.secret,
    passphrase: KEY.password,
    permissions: { trade: true, withdraw: true, ipRestricted: false },
    balances: { BTC: { free: '1.5', used: '0.25' }, USDT: '1000.5' },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.setClockSkew('okx', 0);
  sim.control.clearRequests();
});

describe('okx wire format through ccxt', () => {
  it('serves the server time, including injected skew', async () => {
    sim.control.setClockSkew('okx', 4_000);
    const time = await okx({}).fetchTime();
    expect(time).toBeDefined();
    expect(Math.abs((time ?? 0) - (sim.control.now() + 4_000))).toBeLessThan(1_000);
    expect(sim.control.requests({ exchange: 'okx' }).map((r) => r.path)).toEqual(['/api/v5/public/time']);
  });

  it('loads markets with the calls ccxt makes, trimmed to spot when asked', async () => {
    const markets = await okx({}).loadMarkets();
    expect(markets['BTC/USDT']).toMatchObject({ id: 'BTC-USDT', spot: true, active: true });
    expect(markets['BTC/USDT:USDT']).toMatchObject({ id: 'BTC-USDT-SWAP', swap: true, linear: true });
    expect(Object.values(markets).some((m) => m?.future === true)).toBe(true);
    // Without keys ccxt skips the private currencies call: one instruments call per type.
    expect(sim.control.requests({ exchange: 'okx' }).map((r) => `${r.path}?${r.query.instType ?? ''}`)).toEqual(
      expect.arrayContaining(['/api/v5/public/instruments?SPOT', '/api/v5/public/instruments?SWAP', '/api/v5/public/instruments?FUTURES']),
    );

    sim.control.clearRequests();
    const trimmed = okx(KEY, { fetchMarkets: { types: ['spot'] } });
    trimmed.has['fetchCurrencies'] = false;
    await trimmed.loadMarkets();
    expect(sim.control.requests({ exchange: 'okx' }).map((r) => r.url)).toEqual(['https://www.okx.com/api/v5/public/instruments?instType=SPOT']);
  });

  it('fetches balances of a provisioned account as decimals', async () => {
    const balance = await okx().fetchBalance();
    expect(balance.BTC).toMatchObject({ free: 1.5, used: 0.25, total: 1.75 });
    expect(balance.USDT).toMatchObject({ free: 1000.5, used: 0, total: 1000.5 });
    const call = sim.control.requests({ exchange: 'okx', path: '/api/v5/account/balance' })[0];
    expect(call?.headers['ok-access-key']).toBe(KEY.apiKey);
    expect(call?.status).toBe(200);
  });

  it('rejects a wrong secret with 50113 (AuthenticationError)', async () => {
    const error = await okx({ ...KEY, secret: 'not-the-secret' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('"50113"');
  });

  it('rejects a wrong passphrase with its own code 50105', async () => {
    const error = await okx({ ...KEY, password: 'wrong-pass' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('"50105"');
  });

  it('rejects an unknown key with 50111', async () => {
    const error = await okx({ ...KEY, apiKey: 'nobody' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('"50111"');
    expect(sim.control.requests({ exchange: 'okx' }).at(-1)?.status).toBe(401);
  });

  it('rejects a timestamp more than 30 s off the exchange clock with 50102 (InvalidNonce)', async () => {
    const client = okx();
    await client.loadMarkets();
    sim.control.setClockSkew('okx', 45_000);
    const error = await client.fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(String(error)).toContain('"50102"');
  });

  it('reports key permissions in account/config, withdraw included', async () => {
    const response = (await okx().privateGetAccountConfig()) as { code: string; data: Array<{ perm: string; ip: string }> };
    expect(response.code).toBe('0');
    expect(response.data[0]?.perm.split(',')).toEqual(['read_only', 'trade', 'withdraw']);
    expect(response.data[0]?.ip).toBe('');
  });

  it('serves demo trading (sandbox) on the same host with x-simulated-trading: 1', async () => {
    const client = okx();
    client.setSandboxMode(true);
    const balance = await client.fetchBalance();
    expect(balance.BTC?.total).toBe(1.75);
    const call = sim.control.requests({ exchange: 'okx', path: '/api/v5/account/balance' })[0];
    expect(call?.headers['x-simulated-trading']).toBe('1');
  });

  it('serves ticker and candles from the shared price path', async () => {
    const client = okx({});
    const ticker = await client.fetchTicker('BTC/USDT');
    expect(ticker.bid).toBeGreaterThan(0);
    expect(ticker.ask).toBeGreaterThan(ticker.bid ?? 0);
    const candles = await client.fetchOHLCV('BTC/USDT', '1h', undefined, 5);
    expect(candles.length).toBe(5);
    expect(candles[0]?.[0]).toBeLessThan(candles[4]?.[0] ?? 0);
  });
});

describe('okx handler details', () => {
  const ctx: SimContext = {
    exchangeNow: () => Date.now(),
    findAccount: () => undefined,
    venue: () => {
      throw new Error('not used');
    },
    countInWindow: () => ({ used: 1, resetAt: 0 }),
  };

  it('names the first missing OK-ACCESS header', async () => {
    const answer = await okxHandler.handle(
      { method: 'GET', url: new URL('https://www.okx.com/api/v5/account/balance'), headers: {}, body: '', receivedAt: Date.now() },
      ctx,
    );
    expect(answer).toMatchObject({ status: 401, body: { code: '50103' } });
  });

  it('leaves unknown paths to the core (null)', async () => {
    const answer = await okxHandler.handle(
      { method: 'GET', url: new URL('https://www.okx.com/api/v5/nope'), headers: {}, body: '', receivedAt: Date.now() },
      ctx,
    );
    expect(answer).toBeNull();
  });
});
