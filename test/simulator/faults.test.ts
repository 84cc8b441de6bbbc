import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRuleInput } from '../../simulator/core/schemas.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { amountOf, binanceClient, bybitClient, provisionDefaults } from './clients.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  provisionDefaults(sim);
});

type Fault = FaultRuleInput['fault'];
type ErrorClass = new (...args: never[]) => Error;

/** What unmodified ccxt makes of each injected fault (exchange-limits.md, "Error mapping quirks"). */
const cases: Array<{ fault: Fault; binance: ErrorClass; bybit: ErrorClass; status: number | null }> = [
  { fault: { kind: 'rateLimit', retryAfterSec: 3 }, binance: ccxt.DDoSProtection, bybit: ccxt.RateLimitExceeded, status: 429 },
  { fault: { kind: 'ban', retryAfterSec: 120 }, binance: ccxt.DDoSProtection, bybit: ccxt.RateLimitExceeded, status: 418 },
  { fault: { kind: 'rateLimit', status: 403 }, binance: ccxt.RateLimitExceeded, bybit: ccxt.RateLimitExceeded, status: 403 },
  { fault: { kind: 'serverError', status: 500 }, binance: ccxt.ExchangeNotAvailable, bybit: ccxt.ExchangeNotAvailable, status: 500 },
  { fault: { kind: 'serverError', status: 502 }, binance: ccxt.ExchangeNotAvailable, bybit: ccxt.ExchangeNotAvailable, status: 502 },
  { fault: { kind: 'serverError', status: 503 }, binance: ccxt.ExchangeNotAvailable, bybit: ccxt.ExchangeNotAvailable, status: 503 },
  { fault: { kind: 'serverError', status: 504 }, binance: ccxt.RequestTimeout, bybit: ccxt.RequestTimeout, status: 504 },
  { fault: { kind: 'timeout' }, binance: ccxt.RequestTimeout, bybit: ccxt.RequestTimeout, status: null },
  { fault: { kind: 'reset' }, binance: ccxt.NetworkError, bybit: ccxt.NetworkError, status: null },
  { fault: { kind: 'authFailure' }, binance: ccxt.AuthenticationError, bybit: ccxt.AuthenticationError, status: 401 },
];

const clients = { binance: binanceClient, bybit: bybitClient } as const;

describe.each(['binance', 'bybit'] as const)('injected faults seen through ccxt: %s', (exchange) => {
  it.each(cases)('$fault.kind (HTTP $status) → the expected ccxt error', async ({ fault, status, ...expected }) => {
    const ex = clients[exchange](sim, { timeout: 300 });
    await ex.loadMarkets();
    sim.control.injectFault({ exchange, times: 1, fault });
    await expect(ex.fetchBalance()).rejects.toThrow(expected[exchange]);
    const last = sim.control.requests({ exchange }).at(-1);
    expect(last?.fault).toBe(fault.kind);
    // Bybit answers its auth errors inside a 200 envelope; Binance with 401.
    expect(last?.status).toBe(fault.kind === 'authFailure' && exchange === 'bybit' ? 200 : status);
    // Counted rules expire: the next call goes through.
    expect(amountOf((await ex.fetchBalance()).total, 'USDT')).toBe(10000);
  });

  it('garbage bodies are not errors to ccxt: it returns empty or undefined values', async () => {
    const ex = clients[exchange](sim);
    await ex.loadMarkets();
    for (const mode of ['html', 'truncated', 'empty'] as const) {
      sim.control.injectFault({ exchange, times: 1, fault: { kind: 'garbage', mode } });
      expect(await ex.fetchTime()).toBeUndefined();
      sim.control.injectFault({ exchange, times: 1, fault: { kind: 'garbage', mode } });
      expect((await ex.fetchBalance()).total).toEqual({});
    }
    sim.control.injectFault({ exchange, times: 1, fault: { kind: 'garbage', mode: 'wrongShape' } });
    // Bybit reads a missing retCode as an error; Binance just finds no fields.
    if (exchange === 'bybit') await expect(ex.fetchTime()).rejects.toThrow(ccxt.ExchangeError);
    else expect(await ex.fetchTime()).toBeUndefined();
  });

  it('a 429 carries Retry-After and the exchange rate-limit body', async () => {
    const ex = clients[exchange](sim);
    sim.control.injectFault({ exchange, path: 'time', times: 1, fault: { kind: 'rateLimit', retryAfterSec: 7 } });
    await expect(ex.fetchTime()).rejects.toThrow(/-1003|10006/);
    expect(ex.last_response_headers?.['Retry-After']).toBe('7');
  });
});

describe('fault rules', () => {
  it('match by path and method, stack latency, and last until cleared when uncounted', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    const rule = sim.control.injectFault({ exchange: 'binance', path: '/api/v3/order', method: 'post', fault: { kind: 'serverError', status: 503 } });
    sim.control.injectFault({ exchange: 'binance', path: '/api/v3/time', fault: { kind: 'latency', ms: 120 } });
    const started = performance.now();
    await ex.fetchTime();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect((await ex.fetchOpenOrders('BTC/USDT')).length).toBe(0); // GET on the order path family: untouched
    for (let i = 0; i < 2; i++) await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30000)).rejects.toThrow(ccxt.ExchangeNotAvailable);
    expect(sim.control.faults().find((f) => f.id === rule.id)?.hits).toBe(2);
    expect(sim.control.clearFaults(rule.id)).toBe(true);
    expect((await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30000)).status).toBe('open');
  });

  it('only hit the named exchange', async () => {
    sim.control.injectFault({ exchange: 'bybit', fault: { kind: 'serverError', status: 500 } });
    expect(await binanceClient(sim).fetchTime()).toBeGreaterThan(0);
    await expect(bybitClient(sim).fetchTime()).rejects.toThrow(ccxt.ExchangeNotAvailable);
  });
});
