import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RandomWalkPath } from '../../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import type { EngineStatus } from '../../../src/domain/engine-status.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { ScriptedPath } from '../crash/scripted-path.js';
import { connectionView, tempStore, type TestStore } from './support.js';
import { liveEngineService, testResult } from './live-support.js';

/**
 * Issue 12, defect 1: emergency stop with flatten on a live Bybit spot grid (ccxt → simulator) while
 * two resting buys fill during the cancels. The first cancel is held by the simulator (latency); the
 * price dips meanwhile and the buys at 0.51 and 0.49 fill. The flatten must be sized from the position
 * AFTER those fills, and the account must end flat at the simulator. When the flatten cannot complete
 * (the exchange answers every create with 503), the event, the status and lastError must say so.
 */

const POLL_MS = 6_000; // the live feed polls every tenth of a 1 m candle
const SIZE = '20'; // 20 × 0.45 = 9 USDT, above the 5 USDT minimum order value
const GRID = { lower: '0.45', upper: '0.53', levels: 5, sizePerLevel: SIZE };
const CANCEL = '/v5/order/cancel';
const CREATE = '/v5/order/create';

const scripted = new ScriptedPath(Date.now() - 7 * 86_400_000);
let sim: RunningSimulator;
let ccxt: CcxtModules;
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator({
    priceSource: (market, seed) => (market.symbol === 'XRP/USDT' ? scripted : new RandomWalkPath({ seed, start: '3000', tickSize: market.tickSize })),
  });
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await pause(10);
  }
}

