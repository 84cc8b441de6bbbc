import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { InsufficientFundsError, NotImplementedError } from '../../src/domain/errors.js';
import { Dec } from '../../src/domain/money.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import type { Exchange } from '../../src/exchanges/exchange.port.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/**
 * The ccxt adapter on HTX's USDT-margined swaps (simulator, v5 API): CTS's amounts are base coins,
 * HTX's and ccxt's whole contracts of 0.001 BTC. Base amounts go out as contracts and come back in
 * base; a trade's fee reads as charged (ccxt 4.5.84 alone would negate it); the balance's free is the
 * contract account's available USDT; no CTS client id goes with a swap order, and a lookup by one is
 * refused rather than answered "not found"; 1048 and 1047 are insufficient funds (ccxt's mapping).
 */

const PERP = 'BTC/USDT:USDT';
let sim: RunningSimulator;
let ccxt: CcxtModules;
let exchange: Exchange;

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
  sim.control.addAccount('htx', { apiKey: 'ctsHtxSwap1', secret: 'ctsHtxSwapSecret1', balances: { USDT: '100' }, futuresBalances: { USDT: '100000' } });
  exchange = await createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: 'conn-htx-swap', exchange: 'htx', mode: 'live', credentials: { apiKey: 'ctsHtxSwap1', apiSecret: 'ctsHtxSwapSecret1' }, marketTypes: ['futures'], proxyUrl: sim.url, timeoutMs: 5_000 },
  });
});
afterAll(async () => {
  await exchange.close();
  await sim.close();
});

const orders = () => sim.control.requests({ exchange: 'htx' }).filter((r) => r.method === 'POST' && r.path === '/v5/trade/order');

describe('HTX swap amounts, fees and ids through the adapter', () => {
  it('sends base amounts as contracts and reads orders, trades (fee charged, positive) and the position back in base', async () => {
    const markets = await exchange.loadMarkets();
    // One contract is the step; ccxt 4.5.84 gives a linear swap's minimum as its contract size counted in
    // contracts (0.001 of one, 0.000001 BTC), so the whole-contract step is what bounds an order.
    expect(markets.find((m) => m.symbol === PERP)).toMatchObject({ type: 'futures', amountStep: '0.001', minAmount: '0.000001' });
    const clientOrderId = makeClientOrderId('htx', ulid());
    const placed = await exchange.createOrder({ symbol: PERP, side: 'sell', type: 'market', amount: '0.012', clientOrderId });
    expect(orders().at(-1)?.params).toMatchObject({ contract_code: 'BTC-USDT', volume: '12', side: 'sell', margin_mode: 'isolated' });
    // HTX's swap client_order_id is an integer: ours does not go with the order.
    expect(orders().at(-1)?.params['client-order-id']).toBeUndefined();
    expect(orders().at(-1)?.params['client_order_id']).toBeUndefined();
    // HTX echoes the order id as client_order_id: not ours, so the placed order keeps the id we gave it.
    expect(placed).toMatchObject({ symbol: PERP, side: 'sell', amount: '0.012', clientOrderId });
    const read = await exchange.fetchOrder({ symbol: PERP, id: placed.id });
    expect(read).toMatchObject({ id: placed.id, amount: '0.012', filled: '0.012', status: 'closed' });
    const trades = await exchange.fetchMyTrades({ symbol: PERP });
    expect(trades.map((t) => [t.orderId, t.clientOrderId, t.side, t.amount, t.feeAsset])).toEqual([[placed.id, null, 'sell', '0.012', 'USDT']]);
    expect(new Dec(trades[0]?.fee ?? '0').toFixed()).toBe(new Dec(trades[0]?.price ?? '0').mul('0.012').mul('0.0005').toFixed());
    expect(await exchange.fetchPosition?.(PERP)).toMatchObject({ symbol: PERP, quantity: '-0.012' });
    expect((await exchange.fetchPosition?.('ETH/USDT:USDT'))?.quantity).toBe('0');

    const wallet = sim.control.account('htx', 'ctsHtxSwap1')?.futures?.balances['USDT'];
    const usdt = (await exchange.fetchBalances()).find((b) => b.asset === 'USDT' && b.account === 'futures');
    expect(usdt?.free).toBe(wallet?.free);

    await expect(exchange.fetchOrder({ symbol: PERP, clientOrderId })).rejects.toBeInstanceOf(NotImplementedError);

    // A resting order: listed, and canceled by its exchange id; by our client id alone it is refused before sending, never "not found".
    const restingId = makeClientOrderId('htx', ulid());
    const resting = await exchange.createOrder({ symbol: PERP, side: 'buy', type: 'limit', amount: '0.002', price: '45000', clientOrderId: restingId });
    expect((await exchange.fetchOpenOrders(PERP)).map((o) => [o.id, o.amount, o.status])).toEqual([[resting.id, '0.002', 'open']]);
    const cancels = () => sim.control.requests({ exchange: 'htx' }).filter((r) => r.path === '/v5/trade/cancel_order').length;
    await expect(exchange.cancelOrder({ symbol: PERP, clientOrderId: restingId })).rejects.toBeInstanceOf(NotImplementedError);
    expect(cancels()).toBe(0);
    expect(await exchange.cancelOrder({ symbol: PERP, id: resting.id })).toMatchObject({ id: resting.id, status: 'canceled', amount: '0.002' });
  });

  it('a reduce-only order with nothing to reduce (1048) and an entry the margin cannot back (1047) are insufficient funds, as ccxt 4.5.84 raises both', async () => {
    await exchange.loadMarkets();
    await expect(exchange.createOrder({ symbol: 'ETH/USDT:USDT', side: 'buy', type: 'market', amount: '0.01', reduceOnly: true, clientOrderId: makeClientOrderId('htx', ulid()) })).rejects.toBeInstanceOf(InsufficientFundsError);
    await expect(exchange.createOrder({ symbol: PERP, side: 'buy', type: 'market', amount: '1000', clientOrderId: makeClientOrderId('htx', ulid()) })).rejects.toBeInstanceOf(InsufficientFundsError);
  });
});
