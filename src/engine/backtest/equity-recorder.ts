import { Dec } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';

/**
 * Equity at every traded candle's close. Per candle only doubles are written (quote + base × close);
 * the exact decimal balances are kept once per fill batch ("epoch"), and each candle remembers its
 * epoch, so the exact equity of any candle can be recomputed afterwards for the report's money figures
 * (max drawdown, curve points, final equity) without decimal work in the loop.
 */
export class EquityRecorder {
  readonly values: Float64Array;
  readonly #epochOf: Int32Array;
  readonly #epochs: { quote: Dec; base: Dec }[];
  readonly #series: CandleSeries;
  readonly start: number;
  #quote: number;
  #base = 0;
  #marked = 0;

  constructor(series: CandleSeries, start: number, end: number, startingQuote: Dec) {
    this.#series = series;
    this.start = start;
    this.values = new Float64Array(Math.max(0, end - start));
    this.#epochOf = new Int32Array(Math.max(0, end - start));
    this.#epochs = [{ quote: startingQuote, base: new Dec(0) }];
    this.#quote = startingQuote.toNumber();
  }

  /** Candles marked so far. */
  get length(): number {
    return this.#marked;
  }

  /** Balances changed (a fill): later marks use these. */
  newEpoch(quote: Dec, base: Dec): void {
    this.#epochs.push({ quote, base });
    this.#quote = quote.toNumber();
    this.#base = base.toNumber();
  }

  /** Marks candle i at its close; true when a position is held. */
  mark(i: number): boolean {
    const k = i - this.start;
    this.values[k] = this.#quote + this.#base * this.#series.close(i);
    this.#epochOf[k] = this.#epochs.length - 1;
    this.#marked = k + 1;
    return this.#base !== 0;
  }

  /** Exact equity at the close of the k-th traded candle. */
  exact(k: number): Dec {
    const epoch = this.#epochs[this.#epochOf[k] as number] as { quote: Dec; base: Dec };
    return epoch.base.isZero() ? epoch.quote : epoch.quote.add(epoch.base.mul(this.#series.decimal('close', this.start + k)));
  }
}
