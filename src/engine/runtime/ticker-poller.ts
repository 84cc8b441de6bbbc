import type { Clock } from '../../domain/clock.js';
import type { DecimalString } from '../../domain/money.js';
import type { Exchange, Ticker } from '../../exchanges/exchange.port.js';

/**
 * Prices between candles, for protection (protection.ts): the last price of each watched pair, so a
 * stop is checked (and a trailing stop followed) within seconds instead of at the next close. Only
 * pairs that need it are watched (a position with protection, an entry waiting to fill): an idle bot
 * makes no extra requests.
 *  - Where the exchange streams tickers (`stream`, ccxt pro `watchTicker`), each update is a tick, and
 *    REST is asked only when the stream has said nothing for `quietMs` (a quiet market, or a socket
 *    dead before ccxt's ping finds it): a stream never leaves a stop unchecked for longer than that.
 *    A failed stream is left for a backoff (REST meanwhile) and then watched again.
 *  - Otherwise one ticker request every `everyMs`, taking the pairs in turn, through the connection's
 *    rate limiter like every other request.
 */

export interface PriceTick {
  symbol: string;
  price: DecimalString;
  /** When it was read, on the engine's clock (exchanges stamp tickers late, or not at all). */
  time: number;
}

interface StreamedTicker {
  symbol: string;
  ticker: Ticker;
  /** When it arrived (engine clock). */
  at: number;
}

export interface TickerStream {
  watchTicker(symbol: string): Promise<Ticker>;
}

export interface TickerPollerOptions {
  exchange: Pick<Exchange, 'fetchTicker'>;
  /** The exchange's ticker stream, where it has one. */
  stream?: TickerStream | null;
  /** With a stream: how long it may stay silent before REST is asked. Default 10 s. */
  quietMs?: number;
  /** With a stream: how long a failed one is left before it is watched again (doubling to 60 s). Default 1 s. */
  streamBackoffMs?: number;
  clock: Clock;
  /** Time between two ticker requests. Default 2 s. */
  everyMs?: number;
  /** Sees each tick before the engine does (paper mode: the simulated account fills on it). */
  onTick?: (tick: PriceTick) => void;
  /** A request that failed: the poller carries on at its pace. */
  onError?: (symbol: string, error: unknown) => void;
}

export const DEFAULT_TICK_MS = 2_000;

export class TickerPoller {
  readonly #o: TickerPollerOptions;
  readonly #every: number;
  #turn = 0;
  #lastAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  readonly #quiet: number;
  readonly #streamBackoff: number;
  #streamFailures = 0;
  #streamRetryAt = 0;
  /** Each pair's ticker watch still pending from an earlier call. */
  readonly #watches = new Map<string, Promise<StreamedTicker | { symbol: string; error: unknown }>>();

  constructor(options: TickerPollerOptions) {
    this.#o = options;
    this.#every = options.everyMs ?? DEFAULT_TICK_MS;
    this.#quiet = options.quietMs ?? 10_000;
    this.#streamBackoff = options.streamBackoffMs ?? 1_000;
  }

  /** The next tick of one of `symbols` (in turn), waiting for its slot; null once closed. */
  async next(symbols: () => readonly string[], signal?: AbortSignal): Promise<PriceTick | null> {
    while (!this.#closed) {
      const stream = this.#o.stream;
      if (stream && this.#o.clock.now() >= this.#streamRetryAt) {
        const watched = symbols();
        if (watched.length > 0) {
          const streamed = await this.#streamed(stream, watched, signal);
          if (this.#closed) return null;
          if (streamed) return this.#tick(streamed.symbol, streamed.ticker, streamed.at);
          // Quiet (or failed): one REST read now, then the stream again.
          this.#lastAt = Number.NEGATIVE_INFINITY;
        }
      }
      const wait = this.#lastAt + this.#every - this.#o.clock.now();
      if (wait > 0) await this.#o.clock.sleep(wait, signal);
      if (this.#closed) return null;
      this.#lastAt = this.#o.clock.now();
      const watched = symbols();
      if (watched.length === 0) continue;
      const symbol = watched[this.#turn++ % watched.length] as string;
      try {
        const ticker = await this.#o.exchange.fetchTicker(symbol);
        return this.#tick(symbol, ticker, this.#o.clock.now());
      } catch (error) {
        if (signal?.aborted) throw error;
        this.#o.onError?.(symbol, error);
      }
    }
    return null;
  }

  #tick(symbol: string, ticker: Ticker, time: number): PriceTick {
    const tick = { symbol, price: ticker.last, time };
    this.#o.onTick?.(tick);
    return tick;
  }

  /**
   * The first ticker update of any watched pair, or null when none came within quietMs or the stream
   * failed. A watch that did not win stays pending for the next call (ccxt answers each pair's watch
   * once per update), so no subscription is made twice and no failure goes unhandled.
   */
  async #streamed(stream: TickerStream, watched: readonly string[], signal?: AbortSignal): Promise<StreamedTicker | null> {
    // A pair no longer watched drops its watch: picked up again later, it would hand on an old price.
    for (const symbol of this.#watches.keys()) if (!watched.includes(symbol)) this.#watches.delete(symbol);
    const racers = watched.map((symbol) => {
      let pending = this.#watches.get(symbol);
      if (!pending) {
        // Stamped when it arrived, not when it is read: the engine ignores a price older than its mark.
        pending = stream.watchTicker(symbol).then(
          (ticker) => ({ symbol, ticker, at: this.#o.clock.now() }),
          (error: unknown) => ({ symbol, error }),
        );
        this.#watches.set(symbol, pending);
      }
      return pending;
    });
    const quiet = new AbortController();
    const onAbort = () => quiet.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const first = await Promise.race([...racers, this.#o.clock.sleep(this.#quiet, quiet.signal).then(() => null, () => null)]);
      if (first === null) return null;
      this.#watches.delete(first.symbol);
      if ('error' in first) {
        // Not an outage: REST is asked at once and reports its own failures.
        this.#streamFailures++;
        this.#streamRetryAt = this.#o.clock.now() + Math.min(60_000, this.#streamBackoff * 2 ** (this.#streamFailures - 1));
        return null;
      }
      this.#streamFailures = 0;
      return first;
    } finally {
      quiet.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.#closed = true;
  }
}
