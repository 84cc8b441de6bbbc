import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { amountOf, bybitClient, header, idOf, provisionDefaults } from './clients.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 2 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  provisionDefaults(sim);
});

describe('Bybit v5 through unmodified ccxt', () => {
  it('serves time, spot and linear markets and the unified balance on live and testnet hosts', async () => {
    for (const sandbox of [false, true]) {
      const ex = bybitClient(sim, { sandbox });
      expect(Math.abs((await ex.fetchTime() ?? 0) - Date.now())).toBeLessThan(5_000);
      await ex.loadMarkets();
      expect(ex.symbols).toEqual(expect.arrayContaining(['BTC/USDT', 'XRP/USDT', 'BTC/USDT:USDT']));
      expect(ex.market('XRP/USDT').limits?.amount?.min).toBe(0.1);
      const balance = await ex.fetchBalance();
      expect(amountOf(balance.total, 'USDT')).toBe(10000);
      expect(amountOf(balance.free, 'BTC')).toBe(0.5);
    }
    const hosts = new Set(sim.control.requests({ exchange: 'bybit' }).map((r) => r.host));
    expect(hosts).toEqual(new Set(['api.bybit.com', 'api-testnet.bybit.com']));
    // enableUnifiedAccount/Margin set: no query-api or account/info probe during fetchBalance.
    expect(sim.control.requests({ path: '/v5/user/query-api' })).toEqual([]);
  });

  it('reports key permissions (withdrawal, read-only, IP binding) through query-api', async () => {
    sim.control.addAccount('bybit', {
      apiKey: 'wd',
      secret: 'wdSecret',
      permissions: { trade: true, withdraw: true, ipRestricted: false },
    });
    const ex = bybitClient(sim, { apiKey: 'wd', secret: 'wdSecret' });
    const info = (await ex.privateGetV5UserQueryApi()) as { result: Record<string, unknown> };
    expect(info.result).toMatchObject({ readOnly: 0, ips: ['*'], permissions: { Wallet: expect.arrayContaining(['Withdraw']) } });
  });

  it('signs with X-BAPI headers; wrong secret, unknown key and clock skew map to ccxt errors', async () => {
    await expect(bybitClient(sim, { secret: 'wrong' }).fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    await expect(bybitClient(sim, { apiKey: 'nobody' }).fetchBalance()).rejects.toThrow(/10003/);
    sim.control.setClockSkew('bybit', 30_000);
    await expect(bybitClient(sim).fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    sim.control.setClockSkew('bybit', -30_000);
    await expect(bybitClient(sim).fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    const sent = sim.control.requests({ path: '/v5/account/wallet-balance' })[0];
    expect(sent?.headers).toMatchObject({ 'x-bapi-api-key': 'bybitKey1', 'x-bapi-recv-window': '5000' });
    expect(sent?.headers['x-bapi-sign']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates, fetches, lists and cancels a limit order with orderLinkId as the client id', async () => {
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    const linkId = 'cts-01JBYBIT00000000000000001';
    const created = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30000, { clientOrderId: linkId });
    expect(created.clientOrderId).toBe(linkId);
    const sent = sim.control.requests({ method: 'POST', path: '/v5/order/create' })[0];
    expect(sent?.params).toMatchObject({ orderLinkId: linkId, category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '0.01' });
    expect(header(ex, 'X-Bapi-Limit')).toBe('20');
    expect(header(ex, 'X-Bapi-Limit-Status')).toBe('19');

    expect(await ex.fetchOpenOrder(idOf(created), 'BTC/USDT')).toMatchObject({ status: 'open', amount: 0.01, price: 30000 });
    expect((await ex.fetchOrder(idOf(created), 'BTC/USDT', { acknowledged: true })).clientOrderId).toBe(linkId);
    expect((await ex.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([idOf(created)]);
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(300);

    await ex.cancelOrder(idOf(created), 'BTC/USDT');
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await expect(ex.cancelOrder(idOf(created), 'BTC/USDT')).rejects.toThrow(ccxt.OrderNotFound);
  });

  it('fills a market order (base-sized), lists the execution and moves balances exactly', async () => {
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    const ask = Number((await ex.fetchTicker('XRP/USDT')).ask);
    const order = await ex.createOrder('XRP/USDT', 'market', 'buy', 100);
    expect(await ex.fetchClosedOrder(idOf(order), 'XRP/USDT')).toMatchObject({ status: 'closed', filled: 100, average: ask });
    const trades = await ex.fetchMyTrades('XRP/USDT');
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: idOf(order), amount: 100, price: ask, fee: { currency: 'XRP', cost: 0.1 } });
    expect(sim.control.account('bybit', 'bybitKey1')?.balances['XRP']).toEqual({ free: '1099.9', used: '0' });
  });

  it('partially fills a large order, then completes it on later price steps', async () => {
    sim.control.addAccount('bybit', { apiKey: 'bybitKey1', secret: 'bybitSecret1', balances: { USDT: '100000' } });
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    const price = Number((Number(sim.control.price('XRP/USDT')) * 1.5).toFixed(5));
    const order = await ex.createOrder('XRP/USDT', 'limit', 'buy', 25000, price);
    expect(await ex.fetchOpenOrder(idOf(order), 'XRP/USDT')).toMatchObject({ status: 'open', filled: 10000, remaining: 15000 });
    sim.control.step(2);
    expect(await ex.fetchClosedOrder(idOf(order), 'XRP/USDT')).toMatchObject({ status: 'closed', filled: 25000 });
  });

  it('rejects with the real retCodes: insufficient balance, order too small', async () => {
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 50000)).rejects.toThrow(ccxt.InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.0001, 1000)).rejects.toThrow(ccxt.InvalidOrder);
  });

  it('answers the per-endpoint UID limit with retCode 10006, per clock-aligned second', async () => {
    // A pinned clock keeps all 21 requests in one rate window; 2 s ahead of real time so ccxt's
    // real-time stamps stay inside Bybit's acceptance range for the few seconds the test runs.
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 2_000);
    const pinned = await startSimulator({ clock });
    try {
      provisionDefaults(pinned);
      const ex = bybitClient(pinned);
      await ex.loadMarkets();
      const place = (i: number) => ex.createOrder('BTC/USDT', 'limit', 'buy', 0.0001, 50000 + i).then(() => 'ok', (e: unknown) => e);
      const results = await Promise.all(Array.from({ length: 21 }, (_, i) => place(i)));
      expect(results.filter((r) => r === 'ok')).toHaveLength(20);
      expect(results.filter((r) => r instanceof ccxt.RateLimitExceeded)).toHaveLength(1);
      await clock.advance(1_000);
      expect(await place(99)).toBe('ok');
    } finally {
      await pinned.close();
    }
  });
});
