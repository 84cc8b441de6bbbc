import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/domain/errors.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import { EngineService } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory } from '../../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { connectionView, replayEngineService, tempStore, type TestStore } from './support.js';

const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');

/** Lets the engine's async steps (SQLite, events) run; bounded, no timers. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('engine service on the bundled replay data (ManualClock, no real sleeps)', () => {
  let db: TestStore;
  let clock: ManualClock;
  let service: EngineService;
  let connections: Map<string, ConnectionView>;

  beforeEach(async () => {
    db = await tempStore();
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    connections = new Map([
      ['demo', connectionView()],
      ['off', connectionView({ id: 'off', name: 'Off', enabled: false, status: 'disabled' })],
      ['live', connectionView({ id: 'live', name: 'Live', mode: 'live', status: 'untested' })],
    ]);
    service = replayEngineService({ db, clock, connections, replayCsvPath: CSV });
  });

  afterEach(async () => {
    await service.shutdown();
    await db.store.close();
  });

  const demoStart = { connectionId: 'demo', strategy: 'sma-crossover', params: { fast: 3, slow: 8, sizeQuote: '100' }, symbol: 'XRP/USDT', options: { replaySpeed: 1 } };

  async function playCandles(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await clock.advance(1000);
      await settle();
    }
  }

  it('refuses a bad configuration with a precise message and changes nothing', async () => {
    await expect(service.start({ ...demoStart, connectionId: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.start({ ...demoStart, connectionId: 'off' })).rejects.toThrow(/disabled/);
    await expect(service.start({ ...demoStart, connectionId: 'live' })).rejects.toThrow(/last test passed/);
    await expect(service.start({ ...demoStart, strategy: 'nope' })).rejects.toThrow(/Unknown strategy "nope"/);
    await expect(service.start({ ...demoStart, params: { fast: 9, slow: 3 } })).rejects.toThrow(/fast must be shorter than slow/);
    await expect(service.start({ ...demoStart, symbol: 'BTC/USDT' })).rejects.toThrow(/BTC\/USDT is not a market.*XRP\/USDT/);
    await expect(service.start({ ...demoStart, risk: { maxOpenOrders: 0 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(service.start({ ...demoStart, timeframe: '5m' })).rejects.toThrow(/Replay plays 1h/);
    expect(await db.engines.all()).toEqual([]);
    expect(await db.events.since(0, { limit: 10 })).toEqual([]);
    expect(service.runsHere('demo')).toBe(false);
  });

  it('walks the lifecycle, refuses illegal transitions with 409 and leaves state unchanged', async () => {
    const started = await service.start(demoStart);
    const id = started.id;
    expect(started.state).toBe('running');
    expect(started.connectionId).toBe('demo');
    expect(service.runsHere(id)).toBe(true);
    await expect(service.start({ ...demoStart, engineId: id })).rejects.toThrow(/Cannot start an engine that is running/);
    // A second bot on the connection while this one runs without a budget would spend the same money.
    await expect(service.start(demoStart)).rejects.toThrow(/without a budget/);
    await expect(service.resume(id)).rejects.toThrow(/Cannot resume an engine that is running/);
    expect((await service.pause(id)).state).toBe('paused');
    await expect(service.pause(id)).rejects.toBeInstanceOf(ConflictError);
    expect((await db.engines.find(id))?.state).toBe('paused');
    expect((await service.resume(id)).state).toBe('running');
    const stopped = await service.stop(id);
    expect(stopped.state).toBe('stopped');
    expect(stopped.resumeOnRestart).toBe(false);
    await expect(service.stop(id)).rejects.toThrow(/Cannot stop an engine that is stopped/);
    await expect(service.pause(id)).rejects.toBeInstanceOf(ConflictError);
    expect((await db.engines.find(id))?.state).toBe('stopped');
    const states = (await db.events.since(0, { limit: 100 })).filter((e) => e.type === 'engine.state').map((e) => e.payload.to);
    expect(states).toEqual(['starting', 'running', 'paused', 'running', 'stopping', 'stopped']);
  });

  it('trades the replay: orders, fills, position and PnL agree exactly with the stored fills', async () => {
    const { id } = await service.start(demoStart);
    await playCandles(100);
    const status = await service.status(id);
    expect(status.state).toBe('stopped'); // the replay ended: the engine stopped itself
    const fills = await service.trades(id);
    expect(fills.length).toBeGreaterThan(1);
    const orders = await service.orders(id);
    expect(orders.every((o) => ['closed', 'canceled'].includes(o.status))).toBe(true);
    for (const f of fills) expect(orders.some((o) => o.clientOrderId === f.clientOrderId)).toBe(true);
    // Independent recomputation from the stored fills. The replay venue charges Binance's way: a buy's
    // fee in XRP (the account holds amount − fee), a sell's in USDT.
    const baseFee = (f: (typeof fills)[number]) => (f.feeAsset === 'XRP' ? new Dec(f.fee) : ZERO);
    const quantity = fills.reduce((q, f) => q.add(f.side === 'buy' ? new Dec(f.amount).sub(baseFee(f)) : new Dec(f.amount).add(baseFee(f)).neg()), ZERO);
    const cash = fills.reduce((c, f) => c.add(new Dec(f.amount).mul(f.price).mul(f.side === 'buy' ? -1 : 1)), ZERO);
    const fees = fills.reduce((s, f) => s.add(f.feeAsset === 'XRP' ? new Dec(f.fee).mul(f.price) : f.fee), ZERO);
    const position = status.positions.find((p) => p.symbol === 'XRP/USDT');
    expect(position?.quantity).toBe(quantity.toFixed());
    expect(status.pnl.fees).toBe(fees.toFixed());
    if (quantity.isZero()) expect(status.pnl.realizedPnl).toBe(cash.toFixed());
    const types = new Set((await db.events.since(0, { limit: 5000 })).map((e) => e.type));
    for (const t of ['order.created', 'order.accepted', 'fill', 'position', 'engine.stopped']) expect(types).toContain(t);
  });

  it('refuses an emergency flatten it cannot carry out (the engine is not running) instead of answering "stopped"', async () => {
    const { id } = await service.start(demoStart);
    const open = async () => (await service.status(id)).positions.some((p) => !new Dec(p.quantity).isZero() && !p.dust);
    for (let i = 0; i < 60 && !(await open()); i++) await playCandles(1);
    expect(await open()).toBe(true);
    await service.stop(id, { cancelOpenOrders: true });
    await expect(service.emergencyStop(id, { flatten: true })).rejects.toThrow(ConflictError);
    await expect(service.emergencyStop(id, { flatten: true })).rejects.toThrow(/neither cancel nor flatten \(a position is open\)/);
    expect((await db.engines.find(id))?.state).toBe('stopped');
  });

  it('keeps the resume flag on shutdown and resumes flagged engines after a restart', async () => {
    const { id } = await service.start(demoStart);
    await playCandles(3);
    await service.shutdown();
    const record = await db.engines.find(id);
    expect(record).toMatchObject({ state: 'stopped', resume: true });
    await service.resumeAll();
    expect((await service.status(id)).state).toBe('running');
  });

  it('runs several bots on one connection, each within its budget, and refuses budgets the account cannot cover', async () => {
    // The replay account holds 10000 USDT.
    const a = await service.start({ ...demoStart, budget: { quote: '6000' } });
    expect(a).toMatchObject({ state: 'running', budget: { quote: '6000' }, budgetQuote: '6000' });
    await expect(service.start({ ...demoStart, budget: { sharePct: 50 } })).rejects.toThrow(
      /budgets would exceed the account: this bot's 5000 USDT and the running bots' 6000 USDT come to 11000 USDT, but the account holds 10000 USDT/,
    );
    await expect(service.start({ ...demoStart, budget: { sharePct: 50 } })).rejects.toBeInstanceOf(ConflictError);
    await expect(service.start(demoStart)).rejects.toThrow(/other bot\(s\) run on this connection.*give it a budget/);
    const b = await service.start({ ...demoStart, strategy: 'dca', params: {}, budget: { quote: '4000' } });
    expect(b.id).not.toBe(a.id);
    expect((await service.statusAll({ connectionId: 'demo' })).map((s) => [s.id, s.state])).toEqual([
      [a.id, 'running'],
      [b.id, 'running'],
    ]);
    await playCandles(40);
    const ordersA = await service.orders(a.id);
    const ordersB = await service.orders(b.id);
    expect(ordersA.length + ordersB.length).toBeGreaterThan(0);
    expect(ordersA.every((o) => o.engineId === a.id && o.connectionId === 'demo')).toBe(true);
    expect(ordersB.every((o) => o.engineId === b.id)).toBe(true);
    expect((await service.trades(a.id)).every((f) => f.engineId === a.id)).toBe(true);
    // A stopped bot's budget no longer counts; restarting it by id carries on with its own orders and fills.
    await service.stop(a.id);
    const c = await service.start({ ...demoStart, budget: { sharePct: 50 } });
    expect(c.state).toBe('running');
    await expect(service.start({ ...demoStart, engineId: a.id, budget: { quote: '6000' } })).rejects.toThrow(/budgets would exceed/);
    await expect(service.status('01ARZ3NDEKTSV4RRFFQ69G5FAV')).rejects.toBeInstanceOf(NotFoundError);
    // An id nobody has names the new bot: a start retried after a lost answer finds it, not a second bot.
    await service.stop(c.id);
    const named = await service.start({ ...demoStart, engineId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', budget: { quote: '1000' } });
    expect(named.id).toBe('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    await expect(service.start({ ...demoStart, engineId: named.id, budget: { quote: '1000' } })).rejects.toThrow(/Cannot start an engine that is running/);
    await expect(service.start({ ...demoStart, connectionId: 'off', engineId: named.id })).rejects.toThrow(/trades on connection demo, not off/);
  });

  it('the account daily loss limit counts every bot of the connection and stops them all', async () => {
    const dca = { ...demoStart, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '50' } };
    const watcher = await service.start({ ...dca, budget: { quote: '3000' } }); // no limit of its own
    const guard = await service.start({ ...dca, budget: { quote: '3000' }, risk: { accountDailyLossLimit: '0.01' } });
    for (let i = 0; i < 30 && (service.runsHere(watcher.id) || service.runsHere(guard.id)); i++) await playCandles(1);
    const [w, g] = [await service.status(watcher.id), await service.status(guard.id)];
    expect(g.state).toBe('stopped');
    expect(g.lastError).toMatch(/^Account daily loss limit hit: -[\d.]+ since 00:00 UTC \d{4}-\d{2}-\d{2} over every bot of the connection \(limit −0.01\)$/);
    expect(w.state).toBe('stopped'); // stopped with it, although its own risk has no limit
    expect(w.lastError).toBe(g.lastError);
    const kills = (await db.events.since(0, { limit: 5000 })).filter((e) => e.type === 'engine.kill_switch');
    expect(kills.map((e) => [e.engineId, e.payload['scope']])).toEqual([[guard.id, 'account']]);
  });

  it('marks an engine left running by a dead process as stopped at startup before resuming it', async () => {
    const { id } = await service.start({ ...demoStart, options: { replaySpeed: 1, resumeOnRestart: false } });
    const record = await db.engines.find(id);
    // Simulate a crash: a fresh service over the same store, the row still says running.
    const fresh = new EngineService({ connections: { get: async () => connectionView(), credentialsFor: async () => undefined }, strategies: new StrategyRegistry(), venues: createVenueFactory({ openExchange: () => Promise.reject(new Error('x')), clock, replayCsvPath: CSV }), engines: db.engines, orders: db.orders, events: new EngineEventBus({ log: db.events }), clock });
    expect(record?.state).toBe('running');
    await fresh.resumeAll();
    expect(await db.engines.find(id)).toMatchObject({ state: 'stopped', lastError: expect.stringContaining('process ended') });
  });
});
