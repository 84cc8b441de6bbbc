import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { AuthenticationFailedError, ExchangeUnavailableError, OrderNotFoundError, RetryLaterError } from '../../../src/domain/errors.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator } from '../../../src/engine/client-order-id.js';
import { OrderManager } from '../../../src/engine/runtime/order-manager.js';
import type { PlannedOrder } from '../../../src/engine/risk.js';
import type { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import { FaultyExchange, candle, simulated, tempStore, type TestStore } from './support.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const buy = (amount: string, price: string | null = null): PlannedOrder => ({
  side: 'buy',
  type: price === null ? 'market' : 'limit',
  amount,
  price,
  reduceOnly: false,
  tag: null,
  reason: 'test',
});

describe('order manager against the simulated exchange with injected faults', () => {
  let db: TestStore;
  let sim: SimulatedExchange;
  let exchange: FaultyExchange;
  let clock: ManualClock;
  let portfolio: Portfolio;
  let events: { type: string; payload: Readonly<Record<string, unknown>> }[];
  let manager: OrderManager;

  beforeEach(async () => {
    db = await tempStore();
    sim = simulated();
    sim.ingest({ symbol: 'XRP/USDT', candle: candle(T0, '1.0000') });
    exchange = new FaultyExchange(sim);
    clock = new ManualClock(T0);
    portfolio = new Portfolio();
    events = [];
    manager = new OrderManager({
      engineId: 'c1',
      connectionId: 'c1',
      symbol: 'XRP/USDT',
      exchange,
      store: db.orders,
      portfolio,
      ids: new ClientOrderIdGenerator({ exchange: 'binance', clock }),
      clock,
      emit: async (type, payload) => {
        events.push({ type, payload });
      },
      settleMs: 10_000,
    });
    await manager.load();
  });

  afterEach(async () => {
    await db.store.close();
  });

  it('stores the order as pending_create before the request, then as the exchange answered', async () => {
    let statusWhenSent: string | undefined;
    const create = exchange.createOrder.bind(exchange);
    exchange.createOrder = async (request) => {
      statusWhenSent = (await db.orders.findOrder(request.clientOrderId))?.status;
      return create(request);
    };
    const order = await manager.place(buy('10', '0.9000'));
    expect(statusWhenSent).toBe('pending_create');
    const stored = await db.orders.findOrder(order.clientOrderId);
    expect(stored).toMatchObject({ status: 'open', exchangeOrderId: expect.any(String), amount: '10', price: '0.9000' });
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.accepted']);
  });

  it('resolves a create whose answer was lost (5xx after processing) by looking it up, never sending it again', async () => {
    exchange.inject('createOrder', 'after', new ExchangeUnavailableError('503 from the exchange'));
    await expect(manager.place(buy('10', '0.9000'))).rejects.toBeInstanceOf(ExchangeUnavailableError);
    const [pending] = manager.liveOrders;
    expect(pending?.status).toBe('unknown');
    await manager.sync();
    const stored = await db.orders.findOrder(pending?.clientOrderId ?? '');
    expect(stored?.status).toBe('open');
    expect(exchange.count('createOrder')).toBe(1);
    expect(await sim.fetchOpenOrders('XRP/USDT')).toHaveLength(1);
    expect(events.map((e) => e.type)).toContain('order.resolved');
  });

  it('marks a create that never reached the exchange as rejected only after the settle time', async () => {
    exchange.inject('createOrder', 'before', new RetryLaterError('request timed out'));
    await expect(manager.place(buy('10', '0.9000'))).rejects.toBeInstanceOf(RetryLaterError);
    await manager.sync();
    expect(manager.liveOrders[0]?.status).toBe('unknown'); // the exchange may still show it
    await clock.advance(10_000);
    await manager.sync();
    expect(manager.liveOrders).toHaveLength(0);
    const [order] = await db.orders.listOrders('c1');
    expect(order).toMatchObject({ status: 'rejected', error: expect.stringContaining('never placed') });
    expect(events.map((e) => e.type)).toContain('order.not_placed');
    expect(exchange.count('createOrder')).toBe(1);
  });

  it('rejects at once what the exchange refused, and rethrows authentication failures for the runner', async () => {
    await manager.place(buy('100000', '0.9000')); // far beyond the balance: InsufficientFunds from the simulator
    expect((await db.orders.listOrders('c1'))[0]?.status).toBe('rejected');
    exchange.inject('createOrder', 'before', new AuthenticationFailedError('invalid key'));
    await expect(manager.place(buy('10', '0.9000'))).rejects.toBeInstanceOf(AuthenticationFailedError);
    expect((await db.orders.listOrders('c1')).map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('applies each fill exactly once, however often the exchange repeats it', async () => {
    exchange.duplicateTrades = true;
    const order = await manager.place(buy('10'));
    sim.ingest({ symbol: 'XRP/USDT', candle: candle(T0 + HOUR, '1.1000', { open: '1.0500' }) });
    const first = await manager.sync();
    expect(first).toHaveLength(1);
    expect(await manager.sync()).toHaveLength(0);
    const ledger = portfolio.ledger('XRP/USDT').snapshot();
    expect(ledger.quantity).toBe('10');
    expect(ledger.averageEntryPrice).toBe('1.05');
    expect(ledger.fees).toBe('0.0105');
    expect(await db.orders.listFills('c1')).toHaveLength(1);
    expect((await db.orders.findOrder(order.clientOrderId))?.status).toBe('closed');
    // A restart rebuilds the same ledger from storage and ignores the fills it already has.
    const restored = new Portfolio();
    const again = new OrderManager({ engineId: 'c1', connectionId: 'c1', symbol: 'XRP/USDT', exchange, store: db.orders, portfolio: restored, ids: { next: () => 'x' }, clock, emit: async () => undefined });
    await again.load();
    expect(await again.reconcile()).toHaveLength(0);
    expect(restored.ledger('XRP/USDT').snapshot()).toEqual(ledger);
  });

  it('adopts open orders it does not know, and applies the lost-order policy to ours the exchange forgot', async () => {
    const ours = await manager.place(buy('10', '0.9000'));
    const foreign = await sim.createOrder({ symbol: 'XRP/USDT', side: 'buy', type: 'limit', amount: '5', price: '0.8000', clientOrderId: 'manual-1' });
    // The exchange forgets ours: lookups answer "not found" (as after an exchange-side purge).
    await sim.cancelOrder({ symbol: 'XRP/USDT', id: ours.exchangeOrderId ?? '' });
    exchange.inject('fetchOrder', 'before', new OrderNotFoundError('unknown order'));
    await manager.reconcile();
    const orders = await db.orders.listOrders('c1');
    expect(orders.find((o) => o.clientOrderId === ours.clientOrderId)?.status).toBe('lost');
    expect(orders.find((o) => o.exchangeOrderId === foreign.id)).toMatchObject({ adopted: true, status: 'open', clientOrderId: 'manual-1' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['order.adopted', 'order.lost']));
    expect(manager.strategyOrders().map((o) => o.clientOrderId)).toEqual(['manual-1']);
  });

  it('cancels every live order and keeps the stored state in step', async () => {
    await manager.place(buy('10', '0.9000'));
    await manager.place(buy('10', '0.8000'));
    await manager.cancelAll('test');
    expect(manager.liveOrders).toHaveLength(0);
    expect((await db.orders.listOrders('c1')).map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(await sim.fetchOpenOrders()).toHaveLength(0);
  });
});
