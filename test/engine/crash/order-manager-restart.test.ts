import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ExchangeUnavailableError } from '../../../src/domain/errors.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator } from '../../../src/engine/client-order-id.js';
import { OrderManager } from '../../../src/engine/runtime/order-manager.js';
import { FaultyExchange, candle, simulated, tempStore, type TestStore } from '../runtime/support.js';

/**
 * Found by the crash-safety test (test/engine/crash-safety.test.ts, point d): a process that dies after
 * storing an order as filled but before storing its fills must find the fills when it starts again,
 * even when no order of its engine is live any more. Before the fix the start's reconciliation fetched
 * trades only for live orders, so such fills stayed missing (and the position wrong) until some later
 * order went live.
 */

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;

describe('order manager: restart after the order was stored filled but its fills were not', () => {
  let db: TestStore | undefined;

  afterEach(async () => {
    await db?.store.close();
  });

  it('applies the missing fills in the reconciliation at start, with no order live', async () => {
    db = await tempStore();
    const sim = simulated();
    sim.ingest({ symbol: 'XRP/USDT', candle: candle(T0, '1.0000') });
    const exchange = new FaultyExchange(sim);
    const clock = new ManualClock(T0);
    const manager = (portfolio: Portfolio) =>
      new OrderManager({
        engineId: 'c1',
        connectionId: 'c1',
        symbol: 'XRP/USDT',
        exchange,
        store: (db as TestStore).orders,
        portfolio,
        ids: new ClientOrderIdGenerator({ exchange: 'binance', clock }),
        clock,
        emit: async () => undefined,
      });

    // The first process: a market buy fills; the tick stores the order as closed, then the trade list
    // cannot be fetched — and the process dies before any later tick fetches it.
    const first = manager(new Portfolio());
    await first.load();
    const order = await first.place({ side: 'buy', type: 'market', amount: '10', price: null, reduceOnly: false, tag: null, reason: 'test' });
    sim.ingest({ symbol: 'XRP/USDT', candle: candle(T0 + HOUR, '1.1000', { open: '1.0500' }) });
    exchange.inject('fetchMyTrades', 'before', new ExchangeUnavailableError('connection reset'));
    await expect(first.sync()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(await db.orders.findOrder(order.clientOrderId)).toMatchObject({ status: 'closed', filled: '10' });
    expect(await db.orders.listFills('c1')).toEqual([]);

    // The next process: nothing is live, yet the reconciliation at start finds and applies the fill.
    const portfolio = new Portfolio();
    const second = manager(portfolio);
    await second.load();
    expect(second.liveOrders).toEqual([]);
    const applied = await second.reconcile();
    expect(applied.map((a) => [a.clientOrderId, a.fill.amount])).toEqual([[order.clientOrderId, '10']]);
    expect((await db.orders.listFills('c1')).map((f) => f.clientOrderId)).toEqual([order.clientOrderId]);
    expect(portfolio.ledger('XRP/USDT').snapshot().quantity).toBe('10');

    // And only once: the next reconciliation (and a third process) add nothing.
    expect(await second.reconcile()).toEqual([]);
    const third = manager(new Portfolio());
    await third.load();
    expect(await third.reconcile()).toEqual([]);
    expect(await db.orders.listFills('c1')).toHaveLength(1);
  });
});
