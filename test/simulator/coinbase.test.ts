import { generateKeyPairSync } from 'node:crypto';
import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coinbaseHandler } from '../../simulator/exchanges/coinbase.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';

/**
 * Coinbase Advanced Trade through unmodified ccxt against the simulator, for the three key forms ccxt
 * signs with: CDP ECDSA (JWT ES256), CDP Ed25519 (JWT EdDSA) and legacy HMAC keys.
 */

/** A CDP ECDSA key as Coinbase hands it out: the key name and a SEC1 PEM private key. */
function ecdsaKey(): { apiKey: string; secret: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { apiKey: 'organizations/7f1c/apiKeys/9d2e', secret: privateKey.export({ type: 'sec1', format: 'pem' }).toString() };
}

/** A CDP Ed25519 key: base64 of seed ‖ public key (64 bytes, 88 characters). */
function ed25519Key(): { apiKey: string; secret: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { apiKey: '3b6a2c1e-5d4f-4a1b-9c8d-7e6f5a4b3c2d', secret: Buffer.concat([seed, pub]).toString('base64') };
}

const KEYS = {
  ecdsa: ecdsaKey(),
  ed25519: ed25519Key(),
  hmac: { apiKey: 'legacy-key-1', secret: 'legacy-secret-1' },
};
let sim: RunningSimulator;

function coinbase(creds: { apiKey?: string; secret?: string } = {}, options: Record<string, unknown> = {}): InstanceType<typeof ccxt.coinbase> {
  return new ccxt.coinbase({ proxyUrl: sim.url, enableRateLimit: false, ...creds, options });
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [coinbaseHandler] });
  for (const key of Object.values(KEYS)) {
    sim.control.addAccount('coinbase', {
      ...key,
      permissions: { trade: true, withdraw: true, ipRestricted: false },
      balances: { BTC: { free: '0.3', used: '0.2' }, USDT: '1200' },
    });
  }
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.setClockSkew('coinbase', 0);
  sim.control.clearRequests();
});

describe('coinbase public endpoints through ccxt', () => {
  it('serves the server time (v2 and v3)', async () => {
    sim.control.setClockSkew('coinbase', 3_000);
    const v2 = await coinbase().fetchTime();
    const v3 = await coinbase({}, { fetchTime: 'v3PublicGetBrokerageTime' }).fetchTime();
    for (const t of [v2, v3]) expect(Math.abs((t ?? 0) - (sim.control.now() + 3_000))).toBeLessThan(1_500);
    expect(sim.control.requests({ exchange: 'coinbase' }).map((r) => r.path)).toEqual(['/v2/time', '/api/v3/brokerage/time']);
  });

  it('loads spot markets; has.fetchCurrencies = false drops the three v2 currency calls', async () => {
    const client = coinbase();
    client.has['fetchCurrencies'] = false;
    const markets = await client.loadMarkets();
    expect(markets['BTC/USDT']).toMatchObject({ id: 'BTC-USDT', spot: true, active: true });
    expect(sim.control.requests({ exchange: 'coinbase' }).map((r) => r.url)).toEqual([
      'https://api.coinbase.com/api/v3/brokerage/market/products',
      'https://api.coinbase.com/api/v3/brokerage/market/products?product_type=FUTURE',
      'https://api.coinbase.com/api/v3/brokerage/market/products?product_type=FUTURE&contract_expiry_type=PERPETUAL',
    ]);
  });
});

describe.each(Object.entries(KEYS))('coinbase with a %s key', (kind, key) => {
  it('loads markets (private fee tier included) and fetches v2 and v3 balances', async () => {
    const client = coinbase(key);
    await client.loadMarkets();
    expect(sim.control.requests({ exchange: 'coinbase', path: '/api/v3/brokerage/transaction_summary' })[0]?.status).toBe(200);
    const v2 = await client.fetchBalance();
    expect(v2.BTC?.total).toBe(0.5); // v2 only reports wallet totals
    const v3 = await client.fetchBalance({ v3: true });
    expect(v3.BTC).toMatchObject({ free: 0.3, used: 0.2, total: 0.5 });
    expect(v3.USDT).toMatchObject({ free: 1200, used: 0 });
    const auth = sim.control.requests({ exchange: 'coinbase', path: '/api/v3/brokerage/accounts' })[0]?.headers;
    if (kind === 'hmac') expect(auth?.['cb-access-key']).toBe(key.apiKey);
    else expect(auth?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('rejects a wrong secret: 401 on v3 (AuthenticationError), JSON errors on v2', async () => {
    const wrong = kind === 'ecdsa' ? ecdsaKey().secret : kind === 'ed25519' ? ed25519Key().secret : 'not-the-secret';
    const client = coinbase({ apiKey: key.apiKey, secret: wrong });
    const error = await client.fetchBalance({ v3: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    expect(sim.control.requests({ exchange: 'coinbase', path: '/api/v3/brokerage/transaction_summary' }).at(-1)?.status).toBe(401);
    const v2 = await client.v2PrivateGetAccounts().catch((e: unknown) => e);
    expect(v2).toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(v2)).toMatch(/invalid_token|invalid signature/);
  });

  it('rejects an unknown key (AuthenticationError)', async () => {
    const error = await coinbase({ ...key, apiKey: kind === 'ecdsa' ? 'organizations/7f1c/apiKeys/none' : 'nobody' })
      .fetchBalance({ v3: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
  });

  it('rejects a stale timestamp / expired token (AuthenticationError)', async () => {
    const client = coinbase(key);
    client.has['fetchCurrencies'] = false;
    await client.loadMarkets();
    // JWTs live 120 s; legacy HMAC timestamps may be 30 s off.
    sim.control.setClockSkew('coinbase', 180_000);
    const error = await client.fetchBalance({ v3: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.AuthenticationError);
    const v2 = await client.v2PrivateGetAccounts().catch((e: unknown) => e);
    expect(String(v2)).toMatch(kind === 'hmac' ? /request timestamp expired/ : /expired_token/);
  });

  it('reports key permissions, can_transfer (withdraw) enabled', async () => {
    const permissions = (await coinbase(key).v3PrivateGetBrokerageKeyPermissions()) as Record<string, unknown>;
    expect(permissions).toMatchObject({ can_view: true, can_trade: true, can_transfer: true, portfolio_type: 'DEFAULT' });
  });
});

describe('coinbase JWT checks', () => {
  it('refuses a token minted for another request line', async () => {
    const client = coinbase(KEYS.ecdsa);
    await client.v3PrivateGetBrokerageKeyPermissions();
    const sent = sim.control.requests({ exchange: 'coinbase', path: '/api/v3/brokerage/key_permissions' })[0];
    const replay = await fetch(`${sim.url}https://api.coinbase.com/api/v3/brokerage/accounts`, {
      headers: { authorization: sent?.headers.authorization ?? '' },
    });
    expect(replay.status).toBe(401);
  });
});
