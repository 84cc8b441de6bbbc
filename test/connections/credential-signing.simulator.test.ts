import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { testConnection } from '../../src/connections/connection-tester.js';
import { AuthenticationFailedError, CredentialFormatError, RetryLaterError } from '../../src/domain/errors.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/**
 * A secret that ccxt cannot sign with (here a Kraken secret that is not base64; the API refuses such a
 * secret at create, but rows stored before that rule, or a format ccxt changes, still reach the
 * adapter) fails locally: the adapter says so as a non-retryable credential error, and nothing
 * private is sent.
 */
const KEY = 'ctssignkey0123456789abcdef';
let sim: RunningSimulator;
let ccxt: CcxtModules;

beforeAll(async () => {
  sim = await startSimulator();
  ccxt = await loadCcxt();
  sim.control.addAccount('kraken', { apiKey: KEY, secret: Buffer.alloc(64, 1).toString('base64'), balances: { USD: '100' } });
});
afterAll(async () => {
  await sim.close();
});

const kraken = (apiSecret: string) =>
  createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: 'conn-kraken-sign', exchange: 'kraken', mode: 'live', credentials: { apiKey: KEY, apiSecret }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 3_000 },
  });

describe('a secret ccxt cannot sign with', () => {
  it('is "secret format invalid": an authentication-class error, not retryable, and nothing private was sent', async () => {
    const exchange = await kraken('this is not base64!!');
    sim.control.clearRequests();
    const error = await exchange.fetchBalances().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialFormatError);
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect(error).not.toBeInstanceOf(RetryLaterError);
    expect((error as Error).message).toMatch(/Kraken: secret format invalid/);
    expect((error as Error).message).toMatch(/nothing was sent/);
    expect((error as Error).message).not.toContain('this is not base64!!');
    expect(sim.control.requests({ exchange: 'kraken' }).filter((r) => r.path.startsWith('/0/private/'))).toEqual([]);
  });

  it('the connection test reports the credential problem plainly', async () => {
    const exchange = await kraken('this is not base64!!');
    const result = await testConnection(exchange, { simulated: false, timeoutMs: 5_000 });
    expect(result.outcome).toBe('failed');
    expect(result.summary).toBe('secret format invalid');
    const auth = result.steps.find((s) => s.name === 'authentication');
    expect(auth).toMatchObject({ outcome: 'failed', details: { code: 'authentication_failed', retryable: false, secretFormatInvalid: true } });
    expect(auth?.message).toMatch(/secret format invalid .* nothing was sent/);
    expect(JSON.stringify(result)).not.toContain('this is not base64!!');
  });

  it('a well-formed but wrong secret still reaches Kraken and is refused there as authentication failed', async () => {
    const exchange = await kraken(Buffer.alloc(64, 2).toString('base64'));
    const result = await testConnection(exchange, { simulated: false, timeoutMs: 5_000 });
    expect(result.summary).toBe('authentication failed');
    expect(sim.control.requests({ exchange: 'kraken' }).some((r) => r.path.startsWith('/0/private/'))).toBe(true);
  });
});
