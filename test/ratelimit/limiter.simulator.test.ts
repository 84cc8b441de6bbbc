import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimitedError } from '../../src/domain/errors.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { createExchangeGate, type ExchangeGateSetup } from '../../src/exchanges/exchange-gate.js';

const KEY = 'ctslimiterkey0123456789';
const SECRET = 'ctslimitersecret0123456789';

let sim: RunningSimulator;
let ccxt: CcxtModules;
let clock: ManualClock;
let limits: ExchangeGateSetup;
let exchange: CcxtExchange;

beforeAll(async () => {
  sim = await startSimulator();
  sim.control.addAccount('binance', { apiKey: KEY, secret: SECRET, balances: { USDT: '100' } });
  ccxt = await loadCcxt();
});
afterAll(async () => sim.close());

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  limits = createExchangeGate({ clock });
  exchange = await createCcxtExchange({
    ccxt,
    gate: limits.gate,
    clock,
    connection: { id: 'conn-limits', exchange: 'binance', mode: 'live', credentials: { apiKey: KEY, apiSecret: SECRET }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 3000 },
  });
  sim.control.clearFaults();
  sim.control.clearRequests();
});
afterEach(async () => {
  await exchange.close();
  await limits.close();
});

const realWait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sent = () => sim.control.requests({ exchange: 'binance' }).length;

describe('the limiter in front of ccxt, against the simulator', () => {
  it('after a 429 with Retry-After: 2, nothing reaches the exchange for 2 s (injected clock), then traffic resumes', async () => {
    sim.control.injectFault({ exchange: 'binance', times: 1, fault: { kind: 'rateLimit', retryAfterSec: 2 } });
    const error = await exchange.fetchServerTime().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(2000);
    expect(sent()).toBe(1);

    const waiting = exchange.fetchServerTime();
    await realWait(250);
    expect(sent()).toBe(1);
    await clock.advance(1_900);
    await realWait(150);
    expect(sent()).toBe(1);
    expect((await limits.pauses()).length).toBeGreaterThan(0);
    await clock.advance(200);
    expect(typeof (await waiting)).toBe('number');
    expect(sent()).toBe(2);
  });

  it('a 418 ban pauses the IP scope and is reported as a ban', async () => {
    const paused: { scope: string; reason: string }[] = [];
    limits.limiter.on((e) => {
      if (e.type === 'paused') paused.push(e);
    });
    sim.control.injectFault({ exchange: 'binance', times: 1, fault: { kind: 'ban', retryAfterSec: 120, status: 418 } });
    const error = await exchange.fetchServerTime().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).banned).toBe(true);
    expect(paused.some((p) => p.scope.startsWith('binance|ip|') && p.reason.includes('banned'))).toBe(true);
    const waiting = exchange.fetchServerTime();
    await realWait(200);
    expect(sent()).toBe(1);
    await clock.advance(120_100);
    await waiting;
    expect(sent()).toBe(2);
  });

  it('a usage header reporting a nearly full weight bucket holds the next request until the window turns', async () => {
    // As if other processes behind this IP had used the whole minute's weight.
    await limits.gate.run(
      { exchange: 'binance', accountKey: 'conn-limits', method: 'GET', path: '/api/v3/time', lane: 'read' },
      async (report) => report({ status: 200, headers: { 'x-mbx-used-weight-1m': '6000' } }),
    );
    const before = sent();
    const waiting = exchange.fetchServerTime();
    await realWait(200);
    expect(sent()).toBe(before);
    await clock.advance(61_000);
    await waiting;
    expect(sent()).toBe(before + 1);
  });
});
