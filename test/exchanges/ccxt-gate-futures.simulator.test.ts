import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { OrderRejectedError } from '../../src/domain/errors.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import type { Exchange } from '../../src/exchanges/exchange.port.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/**
 * The ccxt adapter on Gate's USDT perpetuals (simulator): CTS's amounts are base coins, Gate's and
 * ccxt's are contracts of quanto_multiplier coins (BTC_USDT 0.0001 BTC). The market's step and
 * minimum read in base, a base amount goes out as a signed whole number of contracts, orders,
 * trades and the position come back in base, and a client id finds its order after it finished.
 */

const PERP = 'BTC/USDT:USDT';
let sim: RunningSimulator;
let ccxt: CcxtModules;
let exchange: Exchange;

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
  sim.control.addAccount('gate', { apiKey: 'ctsGateFut1', secret: 'ctsGateFutSecret1', balances: { USDT: '100' }, futuresBalances: { USDT: '100000' } });
  exchange = await createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: 'conn-gate-futures', exchange: 'gate', mode: 'live', credentials: { apiKey: 'ctsGateFut1', apiSecret: 'ctsGateFutSecret1' }, marketTypes: ['futures'], proxyUrl: sim.url, timeoutMs: 5_000 },
  });
});
afterAll(async () => {
  await exchange.close();
  await sim.close();
});

const orderBodies = () => sim.control.requests({ exchange: 'gate' }).filter((r) => r.method === 'POST' && r.path === '/api/v4/futures/usdt/orders').map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe('Gate perpetual amounts through the adapter (contracts ↔ base)', () => {
  it('reads the contract market in base, sends base amounts as contracts, and reads orders, trades and the position back in base', async () => {
    const markets = await exchange.loadMarkets();
    expect(markets.find((m) => m.symbol === PERP)).toMatchObject({ type: 'futures', amountStep: '0.0001', minAmount: '0.0001', priceStep: '0.01' });
    expect(markets.find((m) => m.symbol === 'XRP/USDT:USDT')).toMatchObject({ amountStep: '10', minAmount: '10' });

    const clientOrderId = makeClientOrderId('gate', ulid());
    const placed = await exchange.createOrder({ symbol: PERP, side: 'sell', type: 'market', amount: '0.0123', clientOrderId });
    expect(orderBodies().at(-1)).toMatchObject({ contract: 'BTC_USDT', size: -123, text: clientOrderId });
    expect(placed).toMatchObject({ symbol: PERP, side: 'sell', amount: '0.0123', filled: '0.0123', clientOrderId });
    // Finished, so Gate no longer finds it by text on the single-order path: the finished list does.
    const byClientId = await exchange.fetchOrder({ symbol: PERP, clientOrderId });
    expect(byClientId).toMatchObject({ id: placed.id, amount: '0.0123', filled: '0.0123', status: 'closed' });
    const trades = await exchange.fetchMyTrades({ symbol: PERP, since: placed.timestamp - 1_000 });
    expect(trades.map((t) => [t.orderId, t.side, t.amount, t.feeAsset])).toEqual([[placed.id, 'sell', '0.0123', 'USDT']]);
    const position = await exchange.fetchPosition?.(PERP);
    expect(position).toMatchObject({ symbol: PERP, quantity: '-0.0123' });

    const resting = await exchange.createOrder({ symbol: PERP, side: 'buy', type: 'limit', amount: '0.002', price: '45000', clientOrderId: makeClientOrderId('gate', ulid()) });
    expect(resting).toMatchObject({ status: 'open', amount: '0.002', filled: '0' });
    expect((await exchange.fetchOpenOrders(PERP)).map((o) => [o.id, o.amount])).toEqual([[resting.id, '0.002']]);
    expect(await exchange.cancelOrder({ symbol: PERP, id: resting.id })).toMatchObject({ status: 'canceled', amount: '0.002' });
  });

  it('refuses an amount that is not a whole number of contracts before sending it', async () => {
    await exchange.loadMarkets();
    const sent = orderBodies().length;
    await expect(exchange.createOrder({ symbol: PERP, side: 'buy', type: 'market', amount: '0.00015', clientOrderId: makeClientOrderId('gate', ulid()) })).rejects.toThrow(/not a whole number of lots/);
    expect(orderBodies()).toHaveLength(sent);
  });

  it('a reduce-only order with nothing to reduce is an order rejection (REDUCE_EXCEEDED)', async () => {
    await exchange.loadMarkets();
    const flat = await exchange.fetchPosition?.('ETH/USDT:USDT');
    expect(flat?.quantity).toBe('0');
    await expect(exchange.createOrder({ symbol: 'ETH/USDT:USDT', side: 'buy', type: 'market', amount: '0.01', reduceOnly: true, clientOrderId: makeClientOrderId('gate', ulid()) })).rejects.toBeInstanceOf(OrderRejectedError);
  });
});
