import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EngineRecord } from '../../src/engine/runtime/ports.js';
import type { FillRecord, OrderRecord } from '../../src/domain/orders.js';
import { SqlEngineRepository, SqlEventLog } from '../../src/store/engine.repository.js';
import { openStore, type Store } from '../../src/store/database.js';
import { SqlOrderRepository } from '../../src/store/order.repository.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { makeTempDir } from '../support/temp-system.js';

function engine(overrides: Partial<EngineRecord> = {}): EngineRecord {
  return {
    id: 'eng-1',
    connectionId: 'conn-1',
    strategy: 'sma-crossover',
    params: { fast: 5, slow: 20, sizeQuote: '100' },
    symbol: 'XRP/USDT',
    timeframe: '1h',
    risk: { maxOpenOrders: 10, allowShort: false },
    options: { cancelOrdersOnStop: true, cancelOrdersOnShutdown: false, resumeOnRestart: true, maxConsecutiveFailures: 5, replaySpeed: 10 },
    state: 'running',
    startedAt: '2026-01-01T00:00:00.000Z',
    stoppedAt: null,
    lastHeartbeatAt: null,
    lastError: null,
    resume: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function order(overrides: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId: 'ct-01JAAAAAAAAAAAAAAAAAAAAAAA',
    engineId: 'eng-1',
    connectionId: 'conn-1',
    exchangeOrderId: null,
    symbol: 'XRP/USDT',
    side: 'buy',
    type: 'limit',
    price: '1.0801',
    amount: '92',
    filled: '0',
    average: null,
    status: 'pending_create',
    trigger: null,
    timeInForce: null,
    expiresAt: null,
    adopted: false,
    reduceOnly: false,
    tag: null,
    reason: 'enter',
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function fill(overrides: Partial<FillRecord> = {}): FillRecord {
  return {
    engineId: 'eng-1',
    connectionId: 'conn-1',
    tradeId: 't-1',
    orderId: 'o-1',
    clientOrderId: 'ct-01JAAAAAAAAAAAAAAAAAAAAAAA',
    symbol: 'XRP/USDT',
    side: 'buy',
    price: '1.0801',
    amount: '92',
    fee: '0.0993692',
    feeAsset: 'USDT',
    timestamp: Date.parse('2026-01-01T01:00:00.000Z'),
    ...overrides,
  };
}

function describeRepositories(backend: 'sqlite' | 'postgres'): void {
  describe(`engine repositories on ${backend}`, () => {
    let store: Store;
    let engines: SqlEngineRepository;
    let orders: SqlOrderRepository;
    let events: SqlEventLog;
    let dropSchema: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      if (backend === 'postgres') {
        const { schema, drop } = await createTestSchema();
        dropSchema = drop;
        store = await openStore({ dataDir: makeTempDir(), databaseUrl: POSTGRES_URL, pgSchema: schema });
      } else {
        store = await openStore({ dataDir: makeTempDir() });
      }
      engines = new SqlEngineRepository(store.db);
      orders = new SqlOrderRepository(store.db);
      events = new SqlEventLog(store.db);
    });

    afterAll(async () => {
      await store.close();
      await dropSchema?.();
    });

    beforeEach(async () => {
      for (const table of ['engines', 'orders', 'fills'] as const) await store.db.deleteFrom(table).execute();
    });

    it('reads a malformed row as that engine alone in error (field named, reported once), the others as stored', async () => {
      const reports: [string, string][] = [];
      const repo = new SqlEngineRepository(store.db, { onMalformed: (id, problem) => reports.push([id, problem]) });
      await repo.save(engine({ id: 'eng-bad', connectionId: 'conn-bad' }));
      await repo.save(engine({ id: 'eng-good', connectionId: 'conn-good' }));
      await store.db.updateTable('engines').set({ options: '[1,2]', params: '{"fast": 5,' }).where('id', '=', 'eng-bad').execute();
      const all = await repo.all();
      expect(all.find((e) => e.connectionId === 'conn-good')).toEqual(engine({ id: 'eng-good', connectionId: 'conn-good' }));
      const bad = all.find((e) => e.connectionId === 'conn-bad');
      expect(bad).toMatchObject({ state: 'error', resume: false, params: {}, options: {} });
      expect(bad?.lastError).toMatch(/^The stored row of engine eng-bad \(connection conn-bad\) is malformed: field `params` is not valid JSON .*; field `options` is not a JSON object$/);
      expect(await repo.find('eng-bad')).toEqual(bad);
      expect(reports).toEqual([['eng-bad', bad?.lastError]]);
    });

    it('keeps several engines per connection apart, each with its budget; a damaged budget never reads as the whole account', async () => {
      const a = engine({ id: 'eng-a', budget: { quote: '250.5' }, createdAt: '2026-01-01T00:00:00.000Z' });
      const b = engine({ id: 'eng-b', budget: { sharePct: 40 }, createdAt: '2026-01-01T00:00:01.000Z' });
      await engines.save(a);
      await engines.save(b);
      await engines.save(engine({ id: 'eng-other', connectionId: 'conn-2' }));
      expect(await engines.byConnection('conn-1')).toEqual([a, b]);
      expect((await engines.all()).map((e) => e.id)).toEqual(['eng-a', 'eng-b', 'eng-other']);
      await store.db.updateTable('engines').set({ budget: '{"quote":"-5"}' }).where('id', '=', 'eng-b').execute();
      const damaged = await engines.find('eng-b');
      expect(damaged).toMatchObject({ state: 'error', resume: false });
      expect(damaged?.budget).toBeUndefined();
      expect(damaged?.lastError).toMatch(/field `budget` is neither/);
    });

    it('keeps a bot\'s pair list and maxOpenTrades exactly; a damaged list puts the row in error (never resumed as a single-pair bot on its label)', async () => {
      const listed = engine({ id: 'eng-list', symbol: 'BTC/USDT', pairList: { kind: 'static', pairs: ['BTC/USDT', 'ETH/USDT'], quote: 'USDT', blacklist: [] }, maxOpenTrades: 1 });
      await engines.save(listed);
      expect(await engines.find('eng-list')).toEqual(listed);
      await store.db.updateTable('engines').set({ pair_list: '{"config":{"kind":"static","pairs":[]},"maxOpenTrades":1}' }).where('id', '=', 'eng-list').execute();
      const damaged = await engines.find('eng-list');
      expect(damaged).toMatchObject({ state: 'error', resume: false });
      expect(damaged?.pairList).toBeUndefined();
      expect(damaged?.lastError).toMatch(/field `pair_list` is not a pair list config/);
    });

    it('saves an engine, reads it back exactly, and upserts by engine id', async () => {
      const e = engine();
      await engines.save(e);
      expect(await engines.find('eng-1')).toEqual(e);
      const changed = { ...e, state: 'stopped' as const, resume: false, lastError: 'boom', stoppedAt: '2026-01-02T00:00:00.000Z' };
      await engines.save(changed);
      expect(await engines.find('eng-1')).toEqual(changed);
      expect(await engines.all()).toHaveLength(1);
      expect(await engines.find('missing')).toBeUndefined();
    });

    it('stores orders before sending, updates them, and lists by status', async () => {
      const o = order();
      await orders.insertOrder(o);
      expect(await orders.findOrder(o.clientOrderId)).toEqual(o);
      const open = { ...o, status: 'open' as const, exchangeOrderId: 'o-1', updatedAt: '2026-01-01T00:00:01.000Z' };
      await orders.updateOrder(open);
      expect(await orders.findByExchangeId('conn-1', 'o-1')).toEqual(open);
      await orders.insertOrder(order({ clientOrderId: 'ct-2', status: 'closed', adopted: true, createdAt: '2026-01-01T00:00:02.000Z' }));
      await orders.insertOrder(order({ clientOrderId: 'ct-3', engineId: 'eng-2', status: 'open', createdAt: '2026-01-01T00:00:03.000Z' }));
      expect((await orders.listOrders('eng-1', { statuses: ['open', 'pending_create', 'unknown'] })).map((x) => x.clientOrderId)).toEqual([o.clientOrderId]);
      expect((await orders.listOrders('eng-1')).map((x) => x.clientOrderId)).toEqual([o.clientOrderId, 'ct-2']);
      expect((await orders.listOrders('eng-1', { limit: 1 })).map((x) => x.adopted)).toEqual([true]);
      expect((await orders.listOrders('eng-2')).map((x) => x.clientOrderId)).toEqual(['ct-3']);
      await expect(orders.insertOrder(o)).rejects.toThrow(); // client order id is unique
    });

    it('keeps a stop order\'s trigger exactly (migration 0011); a damaged one reads as a plain order', async () => {
      const stop = order({ clientOrderId: 'ct-stop', type: 'market', price: null, reduceOnly: true, trigger: { kind: 'stop-loss', price: '0.98010000' }, timeInForce: 'IOC' });
      await orders.insertOrder(stop);
      expect(await orders.findOrder('ct-stop')).toEqual(stop);
      await store.db.updateTable('orders').set({ trigger_kind: 'sometimes' }).where('client_order_id', '=', 'ct-stop').execute();
      expect((await orders.findOrder('ct-stop'))?.trigger).toBeNull();
    });

    it('keeps an unfilled limit\'s expiry (migration 0012)', async () => {
      const entry = order({ clientOrderId: 'ct-expiring', expiresAt: '2026-01-01T00:05:00.000Z' });
      await orders.insertOrder(entry);
      expect(await orders.findOrder('ct-expiring')).toEqual(entry);
    });

    it('stores a fill once per (connection, trade id), with exact decimals', async () => {
      expect(await orders.insertFill(fill())).toBe(true);
      expect(await orders.insertFill(fill({ price: '9' }))).toBe(false);
      expect(await orders.insertFill(fill({ connectionId: 'conn-2', engineId: 'eng-2' }))).toBe(true);
      expect(await orders.listFills('eng-1')).toEqual([fill()]);
      expect(await orders.listFills('eng-2')).toEqual([fill({ connectionId: 'conn-2', engineId: 'eng-2' })]);
    });

    it('stores a funding payment once per (connection, payment id), exact and signed, listed in time order per engine', async () => {
      const payment = { engineId: 'eng-1', connectionId: 'conn-1', id: 'f-2', symbol: 'BTC/USDT:USDT', amount: '-0.300000000000000044', rate: '0.0001', timestamp: Date.parse('2026-03-02T16:00:00.000Z') };
      const earlier = { ...payment, id: 'f-1', amount: '0.1', rate: null, timestamp: Date.parse('2026-03-02T08:00:00.000Z') };
      expect(await orders.insertFunding(payment)).toBe(true);
      expect(await orders.insertFunding({ ...payment, amount: '9' })).toBe(false);
      expect(await orders.insertFunding(earlier)).toBe(true);
      expect(await orders.insertFunding({ ...payment, connectionId: 'conn-2', engineId: 'eng-2' })).toBe(true);
      expect(await orders.listFunding('eng-1')).toEqual([earlier, payment]);
      expect(await orders.listFunding('eng-2')).toHaveLength(1);
    });

    it('gives events increasing sequence numbers and reads them back from a sequence', async () => {
      const first = await events.append({ engineId: 'conn-1', type: 'engine.state', payload: { to: 'running' }, time: '2026-01-01T00:00:00.000Z' });
      const second = await events.append({ engineId: 'conn-2', type: 'fill', payload: { price: '1.5' }, time: '2026-01-01T00:00:01.000Z' });
      const third = await events.append({ engineId: 'conn-1', type: 'fill', payload: { nested: { a: [1] } }, time: '2026-01-01T00:00:02.000Z' });
      expect(second.seq).toBeGreaterThan(first.seq);
      expect(third.seq).toBeGreaterThan(second.seq);
      expect((await events.since(first.seq, { limit: 10 })).map((e) => e.seq)).toEqual([second.seq, third.seq]);
      expect(await events.since(first.seq, { limit: 10, engineId: 'conn-1' })).toEqual([third]);
      expect(await events.since(0, { limit: 1 })).toHaveLength(1);
      expect(await events.lastSeq()).toBe(third.seq);
    });
  });
}

describeRepositories('sqlite');
describeRepositories('postgres');
