import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../../src/domain/clock.js';
import { AuthenticationFailedError, ExchangeUnavailableError, RateLimitedError } from '../../../src/domain/errors.js';
import { EngineService } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory, type VenueFactory } from '../../../src/engine/runtime/venue.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type Intent } from '../../../src/engine/strategy.js';
import { FaultyExchange, FaultyFeed, connectionView, tempStore, type TestStore } from './support.js';

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');

/** Throws on every third candle: the engine must record it and carry on. */
const flaky = defineStrategy({
  id: 'flaky',
  name: 'Flaky',
  description: 'throws now and then',
  params: z.object({}).strict(),
  warmup: () => 0,
  create: () => {
    let n = 0;
    return { warmup: 0, onCandle: () => (++n % 3 === 0 ? (() => { throw new Error('bug in strategy'); })() : NO_INTENTS) };
  },
});

/** Enters and exits on alternate candles: every round trip pays two fees, so the daily loss grows. */
const churn = defineStrategy({
  id: 'churn',
  name: 'Churn',
  description: 'round trips every two candles',
  params: z.object({}).strict(),
  warmup: () => 0,
  create: () => ({
    warmup: 0,
    onCandle: (s): readonly Intent[] =>
      s.openOrders.length > 0 ? NO_INTENTS : s.position.side === 'flat' ? [{ kind: 'enter', side: 'long', size: { quote: '5000' } }] : [{ kind: 'exit' }],
  }),
});

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('engine runner error policy (ManualClock, faults injected into the exchange)', () => {
  let db: TestStore;
  let clock: ManualClock;
  let service: EngineService;
  let exchange: FaultyExchange | undefined;
  let feed: FaultyFeed | undefined;

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const base = createVenueFactory({ openExchange: () => Promise.reject(new Error('offline')), clock, replayCsvPath: CSV });
    const venues: VenueFactory = async (request) => {
      const venue = await base(request);
      exchange = new FaultyExchange(venue.exchange);
      feed = new FaultyFeed(venue.feed);
      return { ...venue, exchange, feed };
    };
    service = new EngineService({
      connections: { get: async () => connectionView(), credentialsFor: async () => undefined },
      strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, flaky, churn]),
      venues,
      engines: db.engines,
      orders: db.orders,
      events: new EngineEventBus({ log: db.events }),
      clock,
      random: () => 0.5,
    });
  });

  afterEach(async () => {
    await service.shutdown();
    await db.store.close();
  });

  const start = (strategy: string, extra: Record<string, unknown> = {}) =>
    service.start({ connectionId: 'demo', engineId: 'demo', strategy, params: {}, symbol: 'XRP/USDT', options: { replaySpeed: 1, maxConsecutiveFailures: 3 }, ...extra });
  const eventsOf = async (type: string) => (await db.events.since(0, { limit: 10_000 })).filter((e) => e.type === type);

  async function advanceUntil(done: () => Promise<boolean>, stepMs = 250, maxSteps = 400): Promise<void> {
    for (let i = 0; i < maxSteps && !(await done()); i++) {
      await clock.advance(stepMs);
      await settle();
    }
  }

  it('backs off exponentially with jitter on transient errors, honours Retry-After, and recovers', async () => {
    await start('flaky');
    // One outage: the feed's read fails, then the recovery reconciliation is rate-limited, then it answers.
    feed?.errors.push(new ExchangeUnavailableError('503'));
    exchange?.inject('fetchOpenOrders', 'before', new RateLimitedError('429', 5_000));
    await advanceUntil(async () => (await eventsOf('engine.exchange_recovered')).length >= 1);
    const retries = (await eventsOf('engine.retry')).map((e) => e.payload);
    // base 1 s × 2^(n−1) × (0.5 + 0.5 × random 0.5); the 429's Retry-After (5 s) wins over 1.5 s.
    expect(retries.map((r) => r.delayMs)).toEqual([750, 5_000]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(await eventsOf('engine.exchange_unreachable')).toHaveLength(1);
    expect((await service.status('demo')).state).toBe('running');
  });

  it('goes to error with the cause after N consecutive unexpected (non-exchange) failures', async () => {
    await start('flaky');
    for (let i = 0; i < 3; i++) feed?.errors.push(new Error(`bug #${i + 1}`));
    await advanceUntil(async () => (await service.status('demo')).state === 'error');
    const status = await service.status('demo');
    expect(status.state).toBe('error');
    expect(status.lastError).toMatch(/3 consecutive failures; last: Error: bug #3/);
    expect(service.runsHere('demo')).toBe(false);
    // error → stop is legal and lands in stopped; error → start is legal too.
    expect((await service.stop('demo')).state).toBe('stopped');
  });

  it('stops at once with the cause on an authentication failure', async () => {
    await start('flaky');
    feed?.errors.push(new AuthenticationFailedError('API-key format invalid'));
    await advanceUntil(async () => (await service.status('demo')).state === 'error');
    const status = await service.status('demo');
    expect(status.lastError).toContain('AuthenticationFailedError: API-key format invalid');
    expect(status.resumeOnRestart).toBe(false);
    expect(await eventsOf('engine.retry')).toHaveLength(0);
  });

  it('turns a throwing strategy into events and keeps running', async () => {
    await start('flaky');
    await advanceUntil(async () => (await eventsOf('strategy.error')).length >= 2);
    expect((await eventsOf('strategy.error'))[0]?.payload.message).toContain('bug in strategy');
    expect((await service.status('demo')).state).toBe('running');
  });

  it('trips the kill switch on the daily loss limit: cancels, stops, says why', async () => {
    await start('churn', { risk: { dailyLossLimit: '20' } });
    await advanceUntil(async () => (await service.status('demo')).state === 'stopped', 500);
    const status = await service.status('demo');
    expect(status.state).toBe('stopped');
    expect(status.lastError).toMatch(/Daily loss limit hit/);
    expect((await eventsOf('engine.kill_switch'))[0]?.payload.reason).toMatch(/Daily loss limit hit/);
    expect(status.openOrders).toEqual([]);
  });
});
