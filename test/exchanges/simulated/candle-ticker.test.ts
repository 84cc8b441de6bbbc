import { describe, expect, it } from 'vitest';
import { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import type { Candle } from '../../../src/domain/candles.js';
import { BTC_USDT } from './fixtures.js';

const HOUR = 3_600_000;
const ETH = { ...BTC_USDT, symbol: 'ETH/USDT', id: 'ETHUSDT', base: 'ETH' };

function candle(hour: number, open: string, high: string, low: string, close: string, volume: string): Candle {
  return { time: hour * HOUR, open, high, low, close, volume };
}

describe('paper/replay tickers from the candles seen so far', () => {
  it('reports the last close and exact 24 h figures over the candles of the last day only', async () => {
    const exchange = new SimulatedExchange({ id: 'paper', markets: [BTC_USDT, ETH], balances: { USDT: '1000' } });
    // An old candle (outside the day that ends with the last one) must not count.
    exchange.ingest({ symbol: 'BTC/USDT', candle: candle(0, '1', '999', '0.5', '1', '1000') });
    exchange.ingest({ symbol: 'BTC/USDT', candle: candle(1, '100.1', '102.3', '99.7', '101.2', '2.5') });
    exchange.ingest({ symbol: 'BTC/USDT', candle: candle(24, '101.2', '110.05', '100', '104.4', '0.1') });
    const [btc, ...rest] = await exchange.fetchTickers();
    expect(rest).toEqual([]);
    expect(btc).toEqual({
      symbol: 'BTC/USDT',
      timestamp: 24 * HOUR,
      bid: null,
      ask: null,
      last: '104.4',
      high: '110.05',
      low: '99.7',
      baseVolume: '2.6',
      // 2.5 × 101.2 + 0.1 × 104.4
      quoteVolume: '263.44',
      // (104.4 − 100.1) / 100.1 × 100, to 8 places
      changePercent: '4.2957043',
    });
  });

  it('leaves out unknown symbols and markets without candles', async () => {
    const exchange = new SimulatedExchange({ id: 'paper', markets: [BTC_USDT, ETH], balances: { USDT: '1000' } });
    exchange.ingest({ symbol: 'ETH/USDT', candle: candle(5, '10', '11', '9', '10.5', '3') });
    expect((await exchange.fetchTickers(['BTC/USDT', 'ETH/USDT', 'NOPE/USDT'])).map((t) => t.symbol)).toEqual(['ETH/USDT']);
  });
});
