import type { Clock } from '../../domain/clock.js';
import { ValidationError } from '../../domain/errors.js';
import type { Exchange } from '../../exchanges/exchange.port.js';
import type { Candle } from '../../domain/candles.js';
import type { PriceEvent, PriceFeed } from '../../exchanges/simulated/price-feed.js';

/**
 * Closed candles of many pairs from one exchange, within its rate limits: after each candle close,
 * one round of requests — first a slot for the pair list's refresh (one batched `fetchTickers` when
 * it is due), then one OHLCV request per pair — spaced `minGapMs` apart. Never a request per tick,
 * never two per pair per candle. Each pair's candles come out once each, in time order; a failed
 * request is caught up by the next round (it asks from the pair's last candle on).
 */

/** What the feed asks at the start of each round: the pairs to read (e.g. a pair list's tradable and managed-only pairs). */
export type RoundPairs = (now: number) => Promise<readonly string[]>;

export interface MultiPairFeedOptions {
  readonly exchange: Pick<Exchange, 'fetchCandles'>;
  readonly timeframe: string;
  readonly timeframeMs: number;
  readonly clock: Clock;
  /** Called in the round's first slot; may refresh the pair list there (its one ticker call). */
  readonly pairs: RoundPairs;
  /**
   * Time between two requests of a round. Default 1,100 ms: inside the strictest public limit of the
   * supported exchanges (Kraken, about one call per second per IP). Faster exchanges may go lower.
   */
  readonly minGapMs?: number;
  /** Wait after a close before the round starts: exchanges publish a closed candle a moment later. Default 1 s. */
  readonly settleMs?: number;
  /** A request that failed (the round goes on; the next one catches up). */
  readonly onError?: (symbol: string | null, error: unknown) => void;
}

export const DEFAULT_MIN_GAP_MS = 1_100;
const DEFAULT_SETTLE_MS = 1_000;

/** The times of one round's requests: slot 0 is the list refresh, slot i the i-th pair. */
export function roundSchedule(closeTime: number, pairCount: number, minGapMs: number, settleMs: number): number[] {
  return Array.from({ length: pairCount + 1 }, (_, i) => closeTime + settleMs + i * minGapMs);
}

/** The most pairs one round can read before the next close. */
export function maxPairsPerRound(timeframeMs: number, minGapMs: number, settleMs: number): number {
  return Math.max(0, Math.floor((timeframeMs - settleMs - 1) / minGapMs));
}

export class MultiPairCandleFeed implements PriceFeed {
  readonly #o: MultiPairFeedOptions;
  readonly #gap: number;
  readonly #settle: number;
  readonly #last = new Map<string, number>();
  readonly #queue: PriceEvent[] = [];
  #close: number;
  #closed = false;

  constructor(options: MultiPairFeedOptions) {
    this.#gap = options.minGapMs ?? DEFAULT_MIN_GAP_MS;
    this.#settle = options.settleMs ?? DEFAULT_SETTLE_MS;
    if (!(options.timeframeMs > 0)) throw new ValidationError(`Expected \`timeframeMs\` to be > 0, got ${options.timeframeMs}`);
    if (!(this.#gap >= 0) || !(this.#settle >= 0)) throw new ValidationError(`Expected \`minGapMs\` and \`settleMs\` to be >= 0, got ${this.#gap} and ${this.#settle}`);
    this.#o = options;
    // The first round serves the next close (a start exactly on a close serves that one).
    this.#close = Math.ceil(options.clock.now() / options.timeframeMs) * options.timeframeMs;
  }

  /** How many pairs fit in one round on this timeframe at this pace. */
  get capacity(): number {
    return maxPairsPerRound(this.#o.timeframeMs, this.#gap, this.#settle);
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    while (!this.#closed) {
      const ready = this.#queue.shift();
      if (ready) return ready;
      await this.#round(signal);
    }
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #round(signal?: AbortSignal): Promise<void> {
    const { clock, timeframeMs } = this.#o;
    await this.#sleepUntil(this.#close + this.#settle, signal);
    if (this.#closed) return;
    const pairs = await this.#pairsOrError(clock.now());
    if (pairs.length > this.capacity) {
      throw new ValidationError(`${pairs.length} pairs do not fit one ${this.#o.timeframe} candle at one request per ${this.#gap} ms (at most ${this.capacity})`);
    }
    this.#forget(pairs);
    const times = roundSchedule(this.#close, pairs.length, this.#gap, this.#settle);
    for (const [i, symbol] of pairs.entries()) {
      await this.#sleepUntil(times[i + 1] ?? 0, signal);
      if (this.#closed) return;
      await this.#poll(symbol, this.#close);
    }
    // Late (a slow exchange, a paused process): go on with the latest close, never a backlog of rounds.
    this.#close = Math.max(this.#close + timeframeMs, Math.floor(clock.now() / timeframeMs) * timeframeMs);
  }

  async #pairsOrError(now: number): Promise<readonly string[]> {
    try {
      return [...new Set(await this.#o.pairs(now))];
    } catch (error) {
      // The list keeps its previous pairs when a refresh fails; without any there is nothing to read.
      this.#o.onError?.(null, error);
      return [...this.#last.keys()];
    }
  }

  /** Pairs that left the list start afresh if they come back, instead of replaying the gap. */
  #forget(pairs: readonly string[]): void {
    const keep = new Set(pairs);
    for (const symbol of [...this.#last.keys()]) if (!keep.has(symbol)) this.#last.delete(symbol);
  }

  /**
   * A new pair starts with the candle that closed at `close`; afterwards each request asks from its
   * last candle on. Always by `since`: without one, some exchanges' requests are built from the wall
   * clock by ccxt (Coinbase's `start`), not from the candle the round serves.
   */
  async #poll(symbol: string, close: number): Promise<void> {
    const { exchange, timeframe, timeframeMs, clock } = this.#o;
    const last = this.#last.get(symbol);
    let candles: Candle[];
    try {
      candles = await exchange.fetchCandles({ symbol, timeframe, since: last === undefined ? close - timeframeMs : last + 1 });
    } catch (error) {
      this.#o.onError?.(symbol, error);
      return;
    }
    const now = clock.now();
    let newest = last ?? Number.NEGATIVE_INFINITY;
    // Only closed candles, each once, in order: the forming candle would leak a price that is still moving.
    for (const candle of [...candles].sort((a, b) => a.time - b.time)) {
      if (candle.time > newest && candle.time + timeframeMs <= now) {
        this.#queue.push({ symbol, candle });
        newest = candle.time;
      }
    }
    if (Number.isFinite(newest)) this.#last.set(symbol, newest);
  }

  async #sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    const wait = time - this.#o.clock.now();
    if (wait > 0) await this.#o.clock.sleep(wait, signal);
  }
}
