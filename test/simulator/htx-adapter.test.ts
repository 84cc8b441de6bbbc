import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htxHandler } from '../../simulator/exchanges/htx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { InvalidResponseError, OrderNotFoundError } from '../../src/domain/errors.js';
import { Dec } from '../../src/domain/money.js';
import { loadCcxt, type CcxtInstance, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { ccxtConfig } from '../../src/exchanges/ccxt/ccxt-options.js';
import { fetchHtxOrderByClientId } from '../../src/exchanges/ccxt/htx-orders.js';
import { MARKET_BUY_PROTECTION } from '../../src/exchanges/ccxt/market-buy-protection.js';
import { getProfile, makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/** The HTX adapter pieces (htx-orders.ts): the base-sized market buy and the client-id lookup. */

let sim: RunningSimulator;
let ccxt: CcxtModules;
let exchange: CcxtExchange;
const KEY = { apiKey: 'htx-adapter-key', apiSecret: 'htx-adapter-secret' };

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator({ handlers: [htxHandler] });
  sim.control.addAccount('htx', { apiKey: KEY.apiKey, secret: KEY.apiSecret, balances: { USDT: '10000' } });
  exchange = await createCcxtExchange({ ccxt, gate: openGate, connection: { id: 'c-htx', exchange: 'htx', mode: 'live', credentials: KEY, marketTypes: ['spot'], proxyUrl: sim.url } });
});

afterAll(async () => {
  await exchange.close();
  await sim.close();
});

describe('HTX market buy sized in base', () => {
  it('goes out as a buy-ioc limit for the base amount at the best ask + the protection band, and fills no more than asked', async () => {
    const market = (await exchange.loadMarkets()).find((m) => m.symbol === 'XRP/USDT');
    const ask = new Dec(sim.control.venue('htx').top('XRP/USDT')?.ask ?? '0');
    const clientOrderId = makeClientOrderId('htx', ulid());
    await exchange.createOrder({ symbol: 'XRP/USDT', side: 'buy', type: 'market', amount: '50', clientOrderId });
    const place = sim.control.requests({ exchange: 'htx' }).find((r) => r.path === '/v1/order/orders/place' && r.params['client-order-id'] === clientOrderId);
    const tick = new Dec(market?.priceStep ?? '0.00001');
    const limit = ask.mul(new Dec(1).add(MARKET_BUY_PROTECTION)).div(tick).ceil().mul(tick);
    expect(place?.params).toMatchObject({ type: 'buy-ioc', amount: '50', price: limit.toFixed() });
    const order = await exchange.fetchOrder({ symbol: 'XRP/USDT', clientOrderId });
    expect(order).toMatchObject({ clientOrderId, type: 'limit', side: 'buy', status: 'closed' });
    expect(new Dec(order.filled).toFixed()).toBe('50');
  });
});

describe('HTX lookup by client id (canned answers)', () => {
  let ex: CcxtInstance;
  beforeAll(async () => {
    ex = new ccxt.classes.htx(ccxtConfig({ id: 'c', exchange: 'htx', mode: 'live', credentials: null, marketTypes: ['spot'], proxyUrl: sim.url }, getProfile('htx')));
    Object.assign(ex.has, getProfile('htx').loadMarkets.hasOverrides);
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex.close();
  });
  // The request gate keeps each failed call's parsed body; the lookup reads the err-code from it.
  const bodies = new WeakMap<object, unknown>();
  const failureBody = (error: unknown): unknown => (typeof error === 'object' && error !== null ? bodies.get(error) : undefined);
  const failing = (name: string, body: Record<string, unknown>): Error => {
    const error = Object.assign(new Error(`htx ${JSON.stringify(body)}`), { name });
    bodies.set(error, body);
    return error;
  };
  const notFound = (): Error => failing('OrderNotFound', { status: 'error', 'err-code': 'base-record-invalid', 'err-msg': 'record invalid', data: null });
  const filled = (clientOrderId: string): Record<string, unknown> => ({
    id: 77, 'client-order-id': clientOrderId, symbol: 'btcusdt', price: '60000', 'created-at': 1_700_000_000_000, type: 'buy-limit',
    'filled-amount': '0.001', 'filled-cash-amount': '60', 'filled-fees': '0.000002', source: 'spot-api', state: 'filled', amount: '0.001',
  });
  const answering = (...answers: Array<unknown>) => {
    const calls: Array<[string, Record<string, unknown> | undefined]> = [];
    const call = async (method: string, params?: Record<string, unknown>): Promise<unknown> => {
      calls.push([method, params]);
      const answer = answers[calls.length - 1];
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return { call, calls };
  };

  it('finds an order the client-id index no longer knows in the recent order history', async () => {
    const { call, calls } = answering(notFound(), { status: 'ok', data: [filled('ctsB'), filled('ctsA')] });
    const order = (await fetchHtxOrderByClientId(ex, call, 'BTC/USDT', 'ctsA', failureBody)) as { clientOrderId: string; status: string };
    expect(order).toMatchObject({ clientOrderId: 'ctsA', status: 'closed' });
    expect(calls.map(([m, p]) => [m, p?.['symbol']])).toEqual([
      ['spotPrivateGetV1OrderOrdersGetClientOrder', undefined],
      ['spotPrivateGetV1OrderOrders', 'btcusdt'],
    ]);
  });

  it('is not found only when both answers say so', async () => {
    const { call } = answering(notFound(), { status: 'ok', data: [filled('ctsB')] });
    await expect(fetchHtxOrderByClientId(ex, call, 'BTC/USDT', 'ctsA', failureBody)).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('a garbage history answer or another order is an InvalidResponseError, never "not found"', async () => {
    await expect(fetchHtxOrderByClientId(ex, answering(notFound(), { status: 'ok' }).call, 'BTC/USDT', 'ctsA', failureBody)).rejects.toBeInstanceOf(InvalidResponseError);
    await expect(fetchHtxOrderByClientId(ex, answering({ status: 'ok', data: filled('ctsB') }).call, 'BTC/USDT', 'ctsA', failureBody)).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('an OrderNotFound whose body is not base-record-invalid is passed on, never searched as "maybe not found"', async () => {
    const other = failing('OrderNotFound', { status: 'error', 'err-code': 'order-orderstate-error', 'err-msg': 'base-record-invalid mentioned in text only' });
    await expect(fetchHtxOrderByClientId(ex, answering(other).call, 'BTC/USDT', 'ctsA', failureBody)).rejects.toBe(other);
  });

  it('any other error is passed on as it is', async () => {
    const limited = failing('RateLimitExceeded', { status: 'error', 'err-code': 'base-request-exceed-frequency-limit' });
    await expect(fetchHtxOrderByClientId(ex, answering(limited).call, 'BTC/USDT', 'ctsA', failureBody)).rejects.toBe(limited);
  });
});
