import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gateHandler } from '../../simulator/exchanges/gate.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';

/** Gate APIv4 through unmodified ccxt against the simulator: KEY/Timestamp/SIGN, labels, rate-limit headers. */

const KEY = { apiKey: 'gate-key-1', secret: 'gate-secret-1' };
let sim: RunningSimulator;

function gate(creds: Partial<typeof KEY> = KEY, options: Record<string, unknown> = {}): InstanceType<typeof ccxt.gate> {
  return new ccxt.gate({ proxyUrl: sim.url, enableRateLimit: false, ...creds, options });
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [gateHandler] });
  sim.control.addAccount('gate', {
    ...KEY,
    permissions: { trade: true, withdraw: true, ipRestricted: false },
    balances: { BTC: { free: '0.5', used: '0.1' }, USDT: '250' },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.setClockSkew('gate', 0);
  sim.control.clearRequests();
});

describe('gate wire format through ccxt', () => {
  it('serves the server time with Gate rate-limit headers', async () => {
    sim.control.setClockSkew('gate', -3_000);
    const time = await gate({}).fetchTime();
    expect(Math.abs((time ?? 0) - (sim.control.now() - 3_000))).toBeLessThan(1_000);
    const call = sim.control.requests({ exchange: 'gate' })[0];
    expect(call?.path).toBe('/api/v4/spot/time');
  });

  it('loads markets; trimmed options leave only the spot calls', async () => {
    const markets = await gate().loadMarkets();
    expect(markets['BTC/USDT']).toMatchObject({ id: 'BTC_USDT', spot: true, margin: true, active: true });
    expect(markets['BTC/USDT:USDT']).toMatchObject({ swap: true, linear: true });
    const paths = sim.control.requests({ exchange: 'gate' }).map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['/api/v4/spot/currencies', '/api/v4/account/detail', '/api/v4/spot/currency_pairs']));

    sim.control.clearRequests();
    const trimmed = gate(KEY, { fetchMarkets: { types: ['spot'] }, unifiedAccount: false });
    trimmed.has['fetchCurrencies'] = false;
    await trimmed.loadMarkets();
    expect(sim.control.requests({ exchange: 'gate' }).map((r) => r.path).sort()).toEqual([
      '/api/v4/margin/currency_pairs',
      '/api/v4/spot/currency_pairs',
    ]);
  });

  it('fetches spot balances and reports remaining budget in headers', async () => {
    const client = gate();
    const balance = await client.fetchBalance();
    expect(balance.BTC).toMatchObject({ free: 0.5, used: 0.1, total: 0.6 });
    expect(balance.USDT).toMatchObject({ free: 250, used: 0 });
    // ccxt keeps the last response's headers with capitalised names (X-Gate-Ratelimit-Limit).
    const headers = new Map(Object.entries((client.last_response_headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    expect(Number(headers.get('x-gate-ratelimit-limit'))).toBe(200);
    expect(Number(headers.get('x-gate-ratelimit-requests-remain'))).toBeLessThan(200);
    expect(Number(headers.get('x-gate-ratelimit-reset-timestamp'))).toBeGreaterThan(sim.control.now());
  });

  it('signs a query string the way Gate checks it', async () => {
    const accounts = (await gate().privateSpotGetAccounts({ currency: 'BTC' })) as Array<{ currency: string; available: string }>;
    expect(accounts).toEqual([expect.objectContaining({ currency: 'BTC', available: '0.5' })]);
  });

  it('rejects a wrong secret with INVALID_SIGNATURE (AuthenticationError)', async () => {
    const error = await gate({ ...KEY, secret: 'nope' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('INVALID_SIGNATURE');
    expect(sim.control.requests({ exchange: 'gate', path: '/api/v4/spot/accounts' }).at(-1)?.status).toBe(401);
  });

  it('rejects an unknown key with INVALID_KEY', async () => {
    const error = await gate({ ...KEY, apiKey: 'nobody' }).fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('INVALID_KEY');
  });

  it('rejects a Timestamp more than 60 s off with REQUEST_EXPIRED (AuthenticationError)', async () => {
    const client = gate();
    await client.loadMarkets();
    sim.control.setClockSkew('gate', -90_000);
    const error = await client.fetchBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(error)).toContain('REQUEST_EXPIRED');
  });

  it('reports key permissions in account/main_keys, wallet (withdraw) writable', async () => {
    const keys = (await gate().privateAccountGetMainKeys()) as Array<{ key: string; perms: Array<{ name: string; read_only: boolean }>; ip_whitelist: string[] }>;
    expect(keys[0]?.key).toBe(KEY.apiKey);
    expect(keys[0]?.perms).toEqual(expect.arrayContaining([{ name: 'wallet', read_only: false }, { name: 'spot', read_only: false }]));
    expect(keys[0]?.ip_whitelist).toEqual([]);
  });

  it('serves the testnet host (setSandboxMode) with the same accounts', async () => {
    const client = gate();
    client.setSandboxMode(true);
    const balance = await client.fetchBalance();
    expect(balance.BTC?.total).toBe(0.6);
    expect(sim.control.requests({ exchange: 'gate' }).every((r) => r.host === 'api-testnet.gateapi.io')).toBe(true);
  });

  it('answers past the documented 200 requests per 10 s with 429 TOO_MANY_REQUESTS', async () => {
    const client = gate({});
    let caught: unknown;
    for (let i = 0; i < 410 && caught === undefined; i++) {
      // A fixed window can roll over mid-loop; then the count restarts and the loop just goes on.
      caught = await client.publicSpotGetTime().then(() => undefined, (e: unknown) => e);
    }
    expect(caught).toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(sim.control.requests({ exchange: 'gate' }).at(-1)?.status).toBe(429);
  });

  it('serves a ticker from the shared price path', async () => {
    const ticker = await gate({}).fetchTicker('ETH/USDT');
    expect(ticker.last).toBeGreaterThan(0);
    expect(ticker.ask).toBeGreaterThan(ticker.bid ?? 0);
  });
});
