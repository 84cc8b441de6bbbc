import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { InvalidResponseError, OrderNotFoundError } from '../../src/domain/errors.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import { dec, toDecimalString } from '../../src/domain/money.js';
import { fetchBybitOrderByLinkId } from '../../src/exchanges/ccxt/bybit-order-lookup.js';
import { loadCcxt, type CcxtInstance, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { ccxtConfig } from '../../src/exchanges/ccxt/ccxt-options.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { getProfile, makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/**
 * An order that does not exist must come back as OrderNotFoundError — decided from the exchange's
 * answer (Binance -2013 / -2011, Bybit empty realtime and history lists), never from message text —
 * because the order manager resolves an `unknown` create to `rejected` only on that answer. A garbage
 * answer must stay InvalidResponseError: reading it as "not placed" could double an order.
 */

let sim: RunningSimulator;
let ccxt: CcxtModules;
const open: CcxtExchange[] = [];

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
});
afterEach(async () => {
  sim.control.clearFaults();
  await Promise.all(open.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await sim.close();
});

async function connect(exchange: ExchangeId): Promise<CcxtExchange> {
  const apiKey = `ctskey${exchange}${ulid().slice(-8)}`;
  const secret = `cts${exchange}secret0123456789abcdef`;
  sim.control.addAccount(exchange, { apiKey, secret, balances: { USDT: '100000', BTC: '2' } });
  const adapter = await createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: `c-${exchange}`, exchange, mode: 'live', credentials: { apiKey, apiSecret: secret, ...(getProfile(exchange).credentials.passphrase ? { passphrase: 'ctsPassphrase1' } : {}) }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 2_000 },
  });
  open.push(adapter);
  return adapter;
}

const LOOKUP_PATH: Record<'binance' | 'bybit' | 'okx' | 'coinbase' | 'htx' | 'gate', string> = { binance: '/api/v3/order', bybit: '/v5/order/realtime', okx: '/api/v5/trade/order', coinbase: '/api/v3/brokerage/orders/historical/batch', htx: '/v1/order/orders/getClientOrder', gate: '/api/v4/spot/orders/t-' };

