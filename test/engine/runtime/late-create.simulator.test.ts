import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { RetryLaterError } from '../../../src/domain/errors.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import { Portfolio } from '../../../src/engine/accounting/index.js';
import { ClientOrderIdGenerator } from '../../../src/engine/client-order-id.js';
import { OrderManager } from '../../../src/engine/runtime/order-manager.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { useSimulatorAccount } from './live-support.js';

/**
 * Issue 12, defect 9: a Binance market buy whose create times out at the client (2 s) while the
 * exchange places it 3 s after receiving it. The next sync looks it up by client id before the
 * exchange has placed it (not found, too young to be declared not placed), then reads the trade list —
 * slowed down by a latency fault so that the exchange answers it after the placement. That trade
 * carries no client id (Binance myTrades) and its order id is not known yet: it has no owner. The
 * following sync finds the order `closed` by client id; its fill must be applied then, not after a
 * restart. Three runs, each must apply the fill; the ledger must equal the simulator's balance.
 */

const CREATE = '/api/v3/order';
const TRADES = '/api/v3/myTrades';
const SYMBOL = 'XRP/USDT';
/** The simulator holds the create this long, then places it; the client gives up after 2 s. */
const PLACED_AFTER_MS = 3_000;

const lab = useCcxtSimulator();

describe('order manager → ccxt → simulated binance: a create placed after the client timed out', () => {
  const account = useSimulatorAccount(lab, { exchange: 'binance', balances: { USDT: '10000' }, adapter: { connectionId: 'c-late', timeoutMs: 2_000 } });

  for (const run of [1, 2, 3]) {
    it(`applies the late order's fill in the sync that resolves it (run ${run} of 3)`, async () => {
      const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
      const portfolio = new Portfolio();
      const events: string[] = [];
      const manager = new OrderManager({
        engineId: 'c-late',
        connectionId: 'c-late',
        symbol: SYMBOL,
        exchange: account.exchange,
        store: account.db.orders,
        portfolio,
        ids: new ClientOrderIdGenerator({ exchange: 'binance', clock }),
        clock,
        emit: async (type) => {
          events.push(type);
        },
      });
      await manager.load();

      lab.sim.control.injectFault({ exchange: 'binance', method: 'POST', path: CREATE, times: 1, fault: { kind: 'latency', ms: PLACED_AFTER_MS } });
      await expect(manager.place({ side: 'buy', type: 'market', amount: '20', price: null, reduceOnly: false, tag: null, reason: 'test' })).rejects.toBeInstanceOf(RetryLaterError);
      const clientOrderId = manager.liveOrders[0]?.clientOrderId ?? '';
      expect(manager.liveOrders[0]?.status).toBe('unknown');

      // The lookup is sent when the create has timed out (≥ 2 s), before the placement (3 s); the trade
      // list is sent after the lookup's answer and held 1.5 s, so the exchange reads it after the placement.
      lab.sim.control.injectFault({ exchange: 'binance', method: 'GET', path: TRADES, times: 1, fault: { kind: 'latency', ms: 1_500 } });
      const first = await manager.sync();
      expect(first).toEqual([]);
      const lookups = lab.sim.control.requests({ exchange: 'binance', method: 'GET', path: CREATE }).filter((r) => r.params['origClientOrderId'] === clientOrderId);
      // The scenario holds only if the lookup really came before the placement.
      const create = lab.sim.control.requests({ exchange: 'binance', method: 'POST', path: CREATE }).find((r) => r.params['newClientOrderId'] === clientOrderId);
      expect(create).toBeDefined();
      expect(lookups[0]?.receivedAt ?? Infinity).toBeLessThan((create?.receivedAt ?? 0) + PLACED_AFTER_MS);
      const trades = await account.exchange.fetchMyTrades({ symbol: SYMBOL });
      expect(trades.filter((t) => t.clientOrderId === null)).toHaveLength(trades.length);
      expect(trades).toHaveLength(1);

      // The next sync finds the order closed by client id and applies its fill in the same sync.
      const second = await manager.sync();
      expect((await account.db.orders.findOrder(clientOrderId))?.status).toBe('closed');
      expect(second.map((f) => [f.clientOrderId, f.fill.amount])).toEqual([[clientOrderId, '20']]);
      expect((await account.db.orders.listFills('c-late')).map((f) => f.clientOrderId)).toEqual([clientOrderId]);

      // The ledger equals the account: the bought amount net of the fee the exchange took in XRP.
      const ledger = portfolio.ledger(SYMBOL);
      const baseFees = trades.filter((t) => t.feeAsset === 'XRP').reduce((sum, t) => sum.add(t.fee), ZERO);
      const held = lab.sim.control.account('binance', account.apiKey)?.balances['XRP'];
      const heldTotal = new Dec(held?.free ?? '0').add(held?.used ?? '0');
      expect(ledger.quantity.sub(baseFees).eq(heldTotal) || ledger.quantity.eq(heldTotal)).toBe(true);
      expect(heldTotal.gt(ZERO)).toBe(true);
      expect(events).not.toContain('order.not_placed');
    });
  }
});
