import type { Clock } from '../../domain/clock.js';
import type { CcxtInstance } from './ccxt-classes.js';
import type { CcxtConnection } from './ccxt-options.js';

interface Entry {
  at: number;
  /** An instance whose markets are loaded: ccxt's `setMarketsFromExchange` shares them without copying. */
  source: CcxtInstance;
}

/** Markets change rarely; an hour-old list is what ccxt itself would keep for a long-lived instance. */
const DEFAULT_TTL_MS = 60 * 60 * 1000;

/**
 * ccxt's loaded markets, shared by every adapter instance for the same exchange, mode and market
 * types. Building a ccxt instance and loading its markets is the CPU-heavy part of a connection test;
 * sharing the result makes a batch test of many connections cost little more than its slowest one,
 * and spares the exchange the repeated (heavily weighted) market requests.
 */
export class MarketCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(options: { clock: Clock; ttlMs?: number }) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  get(connection: CcxtConnection): Entry | undefined {
    const key = keyOf(connection);
    const entry = this.#entries.get(key);
    if (entry && this.#clock.now() - entry.at > this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(connection: CcxtConnection, source: CcxtInstance): void {
    this.#entries.set(keyOf(connection), { at: this.#clock.now(), source });
  }
}

function keyOf(c: CcxtConnection): string {
  return [c.exchange, c.mode, [...c.marketTypes].sort().join('+'), c.proxyUrl ?? ''].join('|');
}
