import type { Clock } from '../../domain/clock.js';
import { ValidationError } from '../../domain/errors.js';
import type { Exchange } from '../exchange.port.js';
import type { Candle, CandleSeries } from '../../domain/candles.js';

/**
 * Where simulated prices come from, kept apart from how fills are simulated: replay reads candles from
 * a file, paper mode reads live public data through a real exchange adapter. Both hand the runtime
 * *closed* candles in time order; the runtime passes each to the simulated exchange and then to the
 * strategy, in that order.
 */
export interface PriceEvent {
  symbol: string;
  candle: Candle;
}

export interface PriceFeed {
  /** The next closed candle, waiting as long as the feed needs; null when the feed has ended. */
  next(signal?: AbortSignal): Promise<PriceEvent | null>;
  close(): Promise<void>;
}

export interface ReplayFeedOptions {
  symbol: string;
  series: CandleSeries;
  /** Candle duration in ms (the file's timeframe). */
  timeframeMs: number;
  /** 1 = real time, 60 = a 1 h candle every minute, Infinity = as fast as possible. */
  speed: number;
  clock: Clock;
  /** Index of the first candle to play. Default 0. */
  from?: number;
}

/** Plays a candle file at a chosen speed, on the injected clock (tests advance it; nothing sleeps for real). */
export class ReplayFeed implements PriceFeed {
  readonly #options: ReplayFeedOptions;
  #next: number;
  #closed = false;

  constructor(options: ReplayFeedOptions) {
    if (!(options.speed > 0)) throw new ValidationError(`Expected replay speed to be > 0, got ${options.speed}`);
    if (!(options.timeframeMs > 0)) throw new ValidationError(`Expected timeframeMs to be > 0, got ${options.timeframeMs}`);
    this.#options = options;
    this.#next = options.from ?? 0;
  }

  /** Candles played so far. */
  get position(): number {
    return this.#next;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    const { series, speed, timeframeMs, clock, symbol } = this.#options;
    if (this.#closed || this.#next >= series.length) return null;
    // The first candle comes at once; each later one after a (scaled) candle duration.
    if (this.#next > (this.#options.from ?? 0) && Number.isFinite(speed)) await clock.sleep(timeframeMs / speed, signal);
    if (this.#closed) return null;
    const candle = series.candle(this.#next);
    this.#next++;
    return { symbol, candle };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

export interface PollingFeedOptions {
  /** A live or testnet adapter; only its public `fetchCandles` is used. */
  exchange: Pick<Exchange, 'fetchCandles'>;
  symbol: string;
  timeframe: string;
  timeframeMs: number;
  clock: Clock;
  /** How often to ask for new candles. Default: a tenth of the timeframe, at least 1 s. */
  pollMs?: number;
}

/** Paper mode: polls real public candles and emits each one once it has closed. */
export class PollingCandleFeed implements PriceFeed {
  readonly #o: PollingFeedOptions;
  #lastTime = Number.NEGATIVE_INFINITY;
  #queue: Candle[] = [];
  #closed = false;

  constructor(options: PollingFeedOptions) {
    this.#o = options;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    const poll = this.#o.pollMs ?? Math.max(1000, this.#o.timeframeMs / 10);
    while (!this.#closed) {
      const ready = this.#queue.shift();
      if (ready) return { symbol: this.#o.symbol, candle: ready };
      await this.#poll();
      if (this.#queue.length === 0) await this.#o.clock.sleep(poll, signal);
    }
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #poll(): Promise<void> {
    const { exchange, symbol, timeframe, timeframeMs, clock } = this.#o;
    const since = Number.isFinite(this.#lastTime) ? this.#lastTime + 1 : undefined;
    const candles = await exchange.fetchCandles({ symbol, timeframe, ...(since === undefined ? { limit: 2 } : { since }) });
    const now = clock.now();
    // Only closed candles, each once, in order: the forming candle would leak a price that is still moving.
    for (const candle of [...candles].sort((a, b) => a.time - b.time)) {
      if (candle.time > this.#lastTime && candle.time + timeframeMs <= now) {
        this.#queue.push(candle);
        this.#lastTime = candle.time;
      }
    }
  }
}
