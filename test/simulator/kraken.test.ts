import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { krakenHandler } from '../../simulator/exchanges/kraken.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';

/** Kraken through unmodified ccxt against the simulator: API-Key/API-Sign, growing nonces, EAPI errors. */

// Kraken secrets are base64; the signature key is the decoded bytes.
const KEY = { apiKey: 'kraken-key-1', secret: Buffer.from('kraken simulator secret one').toString('base64') };
const BURST_KEY = { apiKey: 'kraken-key-burst', secret: Buffer.from('kraken simulator secret two').toString('base64') };
let sim: RunningSimulator;

function kraken(creds: Partial<typeof KEY> = KEY, options: Record<string, unknown> = {}): InstanceType<typeof ccxt.kraken> {
  return new ccxt.kraken({ proxyUrl: sim.url, enableRateLimit: false, ...creds, options });
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [krakenHandler] });
  for (const key of [KEY, BURST_KEY]) {
    sim.control.addAccount('kraken', {
      ...key,
      permissions: { trade: true, withdraw: true, ipRestricted: false },
      balances: { BTC: { free: '0.75', used: '0.25' }, USDT: '500' },
    });
  }
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.setClockSkew('kraken', 0);
  sim.control.clearRequests();
});

describe('kraken wire format through ccxt', () => {
  it('serves the server time (whole seconds)', async () => {
    sim.control.setClockSkew('kraken', 7_000);
    const time = await kraken({}).fetchTime();
    expect(Math.abs((time ?? 0) - (sim.control.now() + 7_000))).toBeLessThan(1_500);
    expect(sim.control.requests({ exchange: 'kraken' })[0]?.path).toBe('/0/public/Time');
  });

  it('loads markets from Assets and AssetPairs with Kraken ids', async () => {
    const markets = await kraken({}).loadMarkets();
    expect(markets['BTC/USDT']).toMatchObject({ id: 'XBTUSDT', altname: 'XBTUSDT', spot: true, active: true });
    expect(markets['ETH/USDT']).toMatchObject({ id: 'ETHUSDT', base: 'ETH' });
    expect(sim.control.requests({ exchange: 'kraken' }).map((r) => r.path)).toEqual(['/0/public/Assets', '/0/public/AssetPairs']);
  });

  it('fetches balances with BalanceEx (legacy asset ids mapped back by ccxt)', async () => {
    const balance = await kraken().fetchBalance();
    expect(balance.BTC).toMatchObject({ free: 0.75, used: 0.25, total: 1 });
    expect(balance.USDT).toMatchObject({ free: 500, used: 0, total: 500 });
    const call = sim.control.requests({ exchange: 'kraken', path: '/0/private/BalanceEx' })[0];
    expect(call?.method).toBe('POST');
    expect(call?.body).toMatch(/^nonce=\d+$/);
  });

  it('answers a wrong secret with EAPI:Invalid signature, which ccxt 4.5.84 raises as a bare ExchangeError', async () => {
    const error = await kraken({ ...KEY, secret: Buffer.from('wrong').toString('base64') }).fetchBalance().catch((e: unknown) => e);
    // ccxt's kraken exceptions table has no entry for this code, so the class is the generic one.
    expect(error).toBeInstanceOf(ccxt.ExchangeError);
    expect(error).not.toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('EAPI:Invalid signature');
  });

  it('answers an unknown key with EAPI:Invalid key (AuthenticationError)', async () => {
    const error = await kraken({ ...KEY, apiKey: 'nobody' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('EAPI:Invalid key');
  });

  it('ignores clock skew for auth (nonces only have to grow) but rejects a lower nonce with EAPI:Invalid nonce', async () => {
    const client = kraken();
    await client.loadMarkets();
    sim.control.setClockSkew('kraken', -120_000);
    await expect(client.fetchBalance()).resolves.toBeDefined();
    // A client whose clock runs a minute behind sends smaller nonces than the key has already used.
    const behind = kraken(KEY, { timeDifference: 60_000 });
    await behind.loadMarkets();
    const error = await behind.fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.InvalidNonce);
    expect(String(error)).toContain('EAPI:Invalid nonce');
  });

  it('reports key permissions with GetApiKeyInfo, withdraw-funds included', async () => {
    const info = (await kraken().privatePostGetApiKeyInfo()) as { error: string[]; result: { apiKey: string; permissions: string[]; ipAllowlist: string[] } };
    expect(info.error).toEqual([]);
    expect(info.result.apiKey).toBe(KEY.apiKey);
    expect(info.result.permissions).toEqual(expect.arrayContaining(['query-funds', 'modify-trades', 'withdraw-funds']));
    expect(info.result.ipAllowlist).toEqual([]);
  });

  it('answers a burst past the call counter with EAPI:Rate limit exceeded (DDoSProtection)', async () => {
    const client = kraken(BURST_KEY);
    let limited: unknown;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const outcome = await client.privatePostBalance().then(() => undefined, (e: unknown) => e);
      // Two calls inside one millisecond share a nonce; Kraken refuses the second, as it really does.
      if (outcome !== undefined && !(outcome instanceof ccxt.InvalidNonce)) limited = outcome;
    }
    expect(limited).toBeInstanceOf(ccxt.DDoSProtection);
    expect(String(limited)).toContain('EAPI:Rate limit exceeded');
  });
});
