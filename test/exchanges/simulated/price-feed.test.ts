import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { CandleSeries, type Candle } from '../../../src/domain/candles.js';
import { PollingCandleFeed, ReplayFeed } from '../../../src/exchanges/simulated/price-feed.js';
import { T0, bar } from './fixtures.js';

const HOUR = 3_600_000;

describe('replay feed', () => {
  const series = CandleSeries.from([bar(0, '1 1 1 1'), bar(1, '2 2 2 2'), bar(2, '3 3 3 3')]);

  it('plays one candle per timeframe ÷ speed on the injected clock', async () => {
    const clock = new ManualClock(0);
    const feed = new ReplayFeed({ symbol: 'BTC/USDT', series, timeframeMs: HOUR, speed: 60, clock });
    expect((await feed.next())?.candle.close).toBe('1'); // the first comes at once
    let second: Candle | undefined;
    void feed.next().then((e) => (second = e?.candle));
    await clock.advance(59_999);
    expect(second).toBeUndefined();
    await clock.advance(1); // 1 h / 60 = 1 min
    expect(second?.close).toBe('2');
  });

  it('at infinite speed never waits, and ends with null', async () => {
    const feed = new ReplayFeed({ symbol: 'BTC/USDT', series, timeframeMs: HOUR, speed: Number.POSITIVE_INFINITY, clock: new ManualClock() });
    const closes = [];
    for (let e = await feed.next(); e; e = await feed.next()) closes.push(e.candle.close);
    expect(closes).toEqual(['1', '2', '3']);
    expect(feed.position).toBe(3);
  });

  it('refuses a non-positive speed', () => {
    expect(() => new ReplayFeed({ symbol: 'X/Y', series, timeframeMs: HOUR, speed: 0, clock: new ManualClock() })).toThrow(/speed to be > 0/);
  });
});

describe('polling feed (paper mode)', () => {
  it('emits each closed candle once, in order, and never the forming one', async () => {
    const clock = new ManualClock(T0 + 2 * HOUR + 5);
    const served = [bar(0, '1 1 1 1'), bar(1, '2 2 2 2'), bar(2, '3 3 3 3')]; // bar 2 is still forming
    const calls: unknown[] = [];
    const exchange = {
      fetchCandles: async (params: { since?: number; limit?: number }) => {
        calls.push(params);
        return served.filter((c) => params.since === undefined || c.time >= params.since);
      },
    };
    const feed = new PollingCandleFeed({ exchange, symbol: 'BTC/USDT', timeframe: '1h', timeframeMs: HOUR, clock });
    expect((await feed.next())?.candle.close).toBe('1');
    expect((await feed.next())?.candle.close).toBe('2');
    let third: string | undefined;
    void feed.next().then((e) => (third = e?.candle.close));
    await clock.advance(HOUR / 10);
    expect(third).toBeUndefined(); // still forming
    await clock.advance(HOUR);
    expect(third).toBe('3');
    expect(calls[0]).toEqual({ symbol: 'BTC/USDT', timeframe: '1h', limit: 2 });
    await feed.close();
  });
});