describe('emergency stop with flatten: live grid → ccxt → simulated bybit', () => {
  let db: TestStore;
  let service: EngineService;
  let clock: ManualClock;
  let apiKey: string;
  const connectionId = 'flatten-bybit';

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.now());
    apiKey = `ctsflat${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const secret = 'ctsflattensecret0123456789';
    sim.control.addAccount('bybit', { apiKey, secret, balances: { USDT: '10000' } });
    service = liveEngineService({ db, clock, sim, ccxt, gate: limits.gate, connections: new Map([[connectionId, connectionView({ id: connectionId, name: 'Live bybit', exchange: 'bybit', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]), credentials: { apiKey, apiSecret: secret } });
  });

  afterEach(async () => {
    sim.control.clearFaults();
    await service.shutdown();
    sim.control.removeAccount('bybit', apiKey);
    await db.store.close();
  });

  const heldXrp = () => {
    const b = sim.control.account('bybit', apiKey)?.balances['XRP'];
    return new Dec(b?.free ?? '0').add(b?.used ?? '0');
  };
  const openAtSim = () => sim.control.venue('bybit').orders(apiKey, { symbol: 'XRP/USDT', open: true });
  const events = async () => (await db.events.since(0, { limit: 10_000, engineId: connectionId })).map((e) => ({ type: e.type, payload: e.payload }));

  /** Starts the grid and lets it place its four resting buys (0.45, 0.47, 0.49, 0.51). */
  async function startGrid(): Promise<void> {
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'grid', params: GRID, symbol: 'XRP/USDT', timeframe: '1m' });
    expect(started.state, started.lastError ?? '').toBe('running');
    for (let i = 0; i < 10 && openAtSim().length < 4; i++) {
      scripted.next('calm');
      sim.control.step();
      await clock.advance(POLL_MS);
      await pause(150);
    }
    await until('four resting buys', () => openAtSim().length === 4);
    expect(openAtSim().map((o) => o.price).sort()).toEqual(['0.45', '0.47', '0.49', '0.51']);
  }

  /** Emergency stop with flatten while the clock moves on (the flatten polls on the engine's clock). */
  async function emergencyStopFlatten(during?: () => Promise<void>): Promise<EngineStatus> {
    let done = false;
    const stopping = service.emergencyStop(connectionId, { flatten: true }).finally(() => (done = true));
    if (during) await during();
    while (!done) {
      await clock.advance(250);
      await pause(20);
    }
    return stopping;
  }

  it('two buys fill while they are cancelled: the flatten sells them too and the account ends flat', async () => {
    await startGrid();
    // The simulator holds the first cancel (0.45) for 800 ms; meanwhile the price dips to 0.49.
    sim.control.injectFault({ exchange: 'bybit', method: 'POST', path: CANCEL, times: 1, fault: { kind: 'latency', ms: 800 } });
    const status = await emergencyStopFlatten(async () => {
      await until('the first cancel to reach the simulator', () => sim.control.requests({ exchange: 'bybit', method: 'POST', path: CANCEL }).some((r) => r.outcome === 'pending'));
      scripted.next('dip');
      sim.control.step();
      scripted.next('calm');
    });

    expect(status.state).toBe('stopped');
    expect(status.flatten, JSON.stringify(status.flatten)).toMatchObject({ state: 'flat', reason: null });
    expect(status.lastError).toBeNull();
    // The account holds no XRP a market order could still sell (below the 0.1 step), nothing rests.
    expect(heldXrp().lt('0.1'), heldXrp().toFixed()).toBe(true);
    expect(openAtSim()).toEqual([]);
    // Both buys' fills were applied before the flatten was sized: it sold 39.9 (what the account holds, to the 0.1 step).
    const fills = await service.trades(connectionId);
    expect(fills.filter((f) => f.side === 'buy').map((f) => f.price).sort()).toEqual(['0.49', '0.51']);
    const sold = fills.filter((f) => f.side === 'sell').reduce((s, f) => s.add(f.amount), new Dec(0));
    expect(sold.toFixed()).toBe('39.9');
    const log = await events();
    expect(log.map((e) => e.type)).toContain('engine.flattened');
    expect(log.map((e) => e.type)).not.toContain('engine.flatten_incomplete');
    expect(log.find((e) => e.type === 'engine.stopped')?.payload).toMatchObject({ flatten: true, flattenState: 'flat' });
  }, 60_000);

  it('an emergency stop without flatten sends a cancel again after a 503, and leaves nothing resting', async () => {
    await startGrid();
    // The first two cancels are answered 503: before, the stop gave up and answered "stopped" with orders resting.
    sim.control.injectFault({ exchange: 'bybit', method: 'POST', path: CANCEL, times: 2, fault: { kind: 'serverError', status: 503 } });
    let done = false;
    const stopping = service.emergencyStop(connectionId).finally(() => (done = true));
    while (!done) {
      await clock.advance(250);
      await pause(20);
    }
    const status = await stopping;
    expect(status.state).toBe('stopped');
    expect(openAtSim()).toEqual([]);
    expect(status.lastError).toBeNull();
  }, 60_000);

  it('a flatten the exchange will not take is reported loudly: event, status and lastError, never "flat"', async () => {
    await startGrid();
    scripted.next('dip');
    sim.control.step();
    scripted.next('calm');
    await clock.advance(POLL_MS);
    await until('the engine to apply both fills', async () => (await service.trades(connectionId)).length === 2);
    // From now on every create is answered 503: the flatten order's outcome stays unknown.
    sim.control.injectFault({ exchange: 'bybit', method: 'POST', path: CREATE, fault: { kind: 'serverError', status: 503 } });
    const status = await emergencyStopFlatten();

    expect(status.state).toBe('stopped');
    expect(status.flatten.state).toBe('incomplete');
    expect(new Dec(status.flatten.remaining).gte('39.9'), status.flatten.remaining).toBe(true);
    expect(status.flatten.reason).toMatch(/flatten order/);
    expect(status.lastError).toMatch(/^Flatten incomplete: 39\.96 XRP remain — /);
    expect(heldXrp().gte('39.9')).toBe(true);
    const log = await events();
    const incomplete = log.find((e) => e.type === 'engine.flatten_incomplete');
    // What the account holds: 40 bought, 0.04 of it taken as the fee in XRP.
    expect(incomplete?.payload).toMatchObject({ remaining: '39.96' });
    expect(log.map((e) => e.type)).not.toContain('engine.flattened');
    expect(log.find((e) => e.type === 'engine.stopped')?.payload).toMatchObject({ flatten: true, flattenState: 'incomplete' });
  }, 60_000);
});
