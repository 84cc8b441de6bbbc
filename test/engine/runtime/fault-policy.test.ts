import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import {
  AuthenticationFailedError,
  ConfigError,
  ExchangeUnavailableError,
  InvalidResponseError,
  PermissionMissingError,
  RateLimitedError,
  RetryLaterError,
  ValidationError,
} from '../../../src/domain/errors.js';
import { EngineService } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { backoffDelay, classifyFault } from '../../../src/engine/runtime/fault-policy.js';
import { createVenueFactory, type VenueFactory } from '../../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { FaultyExchange, FaultyFeed, connectionView, tempStore, type TestStore } from './support.js';

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');

describe('the fault policy by error class', () => {
  it('waits out exchange faults, ends on what a human must fix, counts the rest', () => {
    for (const e of [new RetryLaterError('timeout'), new ExchangeUnavailableError('503'), new InvalidResponseError('html'), new RateLimitedError('418', 60_000, true)]) {
      expect(classifyFault(e), e.name).toBe('transient');
    }
    for (const e of [new AuthenticationFailedError('key'), new PermissionMissingError('trade'), new ValidationError('config'), new ConfigError('config')]) {
      expect(classifyFault(e), e.name).toBe('fatal');
    }
    expect(classifyFault(new TypeError('bug'))).toBe('unexpected');
  });

  it('backs off exponentially, capped, with jitter, and never below Retry-After', () => {
    const o = { baseMs: 1_000, maxMs: 60_000, random: () => 1 - Number.EPSILON };
    expect([1, 2, 3, 7, 8, 50].map((n) => backoffDelay(n, new RetryLaterError('x'), o))).toEqual([1_000, 2_000, 4_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(1, new RateLimitedError('429', 30_000), { ...o, random: () => 0 })).toBe(30_000);
  });
});

describe('an exchange outage on the engine loop (ManualClock, replay venue with faults)', () => {
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
      strategies: new StrategyRegistry(),
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

  const start = (options: Record<string, unknown> = {}) =>
    service.start({ connectionId: 'demo', engineId: 'demo', strategy: 'sma-crossover', params: { fast: 2, slow: 4 }, symbol: 'XRP/USDT', options: { replaySpeed: 1, ...options } });
  const eventsOf = async (type: string) => (await db.events.since(0, { limit: 10_000 })).filter((e) => e.type === type);

  async function advanceUntil(done: () => Promise<boolean>, stepMs = 500, maxSteps = 2_000): Promise<void> {
    for (let i = 0; i < maxSteps && !(await done()); i++) {
      await clock.advance(stepMs);
      for (let j = 0; j < 20; j++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The feed fails once, then every recovery reconciliation fails `n` times. */
  function outage(n: number): void {
    feed?.errors.push(new ExchangeUnavailableError('503 Service Unavailable'));
    for (let i = 0; i < n; i++) exchange?.inject('fetchOpenOrders', 'before', new RetryLaterError('Binance did not answer in time'));
  }

  it('is not bounded by a failure count: 30 transient failures (minutes) and the engine resumes', async () => {
    await start({ maxConsecutiveFailures: 3 });
    outage(29);
    await advanceUntil(async () => (await eventsOf('engine.retry')).length >= 30, 5_000);
    const during = await service.status('demo');
    expect(during.state).toBe('running');
    expect(during.exchange).toMatchObject({ reachable: false, attempts: 30, lastError: 'RetryLaterError: Binance did not answer in time' });
    await advanceUntil(async () => (await eventsOf('engine.exchange_recovered')).length === 1, 5_000);
    const status = await service.status('demo');
    expect(status.state).toBe('running');
    expect(status.exchange?.reachable).toBe(true);
    const [recovered] = await eventsOf('engine.exchange_recovered');
    expect(recovered?.payload.attempts).toBe(30);
    expect(Number(recovered?.payload.downMs)).toBeGreaterThan(15 * 60_000); // 30 attempts, the later ones 45 s apart
    const delays = (await eventsOf('engine.retry')).map((e) => Number(e.payload.delayMs));
    expect(Math.max(...delays)).toBe(45_000); // 60 s cap × jitter 0.75
  });

  it('ends the engine once an outage outlasts options.maxOutageMs, saying since when', async () => {
    await start({ maxOutageMs: 60_000 });
    outage(100);
    await advanceUntil(async () => (await service.status('demo')).state === 'error');
    const status = await service.status('demo');
    expect(status.state).toBe('error');
    expect(status.lastError).toMatch(/The exchange has been unreachable since 2026-03-01T.*longer than options\.maxOutageMs 60000 ms\); last: RetryLaterError/);
    // attempts at 0, 0.75, 2.25, 5.25, 11.25, 23.25, 47.25 s were retried; the one at 92.25 s is past the limit.
    expect(await eventsOf('engine.retry')).toHaveLength(7);
  });

  it('a stop during an outage ends the wait at once and stops the engine', async () => {
    await start();
    outage(100);
    await advanceUntil(async () => (await eventsOf('engine.retry')).length >= 3);
    const stopped = await service.stop('demo', { cancelOpenOrders: false });
    expect(stopped.state).toBe('stopped');
  });
});
