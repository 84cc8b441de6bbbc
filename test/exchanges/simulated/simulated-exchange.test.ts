import { describe, expect, it } from 'vitest';
import { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import { loadCandleCsv } from '../../../src/exchanges/simulated/candle-csv.js';
import { ReplayFeed } from '../../../src/exchanges/simulated/price-feed.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import { BTC_USDT, bar } from './fixtures.js';

const XRP = { ...BTC_USDT, symbol: 'XRP/USDT:USDT', id: 'XRPUSDT', base: 'XRP', type: 'swap' as const, amountStep: '0.1', priceStep: '0.0001' };

describe('simulated exchange (the port for paper and replay)', () => {
  it('answers only from what the feed delivered: no future candles, no future ticker', async () => {
    const exchange = new SimulatedExchange({ id: 'replay', markets: [BTC_USDT], balances: { USDT: '1000' } });
    await expect(exchange.fetchTicker('BTC/USDT')).rejects.toThrow(/No prices/);
    exchange.ingest({ symbol: 'BTC/USDT', candle: bar(0, '10 11 9 10.5') });
    exchange.ingest({ symbol: 'BTC/USDT', candle: bar(1, '10.5 12 10 11') });
    expect(await exchange.fetchCandles({ symbol: 'BTC/USDT', timeframe: '1h' })).toHaveLength(2);
    expect(await exchange.fetchCandles({ symbol: 'BTC/USDT', timeframe: '1h', limit: 1 })).toEqual([bar(1, '10.5 12 10 11')]);
    expect(await exchange.fetchCandles({ symbol: 'BTC/USDT', timeframe: '1h', since: bar(0, '').time + 1 })).toEqual([bar(1, '10.5 12 10 11')]);
    expect(await exchange.fetchCandles({ symbol: 'BTC/USDT', timeframe: '1h', since: 0, limit: 1 })).toEqual([bar(0, '10 11 9 10.5')]);
    expect((await exchange.fetchTicker('BTC/USDT')).last).toBe('11');
    expect(await exchange.fetchServerTime()).toBe(bar(1, '').time);
  });

  it('orders go through the port: create, fill on the next candle, look up by client id, trades, balances', async () => {
    const exchange = new SimulatedExchange({ id: 'paper', markets: [BTC_USDT], balances: { USDT: '1000' }, takerFeeRate: '0.001' });
    exchange.ingest({ symbol: 'BTC/USDT', candle: bar(0, '100 100 100 100') });
    const created = await exchange.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '1', clientOrderId: 'ct-1' });
    expect(created).toMatchObject({ status: 'open', clientOrderId: 'ct-1', filled: '0' });
    expect(await exchange.fetchOpenOrders('BTC/USDT')).toHaveLength(1);
    const fills = exchange.ingest({ symbol: 'BTC/USDT', candle: bar(1, '101 102 100 101') });
    expect(fills).toHaveLength(1);
    expect(await exchange.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'ct-1' })).toMatchObject({ status: 'closed', average: '101' });
    expect(await exchange.fetchMyTrades({ symbol: 'BTC/USDT' })).toEqual(fills);
    expect(await exchange.fetchBalances()).toEqual([
      { asset: 'BTC', free: '1', used: '0', total: '1' },
      { asset: 'USDT', free: '898.899', used: '0', total: '898.899' },
    ]);
    await exchange.close();
    await expect(exchange.createOrder({ symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '1', clientOrderId: 'ct-2' })).rejects.toThrow(/closed/);
  });

  it('replays the bundled real file through the feed: a market buy after candle t fills at candle t+1 open', async () => {
    const series = await loadCandleCsv('data/XRP_USDT_USDT-1h-futures.csv');
    const exchange = new SimulatedExchange({ id: 'replay', markets: [XRP], balances: { USDT: '1000' }, takerFeeRate: '0.0005', slippageBps: '2' });
    const feed = new ReplayFeed({ symbol: XRP.symbol, series, timeframeMs: 3_600_000, speed: Number.POSITIVE_INFINITY, clock: new ManualClock() });
    const fills = [];
    for (let event = await feed.next(), i = 0; event; event = await feed.next(), i++) {
      fills.push(...exchange.ingest(event));
      if (i === 9) await exchange.createOrder({ symbol: XRP.symbol, side: 'buy', type: 'market', amount: '100', clientOrderId: 'ct-x' });
    }
    // candle 10 opens at series.open(10); × 1.0002 slippage
    const open10 = series.text('open', 10);
    expect(fills).toHaveLength(1);
    expect(fills[0]?.timestamp).toBe(series.time(10));
    expect(fills[0]?.price).toBe(new Dec(open10).mul('1.0002').toFixed());
    expect(fills[0]?.price).not.toBe(series.text('close', 9));
  });
});
