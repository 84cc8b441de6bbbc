import { generateKeyPairSync } from 'node:crypto';
import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coinbaseHandler } from '../../simulator/exchanges/coinbase.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { SimAccount } from '../../simulator/types.js';
import { Dec } from '../../src/domain/money.js';

/**
 * Coinbase Advanced Trade spot trading on the simulator, through unmodified ccxt signing with a CDP
 * ECDSA key (JWT ES256). Raw answers are read from ccxt's `last_json_response`, statuses from the
 * simulator's request log.
 */

type Coinbase = InstanceType<typeof ccxt.coinbase>;
type Raw = (params: Record<string, unknown>) => Promise<Record<string, unknown>>;

let sim: RunningSimulator;
let account: SimAccount;
let ex: Coinbase;
let n = 0;

function freshAccount(): { apiKey: string; secret: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = { apiKey: `organizations/7f1c/apiKeys/t${n++}`, secret: privateKey.export({ type: 'sec1', format: 'pem' }).toString() };
  account = sim.control.addAccount('coinbase', { ...key, permissions: { trade: true, withdraw: false, ipRestricted: false }, balances: { BTC: '1', USDT: '10000' } });
  return key;
}

function raw(name: string): Raw {
  return (ex as unknown as Record<string, Raw>)[name]!.bind(ex);
}

function lastBody(): Record<string, unknown> {
  return ex.last_json_response as Record<string, unknown>;
}

function lastStatus(): number | null | undefined {
  return sim.control.requests({ exchange: 'coinbase' }).at(-1)?.status;
}

async function limitBuy(clientOrderId: string, size: string, price: string, product = 'BTC-USDT'): Promise<Record<string, unknown>> {
  return raw('v3PrivatePostBrokerageOrders')({ client_order_id: clientOrderId, product_id: product, side: 'BUY', order_configuration: { limit_limit_gtc: { base_size: size, limit_price: price, post_only: false } } });
}

function farBelow(): string {
  return new Dec(sim.control.venue('coinbase').candle('BTC/USDT')?.close ?? '0').div(2).toDecimalPlaces(2).toFixed(2);
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [coinbaseHandler] });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  ex = new ccxt.coinbase({ proxyUrl: sim.url, enableRateLimit: false, enableLastJsonResponse: true, ...freshAccount(), options: { fetchBalance: 'v3PrivateGetBrokerageAccounts' } });
  ex.has['fetchCurrencies'] = false;
  await ex.loadMarkets();
});

