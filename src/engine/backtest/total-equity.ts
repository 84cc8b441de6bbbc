import { ZERO, type Dec } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';

/**
 * The equity of a run at every traded time: shared quote plus each pair's base valued at that pair's
 * latest close (a pair with no candle at a time keeps its last close). Per step only doubles are
 * written; the exact decimal balances are kept once per fill batch ("epoch") and each step remembers
 * its epoch, so `exact(k)` recomputes step k exactly for the report's money figures (max drawdown,
 * curve points, final equity) without decimal work in the loop.
 */
export class TotalEquity {
  readonly values: Float64Array;
  readonly times: Float64Array;
  readonly #epochOf: Int32Array;
  readonly #epochs: { quote: Dec; bases: readonly Dec[] }[];
  readonly #series: readonly CandleSeries[];
  #quote: number;
  readonly #base: Float64Array;
  readonly #close: Float64Array;
  #marked = 0;

  constructor(series: readonly CandleSeries[], steps: number, startingQuote: Dec) {
    this.#series = series;
    this.values = new Float64Array(steps);
    this.times = new Float64Array(steps);
    this.#epochOf = new Int32Array(steps);
    this.#epochs = [{ quote: startingQuote, bases: series.map(() => ZERO) }];
    this.#quote = startingQuote.toNumber();
    this.#base = new Float64Array(series.length);
    this.#close = new Float64Array(series.length);
  }

  get length(): number {
    return this.#marked;
  }

  /** The latest close of pair p (called for each pair with a candle at this time). */
  price(p: number, close: number): void {
    this.#close[p] = close;
  }

  /** Balances changed (fills): later marks use these. */
  newEpoch(quote: Dec, bases: readonly Dec[]): void {
    this.#epochs.push({ quote, bases });
    this.#quote = quote.toNumber();
    bases.forEach((b, p) => (this.#base[p] = b.toNumber()));
  }

  /** Marks the next traded step, at `time` (the candle open shared by the pairs that moved). */
  mark(time: number): void {
    const k = this.#marked;
    const base = this.#base;
    const close = this.#close;
    let equity = this.#quote;
    for (let p = 0; p < base.length; p++) equity += (base[p] as number) * (close[p] as number);
    this.values[k] = equity;
    this.times[k] = time;
    this.#epochOf[k] = this.#epochs.length - 1;
    this.#marked = k + 1;
  }

  /** Exact equity at step k. */
  exact(k: number): Dec {
    const epoch = this.#epochs[this.#epochOf[k] as number] as { quote: Dec; bases: readonly Dec[] };
    const time = this.times[k] as number;
    let equity = epoch.quote;
    epoch.bases.forEach((base, p) => {
      if (base.isZero()) return;
      const series = this.#series[p] as CandleSeries;
      const i = lastAtOrBefore(series, time);
      if (i >= 0) equity = equity.add(base.mul(series.decimal('close', i)));
    });
    return equity;
  }
}

/** Index of the last candle opening at or before `time`, −1 when none. */
export function lastAtOrBefore(series: CandleSeries, time: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series.time(mid) <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
