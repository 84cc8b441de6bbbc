import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinbaseHandler } from '../../simulator/exchanges/coinbase.js';
import { exchangeHandlers } from '../../simulator/exchanges/index.js';
import { gateHandler } from '../../simulator/exchanges/gate.js';
import { htxHandler } from '../../simulator/exchanges/htx.js';
import { krakenHandler } from '../../simulator/exchanges/kraken.js';
import { okxHandler } from '../../simulator/exchanges/okx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { systemClock } from '../../src/domain/clock.js';
import { EXCHANGE_IDS, type ExchangeId } from '../../src/domain/exchange-ids.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../src/exchanges/exchange-gate.js';
import { ccxtSimHarness } from './ccxt-sim-harness.js';

/** The one all-tickers request each exchange gets, as ccxt 4.5.84 sends it (path, and the query that selects spot). */
const ALL_TICKERS: Record<ExchangeId, { path: string; query: Record<string, string> }> = {
  binance: { path: '/api/v3/ticker/24hr', query: {} },
  bybit: { path: '/v5/market/tickers', query: { category: 'spot' } },
  okx: { path: '/api/v5/market/tickers', query: { instType: 'SPOT' } },
  kraken: { path: '/0/public/Ticker', query: {} },
  coinbase: { path: '/api/v3/brokerage/market/products', query: {} },
  htx: { path: '/market/tickers', query: {} },
  gate: { path: '/api/v4/spot/tickers', query: {} },
};

const limits = createExchangeGate({ clock: systemClock });
let sim: RunningSimulator;
let ccxt: CcxtModules;

beforeAll(async () => {
  ccxt = await loadCcxt();
  const handlers = [...exchangeHandlers];
  for (const h of [okxHandler, krakenHandler, coinbaseHandler, htxHandler, gateHandler]) if (!handlers.some((x) => x.id === h.id)) handlers.push(h);
  sim = await startSimulator({ handlers });
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

describe('fetchTickers sends one all-tickers request through the limiter', () => {
  for (const id of EXCHANGE_IDS) {
    it(id, async () => {
      const exchange = await ccxtSimHarness(sim, ccxt, id, limits.gate).make();
      await exchange.loadMarkets();
      sim.control.clearRequests();
      const all = await exchange.fetchTickers?.();
      const some = await exchange.fetchTickers?.(['BTC/USDT', 'XRP/USDT']);
      const log = sim.control.requests({ exchange: id });
      expect(log.map((r) => r.path)).toEqual([ALL_TICKERS[id].path, ALL_TICKERS[id].path]);
      for (const r of log) expect(r.query).toMatchObject(ALL_TICKERS[id].query);
      // Only Kraken is sent the pairs (its all-pairs answer is several hundred on the real exchange).
      const [first, second] = log;
      expect(first?.query['pair']).toBeUndefined();
      if (id === 'kraken') expect(second?.query['pair']?.split(',')).toHaveLength(2);
      else expect(second?.query).toEqual(first?.query);
      if (id === 'binance') expect(first?.query['symbol'] ?? first?.query['symbols']).toBeUndefined();
      if (id === 'gate') expect(first?.query['currency_pair']).toBeUndefined();
      expect(all?.length).toBe(3);
      expect(some?.map((t) => t.symbol).sort()).toEqual(['BTC/USDT', 'XRP/USDT']);
      await exchange.close();
    }, 30_000);
  }
});
