import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { AuthenticationFailedError, CtsError, RateLimitedError, RetryLaterError } from '../../../src/domain/errors.js';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import { Dec } from '../../../src/domain/money.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator } from '../../../src/engine/client-order-id.js';
import { OrderManager } from '../../../src/engine/runtime/order-manager.js';
import type { PlannedOrder } from '../../../src/engine/risk.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { useSimulatorAccount } from './live-support.js';

/**
 * The order manager through the real ccxt adapter (C) to the loopback simulator (S1), with faults
 * injected by the simulator on the create endpoint. Every create must be resolved by lookup, never
 * re-sent: the simulator's request log must show exactly one create per client id.
 */

const CREATE_PATH: Record<'binance' | 'bybit', string> = { binance: '/api/v3/order', bybit: '/v5/order/create' };
const SETTLE_MS = 10_000;

const lab = useCcxtSimulator();

for (const exchangeId of ['binance', 'bybit'] as const) {
  describe(`order manager → ccxt → simulated ${exchangeId}`, () => {
    const account = useSimulatorAccount(lab, { exchange: exchangeId, balances: { USDT: '100000', BTC: '2' }, adapter: { connectionId: `c-${exchangeId}`, timeoutMs: 1_000 } });
    let clock: ManualClock;
    let manager: OrderManager;
    let price: Dec;
    const events: string[] = [];
    const field = getProfile(exchangeId as ExchangeId).clientOrderId.field;

    beforeEach(async () => {
      clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
      price = new Dec((await account.exchange.fetchTicker('BTC/USDT')).last);
      events.length = 0;
      manager = new OrderManager({
        engineId: `c-${exchangeId}`,
        connectionId: `c-${exchangeId}`,
        symbol: 'BTC/USDT',
        exchange: account.exchange,
        store: account.db.orders,
        portfolio: new Portfolio(),
        ids: new ClientOrderIdGenerator({ exchange: exchangeId, clock }),
        clock,
        emit: async (type) => {
          events.push(type);
        },
        settleMs: SETTLE_MS,
      });
      await manager.load();
    });

    /** A resting limit buy at half the price: it never fills during the test. */
    const restingBuy = (): PlannedOrder => ({ side: 'buy', type: 'limit', amount: '0.001', price: price.div(2).toDecimalPlaces(2).toFixed(), reduceOnly: false, tag: null, reason: 'test' });
    const createsFor = (clientOrderId: string) => lab.sim.control.requests({ exchange: exchangeId }).filter((r) => r.method === 'POST' && r.path === CREATE_PATH[exchangeId] && r.params[field] === clientOrderId);
    const openOnSim = async () => (await account.exchange.fetchOpenOrders('BTC/USDT')).filter((o) => o.clientOrderId !== null);

    it('places with our client id, stored before it is sent', async () => {
      const order = await manager.place(restingBuy());
      expect(createsFor(order.clientOrderId)).toHaveLength(1);
      expect((await account.db.orders.findOrder(order.clientOrderId))?.status).toBe('open');
      expect((await openOnSim()).map((o) => o.clientOrderId)).toContain(order.clientOrderId);
      await manager.cancelAll('cleanup');
      expect((await account.db.orders.findOrder(order.clientOrderId))?.status).toBe('canceled');
    });

    it('5xx on create: unknown, resolved by lookup (not placed → rejected after the settle time), never re-sent', async () => {
      lab.sim.control.injectFault({ exchange: exchangeId, method: 'POST', path: CREATE_PATH[exchangeId], times: 1, fault: { kind: 'serverError', status: 503 } });
      await expect(manager.place(restingBuy())).rejects.toBeInstanceOf(RetryLaterError);
      const [order] = manager.liveOrders;
      expect(order?.status).toBe('unknown');
      await manager.sync();
      expect(manager.liveOrders).toHaveLength(1);
      await clock.advance(SETTLE_MS);
      await manager.sync();
      expect((await account.db.orders.findOrder(order?.clientOrderId ?? ''))?.status).toBe('rejected');
      expect(createsFor(order?.clientOrderId ?? '')).toHaveLength(1);
    });

    it('timeout on create while the exchange still executes it: found by client id, exactly one order', async () => {
      // The answer comes after 1.5 s; ccxt gives up after 1 s. The simulator still places the order.
      lab.sim.control.injectFault({ exchange: exchangeId, method: 'POST', path: CREATE_PATH[exchangeId], times: 1, fault: { kind: 'latency', ms: 1_500 } });
      await expect(manager.place(restingBuy())).rejects.toBeInstanceOf(RetryLaterError);
      const clientOrderId = manager.liveOrders[0]?.clientOrderId ?? '';
      await new Promise((resolve) => setTimeout(resolve, 800)); // the simulator finishes the delayed request
      await manager.sync();
      expect((await account.db.orders.findOrder(clientOrderId))?.status).toBe('open');
      expect(createsFor(clientOrderId)).toHaveLength(1);
      expect((await openOnSim()).filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);
      await manager.cancelAll('cleanup');
    });

    it('429 on create: rate limited, resolved by lookup, not re-sent', async () => {
      lab.sim.control.injectFault({ exchange: exchangeId, method: 'POST', path: CREATE_PATH[exchangeId], times: 1, fault: { kind: 'rateLimit', retryAfterSec: 1 } });
      const error = await manager.place(restingBuy()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CtsError);
      expect(error instanceof RateLimitedError || error instanceof RetryLaterError).toBe(true);
      const clientOrderId = manager.liveOrders[0]?.clientOrderId ?? '';
      await clock.advance(SETTLE_MS);
      await manager.sync();
      expect((await account.db.orders.findOrder(clientOrderId))?.status).toBe('rejected');
      expect(createsFor(clientOrderId)).toHaveLength(1);
    });

    it('garbage answer to a create: treated as unknown, never as data', async () => {
      lab.sim.control.injectFault({ exchange: exchangeId, method: 'POST', path: CREATE_PATH[exchangeId], times: 1, fault: { kind: 'garbage', mode: 'wrongShape' } });
      await expect(manager.place(restingBuy())).rejects.toBeInstanceOf(RetryLaterError);
      const clientOrderId = manager.liveOrders[0]?.clientOrderId ?? '';
      expect((await account.db.orders.findOrder(clientOrderId))?.status).toBe('unknown');
      await clock.advance(SETTLE_MS);
      await manager.sync();
      expect((await account.db.orders.findOrder(clientOrderId))?.status).toBe('rejected');
      expect(createsFor(clientOrderId)).toHaveLength(1);
    });

    it('authentication failure: the order is rejected and the error reaches the runner', async () => {
      lab.sim.control.injectFault({ exchange: exchangeId, method: 'POST', path: CREATE_PATH[exchangeId], times: 1, fault: { kind: 'authFailure' } });
      await expect(manager.place(restingBuy())).rejects.toBeInstanceOf(AuthenticationFailedError);
      expect((await account.db.orders.listOrders(`c-${exchangeId}`)).map((o) => o.status)).toEqual(['rejected']);
    });
  });
}
