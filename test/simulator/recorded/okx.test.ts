import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okxHandler } from '../../../simulator/exchanges/okx.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { parsedDifferences, recordedRequest, recordedResponse, shapeDifferences } from './recorded.js';

/**
 * The OKX simulator against ccxt's recorded real OKX traffic (test/fixtures/ccxt-static/okx.*.json).
 * The ccxt client uses the adapter's profile options, so requests go where production sends them.
 */

let sim: RunningSimulator;
let ex: InstanceType<typeof ccxt.okx>;

beforeAll(async () => {
  sim = await startSimulator({ handlers: [okxHandler] });
  sim.control.addAccount('okx', {
    apiKey: 'okx-rec-key', secret: 'okx-rec-secret', passphrase: 'okx-rec-pass',
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: '10000', BTC: '1' },
  });
  ex = new ccxt.okx({
    apiKey: 'okx-rec-key', secret: 'okx-rec-secret', password: 'okx-rec-pass', proxyUrl: sim.url, enableRateLimit: false,
    options: { ...getProfile('okx').ccxtOptions, fetchMarkets: { types: ['spot'] } },
  });
  ex.has['fetchCurrencies'] = false;
  await ex.loadMarkets();
});

afterAll(async () => {
  await sim.close();
});

/** The JSON body of the last order request the simulator received. */
function lastOrderBody(): Record<string, unknown> {
  const req = sim.control.requests({ exchange: 'okx' }).filter((r) => r.path === '/api/v5/trade/order').at(-1);
  if (!req) throw new Error('Expected an order request in the simulator log');
  return JSON.parse(req.body) as Record<string, unknown>;
}

/** Parameter names of a recorded batch-orders body (one order in an array). */
function recordedOrderKeys(output: unknown): string[] {
  const [order] = JSON.parse(String(output)) as Record<string, unknown>[];
  // `tag` is ccxt's broker tag, sent only when ccxt makes the clOrdId itself; we always send ours.
  return Object.keys(order ?? {}).filter((k) => k !== 'tag').sort();
}

describe('okx simulator vs recorded OKX traffic', () => {
  it('answers a create like OKX: the ack carries the recorded fields, and ccxt parses what it parsed from the real one', async () => {
    // The recorded ack is a swap order's; the place-order ack has the same shape for every instType.
    const recorded = recordedResponse('okx', 'createOrder');
    const px = (Number((await ex.fetchTicker('BTC/USDT')).last) / 2).toFixed(1);
    // The raw answer through ccxt's own signed endpoint method, then ccxt's parse as createOrder does it.
    const request = ex.createOrderRequest('BTC/USDT', 'limit', 'buy', 0.001, Number(px), { clOrdId: 'recCreate1' });
    const raw = (await ex.privatePostTradeOrder(request)) as { data: Record<string, unknown>[] };
    expect(shapeDifferences(raw, recorded.httpResponse)).toEqual([]);
    const parsed = { ...ex.parseOrder(raw.data[0] ?? {}, ex.market('BTC/USDT')), type: 'limit', side: 'buy' };
    expect(parsedDifferences(parsed, recorded.parsedResponse)).toEqual([]);
    expect(parsed).toMatchObject({ clientOrderId: 'recCreate1', id: raw.data[0]?.['ordId'] });
  });

  it('receives the parameters ccxt sends OKX for spot limit and market buys (base-sized market buy)', async () => {
    const limit = recordedRequest('okx', 'createOrder', 'Spot limit buy order');
    const px = (Number((await ex.fetchTicker('BTC/USDT')).last) / 2).toFixed(1);
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number(px), { clOrdId: 'recLimit1' });
    const limitBody = lastOrderBody();
    expect(Object.keys(limitBody).sort()).toEqual(recordedOrderKeys(limit.output));
    expect(limitBody).toMatchObject({ tdMode: 'cash', tgtCcy: 'base_ccy' });

    const market = recordedRequest('okx', 'createOrder', 'Spot market buy order');
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { clOrdId: 'recMarket1' });
    const marketBody = lastOrderBody();
    expect(Object.keys(marketBody).sort()).toEqual(recordedOrderKeys(market.output));
    // As recorded: sz is the base amount, tgtCcy base_ccy.
    expect(marketBody).toMatchObject({ sz: '0.001', tgtCcy: 'base_ccy', ordType: 'market' });
    // ccxt's default posts one order as an array to /trade/batch-orders (the recorded URL); the profile
    // sets createOrder: privatePostTradeOrder so the place bucket the limiter models is the one used.
    expect(new URL(market.url).pathname).toBe('/api/v5/trade/batch-orders');
  });

  it('answers open orders and order details with the recorded order fields; ccxt parses what it parsed from the real one', async () => {
    // The recorded order is a swap post_only order; the order object is the same for spot
    // (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list), with tdMode cash.
    const recorded = recordedResponse('okx', 'fetchOpenOrders', 'swap limit open order');
    const px = (Number((await ex.fetchTicker('BTC/USDT')).last) / 2).toFixed(1);
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number(px), { clOrdId: 'recOpen1' });
    const pending = await ex.privateGetTradeOrdersPending({ instType: 'SPOT', instId: 'BTC-USDT' });
    expect(shapeDifferences(pending, recorded.httpResponse)).toEqual([]);
    const details = await ex.privateGetTradeOrder({ instId: 'BTC-USDT', clOrdId: 'recOpen1' });
    expect(shapeDifferences(details, recorded.httpResponse)).toEqual([]);
    const parsed = (await ex.fetchOpenOrders('BTC/USDT')).find((o) => o.clientOrderId === 'recOpen1');
    const [recordedParse] = recorded.parsedResponse as unknown[];
    // The recorded order was post_only (timeInForce PO, postOnly true); ours is a plain GTC limit.
    expect(parsedDifferences(parsed, recordedParse, ['timeInForce', 'postOnly'])).toEqual([]);
    expect(parsed).toMatchObject({ status: 'open', type: 'limit', amount: 0.001, filled: 0 });
  });

  it('answers fills like the recorded spot fill: fee negative, in the base bought', async () => {
    const recorded = recordedResponse('okx', 'fetchMyTrades', 'Fetch spot trade');
    sim.control.step();
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001, undefined, { clOrdId: 'recFill1' });
    const raw = await ex.privateGetTradeFillsHistory({ instType: 'SPOT', instId: 'BTC-USDT', limit: '1' });
    expect(shapeDifferences(raw, recorded.httpResponse)).toEqual([]);
    const [trade] = await ex.fetchMyTrades('BTC/USDT', undefined, 1);
    const [recordedParse] = recorded.parsedResponse as unknown[];
    expect(parsedDifferences(trade, recordedParse)).toEqual([]);
    expect(trade).toMatchObject({ side: 'buy', takerOrMaker: 'taker', fee: { currency: 'BTC' } });
  });

  it('serves the balance at the path ccxt uses for the trading account', async () => {
    const recorded = recordedRequest('okx', 'fetchBalance', 'spot balance');
    sim.control.clearRequests();
    await ex.fetchBalance();
    expect(sim.control.requests({ exchange: 'okx' }).map((r) => r.url)).toEqual([recorded.url]);
  });
});
