import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateHandler } from '../../simulator/exchanges/gate.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { idOf } from './clients.js';

/** Gate APIv4 spot trading through unmodified ccxt: labels, text rules, fees, finished orders. */

const KEY = { apiKey: 'gate-trade-key', secret: 'gate-trade-secret' };
let sim: RunningSimulator;
let ex: InstanceType<typeof ccxt.gate>;

beforeAll(async () => {
  sim = await startSimulator({ handlers: [gateHandler] });
  sim.control.addAccount('gate', { ...KEY, balances: { USDT: '1000', XRP: '100', BTC: '0.01' } });
  ex = new ccxt.gate({ proxyUrl: sim.url, enableRateLimit: false, ...KEY, options: { fetchMarkets: { types: ['spot'] }, unifiedAccount: false } });
  ex.has['fetchCurrencies'] = false;
  await ex.loadMarkets();
});

afterAll(async () => {
  await sim.close();
});

function labelOf(error: unknown): string | undefined {
  return /"label":"([A-Z_]+)"/.exec(String(error))?.[1];
}

describe('gate spot trading', () => {
  it('answers the documented labels for balance, tick, minimum and text', async () => {
    const cases: Array<[() => Promise<unknown>, string, unknown]> = [
      [() => ex.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 50_000), 'BALANCE_NOT_ENOUGH', ccxt.InsufficientFunds],
      [() => ex.privateSpotPostOrders({ currency_pair: 'XRP_USDT', side: 'buy', type: 'limit', amount: '10', price: '0.300001' }), 'INVALID_PRECISION', ccxt.InvalidOrder],
      [() => ex.createOrder('XRP/USDT', 'limit', 'buy', 1, 0.3), 'INVALID_PARAM_VALUE', ccxt.BadRequest],
      [() => ex.privateSpotPostOrders({ currency_pair: 'XRP_USDT', side: 'buy', type: 'limit', amount: '20', price: '0.3', text: 'no-prefix' }), 'INVALID_PARAM_VALUE', ccxt.BadRequest],
    ];
    for (const [send, label, kind] of cases) {
      const error = await send().catch((e: unknown) => e);
      expect(labelOf(error)).toBe(label);
      expect(error).toBeInstanceOf(kind);
    }
  });

  it('accepts a repeated text (Gate states no uniqueness) and finds only the pending order by text', async () => {
    const text = 't-repeated1';
    const a = await ex.createOrder('XRP/USDT', 'limit', 'buy', 20, 0.3, { text });
    const b = await ex.createOrder('XRP/USDT', 'limit', 'buy', 20, 0.3, { text });
    expect(a.id).not.toBe(b.id);
    await ex.cancelOrder(idOf(a), 'XRP/USDT');
    await ex.cancelOrder(idOf(b), 'XRP/USDT');
    // Finished: by id yes, by text no ("custom IDs can only be checked in pending orders").
    expect((await ex.fetchOrder(idOf(b), 'XRP/USDT')).status).toBe('canceled');
    const error = await ex.fetchOrder(undefined as unknown as string, 'XRP/USDT', { text }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.OrderNotFound);
    const finished = (await ex.privateSpotGetOrders({ currency_pair: 'XRP_USDT', status: 'finished' })) as Array<{ text: string; finish_as: string }>;
    expect(finished.filter((o) => o.text === text).map((o) => o.finish_as)).toEqual(['cancelled', 'cancelled']);
  });

  it('sizes a market buy in quote and charges the fee in the base received', async () => {
    const order = await ex.createOrder('XRP/USDT', 'market', 'buy', 10, undefined, { createMarketBuyOrderRequiresPrice: false });
    const raw = order.info as { amount: string; type: string; finish_as: string };
    expect(raw).toMatchObject({ amount: '10', type: 'market', finish_as: 'filled' });
    const trades = await ex.fetchMyTrades('XRP/USDT');
    const mine = trades.filter((t) => t.order === order.id);
    expect(mine.length).toBeGreaterThan(0);
    for (const t of mine) expect(t.fee?.currency).toBe('XRP');
  });

  it('answers 429 TOO_MANY_REQUESTS with the Gate rate-limit headers past 200 calls per 10 s', async () => {
    let caught: unknown;
    for (let i = 0; i < 410 && caught === undefined; i++) {
      caught = await ex.privateSpotGetOpenOrders().then(() => undefined, (e: unknown) => e);
    }
    expect(caught).toBeInstanceOf(ccxt.RateLimitExceeded);
    const last = sim.control.requests({ exchange: 'gate', path: '/api/v4/spot/open_orders' }).at(-1);
    expect(last?.status).toBe(429);
  });
});
