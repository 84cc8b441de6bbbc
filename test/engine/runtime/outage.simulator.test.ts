import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { liveEngineService, testResult, until } from './live-support.js';
import { connectionView, tempStore, type TestStore } from './support.js';

/**
 * Defect 3 of issue 12 through unmodified ccxt and the simulator: an exchange outage far longer than
 * the old retry budget (5 failures in ~9.5 s) leaves the engine running and saying "exchange
 * unreachable since …"; when the exchange answers again it reconciles first and trades on. Only an
 * error a human must fix (the key revoked) ends it, at once.
 */

const POLL_MS = 360_000; // the live feed polls every tenth of a 1 h candle

let sim: RunningSimulator;
let ccxt: CcxtModules;
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

interface Harness {
  db: TestStore;
  clock: ManualClock;
  service: EngineService;
  id: string;
  apiKey: string;
}

async function harness(exchange: 'binance' | 'bybit', tag = 'outage'): Promise<Harness> {
  const db = await tempStore();
  const clock = new ManualClock(Date.now());
  const apiKey = `cts${tag}${exchange}${Date.now().toString(36)}`;
  const apiSecret = `cts${exchange}outagesecret0123456789`;
  const id = `${tag}-${exchange}`;
  sim.control.addAccount(exchange, { apiKey, secret: apiSecret, balances: { USDT: '100000' } });
  const connections = new Map<string, ConnectionView>([
    [id, connectionView({ id, name: `Live ${exchange}`, exchange, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })],
  ]);
  const service = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections, credentials: { apiKey, apiSecret }, timeoutMs: 1_000 });
  return { db, clock, service, id, apiKey };
}

const eventsOf = async (h: Harness, type: string) => (await h.db.events.since(0, { limit: 100_000 })).filter((e) => e.type === type);

/** One poll interval of engine time, with a new simulator candle; waits (real time) until `done`. */
async function poll(h: Harness, done: () => Promise<boolean>): Promise<boolean> {
  sim.control.step();
  await h.clock.advance(POLL_MS);
  return until(done);
}

async function pollUntil(h: Harness, done: () => Promise<boolean>, rounds: number): Promise<boolean> {
  for (let i = 0; i < rounds; i++) if (await poll(h, done)) return true;
  return false;
}

describe('a live engine through an exchange outage (ccxt → simulated Binance)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness('binance');
  });

  afterAll(async () => {
    sim.control.clearFaults();
    await h.service.shutdown();
    await h.db.store.close();
  });

  it('stays running as "exchange unreachable since …" through 503s and timeouts, then reconciles and trades again', async () => {
    const started = await h.service.start({ connectionId: h.id, engineId: h.id, strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect(started.state).toBe('running');
    expect(started.exchange).toEqual({ reachable: true, since: null, lastError: null, attempts: 0 });
    expect(await pollUntil(h, async () => (await h.service.orders(h.id)).length > 0, 80)).toBe(true);

    const retries = async () => (await eventsOf(h, 'engine.retry')).length;
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'serverError', status: 503 } });
    const outageStarted = h.clock.now();
    for (let i = 0; i < 10; i++) {
      const before = await retries();
      expect(await poll(h, async () => (await retries()) > before)).toBe(true);
    }
    // Then the exchange stops answering at all: each request times out at the client.
    sim.control.clearFaults();
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'timeout' } });
    for (let i = 0; i < 3; i++) {
      const before = await retries();
      expect(await poll(h, async () => (await retries()) > before)).toBe(true);
    }

    const during = await h.service.status(h.id);
    expect(during.state).toBe('running');
    expect(during.exchange?.reachable).toBe(false);
    const since = Date.parse(during.exchange?.since ?? '');
    expect(since).toBeGreaterThanOrEqual(outageStarted); // the first failed request, in the first poll of the outage
    expect(since).toBeLessThanOrEqual(outageStarted + POLL_MS);
    expect(during.exchange?.attempts).toBeGreaterThanOrEqual(13);
    expect(during.exchange?.lastError).toMatch(/RetryLaterError: Binance did not answer in time/);
    expect(h.clock.now() - since).toBeGreaterThan(60 * 60_000); // over an hour of engine time
    expect(await eventsOf(h, 'engine.exchange_unreachable')).toHaveLength(1);
    expect((await eventsOf(h, 'engine.retry')).every((e) => e.payload.transient === true)).toBe(true);
    expect(await eventsOf(h, 'engine.error')).toHaveLength(0);

    // The exchange is back.
    sim.control.clearFaults();
    sim.control.clearRequests();
    const ordersBefore = (await h.service.orders(h.id)).length;
    expect(await pollUntil(h, async () => (await eventsOf(h, 'engine.exchange_recovered')).length === 1, 5)).toBe(true);
    const recovered = (await eventsOf(h, 'engine.exchange_recovered'))[0];
    expect(recovered?.payload).toMatchObject({ since: during.exchange?.since, attempts: during.exchange?.attempts });
    // Reconciled before anything else: open orders are read before the next candle or any new order.
    const paths = sim.control.requests({ exchange: 'binance' }).map((r) => `${r.method} ${r.path}`);
    const firstOpenOrders = paths.findIndex((p) => p.includes('/openOrders'));
    expect(firstOpenOrders).toBeGreaterThanOrEqual(0);
    const firstKlines = paths.findIndex((p) => p.includes('/klines'));
    expect(firstKlines === -1 || firstOpenOrders < firstKlines).toBe(true);
    const firstCreate = paths.findIndex((p) => p === 'POST /api/v3/order');
    expect(firstCreate === -1 || firstOpenOrders < firstCreate).toBe(true);

    // …and trades again by itself.
    expect(await pollUntil(h, async () => (await h.service.orders(h.id)).length > ordersBefore, 80)).toBe(true);
    const after = await h.service.status(h.id);
    expect(after.state).toBe('running');
    expect(after.exchange).toEqual({ reachable: true, since: null, lastError: null, attempts: 0 });
  }, 120_000);
});

describe('a live engine whose key is revoked (ccxt → simulated Bybit)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness('bybit');
  });

  afterAll(async () => {
    await h.service.shutdown();
    await h.db.store.close();
  });

  it('ends at once on the authentication error, without retries', async () => {
    await h.service.start({ connectionId: h.id, engineId: h.id, strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect(await pollUntil(h, async () => (await h.service.orders(h.id)).length > 0, 80)).toBe(true);
    sim.control.removeAccount('bybit', h.apiKey);
    expect(await pollUntil(h, async () => (await h.service.status(h.id)).state === 'error', 40)).toBe(true);
    const status = await h.service.status(h.id);
    expect(status.lastError).toMatch(/AuthenticationFailedError/);
    expect(status.resumeOnRestart).toBe(false);
    expect(await eventsOf(h, 'engine.retry')).toHaveLength(0);
    expect(await eventsOf(h, 'engine.exchange_unreachable')).toHaveLength(0);
  }, 60_000);
});
