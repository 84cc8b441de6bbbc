import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ManualClock } from '../../src/domain/clock.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { MarketCache } from '../../src/exchanges/ccxt/market-cache.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

let sim: RunningSimulator;
let ccxt: CcxtModules;
beforeAll(async () => {
  sim = await startSimulator();
  sim.control.addAccount('binance', { apiKey: 'ctscachekey0123456789', secret: 'ctscachesecret0123456789', balances: { USDT: '10' } });
  ccxt = await loadCcxt();
});
afterAll(async () => sim.close());

describe('markets shared between adapter instances', () => {
  it('loads markets once per exchange/mode/market types, until the entry expires', async () => {
    const clock = new ManualClock(Date.now());
    const cache = new MarketCache({ clock, ttlMs: 60_000 });
    const open = () =>
      createCcxtExchange({
        ccxt,
        gate: openGate,
        clock,
        marketCache: cache,
        connection: { id: 'c', exchange: 'binance', mode: 'live', credentials: { apiKey: 'ctscachekey0123456789', apiSecret: 'ctscachesecret0123456789' }, marketTypes: ['spot'], proxyUrl: sim.url },
      });
    const marketCalls = () => sim.control.requests({ exchange: 'binance', path: '/api/v3/exchangeInfo' }).length;
    sim.control.clearRequests();
    const first = await open();
    expect((await first.fetchBalances()).length).toBeGreaterThan(0);
    await first.close();
    expect(marketCalls()).toBe(1);

    const second = await open();
    expect((await second.loadMarkets()).map((m) => m.symbol)).toContain('BTC/USDT');
    expect((await second.fetchBalances()).length).toBeGreaterThan(0);
    await second.close();
    expect(marketCalls()).toBe(1);

    await clock.advance(61_000);
    const third = await open();
    await third.fetchBalances();
    await third.close();
    expect(marketCalls()).toBe(2);
  });
});
