import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ValidationError } from '../../../src/domain/errors.js';
import type { Candle } from '../../../src/domain/candles.js';
import type { PriceEvent } from '../../../src/exchanges/simulated/price-feed.js';
import { MultiPairCandleFeed, maxPairsPerRound, roundSchedule } from '../../../src/engine/pairs/multi-pair-feed.js';
import { exchangeLimitProfiles } from '../../../src/exchanges/profiles/limit-profiles.js';
import { peakUsage } from './limit-budget.js';

const MINUTE = 60_000;

/** Candles of every symbol up to the clock (the forming one included, as exchanges answer). */
class CandleSource {
  calls: { symbol: string; at: number; since?: number; limit?: number }[] = [];
  failing = new Set<string>();
  constructor(readonly clock: ManualClock) {}
  async fetchCandles(p: { symbol: string; timeframe: string; since?: number; limit?: number }): Promise<Candle[]> {
    this.calls.push({ symbol: p.symbol, at: this.clock.now(), ...(p.since === undefined ? {} : { since: p.since }), ...(p.limit === undefined ? {} : { limit: p.limit }) });
    if (this.failing.has(p.symbol)) throw new Error(`no answer for ${p.symbol}`);
    const forming = Math.floor(this.clock.now() / MINUTE) * MINUTE;
    const out: Candle[] = [];
    for (let t = forming - 5 * MINUTE; t <= forming; t += MINUTE) if (p.since === undefined || t >= p.since) out.push({ time: t, open: '1', high: '1', low: '1', close: String(t / MINUTE), volume: '1' });
    return p.limit === undefined ? out.reverse() : out.slice(-p.limit);
  }
}

async function drain(feed: MultiPairCandleFeed, clock: ManualClock, untilMs: number): Promise<PriceEvent[]> {
  const events: PriceEvent[] = [];
  const consumer = (async () => {
    for (let e = await feed.next(); e; e = await feed.next()) events.push(e);
  })();
  while (clock.now() < untilMs) await clock.advance(100);
  await feed.close();
  await clock.advance(10 * MINUTE);
  await consumer;
  return events;
}

describe('multi-pair candle feed', () => {
  it('asks each pair once per close, paced, and hands out each closed candle once, in order', async () => {
    const clock = new ManualClock(10 * MINUTE + 5_000);
    const source = new CandleSource(clock);
    let refreshes = 0;
    const feed = new MultiPairCandleFeed({ exchange: source, timeframe: '1m', timeframeMs: MINUTE, clock, minGapMs: 2_000, pairs: async () => (refreshes++, ['A/U', 'B/U', 'C/U']) });
    const events = await drain(feed, clock, 14 * MINUTE + 30_000);
    expect(refreshes).toBe(4);
    expect(source.calls.filter((c) => c.symbol === 'A/U').map((c) => c.at)).toEqual([11, 12, 13, 14].map((m) => m * MINUTE + 3_000));
    expect(source.calls.filter((c) => c.at === 11 * MINUTE + 5_000).map((c) => c.symbol)).toEqual(['B/U']);
    for (const s of ['A/U', 'B/U', 'C/U']) expect(events.filter((e) => e.symbol === s).map((e) => e.candle.time / MINUTE)).toEqual([10, 11, 12, 13]);
    // The first request asks from the candle that just closed; later ones from after the last candle.
    expect(source.calls.find((c) => c.symbol === 'C/U')?.since).toBe(10 * MINUTE);
    expect(source.calls.find((c) => c.symbol === 'C/U' && c.at > 12 * MINUTE)?.since).toBe(10 * MINUTE + 1);
  });

  it('catches up a pair whose request failed on the next round, without gaps or repeats', async () => {
    const clock = new ManualClock(10 * MINUTE);
    const source = new CandleSource(clock);
    const errors: (string | null)[] = [];
    const feed = new MultiPairCandleFeed({ exchange: source, timeframe: '1m', timeframeMs: MINUTE, clock, pairs: async () => ['A/U'], onError: (s) => errors.push(s) });
    const events: PriceEvent[] = [];
    const consumer = (async () => {
      for (let e = await feed.next(); e; e = await feed.next()) events.push(e);
    })();
    await clock.advance(MINUTE + 10_000);
    source.failing.add('A/U');
    await clock.advance(MINUTE);
    await clock.advance(MINUTE);
    source.failing.delete('A/U');
    await clock.advance(MINUTE);
    await feed.close();
    await clock.advance(MINUTE);
    await consumer;
    expect(errors).toEqual(['A/U', 'A/U']);
    // Started on a close: that close's candle (9) first; 12 and 13 come late, on the round after the failures.
    expect(events.map((e) => e.candle.time / MINUTE)).toEqual([9, 10, 11, 12, 13]);
  });

  it('refuses more pairs than one candle can serve at its pace', async () => {
    const clock = new ManualClock(0);
    const pairs = Array.from({ length: 60 }, (_, i) => `P${i}/U`);
    const feed = new MultiPairCandleFeed({ exchange: new CandleSource(clock), timeframe: '1m', timeframeMs: MINUTE, clock, pairs: async () => pairs });
    expect(feed.capacity).toBe(maxPairsPerRound(MINUTE, 1_100, 1_000));
    const refused = expect(feed.next()).rejects.toBeInstanceOf(ValidationError);
    await clock.advance(2_000);
    await refused;
  });

  it('at its default pace stays inside Kraken\'s public limit, and a faster pace would not', () => {
    const kraken = exchangeLimitProfiles().kraken;
    const plan = (gap: number) =>
      [1, 2, 3].flatMap((k) => roundSchedule(k * MINUTE, 50, gap, 1_000).map((at) => ({ at, method: 'GET', path: '/0/public/OHLC', symbol: 'X/USD' })));
    expect(peakUsage('kraken', kraken, plan(1_100)).every((u) => u.peak <= u.capacity)).toBe(true);
    expect(peakUsage('kraken', kraken, plan(900)).some((u) => u.peak > u.capacity)).toBe(true);
  });
});
