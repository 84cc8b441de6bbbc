import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Candle } from '../../../src/domain/candles.js';
import { StreamingCandleFeed, type CandleStream, type FeedMode } from '../../../src/engine/runtime/streaming-feed.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const candle = (i: number, close = `${100 + i}`): Candle => ({ time: T0 + i * MIN, open: '100', high: '110', low: '90', close, volume: '1' });

/** A websocket the test drives: each `push` answers the pending watch (later ones wait for the next push). */
class FakeStream implements CandleStream {
  #waiters: { resolve: (c: Candle[]) => void; reject: (e: unknown) => void }[] = [];
  watches = 0;
  resets = 0;
  watchCandles(): Promise<Candle[]> {
    this.watches++;
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
  async resetStreams(): Promise<void> {
    this.resets++;
  }
  push(candles: Candle[]): void {
    for (const w of this.#waiters.splice(0)) w.resolve(candles);
  }
  fail(error: Error): void {
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }
}

/** REST over a list of candles the test grows; closed-ness is the feed's business. */
function restOver(all: Candle[]) {
  const calls: { since?: number; limit?: number }[] = [];
  return {
    calls,
    rest: {
      fetchCandles: async (p: { since?: number; limit?: number }) => {
        calls.push({ ...(p.since !== undefined ? { since: p.since } : {}), ...(p.limit !== undefined ? { limit: p.limit } : {}) });
        const from = all.filter((c) => p.since === undefined || c.time >= p.since);
        return p.limit !== undefined ? from.slice(-p.limit) : from;
      },
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup(options: { silenceMs?: number; backoffBaseMs?: number; backoffMaxMs?: number } = {}) {
  const clock = new ManualClock(T0 + 10 * MIN + 5_000); // candle 10 forming
  const all = Array.from({ length: 11 }, (_, i) => candle(i));
  const { rest, calls } = restOver(all);
  const stream = new FakeStream();
  const modes: FeedMode[] = [];
  const feed = new StreamingCandleFeed({ stream, rest, symbol: 'BTC/USDT', timeframe: '1m', timeframeMs: MIN, clock, settleMs: 3_000, backoffBaseMs: 1_000, silenceMs: 300_000, ...options, onModeChange: (m) => modes.push(m) });
  const times: number[] = [];
  const pull = async (): Promise<void> => {
    const event = await feed.next();
    if (event) times.push((event.candle.time - T0) / MIN);
  };
  return { clock, all, calls, stream, feed, modes, times, pull };
}

describe('streaming candle feed', () => {
  it('starts at the latest closed candle, then hands on each close the moment the stream shows it, without REST', async () => {
    const { clock, calls, stream, feed, times, pull } = setup();
    await pull();
    expect(times).toEqual([9]);
    const next = pull();
    await settle();
    stream.push([candle(9), { ...candle(10), close: '104' }]); // forming: not closed yet
    await settle();
    expect(times).toEqual([9]);
    await clock.advance(55_000); // candle 10 closes
    stream.push([candle(10, '105'), candle(11)]);
    await next;
    expect(times).toEqual([9, 10]);
    expect(feed.status).toMatchObject({ mode: 'stream', reconnects: 0, lastLagMs: 0 });
    expect(calls).toEqual([{ limit: 2 }]);
    await feed.close();
  });

  it('asks REST for a close the stream stays quiet about, settleMs after it is due, then every settleMs', async () => {
    const { clock, all, calls, stream, times, pull } = setup();
    await pull();
    const next = pull();
    await settle();
    await clock.advance(55_000 + 2_000);
    expect(calls).toHaveLength(1);
    all.push(candle(11));
    await clock.advance(1_000); // 3 s after the close
    await next;
    expect(times).toEqual([9, 10]);
    expect(calls.at(-1)).toEqual({ since: T0 + 9 * MIN + 1 });
    expect(stream.watches).toBeGreaterThan(0);
  });

  it('a stream that fails while nobody is waiting on the feed (the engine busy, or in an outage) shows as down at once', async () => {
    const { clock, stream, feed, pull } = setup();
    await pull();
    const next = pull();
    await settle();
    stream.push([candle(9), candle(10)]);
    await clock.advance(55_000);
    stream.push([candle(10), candle(11)]);
    await next; // the engine takes the close and goes off to trade it: nobody is in next()
    await settle();
    stream.fail(new Error('socket closed'));
    await settle();
    expect(feed.status).toMatchObject({ mode: 'poll', reconnects: 1, lastStreamError: 'socket closed' });
    await feed.close();
  });

  it('polls REST while the stream is down, missing nothing', async () => {
    const { clock, all, stream, feed, times, pull } = setup({ backoffBaseMs: 600_000, backoffMaxMs: 600_000 });
    await pull();
    const next = pull();
    await settle();
    stream.fail(new Error('socket closed'));
    await settle();
    expect(feed.status).toMatchObject({ mode: 'poll', reconnects: 1, lastStreamError: 'socket closed' });
    expect(stream.resets).toBe(1);
    all.push(candle(11));
    await clock.advance(55_000 + 6_000); // the close, then the next poll
    await next;
    expect(times).toEqual([9, 10]);
    expect(feed.status.mode).toBe('poll');
  });

  it('subscribes again after the backoff, and each candle comes once whichever path brought it', async () => {
    const { clock, all, stream, feed, modes, times, pull } = setup();
    await pull();
    let next = pull();
    await settle();
    stream.fail(new Error('socket closed'));
    await settle();
    await clock.advance(1_000); // the backoff is over: subscribe again
    await settle();
    expect(modes).toEqual(['poll']); // not up until it holds (or an update arrives)
    await clock.advance(3_000);
    await settle();
    expect(modes).toEqual(['poll', 'stream']);
    await clock.advance(51_000);
    all.push(candle(11));
    await clock.advance(3_000); // quiet after the close: REST brings candle 10
    await next;
    expect(times).toEqual([9, 10]);
    next = pull();
    await settle();
    await clock.advance(MIN - 3_000);
    stream.push([candle(10), candle(11), candle(12)]); // a repeat and the new close: each candle once
    await next;
    expect(times).toEqual([9, 10, 11]);
    expect(feed.status).toMatchObject({ mode: 'stream', reconnects: 1 });
  });

  it('says the stream is up again only when the new subscription holds: retries failing during an outage do not flip the status', async () => {
    const { clock, stream, feed, modes, pull } = setup();
    await pull();
    void pull();
    await settle();
    stream.fail(new Error('socket closed'));
    await settle();
    for (let retry = 0; retry < 3; retry++) {
      await clock.advance(2 ** retry * 1_000); // each backoff over: subscribe again, and it fails at once
      await settle();
      stream.fail(new Error('connection refused'));
      await settle();
    }
    expect(modes).toEqual(['poll']);
    expect(feed.status).toMatchObject({ mode: 'poll', reconnects: 4, lastStreamError: 'connection refused' });
    await clock.advance(8_000);
    await settle();
    stream.push([candle(9)]); // the fifth subscription answers: up at once
    await settle();
    expect(modes).toEqual(['poll', 'stream']);
  });

  it('takes a stream that says nothing for silenceMs for dead', async () => {
    const { clock, stream, feed, pull } = setup({ silenceMs: 10_000 });
    await pull();
    void pull();
    await settle();
    await clock.advance(10_000);
    await settle();
    expect(feed.status.mode).toBe('poll');
    expect(feed.status.lastStreamError).toMatch(/no websocket update for 10 s/);
    expect(stream.resets).toBe(1);
  });

  it('fills a gap the stream skipped over REST, in order; duplicates and out-of-order updates count once', async () => {
    const { clock, all, stream, times, pull } = setup();
    await pull();
    const next = pull();
    await settle();
    await clock.advance(55_000 + 2 * MIN);
    all.push(candle(11), candle(12), candle(13));
    stream.push([candle(13), candle(12)]); // 10 and 11 never came over the socket
    await next;
    await pull();
    await pull();
    expect(times).toEqual([9, 10, 11, 12]);
    stream.push([candle(12), candle(11), candle(12)]);
    await settle();
    expect(times).toEqual([9, 10, 11, 12]);
  });
});
