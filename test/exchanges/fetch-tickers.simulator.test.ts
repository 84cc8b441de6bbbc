import { describe, expect, it } from 'vitest';
import { EXCHANGE_IDS, type ExchangeId } from '../../src/domain/exchange-ids.js';
import { useCcxtSimulator } from '../support/ccxt-simulator.js';

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

const lab = useCcxtSimulator({ limiter: true });

describe('fetchTickers sends one all-tickers request through the limiter', () => {
  for (const id of EXCHANGE_IDS) {
    it(id, async () => {
      const exchange = await lab.harness(id).make();
      await exchange.loadMarkets();
      lab.sim.control.clearRequests();
      const all = await exchange.fetchTickers?.();
      const some = await exchange.fetchTickers?.(['BTC/USDT', 'XRP/USDT']);
      const log = lab.sim.control.requests({ exchange: id });
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
