import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ExchangeUnavailableError } from '../../../src/domain/errors.js';
import { TickerPoller, type TickerStream } from '../../../src/engine/runtime/ticker-poller.js';
import type { Ticker } from '../../../src/exchanges/exchange.port.js';

/**
 * How the ticks between candles choose between the websocket and REST (the websocket round trip
 * itself: protection.simulator.test.ts): stream updates are ticks, REST is asked only when the stream
 * is quiet or failed, and a price that waited is stamped with when it arrived.
 */

const ticker = (symbol: string, last: string): Ticker => ({ symbol, timestamp: 0, bid: null, ask: null, last });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

class ScriptedTickers implements TickerStream {
  readonly pending = new Map<string, { resolve: (t: Ticker) => void; reject: (e: unknown) => void }>();
  watches: string[] = [];
  watchTicker(symbol: string): Promise<Ticker> {
    this.watches.push(symbol);
    return new Promise((resolve, reject) => this.pending.set(symbol, { resolve, reject }));
  }
  push(symbol: string, last: string): void {
    this.pending.get(symbol)?.resolve(ticker(symbol, last));
    this.pending.delete(symbol);
  }
  fail(symbol: string): void {
    this.pending.get(symbol)?.reject(new ExchangeUnavailableError('socket closed'));
    this.pending.delete(symbol);
  }
}

function restTickers(prices: Record<string, string>) {
  const asked: string[] = [];
  return {
    asked,
    fetchTicker: async (symbol: string) => {
      asked.push(symbol);
      return ticker(symbol, prices[symbol] ?? '0');
    },
  };
}

describe('TickerPoller with a ticker stream', () => {
  it('hands on stream updates as ticks, without REST', async () => {
    const clock = new ManualClock(1_000);
    const stream = new ScriptedTickers();
    const rest = restTickers({});
    const poller = new TickerPoller({ exchange: rest, stream, clock });
    const next = poller.next(() => ['BTC/USDT']);
    await settle();
    stream.push('BTC/USDT', '101.5');
    expect(await next).toEqual({ symbol: 'BTC/USDT', price: '101.5', time: 1_000 });
    expect(rest.asked).toEqual([]);
  });

  it('asks REST once per quiet period while the stream says nothing', async () => {
    const clock = new ManualClock(0);
    const stream = new ScriptedTickers();
    const rest = restTickers({ BTC: '100' });
    const poller = new TickerPoller({ exchange: rest, stream, clock, quietMs: 10_000 });
    const next = poller.next(() => ['BTC']);
    await settle();
    await clock.advance(9_999);
    expect(rest.asked).toEqual([]);
    await clock.advance(1);
    expect(await next).toMatchObject({ symbol: 'BTC', price: '100' });
    expect(rest.asked).toEqual(['BTC']);
    // The watch made before is still the one waiting: no second subscription.
    const again = poller.next(() => ['BTC']);
    await settle();
    stream.push('BTC', '99');
    expect(await again).toMatchObject({ price: '99' });
    expect(stream.watches).toEqual(['BTC']);
  });

  it('a failed stream is left for its backoff: REST at its own pace meanwhile, then the stream again', async () => {
    const clock = new ManualClock(0);
    const stream = new ScriptedTickers();
    const rest = restTickers({ BTC: '100' });
    const poller = new TickerPoller({ exchange: rest, stream, clock, everyMs: 2_000, streamBackoffMs: 5_000 });
    const first = poller.next(() => ['BTC']);
    await settle();
    stream.fail('BTC');
    expect(await first).toMatchObject({ price: '100' }); // REST at once
    const second = poller.next(() => ['BTC']);
    await clock.advance(2_000);
    expect(await second).toMatchObject({ price: '100' });
    expect(rest.asked).toHaveLength(2);
    expect(stream.watches).toEqual(['BTC']);
    await clock.advance(3_000); // the backoff is over
    const third = poller.next(() => ['BTC']);
    await settle();
    expect(stream.watches).toEqual(['BTC', 'BTC']);
    stream.push('BTC', '98');
    expect(await third).toMatchObject({ price: '98' });
  });

  it('stamps a streamed price with when it arrived; a pair no longer watched drops its watch', async () => {
    const clock = new ManualClock(0);
    const stream = new ScriptedTickers();
    const poller = new TickerPoller({ exchange: restTickers({}), stream, clock });
    let watched = ['A', 'B'];
    const first = poller.next(() => watched);
    await settle();
    stream.push('A', '1');
    expect(await first).toMatchObject({ symbol: 'A', time: 0 });
    await clock.advance(500);
    stream.push('B', '2'); // arrives while nobody asks
    await settle();
    await clock.advance(1_500);
    expect(await poller.next(() => watched)).toEqual({ symbol: 'B', price: '2', time: 500 });
    watched = ['A'];
    const third = poller.next(() => watched);
    await settle();
    stream.push('A', '3');
    expect(await third).toMatchObject({ symbol: 'A', price: '3' });
  });
});

describe('TickerPoller with a ticker stream and nothing to watch', () => {
  it('waits at its REST pace instead of spinning', async () => {
    const clock = new ManualClock(0);
    const stream = new ScriptedTickers();
    const rest = restTickers({ BTC: '100' });
    let watched: string[] = [];
    const poller = new TickerPoller({ exchange: rest, stream, clock, everyMs: 2_000 });
    const next = poller.next(() => watched);
    await settle();
    expect(clock.pendingSleepers).toBeGreaterThan(0); // asleep, not looping
    watched = ['BTC'];
    await clock.advance(2_000); // its slot: one REST read, then the stream again
    expect(await next).toMatchObject({ price: '100' });
    expect(rest.asked).toEqual(['BTC']);
  });
});
