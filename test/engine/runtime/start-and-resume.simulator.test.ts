import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { testConnection } from '../../../src/connections/connection-tester.js';
import { statusFor } from '../../../src/connections/connection-test.service.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import { ConflictError, ValidationError } from '../../../src/domain/errors.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../../src/exchanges/ccxt/ccxt-exchange.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { liveEngineService, testResult, until } from './live-support.js';
import { connectionView, tempStore, type TestStore } from './support.js';

/**
 * Defects 5 and 14 of issue 12 through unmodified ccxt and the simulator: starts that must be refused
 * are refused before anything is sent (last test failed though health says `degraded`; a timeframe the
 * exchange does not offer), a start that meets an exchange fault runs in an outage instead of failing, and a resume after a
 * restart re-tests the connection (or waits for the exchange) instead of dropping the engine.
 */

const POLL_MS = 360_000;
const SMA = { strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1h' } as const;

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

describe('live starts and resumes (ccxt → simulated Binance and Bybit)', () => {
  let db: TestStore;
  let clock: ManualClock;
  let connections: Map<string, ConnectionView>;
  let apiKey: string;
  const apiSecret = 'ctsstartresumesecret0123456789';
  const services: EngineService[] = [];
  let n = 0;

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.now());
    apiKey = `ctsstart${Date.now().toString(36)}${n++}`;
    for (const exchange of ['binance', 'bybit'] as const) sim.control.addAccount(exchange, { apiKey, secret: apiSecret, balances: { USDT: '100000' } });
    connections = new Map([
      ['binance', connectionView({ id: 'binance', name: 'Live Binance', exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })],
      ['bybit', connectionView({ id: 'bybit', name: 'Live Bybit', exchange: 'bybit', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })],
    ]);
    sim.control.clearRequests();
  });

  afterEach(async () => {
    sim.control.clearFaults();
    for (const s of services.splice(0)) await s.shutdown();
    await db.store.close();
  });

  /** A real connection test against the simulator, stored on the connection as ConnectionTestService does. */
  const tests = {
    count: 0,
    async test(id: string) {
      tests.count++;
      const view = connections.get(id);
      if (!view) throw new Error(`no connection ${id}`);
      const exchange = await createCcxtExchange({
        ccxt,
        gate: limits.gate,
        connection: { id: `${id}-test`, exchange: view.exchange, mode: 'live', credentials: { apiKey, apiSecret }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 1_000 },
      });
      try {
        const result = await testConnection(exchange, { simulated: false, timeoutMs: 5_000 });
        connections.set(id, { ...view, status: statusFor(result), lastTestResult: result });
        return result;
      } finally {
        await exchange.close();
      }
    },
  };

  function service(): EngineService {
    const s = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections, credentials: { apiKey, apiSecret }, timeoutMs: 1_000, extra: { connectionTests: tests } });
    services.push(s);
    return s;
  }

  const eventsOf = async (type: string) => (await db.events.since(0, { limit: 100_000 })).filter((e) => e.type === type);
  const failLastTest = (id: string, status: ConnectionView['status'] = 'degraded') => {
    const view = connections.get(id);
    if (view) connections.set(id, { ...view, status, lastTestResult: testResult('failed') });
  };

  it('refuses a connection whose last test failed even when health says degraded, sending nothing', async () => {
    failLastTest('binance', 'degraded');
    const refused = service().start({ connectionId: 'binance', engineId: 'binance', ...SMA });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(/failed its last test \(unreachable\).*needs a connection whose last test passed/);
    expect(sim.control.requests({ exchange: 'binance' })).toEqual([]);
    expect(await db.engines.all()).toEqual([]);
  });

  it('refuses a timeframe the exchange does not offer (7m on Bybit) before any request', async () => {
    const refused = service().start({ connectionId: 'bybit', engineId: 'bybit', ...SMA, timeframe: '7m' });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow(/does not offer the timeframe "7m"; it offers: 1m, 3m, 5m, 15m/);
    expect(sim.control.requests({ exchange: 'bybit' })).toEqual([]);
    // Binance offers 1s (Bybit does not): the list is the venue's own, from ccxt.
    await expect(service().start({ connectionId: 'bybit', engineId: 'bybit', ...SMA, timeframe: '1s' })).rejects.toThrow(/does not offer the timeframe "1s"/);
  });

  it('a start whose reconciliation hits a 503 runs in an outage, never "started" in error, and reconciles when the exchange is back', async () => {
    sim.control.injectFault({ exchange: 'binance', path: 'openOrders', fault: { kind: 'serverError', status: 503 } });
    const s = service();
    const started = await s.start({ connectionId: 'binance', engineId: 'binance', ...SMA });
    expect(started.state).toBe('running');
    expect(started.exchange).toMatchObject({ reachable: false, lastError: expect.stringMatching(/ExchangeUnavailableError/) });
    expect(await eventsOf('engine.exchange_unreachable')).toHaveLength(1);
    sim.control.clearFaults();
    sim.control.clearRequests();
    await clock.advance(POLL_MS);
    expect(await until(async () => (await s.status('binance')).exchange?.reachable === true, 5_000)).toBe(true);
    // Recovery reconciled (open orders read) before anything else.
    expect(sim.control.requests({ exchange: 'binance' }).some((r) => /openOrders/.test(r.path))).toBe(true);
    expect(await eventsOf('engine.exchange_recovered')).toHaveLength(1);
    expect((await s.status('binance')).state).toBe('running');
  }, 30_000);

  it('resumes after a restart although the last test failed once: the re-test passes and the engine runs', async () => {
    const first = service();
    expect((await first.start({ connectionId: 'binance', engineId: 'binance', ...SMA })).state).toBe('running');
    await first.shutdown();
    failLastTest('binance', 'failing');
    const second = service();
    await second.resumeAll();
    expect(tests.count).toBe(1);
    expect((await second.status('binance')).state).toBe('running');
    expect(connections.get('binance')?.lastTestResult?.outcome).not.toBe('failed');
    expect(await eventsOf('engine.resume_failed')).toEqual([]);
  });

  it('waits while the exchange is down at restart (resume flag kept) and resumes when it is back', async () => {
    const first = service();
    await first.start({ connectionId: 'binance', engineId: 'binance', ...SMA });
    await first.shutdown();
    failLastTest('binance', 'failing');
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'serverError', status: 503 } });
    const second = service();
    await second.resumeAll();
    const waiting = await eventsOf('engine.resume_waiting');
    expect(waiting).toHaveLength(1);
    expect(String(waiting[0]?.payload.reason)).toMatch(/connection test failed/);
    expect(await db.engines.find('binance')).toMatchObject({ state: 'stopped', resume: true, lastError: expect.stringMatching(/^Waiting to resume/) });
    // Still down at the next attempt: it keeps waiting.
    await clock.advance(POLL_MS);
    expect(await until(async () => (await eventsOf('engine.resume_waiting')).length === 2)).toBe(true);
    sim.control.clearFaults();
    await clock.advance(POLL_MS);
    expect(await until(async () => (await second.status('binance')).state === 'running', 5_000)).toBe(true);
    expect(await eventsOf('engine.resume_failed')).toEqual([]);
    expect((await db.engines.find('binance'))?.resume).toBe(true);
  }, 30_000);

  it('a user stop cancels a waiting resume: flag cleared, no further attempt', async () => {
    const first = service();
    await first.start({ connectionId: 'binance', engineId: 'binance', ...SMA });
    await first.shutdown();
    sim.control.injectFault({ exchange: 'binance', fault: { kind: 'serverError', status: 503 } });
    const second = service();
    await second.resumeAll();
    expect(await eventsOf('engine.resume_waiting')).toHaveLength(1);
    const stopped = await second.stop('binance');
    expect(stopped).toMatchObject({ state: 'stopped', resumeOnRestart: false });
    expect(await eventsOf('engine.resume_cancelled')).toHaveLength(1);
    sim.control.clearFaults();
    sim.control.clearRequests();
    await clock.advance(POLL_MS);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.control.requests({ exchange: 'binance' })).toEqual([]);
    expect(await eventsOf('engine.resume_waiting')).toHaveLength(1);
  });

  it('gives up only on what a human must fix: the key rejected by the re-test', async () => {
    const first = service();
    await first.start({ connectionId: 'bybit', engineId: 'bybit', ...SMA });
    await first.shutdown();
    failLastTest('bybit', 'failing');
    sim.control.removeAccount('bybit', apiKey);
    const second = service();
    await second.resumeAll();
    const failed = await eventsOf('engine.resume_failed');
    expect(failed).toHaveLength(1);
    expect(String(failed[0]?.payload.error)).toMatch(/Could not resume after restart: the connection test failed \(authentication/);
    expect(await db.engines.find('bybit')).toMatchObject({ state: 'stopped', resume: false });
    expect(await eventsOf('engine.resume_waiting')).toEqual([]);
  });
});
