import { beforeEach, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { ManualClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator, clientOrderIdOrigin, engineOrderPrefix } from '../../../src/engine/client-order-id.js';
import { OrderManager } from '../../../src/engine/runtime/order-manager.js';
import type { PlannedOrder } from '../../../src/engine/risk.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { useSimulatorAccount } from './live-support.js';

/**
 * Two bots on ONE exchange account (the same API key on the simulator), each with its own order
 * manager, client-id prefix and store rows: neither cancels, adopts nor books the other's orders and
 * fills — across restarts, with an order lost between send and store, and beside a person's order.
 */

const lab = useCcxtSimulator();

const CONNECTION = 'conn-shared';

/**
 * Kraken (client ids are UUIDs) and Gate (`t-` + ULID fills the 28 characters) leave no room for a
 * bot's tag: there only the stored orders tell two bots apart, and an unknown open order is nobody's.
 */
const UNTAGGED = new Set(['kraken', 'gate']);

/** A person's order id in the exchange's own client-id format (Kraken takes only UUIDs through CTS's adapter). */
const MANUAL_IDS: Record<string, string> = { binance: 'manualorder123', bybit: 'manualorder123', kraken: '0190a2b4-7c1d-4e8f-9a0b-1c2d3e4f5a6b', gate: 't-manualorder123' };

for (const exchangeId of ['binance', 'bybit', 'kraken', 'gate'] as const) {
  const tagged = !UNTAGGED.has(exchangeId);
  describe(`two bots on one ${exchangeId} account (simulator)`, () => {
    const account = useSimulatorAccount(lab, { exchange: exchangeId, balances: { USDT: '100000', BTC: '2' }, adapter: { connectionId: CONNECTION, timeoutMs: 1_000 } });
    let clock: ManualClock;
    let price: Dec;
    let events: { engine: string; type: string; payload: Readonly<Record<string, unknown>> }[];
    const engineA = ulid();
    const engineB = ulid();

    function bot(engineId: string, options: { sharesAccount?: boolean } = {}): OrderManager {
      const prefix = engineOrderPrefix(engineId);
      return new OrderManager({
        engineId,
        connectionId: CONNECTION,
        symbol: 'BTC/USDT',
        exchange: account.exchange,
        store: account.db.orders,
        portfolio: new Portfolio(),
        ids: new ClientOrderIdGenerator({ exchange: exchangeId, prefix, clock }),
        originOf: (id) => clientOrderIdOrigin(exchangeId, id, prefix),
        sharesAccount: () => Promise.resolve(options.sharesAccount ?? true),
        clock,
        emit: async (type, payload) => {
          events.push({ engine: engineId, type, payload });
        },
        settleMs: 10_000,
      });
    }

    beforeEach(async () => {
      clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
      price = new Dec((await account.exchange.fetchTicker('BTC/USDT')).last);
      events = [];
    });

    const restingBuy = (fraction: number): PlannedOrder => ({
      side: 'buy',
      type: 'limit',
      amount: '0.001',
      price: price.mul(fraction).toDecimalPlaces(2).toFixed(),
      reduceOnly: false,
      tag: null,
      reason: 'test',
    });
    const openIds = async () => new Set((await account.exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.clientOrderId));

    it(tagged ? 'gives each bot its own client id prefix, which fits the exchange' : 'makes ids that fit the exchange but name no bot (no room for a tag)', () => {
      expect(engineOrderPrefix(engineA)).not.toBe(engineOrderPrefix(engineB));
      expect(engineOrderPrefix(engineA)).toMatch(/^c[0-9a-z]{5}$/);
      const id = new ClientOrderIdGenerator({ exchange: exchangeId, prefix: engineOrderPrefix(engineA) }).next();
      expect(clientOrderIdOrigin(exchangeId, id, engineOrderPrefix(engineA))).toBe(tagged ? 'engine' : 'cts');
      expect(clientOrderIdOrigin(exchangeId, id, engineOrderPrefix(engineB))).toBe('cts');
      expect(clientOrderIdOrigin(exchangeId, 'my-manual-order', engineOrderPrefix(engineB))).toBe('foreign');
    });

    it('restarts, reconciles and cancels only its own orders; never adopts the other bot’s', async () => {
      const a = bot(engineA);
      const b = bot(engineB);
      await a.load();
      await b.load();
      const orderA = await a.place(restingBuy(0.5));
      const orderB = await b.place(restingBuy(0.6));
      expect(orderA.clientOrderId.includes(engineOrderPrefix(engineA))).toBe(tagged);

      // B restarts: a new manager over the same store finds its own order and nothing else.
      const b2 = bot(engineB);
      await b2.load();
      await b2.reconcile();
      expect(b2.liveOrders.map((o) => o.clientOrderId)).toEqual([orderB.clientOrderId]);
      expect(events.filter((e) => e.engine === engineB && e.type === 'order.adopted')).toEqual([]);

      // B cancels everything it has: A's order still rests on the exchange.
      await b2.cancelAll('stop');
      const open = await openIds();
      expect(open.has(orderA.clientOrderId)).toBe(true);
      expect(open.has(orderB.clientOrderId)).toBe(false);
      expect((await account.db.orders.findOrder(orderA.clientOrderId))?.status).toBe('open');
      expect((await account.db.orders.findOrder(orderA.clientOrderId))?.engineId).toBe(engineA);

      // A restarts too: it finds its order, not B's cancelled one, and adopts nothing.
      const a2 = bot(engineA);
      await a2.load();
      await a2.reconcile();
      expect(a2.liveOrders.map((o) => o.clientOrderId)).toEqual([orderA.clientOrderId]);
      await a2.cancelAll('cleanup');
      expect((await openIds()).size).toBe(0);
    });

    it(tagged ? 'an order sent but never stored is adopted by its own bot only; a person’s order by neither while they share the account' : 'an order sent but never stored, and a person’s, are adopted by neither bot while they share the account (nothing names the owner)', async () => {
      // A crash between send and store: B's id reaches the exchange, no row exists.
      const lostId = new ClientOrderIdGenerator({ exchange: exchangeId, prefix: engineOrderPrefix(engineB), clock }).next();
      await account.exchange.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: price.mul(0.55).toDecimalPlaces(2).toFixed(), clientOrderId: lostId });
      const manualId = MANUAL_IDS[exchangeId] ?? '';
      await account.exchange.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: price.mul(0.45).toDecimalPlaces(2).toFixed(), clientOrderId: manualId });

      const a = bot(engineA);
      await a.load();
      await a.reconcile(); // A first: it must not take B's lost order (nor the person's)
      expect(a.liveOrders).toEqual([]);
      const notAdopted = events.filter((e) => e.engine === engineA && e.type === 'order.not_adopted');
      expect(notAdopted.map((e) => e.payload['clientOrderId']).sort()).toEqual([lostId, manualId].sort());
      await a.reconcile(); // reported once each
      expect(events.filter((e) => e.engine === engineA && e.type === 'order.not_adopted')).toHaveLength(2);

      const b = bot(engineB);
      await b.load();
      await b.reconcile();
      if (tagged) {
        expect(b.liveOrders.map((o) => o.clientOrderId)).toEqual([lostId]);
        expect((await account.db.orders.findOrder(lostId))?.engineId).toBe(engineB);
      } else {
        // Nothing in the id says the lost order is B's: B must not take it either (it could be A's).
        expect(b.liveOrders).toEqual([]);
        expect(await account.db.orders.findOrder(lostId)).toBeUndefined();
      }

      // Alone on the account (the other bot deleted), a bot manages the person's order as before.
      const alone = bot(engineA, { sharesAccount: false });
      await alone.load();
      await alone.reconcile();
      expect(alone.liveOrders.map((o) => o.clientOrderId).sort()).toEqual((tagged ? [manualId] : [lostId, manualId]).sort());
      await alone.cancelAll('cleanup');
      await b.cancelAll('cleanup');
      expect((await openIds()).size).toBe(0);
    });

    it('books each fill to the bot whose order it was', async () => {
      const a = bot(engineA);
      const b = bot(engineB);
      await a.load();
      await b.load();
      const buy: PlannedOrder = { side: 'buy', type: 'market', amount: '0.002', price: null, reduceOnly: false, tag: null, reason: 'test' };
      const placed = await a.place(buy);
      for (let i = 0; i < 3; i++) {
        await a.sync();
        await b.sync();
        await b.reconcile();
      }
      const fillsA = await account.db.orders.listFills(engineA);
      expect(fillsA.length).toBeGreaterThan(0);
      expect(fillsA.every((f) => f.clientOrderId === placed.clientOrderId && f.engineId === engineA)).toBe(true);
      expect(await account.db.orders.listFills(engineB)).toEqual([]);
      expect(b.liveOrders).toEqual([]);
      expect(events.some((e) => e.engine === engineB && e.type === 'fill')).toBe(false);
    });
  });
}
