import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../src/domain/errors.js';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { useCcxtSimulator } from '../support/ccxt-simulator.js';

/**
 * A 200 with an empty body, which ccxt's parsers read as "no candles" or "no open orders": on a read it
 * is garbage from something in between (a proxy, a load balancer), never the exchange's answer, so it
 * is an InvalidResponseError (waited out as an outage), not an empty list the engine would act on.
 */
const lab = useCcxtSimulator({ limiter: true });

describe('an empty answer to a read (ccxt → simulator)', () => {
  for (const id of EXCHANGE_IDS) {
    it(`${id}: open orders and candles are refused as an invalid response, and read again once the exchange answers`, async () => {
      const h = lab.harness(id);
      const exchange = await h.make();
      await exchange.loadMarkets();
      lab.sim.control.injectFault({ exchange: id, fault: { kind: 'garbage', mode: 'empty' } });
      try {
        await expect(exchange.fetchOpenOrders(h.tradingSymbol)).rejects.toThrow(InvalidResponseError);
        await expect(exchange.fetchCandles({ symbol: h.tradingSymbol, timeframe: '1h', limit: 5 })).rejects.toThrow(/an empty body/);
      } finally {
        lab.sim.control.clearFaults();
      }
      expect(await exchange.fetchOpenOrders(h.tradingSymbol)).toEqual([]);
      expect((await exchange.fetchCandles({ symbol: h.tradingSymbol, timeframe: '1h', limit: 5 })).length).toBeGreaterThan(0);
    });
  }
});
