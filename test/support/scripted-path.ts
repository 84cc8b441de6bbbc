import type { PricePath, SimCandle } from '../../simulator/matching/price-path.js';

/**
 * A simulator price path a test moves by hand: hourly candles from `start`, the i-th flat at
 * `priceAt(i, the close before it)`, `length` of them already there; `trade` moves the forming one.
 */
export class ScriptedPath implements PricePath {
  readonly intervalMs = 3_600_000;
  readonly #candles: SimCandle[];
  readonly #start: number;
  readonly #priceAt: (i: number, previousClose: string | undefined) => string;

  constructor(options: { start: number; length: number; priceAt: (i: number, previousClose: string | undefined) => string }) {
    this.#start = options.start;
    this.#priceAt = options.priceAt;
    this.#candles = [];
    for (let i = 0; i < options.length; i++) this.#candles.push(this.#bar(i));
  }

  /** Open time of the forming candle. */
  get formingSince(): number {
    return this.current().openTime;
  }
  current(): SimCandle {
    return this.#candles.at(-1) as SimCandle;
  }
  history(count: number): SimCandle[] {
    return this.#candles.slice(-count);
  }
  step(): SimCandle {
    this.#candles.push(this.#bar(this.#candles.length));
    return this.current();
  }
  /** The forming candle trades at `price` now (its low / high stretch to it). */
  trade(price: string): void {
    const c = this.current();
    const n = Number(price);
    c.close = price;
    if (n < Number(c.low)) c.low = price;
    if (n > Number(c.high)) c.high = price;
  }

  #bar(i: number): SimCandle {
    const price = this.#priceAt(i, this.#candles.at(-1)?.close);
    return { openTime: this.#start + i * this.intervalMs, open: price, high: price, low: price, close: price, volume: '1000' };
  }
}
