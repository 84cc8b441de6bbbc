import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomWalkPath } from '../../../simulator/matching/price-path.js';
import type { MarketSpec } from '../../../simulator/matching/types.js';
import { ManualClock, type Clock } from '../../../src/domain/clock.js';
import { EXCHANGE_IDS, type ExchangeId } from '../../../src/domain/exchange-ids.js';
import type { Exchange } from '../../../src/exchanges/exchange.port.js';
import type { PriceEvent } from '../../../src/exchanges/simulated/price-feed.js';
import { DEFAULT_MIN_GAP_MS, MultiPairCandleFeed, roundSchedule } from '../../../src/engine/pairs/multi-pair-feed.js';
import { parsePairListConfig } from '../../../src/domain/pair-list-config.js';
import { PairList } from '../../../src/engine/pairs/pair-list.js';
import { pairsForRounds } from '../../../src/engine/pairs/round-pairs.js';
import { exchangeLimitProfiles } from '../../../src/exchanges/profiles/limit-profiles.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { peakUsage, type TimedRequest } from './limit-budget.js';

/**
 * A 50-pair bot on 1m candles against each simulated exchange: a dynamic pair list (one batched
 * ticker call per refresh) and the multi-pair feed (one OHLCV call per pair per close), through the
 * unmodified ccxt classes and the production limiter on real time. The feed and the simulator share a
 * ManualClock, so the request log's times are the schedule's own, as they would be in production;
 * those are counted against every documented limit of the exchange.
 */

const MINUTE = 60_000;
/** Near wall time, so the simulated exchanges accept signatures made on the wall clock (see loadMarkets below). */
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const ROUNDS = 3;
const PAIRS = 50;
/** Kraken's public limit (about 1 call/s) makes a 50-pair round take 56 s of real time: it runs 10 pairs, and its 50-pair budget is computed. */
const PAIRS_RUN: Partial<Record<ExchangeId, number>> = { kraken: 10 };
const CANDLE_PATH = /kline|candle|OHLC/i;
const TICKERS_PATH = /ticker|\/market\/products$/i;

/** 50 USDT pairs the list can take, two blacklisted, two in another quote. */
function markets(): MarketSpec[] {
  const codes = Array.from({ length: PAIRS + 2 }, (_, i) => `Q${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`);
  const spec = (base: string, quote: string): MarketSpec => ({ symbol: `${base}/${quote}`, base, quote, tickSize: '0.01', stepSize: '0.001', minQty: '0.001', maxQty: '100000', minNotional: '5', liquidityPerStep: '100' });
  return [...codes.map((c) => spec(c, 'USDT')), spec('QAA', 'USDC'), spec('QAB', 'USDC')];
}
const BLACKLIST = ['QBY/*', 'QBZ/USDT'];

/** Wakes the feed's sleepers one at a time: the test advances time only while the feed waits. */
class SteppingClock implements Clock {
  wakeAt: number | null = null;
  constructor(readonly manual: ManualClock) {}
  now(): number {
    return this.manual.now();
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.wakeAt = this.manual.now() + ms;
    try {
      await this.manual.sleep(ms, signal);
    } finally {
      this.wakeAt = null;
    }
  }
}

