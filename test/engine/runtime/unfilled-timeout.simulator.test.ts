import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { NO_INTENTS, defineStrategy, type Intent } from '../../../src/engine/strategy.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount } from './live-support.js';

/**
 * `unfilledTimeout` on a live engine against the simulator (Binance spot, unmodified ccxt): an entry
 * limit left unfilled is cancelled and placed again at the last price, between candles; an exit
 * limit is only cancelled; a strategy's resting `place` order is left alone. Every step is an order
 * the order manager stored before it was sent.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

/** Intents the test queues, returned on the next candle. */
let queued: Intent[] = [];
const scripted = defineStrategy({
  id: 'scripted-unfilled',
  name: 'Scripted',
  description: 'returns the intents the test queued, once',
  params: z.object({}).strict(),
  warmup: () => 0,
  create: () => ({
    warmup: 0,
    onCandle: (): readonly Intent[] => {
      const next = queued;
      queued = [];
      return next.length > 0 ? next : NO_INTENTS;
    },
  }),
});

const paths = new Map<string, ScriptedPath>();
const lab = useCcxtSimulator({
  simulator: { priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (_, previous) => previous ?? '100' })).get(market.symbol) as ScriptedPath },
});
const account = useSimulatorAccount(lab, { exchange: 'binance', balances: { USDT: '10000' } });