describe.each(['binance', 'bybit', 'okx', 'coinbase', 'htx', 'gate'] as const)('%s: looking orders up', (id) => {
  const symbol = 'BTC/USDT';
  const unknownClientId = (): string => makeClientOrderId(id, ulid());

  it('fetch by our client id → OrderNotFoundError', async () => {
    const exchange = await connect(id);
    await expect(exchange.fetchOrder({ symbol, clientOrderId: unknownClientId() })).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('cancel by our client id → OrderNotFoundError', async () => {
    const exchange = await connect(id);
    await expect(exchange.cancelOrder({ symbol, clientOrderId: unknownClientId() })).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('fetch by an exchange order id that does not exist → OrderNotFoundError', async () => {
    const exchange = await connect(id);
    await expect(exchange.fetchOrder({ symbol, id: '987654321' })).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('a garbage answer to the lookup stays InvalidResponseError, never "not found"', async () => {
    const exchange = await connect(id);
    await exchange.loadMarkets();
    sim.control.injectFault({ exchange: id, method: 'GET', path: LOOKUP_PATH[id], fault: { kind: 'garbage', mode: 'wrongShape' } });
    await expect(exchange.fetchOrder({ symbol, clientOrderId: unknownClientId() })).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('a canceled order is still found by our client id, with its final state', async () => {
    const exchange = await connect(id);
    const market = (await exchange.loadMarkets()).find((m) => m.symbol === symbol);
    // Half the price (never fills), worth about 20 USDT (above every minimum notional).
    const price = dec((await exchange.fetchTicker(symbol)).last).div(2).toDecimalPlaces(2);
    const amount = dec(20).div(price).div(market?.amountStep ?? '0.00001').ceil().mul(market?.amountStep ?? '0.00001');
    const clientOrderId = unknownClientId();
    const created = await exchange.createOrder({ symbol, side: 'buy', type: 'limit', amount: toDecimalString(amount), price: toDecimalString(price), clientOrderId });
    await exchange.cancelOrder({ symbol, clientOrderId });
    const found = await exchange.fetchOrder({ symbol, clientOrderId });
    expect(found).toMatchObject({ id: created.id, clientOrderId, status: 'canceled' });
  });
});

describe('Bybit lookup by orderLinkId (what is sent, how each answer is read)', () => {
  it('asks the realtime list, then the order history, for our orderLinkId in the market category', async () => {
    const exchange = await connect('bybit');
    const clientOrderId = makeClientOrderId('bybit', ulid());
    await expect(exchange.fetchOrder({ symbol: 'BTC/USDT', clientOrderId })).rejects.toBeInstanceOf(OrderNotFoundError);
    const lookups = sim.control.requests({ exchange: 'bybit' }).filter((r) => r.params['orderLinkId'] === clientOrderId);
    expect(lookups.map((r) => [r.path, r.params['category'], r.params['symbol']])).toEqual([
      ['/v5/order/realtime', 'spot', 'BTCUSDT'],
      ['/v5/order/history', 'spot', 'BTCUSDT'],
    ]);
  });

  describe('with canned answers', () => {
    let ex: CcxtInstance;
    beforeAll(async () => {
      // A real ccxt bybit with the simulator's markets, so parseOrder normalises exactly as in production.
      ex = new ccxt.classes.bybit(ccxtConfig({ id: 'c', exchange: 'bybit', mode: 'live', credentials: null, marketTypes: ['spot'], proxyUrl: sim.url }, getProfile('bybit')));
      Object.assign(ex.has, getProfile('bybit').loadMarkets.hasOverrides);
      await ex.loadMarkets();
    });
    afterAll(async () => {
      await ex.close();
    });
    const list = (items: unknown[]): unknown => ({ retCode: 0, retMsg: 'OK', result: { category: 'spot', list: items, nextPageCursor: '' }, retExtInfo: {}, time: 1 });
    const closedOrder = (orderLinkId: string): Record<string, string> => ({
      orderId: '1877', orderLinkId, symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', orderStatus: 'Filled',
      price: '30000', qty: '0.01', cumExecQty: '0.01', avgPrice: '30000', createdTime: '1700000000000', updatedTime: '1700000001000', timeInForce: 'GTC',
    });
    const answering = (...answers: unknown[]) => {
      const calls: string[] = [];
      const call = async (method: string): Promise<unknown> => {
        calls.push(method);
        return answers[calls.length - 1];
      };
      return { call, calls };
    };

    it('finds an order only the history still lists (closed, gone from the realtime list)', async () => {
      const { call, calls } = answering(list([]), list([closedOrder('cts-A')]));
      const order = (await fetchBybitOrderByLinkId(ex, call, 'BTC/USDT', 'cts-A')) as { id: string; status: string; clientOrderId: string };
      expect(order).toMatchObject({ id: '1877', status: 'closed', clientOrderId: 'cts-A' });
      expect(calls).toEqual(['privateGetV5OrderRealtime', 'privateGetV5OrderHistory']);
    });

    it('both lists valid and empty → OrderNotFoundError', async () => {
      const { call } = answering(list([]), list([]));
      await expect(fetchBybitOrderByLinkId(ex, call, 'BTC/USDT', 'cts-A')).rejects.toBeInstanceOf(OrderNotFoundError);
    });

    it.each([
      ['no list at all', { retCode: 0, retMsg: 'OK', result: {} }],
      ['not the v5 envelope', { unexpected: [1, 2, 3] }],
      ['another order', list([closedOrder('cts-OTHER')])],
      ['two orders', list([closedOrder('cts-A'), closedOrder('cts-A')])],
    ])('%s → InvalidResponseError', async (_name, answer) => {
      const { call } = answering(answer, list([]));
      await expect(fetchBybitOrderByLinkId(ex, call, 'BTC/USDT', 'cts-A')).rejects.toBeInstanceOf(InvalidResponseError);
    });
  });
});