describe('coinbase orders', () => {
  it('creates, reads, lists and cancels a limit order; the hold moves with it', async () => {
    const price = farBelow();
    const created = await limitBuy('cts-limit-1', '0.001', price);
    expect(created).toMatchObject({ success: true, success_response: { product_id: 'BTC-USDT', side: 'BUY', client_order_id: 'cts-limit-1' } });
    const orderId = (created['success_response'] as { order_id: string }).order_id;
    const held = new Dec('0.001').mul(price).mul(new Dec(sim.control.venue('coinbase').fees.maker).add(1));
    expect(account.balances['USDT']).toEqual({ free: new Dec(10000).sub(held).toFixed(), used: held.toFixed() });

    const got = await raw('v3PrivateGetBrokerageOrdersHistoricalOrderId')({ order_id: orderId });
    expect(got['order']).toMatchObject({ order_id: orderId, status: 'OPEN', client_order_id: 'cts-limit-1', order_type: 'LIMIT', order_configuration: { limit_limit_gtc: { base_size: '0.001', limit_price: price } } });
    const open = await ex.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.id)).toEqual([orderId]);

    const canceled = await raw('v3PrivatePostBrokerageOrdersBatchCancel')({ order_ids: [orderId] });
    expect(canceled).toEqual({ results: [{ success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: orderId }] });
    expect((await ex.fetchOrder(orderId, 'BTC/USDT')).status).toBe('canceled');
    expect(account.balances['USDT']).toEqual({ free: '10000', used: '0' });
    // A second cancel: the order is no longer open.
    await expect(ex.cancelOrder(orderId, 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.BadRequest);
    expect(lastBody()).toEqual({ results: [{ success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: orderId }] });
  });

  it('answers a repeated client_order_id with the existing order (idempotent), placing nothing new', async () => {
    const price = farBelow();
    const first = await limitBuy('cts-twice', '0.001', price);
    const again = await limitBuy('cts-twice', '0.002', price);
    expect(again).toEqual(first);
    expect(sim.control.venue('coinbase').orders(account.apiKey)).toHaveLength(1);
  });

  it('requires a client_order_id in the documented format (400 INVALID_ARGUMENT)', async () => {
    await expect(raw('v3PrivatePostBrokerageOrders')({ product_id: 'BTC-USDT', side: 'BUY', order_configuration: { limit_limit_gtc: { base_size: '0.001', limit_price: '100' } } })).rejects.toBeInstanceOf(ccxt.BadRequest);
    expect(lastStatus()).toBe(400);
    expect(lastBody()).toMatchObject({ error: 'INVALID_ARGUMENT' });
    await expect(limitBuy('x'.repeat(65), '0.001', '100')).rejects.toBeInstanceOf(ccxt.BadRequest);
    await expect(limitBuy('bad id!', '0.001', '100')).rejects.toBeInstanceOf(ccxt.BadRequest);
  });

  it('refuses with the real failure reasons: funds, price and size precision, minimum size', async () => {
    const price = farBelow();
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.9, Number(price), { client_order_id: 'cts-funds' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(lastStatus()).toBe(200);
    expect(lastBody()).toMatchObject({ success: false, failure_reason: 'UNKNOWN_FAILURE_REASON', order_id: '', error_response: { error: 'INSUFFICIENT_FUND', message: 'Insufficient balance in source account', preview_failure_reason: 'PREVIEW_INSUFFICIENT_FUND' } });
    const refusals: Array<[string, string, string]> = [
      ['0.001', '100.001', 'INVALID_LIMIT_PRICE_PRECISION'],
      ['0.0010001', '100', 'INVALID_SIZE_PRECISION'],
    ];
    for (const [size, limit, error] of refusals) {
      await expect(limitBuy(`cts-${error}`, size, limit)).rejects.toBeInstanceOf(ccxt.ExchangeError);
      expect(lastBody()).toMatchObject({ success: false, error_response: { error } });
    }
    await expect(limitBuy('cts-small', '0.00001', '100')).rejects.toBeInstanceOf(ccxt.ExchangeError);
    expect(lastBody()).toMatchObject({ success: false, error_response: { error: 'UNKNOWN_FAILURE_REASON', preview_failure_reason: 'PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL' } });
    expect(sim.control.venue('coinbase').orders(account.apiKey)).toHaveLength(0);
  });

  it('answers an unknown order id with 404 NOT_FOUND', async () => {
    await expect(ex.fetchOrder('0b6e4670-b659-432f-9490-000000000042', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.ExchangeError);
    expect(lastStatus()).toBe(404);
    expect(lastBody()).toEqual({ error: 'NOT_FOUND', error_details: 'order with this orderID was not found', message: 'order with this orderID was not found' });
  });

  it('fills a quote-sized market buy (fee included in quote_size, charged in quote) and lists its fills', async () => {
    const order = await ex.createMarketBuyOrderWithCost('XRP/USDT', 20, { client_order_id: 'cts-mkt' });
    const got = (await raw('v3PrivateGetBrokerageOrdersHistoricalOrderId')({ order_id: order.id }))['order'] as Record<string, string>;
    expect(got).toMatchObject({ status: 'FILLED', order_type: 'MARKET', size_in_quote: true, size_inclusive_of_fees: true, order_configuration: { market_market_ioc: { quote_size: '20' } } });
    expect(new Dec(got['total_value_after_fees'] ?? '0').lte(20)).toBe(true);
    const trades = await ex.fetchMyTrades('XRP/USDT');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: order.id, side: 'buy', fee: { currency: 'USDT' } });
    const fill = (lastBody()['fills'] as Array<Record<string, string>>)[0];
    expect(fill).toMatchObject({ order_id: order.id, commission: got['total_fees'], liquidity_indicator: 'TAKER', size: got['filled_size'] });
    const spent = new Dec(got['filled_value'] ?? '0').add(got['total_fees'] ?? '0');
    expect(account.balances['USDT']?.free).toBe(new Dec(10000).sub(spent).toFixed());
    expect(account.balances['XRP']?.free).toBe(got['filled_size']);
  });

  it('pages the order history newest first, filtered by status', async () => {
    const price = farBelow();
    for (const id of ['cts-p1', 'cts-p2', 'cts-p3']) await limitBuy(id, '0.001', price);
    const ids = sim.control.venue('coinbase').orders(account.apiKey).map((o) => o.clientOrderId);
    expect(ids).toHaveLength(3);
    const list = raw('v3PrivateGetBrokerageOrdersHistoricalBatch');
    const first = await list({ product_ids: 'BTC-USDT', limit: 2 });
    expect(first).toMatchObject({ has_next: true, cursor: '2' });
    const second = await list({ product_ids: 'BTC-USDT', limit: 2, cursor: '2' });
    expect(second).toMatchObject({ has_next: false, cursor: '' });
    const seen = [...(first['orders'] as Array<{ client_order_id: string }>), ...(second['orders'] as Array<{ client_order_id: string }>)].map((o) => o.client_order_id);
    expect(seen).toEqual(['cts-p3', 'cts-p2', 'cts-p1']);
    const filled = await list({ order_status: 'FILLED' });
    expect(filled['orders']).toEqual([]);
  });

  it('answers 429 beyond 30 private requests per second per user', async () => {
    const results = await Promise.allSettled(Array.from({ length: 70 }, () => ex.fetchBalance()));
    const limited = results.filter((r) => r.status === 'rejected');
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(sim.control.requests({ exchange: 'coinbase' }).filter((r) => r.status === 429).length).toBe(limited.length);
  });
});