describe('unfilled limit orders time out on a live engine (binance spot, simulator)', () => {
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = 'unfilled-binance';

  beforeEach(() => {
    queued = [];
    clock = new ManualClock((paths.get('BTC/USDT') as ScriptedPath).formingSince + 60_000);
    service = liveEngineService({
      db: account.db,
      clock,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      // The order stream books a market order's fill at once (without it, at the next candle's sync).
      streams: true,
      connections: new Map([[connectionId, connectionView({ id: connectionId, exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: account.credentials,
      extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scripted]), reconcileEveryMs: 24 * HOUR },
    });
  });

  afterEach(async () => {
    await service.shutdown();
  });

  const orders = () => account.db.orders.listOrders(connectionId);
  const events = async (type: string) => (await service.events(0, { limit: 1000, engineId: connectionId })).filter((e) => e.type === type);
  /** Moves the engine's clock in ticker-sized steps until `done`. */
  const tickUntil = (done: () => Promise<boolean>) =>
    until(async () => {
      await clock.advance(2_000);
      return done();
    }, 8_000);

  const start = (unfilledTimeout: Record<string, unknown>) =>
    service.start({ connectionId, engineId: connectionId, strategy: 'scripted-unfilled', params: {}, symbol: 'BTC/USDT', timeframe: '1h', risk: { unfilledTimeout } });
  /** Queues intents, then lets the next candle close (the strategy returns them on it): the engine's clock reaches the close, then the exchange closes it. */
  const nextCandle = async (intents: Intent[]) => {
    queued = intents;
    const closeAt = (paths.get('BTC/USDT') as ScriptedPath).formingSince + HOUR;
    await clock.advance(Math.max(0, closeAt - clock.now()));
    lab.sim.control.step();
  };

  it('re-prices an unfilled entry at the last price once its time is up, then (maxReprices spent) only cancels it; a resting place order is left alone', async () => {
    const started = await start({ entrySeconds: 60, action: 'reprice', maxReprices: 1 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await nextCandle([
      { kind: 'enter', side: 'long', size: { base: '0.5' }, price: '95', reason: 'dip buy' },
      { kind: 'place', side: 'buy', amount: '0.1', price: '90', tag: 'ladder' },
    ]);
    expect(await until(async () => (await orders()).filter((o) => o.status === 'open').length === 2, 3_000)).toBe(true);
    const entry = (await orders()).find((o) => o.price === '95');
    expect(entry?.expiresAt).toBe(new Date(clock.now() + 60_000).toISOString());
    expect((await orders()).find((o) => o.tag === 'ladder')?.expiresAt).toBeNull();

    // A minute later, between candles: cancelled, and the 0.5 placed again at the last price (100).
    expect(await tickUntil(async () => (await orders()).some((o) => o.price === '100' && o.status === 'open'))).toBe(true);
    // Between candles: long before the next close (the test's clock runs in 2 s steps, faster than a loaded machine answers).
    const expired = (await events('order.unfilled_timeout'))[0];
    expect(Date.parse(expired?.time ?? '')).toBeLessThan(Date.parse(entry?.expiresAt ?? '') + HOUR / 2);
    let all = await orders();
    expect(all.find((o) => o.clientOrderId === entry?.clientOrderId)?.status).toBe('canceled');
    const repriced = all.find((o) => o.price === '100');
    expect(repriced).toMatchObject({ side: 'buy', amount: '0.5', reason: 're-priced: unfilled at 95 (unfilledTimeout)' });
    expect(repriced?.expiresAt).not.toBeNull();

    // Unfilled again a minute later: the one re-price allowed is spent, so it is only cancelled.
    expect(await tickUntil(async () => (await events('order.unfilled_timeout')).length === 2)).toBe(true);
    all = await orders();
    expect(all.find((o) => o.clientOrderId === repriced?.clientOrderId)?.status).toBe('canceled');
    expect(all.filter((o) => o.status === 'open').map((o) => o.tag)).toEqual(['ladder']);
    expect((await events('order.unfilled_timeout')).map((e) => [e.payload['clientOrderId'], e.payload['action']])).toEqual([
      [entry?.clientOrderId, 'reprice'],
      [repriced?.clientOrderId, 'cancel'],
    ]);
    expect(await service.trades(connectionId)).toEqual([]);
  });

  it('cancels an unfilled exit after exitSeconds and places nothing again (action cancel); the position stays', async () => {
    const started = await start({ exitSeconds: 30 });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    // The order stream is subscribed (candles + the user data stream) before the market buy fills.
    expect(await until(async () => lab.sim.streamingSockets('binance') >= 2, 5_000)).toBe(true);
    await nextCandle([{ kind: 'enter', side: 'long', size: { base: '0.5' }, reason: 'market buy' }]);
    expect(await until(async () => (await service.trades(connectionId)).length === 1, 3_000)).toBe(true);
    const held = (await service.status(connectionId)).positions.find((p) => p.symbol === 'BTC/USDT')?.quantity;
    await nextCandle([{ kind: 'exit', price: '110', reason: 'target' }]);
    expect(await until(async () => (await orders()).some((o) => o.price === '110' && o.status === 'open'), 3_000)).toBe(true);
    const exit = (await orders()).find((o) => o.price === '110');
    expect(exit?.expiresAt).toBe(new Date(clock.now() + 30_000).toISOString());
    expect(await tickUntil(async () => (await events('order.unfilled_timeout')).length === 1)).toBe(true);
    expect((await orders()).find((o) => o.clientOrderId === exit?.clientOrderId)?.status).toBe('canceled');
    expect((await orders()).filter((o) => o.status === 'open')).toEqual([]);
    expect((await events('order.unfilled_timeout'))[0]?.payload).toMatchObject({ action: 'cancel', price: '110' });
    expect((await service.status(connectionId)).positions.find((p) => p.symbol === 'BTC/USDT')?.quantity).toBe(held);
  });

  it('without the order stream, a market order that filled in its answer has its trade booked within seconds, not at the next close', async () => {
    const polling = liveEngineService({
      db: account.db,
      clock,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      streams: false,
      connections: new Map([[connectionId, connectionView({ id: connectionId, exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: account.credentials,
      extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scripted]), reconcileEveryMs: 24 * HOUR },
    });
    try {
      const started = await polling.start({ connectionId, engineId: connectionId, strategy: 'scripted-unfilled', params: {}, symbol: 'BTC/USDT', timeframe: '1h' });
      expect(started.state, JSON.stringify(started.lastError)).toBe('running');
      await nextCandle([{ kind: 'enter', side: 'long', size: { base: '0.5' }, reason: 'market buy' }]);
      expect(await until(async () => (await orders()).some((o) => o.status === 'closed'), 3_000)).toBe(true);
      const filledAt = clock.now();
      // A second of clock at a time, each given real time to finish what it started: the clock then
      // says when the trade was booked, not when the test happened to look.
      let booked = false;
      for (let waited = 0; waited < 10_000 && !booked; waited += 1_000) {
        await clock.advance(1_000);
        booked = await until(async () => (await polling.trades(connectionId)).length === 1, 300);
      }
      expect(booked).toBe(true);
      expect(clock.now() - filledAt).toBeLessThanOrEqual(4_000);
      expect((await polling.status(connectionId)).positions.find((p) => p.symbol === 'BTC/USDT')?.quantity).not.toBe('0');
    } finally {
      await polling.shutdown();
    }
  });
});
