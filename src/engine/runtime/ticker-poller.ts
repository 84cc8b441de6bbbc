import type { Clock } from '../../domain/clock.js';
import type { DecimalString } from '../../domain/money.js';
import type { Exchange } from '../../exchanges/exchange.port.js';

/**
 * Prices between candles, for protection (protection.ts): the last price of each watched pair, one
 * ticker request every `everyMs`, taking the pairs in turn, so a stop is checked (and a trailing stop
 * followed) within seconds instead of at the next close. Only pairs that need it are watched (a
 * position with protection, an entry waiting to fill): an idle bot makes no extra requests. Requests
 * go through the connection's rate limiter like every other.
 */

export interface PriceTick {
  symbol: string;
  price: DecimalString;
  /** When it was read, on the engine's clock (exchanges stamp tickers late, or not at all). */
  time: number;
}

export interface TickerPollerOptions {
  exchange: Pick<Exchange, 'fetchTicker'>;
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

  constructor(options: TickerPollerOptions) {
    this.#o = options;
    this.#every = options.everyMs ?? DEFAULT_TICK_MS;
  }

  /** The next tick of one of `symbols` (in turn), waiting for its slot; null once closed. */
  async next(symbols: () => readonly string[], signal?: AbortSignal): Promise<PriceTick | null> {
    while (!this.#closed) {
      const wait = this.#lastAt + this.#every - this.#o.clock.now();
      if (wait > 0) await this.#o.clock.sleep(wait, signal);
      if (this.#closed) return null;
      this.#lastAt = this.#o.clock.now();
      const watched = symbols();
      if (watched.length === 0) continue;
      const symbol = watched[this.#turn++ % watched.length] as string;
      try {
        const ticker = await this.#o.exchange.fetchTicker(symbol);
        const tick = { symbol, price: ticker.last, time: this.#o.clock.now() };
        this.#o.onTick?.(tick);
        return tick;
      } catch (error) {
        if (signal?.aborted) throw error;
        this.#o.onError?.(symbol, error);
      }
    }
    return null;
  }

  close(): void {
    this.#closed = true;
  }
}
