import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinbaseHandler } from '../../../simulator/exchanges/coinbase.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { Dec } from '../../../src/domain/money.js';
import { parsedDifferences, recordedRequest, recordedResponse, shapeDifferences } from './recorded.js';

/**
 * The simulated Coinbase Advanced Trade held against ccxt's recorded real traffic
 * (test/fixtures/ccxt-static/coinbase.*.json). The recorded responses hold no spot create, single
 * order, cancel, open-orders or v3 balance answer, so: get-order and list-orders answers are compared
 * with the recorded list-orders entry (the order object is the same in the docs); fills and the ticker
 * with theirs; create, get, cancel and balance by the requests ccxt sends (paths and parameter names).
 */

let sim: RunningSimulator;
let ex: InstanceType<typeof ccxt.coinbase>;

function last(): Record<string, unknown> {
  return ex.last_json_response as Record<string, unknown>;
}

function paramNames(output: string | undefined): string[] {
  return Object.keys(JSON.parse(output ?? '{}') as Record<string, unknown>).sort();
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [coinbaseHandler] });
  sim.control.addAccount('coinbase', { apiKey: 'recorded-key', secret: 'recorded-secret', permissions: { trade: true, withdraw: false, ipRestricted: false }, balances: { USDT: '10000', BTC: '1' } });
  ex = new ccxt.coinbase({ proxyUrl: sim.url, enableRateLimit: false, enableLastJsonResponse: true, apiKey: 'recorded-key', secret: 'recorded-secret', options: { fetchBalance: 'v3PrivateGetBrokerageAccounts' } });
  ex.has['fetchCurrencies'] = false;
  await ex.loadMarkets();
});

afterAll(async () => {
  await sim.close();
});

describe('coinbase: the simulator against recorded real traffic', () => {
  const closed = recordedResponse('coinbase', 'fetchClosedOrders', 'Spot');
  const recordedList = closed.httpResponse as { orders: unknown[] };
  const recordedOrder = recordedList.orders[0];
  const recordedParsed = (closed.parsedResponse as unknown[])[0];
  // A list entry carries its own `cursor` (ccxt reads only the top-level one); a single order has none.
  const LIST_ONLY = ['$.cursor'];
  // The recorded order is a filled market sell; this one is an open limit buy: it has
  // limit_limit_gtc instead of market_market_ioc, and no fill yet (last_fill_time null).
  const OPEN_LIMIT = ['$.order_configuration.market_market_ioc', '$.last_fill_time'];
  let orderId = '';

  it('create: the request carries the recorded parameters on the recorded path', async () => {
    const price = new Dec(sim.control.venue('coinbase').candle('BTC/USDT')?.close ?? '0').div(2).toDecimalPlaces(2).toNumber();
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price, { client_order_id: 'cts-recorded-1' });
    orderId = order.id ?? '';
    const sent = sim.control.requests({ exchange: 'coinbase', path: '/api/v3/brokerage/orders' }).at(-1);
    const recorded = recordedRequest('coinbase', 'createOrder', 'spot limit buy');
    expect(sent?.path).toBe(new URL(recorded.url).pathname);
    expect(Object.keys(sent?.params ?? {}).sort()).toEqual(paramNames(recorded.output as string));
    expect(sent?.params['order_configuration']).toContain('limit_limit_gtc');
  });

  it('fetch order: path as recorded; the order has the recorded fields and ccxt parses the same fields', async () => {
    const parsed = await ex.fetchOrder(orderId, 'BTC/USDT');
    const sent = sim.control.requests({ exchange: 'coinbase' }).at(-1);
    expect(sent?.path.replace(orderId, '{id}')).toBe(new URL(recordedRequest('coinbase', 'fetchOrder').url).pathname.replace('9fd0cadc-2ccc-45e8-b254-ea511c34e5b2', '{id}'));
    expect(shapeDifferences(last()['order'], recordedOrder, [...LIST_ONLY, ...OPEN_LIMIT])).toEqual([]);
    // An open, unfilled limit order: no average or cost yet (the recorded one had filled).
    expect(parsedDifferences(parsed, recordedParsed, ['average', 'cost'])).toEqual([]);
  });

  it('open orders: the list envelope and its orders have the recorded fields', async () => {
    const parsed = await ex.fetchOpenOrders('BTC/USDT');
    expect(parsed).toHaveLength(1);
    expect(shapeDifferences(last(), recordedList, ['$.orders[0].cursor', ...OPEN_LIMIT.map((p) => p.replace('$', '$.orders[0]'))])).toEqual([]);
    expect(parsedDifferences(parsed[0], recordedParsed, ['average', 'cost'])).toEqual([]);
  });

  it('cancel: the request carries order_ids on the recorded path', async () => {
    await ex.cancelOrder(orderId, 'BTC/USDT');
    const sent = sim.control.requests({ exchange: 'coinbase' }).at(-1);
    const recorded = recordedRequest('coinbase', 'cancelOrder');
    expect(sent?.path).toBe(new URL(recorded.url).pathname);
    expect(Object.keys(sent?.params ?? {}).sort()).toEqual(paramNames(recorded.output as string));
    expect((await ex.fetchOrder(orderId, 'BTC/USDT')).status).toBe('canceled');
  });

  it('my trades: fills have the recorded fields, the fee in the quote currency as recorded', async () => {
    await ex.createMarketBuyOrderWithCost('XRP/USDT', 20, { client_order_id: 'cts-recorded-2' });
    const recorded = recordedResponse('coinbase', 'fetchMyTrades', 'Spot');
    const parsed = await ex.fetchMyTrades('XRP/USDT');
    expect(shapeDifferences(last(), recorded.httpResponse, ['$.fills[0].cursor'])).toEqual([]);
    expect(parsedDifferences(parsed[0], (recorded.parsedResponse as unknown[])[0])).toEqual([]);
    expect(parsed[0]?.fee?.currency).toBe('USDT');
    // The filled market order itself: only its sizing differs (ccxt sends market buys as quote_size).
    const order = await ex.fetchOrder(parsed[0]?.order ?? '', 'XRP/USDT');
    expect(shapeDifferences(last()['order'], recordedOrder, [...LIST_ONLY, '$.order_configuration.market_market_ioc.base_size'])).toEqual([]);
    expect(parsedDifferences(order, recordedParsed)).toEqual([]);
  });

  it('ticker: the recorded fields', async () => {
    const recorded = recordedResponse('coinbase', 'fetchTicker');
    const parsed = await ex.fetchTicker('BTC/USDT');
    expect(shapeDifferences(last(), recorded.httpResponse)).toEqual([]);
    expect(parsedDifferences(parsed, recorded.parsedResponse)).toEqual([]);
  });

  it('balance: the v3 accounts request as recorded', async () => {
    await ex.fetchBalance();
    const sent = sim.control.requests({ exchange: 'coinbase' }).at(-1);
    const url = new URL(recordedRequest('coinbase', 'fetchBalance', 'v3').url);
    expect(sent?.path).toBe(url.pathname);
    expect(Object.keys(sent?.params ?? {})).toEqual([...url.searchParams.keys()]);
  });
});