async function until(check: () => boolean, timeoutMs = 55_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const manual = new ManualClock(T0);
const clock = new SteppingClock(manual);
const list = markets();
const lab = useCcxtSimulator({
  limiter: true,
  simulator: {
    clock: manual,
    markets: list,
    autoStepMs: MINUTE,
    // 1m walks whose current candle opens at T0 and moves on with the clock.
    priceSource: (m, seed) => new RandomWalkPath({ seed: seed + list.indexOf(m) * 7919, start: String(10 + list.indexOf(m)), tickSize: m.tickSize, intervalMs: MINUTE, startTime: T0 - 200 * MINUTE, warmup: 200 }),
  },
});

for (const exchangeId of EXCHANGE_IDS) {
  describe(`50 pairs on 1m through the limiter: ${exchangeId}`, () => {
    const pairCount = PAIRS_RUN[exchangeId] ?? PAIRS;
    let exchange: Exchange;

    beforeAll(async () => {
      exchange = await lab.harness(exchangeId).make({ timeoutMs: 30_000 });
      // Loading markets signs a private call on some exchanges (Coinbase) with the wall clock: the
      // simulated exchange checks it against wall time, while its candles follow the test's clock.
      lab.sim.control.setClockSkew(exchangeId, Date.now() - manual.now());
      await exchange.loadMarkets();
      lab.sim.control.setClockSkew(exchangeId, 0);
      lab.sim.control.clearRequests();
    }, 60_000);

    afterAll(async () => {
      await exchange.close();
    });

    it(`${exchangeId}: every closed candle of every pair once, in order, inside every documented limit`, async () => {
      const errors: unknown[] = [];
      const pairList = new PairList({ config: parsePairListConfig({ kind: 'dynamic', topN: pairCount, quote: 'USDT', refreshMs: MINUTE, blacklist: BLACKLIST }), source: exchange, clock });
      const botPairs = pairsForRounds(pairList, () => [], (error) => errors.push(error));
      const rounds: { at: number; pairs: readonly string[] }[] = [];
      const feed = new MultiPairCandleFeed({
        exchange,
        timeframe: '1m',
        timeframeMs: MINUTE,
        clock,
        onError: (_symbol, error) => errors.push(error),
        pairs: async (now) => {
          const pairs = await botPairs(now);
          rounds.push({ at: now, pairs });
          return pairs;
        },
      });
      const events: PriceEvent[] = [];
      let done = false;
      const consumer = (async () => {
        for (;;) {
          const event = await feed.next();
          if (!event) break;
          events.push(event);
        }
        done = true;
      })();
      const start = manual.now();
      // Every close of ROUNDS minutes, plus the last round's requests (each pair's slot).
      const end = Math.ceil(start / MINUTE) * MINUTE + (ROUNDS - 1) * MINUTE + 1_000 + (pairCount + 1) * DEFAULT_MIN_GAP_MS;
      while (manual.now() < end) {
        await until(() => clock.wakeAt !== null || done);
        const wake = clock.wakeAt;
        if (wake === null) break;
        await manual.advance(Math.min(wake, end) - manual.now());
      }
      await until(() => clock.wakeAt !== null);
      await feed.close();
      await manual.advance(MINUTE);
      await consumer;

      expect(errors).toEqual([]);
      expect(rounds).toHaveLength(ROUNDS);
      for (const r of rounds) expect(r.pairs).toHaveLength(pairCount);
      expect(rounds.flatMap((r) => r.pairs).some((s) => s.startsWith('QBY') || s.startsWith('QBZ') || !s.endsWith('/USDT'))).toBe(false);

      // Each pair: the candles closed at each round, once each, in order, exactly the simulator's.
      const firstClose = rounds[0]?.at ?? 0;
      const bySymbol = new Map<string, PriceEvent[]>();
      for (const e of events) bySymbol.set(e.symbol, [...(bySymbol.get(e.symbol) ?? []), e]);
      for (const symbol of new Set(rounds.flatMap((r) => r.pairs))) {
        const rounds_ = rounds.filter((r) => r.pairs.includes(symbol));
        const got = bySymbol.get(symbol) ?? [];
        const times = got.map((e) => e.candle.time);
        expect(times, symbol).toEqual(rounds_.map((r) => Math.floor(r.at / MINUTE) * MINUTE - MINUTE));
        const truth = lab.sim.control.venue(exchangeId).candles(symbol, 10).filter((c) => times.includes(c.openTime));
        expect(got.map((e) => e.candle.close), symbol).toEqual(truth.map((c) => c.close));
      }
      expect(firstClose).toBeGreaterThan(start);

      // The log: one ticker batch per round and one candle request per pair per round, nothing else.
      const log = lab.sim.control.requests({ exchange: exchangeId });
      const candleCalls = log.filter((r) => CANDLE_PATH.test(r.path));
      const tickerCalls = log.filter((r) => TICKERS_PATH.test(r.path) && !CANDLE_PATH.test(r.path));
      expect(log.filter((r) => !candleCalls.includes(r) && !tickerCalls.includes(r)).map((r) => r.path)).toEqual([]);
      expect(tickerCalls).toHaveLength(ROUNDS);
      expect(candleCalls).toHaveLength(ROUNDS * pairCount);
      expect(log.every((r) => r.status === 200)).toBe(true);

      const profile = exchangeLimitProfiles()[exchangeId];
      const measured: TimedRequest[] = log.map((r) => ({ at: r.receivedAt, method: r.method, path: r.path, ...(CANDLE_PATH.test(r.path) ? { symbol: 'X/USDT' } : {}) }));
      for (const usage of peakUsage(exchangeId, profile, measured)) expect(usage.peak, usage.bucket).toBeLessThanOrEqual(usage.capacity);

      // The same schedule at 50 pairs over ten minutes, on the paths this exchange was really sent.
      const candlePath = candleCalls[0]?.path ?? '';
      const tickerPath = tickerCalls[0]?.path ?? '';
      const planned: TimedRequest[] = [];
      for (let k = 1; k <= 10; k++) {
        const [refresh, ...slots] = roundSchedule(T0 + k * MINUTE, PAIRS, DEFAULT_MIN_GAP_MS, 1_000);
        planned.push({ at: refresh ?? 0, method: 'GET', path: tickerPath }, ...slots.map((at) => ({ at, method: 'GET', path: candlePath, symbol: 'X/USDT' })));
      }
      const budget = peakUsage(exchangeId, profile, planned);
      expect(budget.length).toBeGreaterThan(0);
      for (const usage of budget) expect(usage.peak, `${usage.bucket} at 50 pairs`).toBeLessThanOrEqual(usage.capacity);
    }, 60_000);
  });
}
