import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadCandles, missing } from '../../../src/engine/backtest/candle-download.js';
import { loadBacktestData, parseBacktestRequest } from '../../../src/engine/backtest/backtest.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { BalanceEntry, Exchange, ExchangeOrder, Market, Ticker } from '../../../src/exchanges/exchange.port.js';
import type { Candle } from '../../../src/domain/candles.js';
import type { Fill } from '../../../src/domain/orders.js';
import type { ExchangeRequest, RequestGate } from '../../../src/ratelimit/request-gate.js';
import { makeTempDir } from '../../support/temp-system.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** A gate that records every request it lets through (the real one is the rate limiter). */
class RecordingGate implements RequestGate {
  readonly requests: ExchangeRequest[] = [];
  run<T>(request: ExchangeRequest, send: (report: (f: { status: number; headers: Record<string, string> }) => void) => Promise<T>): Promise<T> {
    this.requests.push(request);
    return send(() => undefined);
  }
}

/**
 * A fake exchange behind the real port: an hourly history with at most `maxPage` candles per answer,
 * whose every call passes its gate, like the ccxt adapter's. Not a mock of the code under test.
 */
class FakeExchange implements Exchange {
  readonly id = 'binance';
  readonly gate = new RecordingGate();
  closed = 0;
  constructor(
    readonly history: Candle[],
    readonly maxPage = 100,
  ) {}

  fetchCandles(params: { symbol: string; timeframe: string; since?: number; limit?: number }): Promise<Candle[]> {
    return this.gate.run({ exchange: 'binance', accountKey: 'c1', method: 'GET', path: '/api/v3/klines', symbol: params.symbol, lane: 'read' }, async () => {
      const since = params.since ?? 0;
      const limit = Math.min(params.limit ?? this.maxPage, this.maxPage);
      return this.history.filter((c) => c.time >= since).slice(0, limit);
    });
  }
  loadMarkets(): Promise<Market[]> {
    return Promise.resolve([{ symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', type: 'spot', active: true, amountStep: '0.00001', priceStep: '0.01', minAmount: '0.00001', maxAmount: null, minCost: '5' }]);
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
  fetchServerTime(): Promise<number> {
    return Promise.resolve(T0);
  }
  fetchBalances(): Promise<BalanceEntry[]> {
    return Promise.resolve([]);
  }
  fetchTicker(): Promise<Ticker> {
    return Promise.reject(new Error('not used'));
  }
  createOrder(): Promise<ExchangeOrder> {
    return Promise.reject(new Error('a backtest never sends orders'));
  }
  cancelOrder(): Promise<ExchangeOrder> {
    return Promise.reject(new Error('a backtest never cancels orders'));
  }
  fetchOrder(): Promise<ExchangeOrder> {
    return Promise.reject(new Error('not used'));
  }
  fetchOpenOrders(): Promise<ExchangeOrder[]> {
    return Promise.resolve([]);
  }
  fetchMyTrades(): Promise<Fill[]> {
    return Promise.resolve([]);
  }
}

function hourly(count: number): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const p = (100 + Math.sin(i / 5) * 3).toFixed(2);
    return { time: T0 + i * HOUR, open: p, high: (Number(p) + 1).toFixed(2), low: (Number(p) - 1).toFixed(2), close: p, volume: '2.5' };
  });
}

describe('downloading candles through the Exchange port', () => {
  it('pages through the range, through the gate, and serves a repeat from the disk cache', async () => {
    const exchange = new FakeExchange(hourly(1000), 100);
    const cacheDir = makeTempDir('cts-candles-');
    const first = await downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0, to: T0 + 250 * HOUR, cacheDir, pageSize: 100, now: () => T0 + 2000 * HOUR });
    expect(first.series.length).toBe(250);
    expect(first.requests).toBe(3);
    expect(exchange.gate.requests).toHaveLength(3);
    expect(first.series.candle(249)).toEqual(exchange.history[249]);
    expect(readFileSync(first.cacheFile, 'utf8').split('\n')[0]).toBe('timestamp_ms,open,high,low,close,volume');

    const again = await downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0 + 10 * HOUR, to: T0 + 200 * HOUR, cacheDir, pageSize: 100, now: () => T0 + 2000 * HOUR });
    expect(again.requests).toBe(0);
    expect(again.series.length).toBe(190);

    const longer = await downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0, to: T0 + 300 * HOUR, cacheDir, pageSize: 100, now: () => T0 + 2000 * HOUR });
    expect(longer.requests).toBe(1); // only the missing tail [250, 300)
    expect(exchange.gate.requests.at(-1)?.lane).toBe('read');
    expect(longer.series.length).toBe(300);
  });

  it('never uses or caches a candle that has not closed yet', async () => {
    const exchange = new FakeExchange(hourly(50));
    const now = T0 + 20 * HOUR + 30 * 60_000; // halfway through candle 20
    const result = await downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0, to: T0 + 50 * HOUR, cacheDir: makeTempDir('cts-candles-'), now: () => now });
    expect(result.series.length).toBe(20);
    expect(result.series.time(19)).toBe(T0 + 19 * HOUR);
  });

  it('stops when the exchange has no more history and reports a corrupted cache by line number', async () => {
    const exchange = new FakeExchange(hourly(30));
    const cacheDir = makeTempDir('cts-candles-');
    const result = await downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0, to: T0 + 100 * HOUR, cacheDir, now: () => T0 + 1000 * HOUR });
    expect(result.series.length).toBe(30);
    expect(result.requests).toBe(2); // the second page came back empty
    const lines = readFileSync(result.cacheFile, 'utf8').split('\n');
    lines[4] = lines[4]?.replace(/,2\.5$/, ',lots') ?? '';
    writeFileSync(result.cacheFile, lines.join('\n'));
    await expect(downloadCandles({ exchange, symbol: 'BTC/USDT', timeframe: '1h', from: T0, to: T0 + 10 * HOUR, cacheDir, now: () => T0 + 1000 * HOUR })).rejects.toThrow(/line 5: volume "lots"/);
  });

  it('feeds a backtest with the real market rules, warm-up candles before `from`, and closes the adapter', async () => {
    const exchange = new FakeExchange(hourly(400), 150);
    const { request, definition } = parseBacktestRequest(
      { strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, symbol: 'BTC/USDT', timeframe: '1h', from: T0 + 100 * HOUR, to: T0 + 300 * HOUR, data: { source: 'exchange', connectionId: 'c1' } },
      new StrategyRegistry(),
    );
    const data = await loadBacktestData(request, definition, { bundledDir: makeTempDir(), cacheDir: path.join(makeTempDir(), 'cache'), exchangeFor: async () => exchange, now: () => T0 + 1000 * HOUR });
    expect(data.market.amountStep).toBe('0.00001');
    expect(data.start).toBe(21); // slow + 1 candles of warm-up
    expect(data.end - data.start).toBe(200);
    expect(exchange.closed).toBe(1);
  });
});

describe('range arithmetic', () => {
  it('finds the parts of a range the cache does not cover', () => {
    expect(missing([], [0, 10])).toEqual([[0, 10]]);
    expect(missing([[2, 4], [6, 8]], [0, 10])).toEqual([[0, 2], [4, 6], [8, 10]]);
    expect(missing([[0, 10]], [3, 5])).toEqual([]);
  });
});
