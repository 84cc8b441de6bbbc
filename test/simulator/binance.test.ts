import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { amountOf, binanceClient, header, idOf, provisionDefaults } from './clients.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  provisionDefaults(sim);
});

describe('Binance spot through unmodified ccxt', () => {
  it('serves time, markets with filters and balances on live and testnet hosts', async () => {
    for (const sandbox of [false, true]) {
      const ex = binanceClient(sim, { sandbox });
      expect(Math.abs((await ex.fetchTime() ?? 0) - Date.now())).toBeLessThan(5_000);
      await ex.loadMarkets();
      const xrp = ex.market('XRP/USDT');
      expect(xrp.limits?.amount?.min).toBe(0.1);
      expect(xrp.limits?.cost?.min).toBe(5);
      expect(xrp.precision.price).toBe(0.00001);
      const balance = await ex.fetchBalance();
      expect(amountOf(balance.total, 'USDT')).toBe(10000);
      expect(amountOf(balance.free, 'BTC')).toBe(0.5);
    }
    const hosts = new Set(sim.control.requests({ exchange: 'binance' }).map((r) => r.host));
    expect(hosts).toEqual(new Set(['api.binance.com', 'testnet.binance.vision']));
    // The trimmed loadMarkets makes one markets call: no margin or futures endpoints.
    expect(sim.control.requests({ path: 'exchangeInfo' }).map((r) => r.path)).toEqual(['/api/v3/exchangeInfo', '/api/v3/exchangeInfo']);
  });

  it('reports key permissions through sapi apiRestrictions and account', async () => {
    sim.control.addAccount('binance', {
      apiKey: 'withdrawKey',
      secret: 'withdrawSecret',
      permissions: { trade: true, withdraw: true, ipRestricted: false },
    });
    const ex = binanceClient(sim, { apiKey: 'withdrawKey', secret: 'withdrawSecret' });
    const restrictions = await ex.sapiGetAccountApiRestrictions();
    expect(restrictions).toMatchObject({ enableWithdrawals: true, enableSpotAndMarginTrading: true, ipRestrict: false });
    const account = await ex.privateGetAccount();
    expect(account).toMatchObject({ canTrade: true, canWithdraw: true, accountType: 'SPOT' });
  });

  it('maps a wrong secret, an unknown key and a skewed clock to ccxt error classes', async () => {
    await expect(binanceClient(sim, { secret: 'wrong' }).fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    await expect(binanceClient(sim, { apiKey: 'nobody' }).fetchBalance()).rejects.toThrow(/-2015/);
    sim.control.setClockSkew('binance', 60_000);
    await expect(binanceClient(sim).fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    sim.control.setClockSkew('binance', -60_000);
    await expect(binanceClient(sim).fetchBalance()).rejects.toThrow(/1000ms ahead/);
    const statuses = sim.control.requests({ path: '/api/v3/account' }).map((r) => r.status);
    expect(statuses).toEqual([400, 401, 400, 400]);
  });

  it('creates, fetches, lists and cancels a limit order; the request carries our client order id', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30000, { clientOrderId: 'cts-01JTEST0000000000000001' });
    expect(order).toMatchObject({ status: 'open', clientOrderId: 'cts-01JTEST0000000000000001', amount: 0.01, price: 30000 });
    const sent = sim.control.requests({ method: 'POST', path: '/api/v3/order' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.params).toMatchObject({ newClientOrderId: 'cts-01JTEST0000000000000001', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT' });
    expect(sent[0]?.headers['x-mbx-apikey']).toBe('binanceKey1');

    expect((await ex.fetchOrder(idOf(order), 'BTC/USDT')).status).toBe('open');
    const byClientId = await ex.fetchOrder('', 'BTC/USDT', { origClientOrderId: 'cts-01JTEST0000000000000001' });
    expect(byClientId.id).toBe(idOf(order));
    expect((await ex.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([idOf(order)]);
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(300);

    expect((await ex.cancelOrder(idOf(order), 'BTC/USDT')).status).toBe('canceled');
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await expect(ex.cancelOrder(idOf(order), 'BTC/USDT')).rejects.toThrow(ccxt.OrderNotFound);
    await expect(ex.fetchOrder('999', 'BTC/USDT')).rejects.toThrow(ccxt.OrderNotFound);
  });

  it('fills a market order, lists the trade, and moves balances exactly', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    const ask = Number((await ex.fetchTicker('XRP/USDT')).ask);
    const order = await ex.createOrder('XRP/USDT', 'market', 'buy', 100);
    expect(order).toMatchObject({ status: 'closed', filled: 100 });
    const trades = await ex.fetchMyTrades('XRP/USDT');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: idOf(order), amount: 100, price: ask, takerOrMaker: 'taker', fee: { currency: 'XRP', cost: 0.1 } });
    const account = sim.control.account('binance', 'binanceKey1');
    expect(account?.balances['XRP']).toEqual({ free: '1099.9', used: '0' });
  });

  it('partially fills a large order; the rest fills after price steps', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    // 30 000 XRP against 10 000 per step of liquidity, priced well above the market.
    sim.control.addAccount('binance', { apiKey: 'binanceKey1', secret: 'binanceSecret1', balances: { USDT: '100000' } });
    const price = (Number(sim.control.price('XRP/USDT')) * 1.5).toFixed(5);
    const order = await ex.createOrder('XRP/USDT', 'limit', 'buy', 30000, Number(price));
    expect(order).toMatchObject({ status: 'open', filled: 10000, remaining: 20000 });
    sim.control.step(2);
    expect(await ex.fetchOrder(idOf(order), 'XRP/USDT')).toMatchObject({ status: 'closed', filled: 30000 });
    expect(await ex.fetchMyTrades('XRP/USDT')).toHaveLength(3);
  });

  it('rejects orders with the real codes: filter failure and insufficient balance', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    // Above LOT_SIZE maxQty (ccxt rounds to the step itself, but does not check the limits): -1013.
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 10000, 1)).rejects.toThrow(ccxt.InvalidOrder);
    // ccxt quirk worth knowing: "Filter failure: NOTIONAL" is not matched by text, so -1013 maps to BadRequest.
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.0001, 1000)).rejects.toThrow(ccxt.BadRequest);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 50000)).rejects.toThrow(ccxt.InsufficientFunds);
    const answers = sim.control.requests({ method: 'POST' }).map((r) => r.status);
    expect(answers).toEqual([400, 400, 400]);
  });

  it('reports used weight and order counts in response headers', async () => {
    const ex = binanceClient(sim);
    await ex.loadMarkets();
    await ex.fetchTicker('BTC/USDT');
    expect(header(ex, 'X-Mbx-Used-Weight-1m')).toBe('22'); // exchangeInfo 20 + ticker 2
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30000);
    expect(header(ex, 'X-Mbx-Order-Count-10s')).toBe('1');
    expect(header(ex, 'X-Mbx-Order-Count-1d')).toBe('1');
  });

  it('serves OHLCV from the replayed candles and an order book around the price', async () => {
    const ex = binanceClient(sim);
    const candles = await ex.fetchOHLCV('XRP/USDT', '1h', undefined, 3);
    expect(candles).toHaveLength(3);
    expect(candles[2]?.[4]).toBe(Number(sim.control.price('XRP/USDT')));
    const book = await ex.fetchOrderBook('XRP/USDT', 5);
    expect(book.bids[0]?.[0]).toBeLessThan(book.asks[0]?.[0] ?? 0);
  });
});
