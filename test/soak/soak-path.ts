import type { PricePath, SimCandle } from '../../simulator/matching/price-path.js';
import { seededRandom } from '../../simulator/matching/price-path.js';
import { Dec } from '../../src/domain/money.js';

/**
 * The soak's price path: seeded trends that alternate up and down (6–14 candles each, about 0.6 % a
 * candle, pulled back toward the centre so the price stays within a band a grid can span), so a
 * trend follower and a mean reverter both get repeated signals. Prices are whole ticks (Dec), as on
 * the wire. `dipNext` makes the next candle's low reach a given price (resting buys fill on it).
 */
export interface SoakPathOptions {
  seed: number;
  /** Centre price, e.g. "0.6" or "60000". */
  centre: string;
  tickSize: string;
  /** Candle length; also the live feed's timeframe (1m). */
  intervalMs: number;
  /** Open time of the first history candle (well in the past, so every candle is closed). */
  startTime: number;
  history?: number;
}

export class SoakPath implements PricePath {
  readonly intervalMs: number;
  readonly #random: () => number;
  readonly #tick: Dec;
  readonly #centre: Dec;
  readonly #candles: SimCandle[] = [];
  #direction = 1;
  #left = 0;
  #dipTo: Dec | null = null;

  constructor(options: SoakPathOptions) {
    this.intervalMs = options.intervalMs;
    this.#random = seededRandom(options.seed);
    this.#tick = new Dec(options.tickSize);
    this.#centre = new Dec(options.centre);
    const open = this.#centre.toDecimalPlaces(this.#tick.decimalPlaces());
    this.#candles.push(this.#make(open, options.startTime));
    for (let i = 0; i < (options.history ?? 80); i++) this.step();
  }

  /** The closes of every candle so far, oldest first (the soak's shadow indicators read them). */
  closes(): number[] {
    return this.#candles.map((c) => Number(c.close));
  }

  get length(): number {
    return this.#candles.length;
  }

  /** The next candle's low reaches `price` (a dip that fills resting buys at or above it). */
  dipNext(price: string): void {
    this.#dipTo = new Dec(price);
  }

  current(): SimCandle {
    const last = this.#candles[this.#candles.length - 1];
    if (!last) throw new Error('Soak path has no candles');
    return last;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(Math.max(0, this.#candles.length - count));
  }

  step(): SimCandle {
    const prev = this.current();
    const candle = this.#make(new Dec(prev.close), prev.openTime + this.intervalMs);
    this.#candles.push(candle);
    return candle;
  }

  #make(open: Dec, openTime: number): SimCandle {
    if (this.#left <= 0) {
      this.#direction = -this.#direction;
      this.#left = 6 + Math.floor(this.#random() * 9);
    }
    this.#left--;
    const c = this.#centre;
    // Drift 0.6 % of the centre per candle in the trend's direction, noise ±0.3 %, and a pull back
    // toward the centre so the walk stays within about ±8 %.
    const drift = this.#direction * 0.006 + (this.#random() - 0.5) * 0.006 - open.sub(c).div(c).toNumber() * 0.08;
    const close = this.#ticks(open.add(c.mul(drift.toFixed(6))));
    const wick = (): Dec => this.#ticks(c.mul((this.#random() * 0.002).toFixed(6)));
    const high = Dec.max(open, close).add(wick());
    let low = Dec.max(this.#tick, Dec.min(open, close).sub(wick()));
    if (this.#dipTo !== null) {
      low = Dec.max(this.#tick, Dec.min(low, this.#dipTo));
      this.#dipTo = null;
    }
    return { openTime, open: open.toFixed(), high: high.toFixed(), low: low.toFixed(), close: close.toFixed(), volume: '100000' };
  }

  #ticks(value: Dec): Dec {
    return Dec.max(this.#tick, value.div(this.#tick).round().mul(this.#tick));
  }
}
