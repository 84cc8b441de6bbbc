import { Dec, type DecimalString } from './money.js';
import { ValidationError } from './errors.js';

/** One candle as exchanges report it; prices and volume are exact decimal strings. */
export interface Candle {
  /** Candle open time, ms since epoch. */
  time: number;
  open: DecimalString;
  high: DecimalString;
  low: DecimalString;
  close: DecimalString;
  volume: DecimalString;
}

/**
 * Candles held column by column in typed arrays: a million candles are 48 MB and no garbage, and
 * indicators read plain numbers without parsing. Prices stay exact: a decimal text of at most 15
 * significant digits survives the trip through a double unchanged (IEEE 754 guarantees 15), so only
 * longer texts are kept aside as strings; `text`/`decimal` always return the exact original value.
 */

export const CANDLE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type CandleField = (typeof CANDLE_FIELDS)[number];
const FIELD_INDEX: Readonly<Record<CandleField, number>> = { open: 0, high: 1, low: 2, close: 3, volume: 4 };

const MAX_EXACT_DIGITS = 15;
const INITIAL_CAPACITY = 1024;

/** Read-only access by index, shared by the series and the strategy's bounded window. */
export interface CandleReader {
  readonly length: number;
  time(i: number): number;
  open(i: number): number;
  high(i: number): number;
  low(i: number): number;
  close(i: number): number;
  volume(i: number): number;
  /** The exact decimal text of one field. */
  text(field: CandleField, i: number): DecimalString;
  /** One candle with exact decimal strings (allocates; for rare use, not per-candle loops). */
  candle(i: number): Candle;
}

export class CandleSeries implements CandleReader {
  #length = 0;
  #time: Float64Array;
  /** Five columns (open, high, low, close, volume) interleaved per field, each of the current capacity. */
  #columns: Float64Array[];
  /** Texts that a double cannot carry exactly, keyed by `index * 5 + field`. */
  readonly #exactTexts = new Map<number, string>();

  constructor(capacity = INITIAL_CAPACITY) {
    this.#time = new Float64Array(Math.max(1, capacity));
    this.#columns = CANDLE_FIELDS.map(() => new Float64Array(Math.max(1, capacity)));
  }

  static from(candles: readonly Candle[]): CandleSeries {
    const series = new CandleSeries(candles.length);
    for (const c of candles) series.append(c);
    return series;
  }

  get length(): number {
    return this.#length;
  }

  /** Appends a candle that opens strictly after the last one. Texts must be plain decimals (validated by the loader). */
  append(candle: Candle): void {
    const i = this.#length;
    if (i > 0 && !(candle.time > (this.#time[i - 1] ?? 0))) {
      throw new ValidationError(`Candle at ${candle.time} does not come after the previous one at ${this.#time[i - 1]}`);
    }
    if (i === this.#time.length) this.#grow();
    this.#time[i] = candle.time;
    this.#store(i, 0, candle.open);
    this.#store(i, 1, candle.high);
    this.#store(i, 2, candle.low);
    this.#store(i, 3, candle.close);
    this.#store(i, 4, candle.volume);
    this.#length = i + 1;
  }

  time(i: number): number {
    return this.#time[i] as number;
  }
  open(i: number): number {
    return (this.#columns[0] as Float64Array)[i] as number;
  }
  high(i: number): number {
    return (this.#columns[1] as Float64Array)[i] as number;
  }
  low(i: number): number {
    return (this.#columns[2] as Float64Array)[i] as number;
  }
  close(i: number): number {
    return (this.#columns[3] as Float64Array)[i] as number;
  }
  volume(i: number): number {
    return (this.#columns[4] as Float64Array)[i] as number;
  }

  text(field: CandleField, i: number): DecimalString {
    const f = FIELD_INDEX[field];
    const exact = this.#exactTexts.get(i * 5 + f);
    if (exact !== undefined) return exact;
    const value = (this.#columns[f] as Float64Array)[i] as number;
    const shortest = String(value);
    // Exponent forms (1e-7) are rewritten as plain decimals; decimal.js reads a number's shortest text.
    return shortest.includes('e') ? new Dec(value).toFixed() : shortest;
  }

  decimal(field: CandleField, i: number): Dec {
    return new Dec(this.text(field, i));
  }

  candle(i: number): Candle {
    return {
      time: this.time(i),
      open: this.text('open', i),
      high: this.text('high', i),
      low: this.text('low', i),
      close: this.text('close', i),
      volume: this.text('volume', i),
    };
  }

  #store(i: number, field: number, text: string): void {
    (this.#columns[field] as Float64Array)[i] = Number(text);
    if (significantDigits(text) > MAX_EXACT_DIGITS) this.#exactTexts.set(i * 5 + field, text);
  }

  #grow(): void {
    const capacity = this.#time.length * 2;
    const grown = new Float64Array(capacity);
    grown.set(this.#time);
    this.#time = grown;
    this.#columns = this.#columns.map((column) => {
      const next = new Float64Array(capacity);
      next.set(column);
      return next;
    });
  }
}

/** Significant digits of a plain decimal text, ignoring sign, leading zeros and trailing fractional zeros. */
export function significantDigits(text: string): number {
  let end = text.length;
  if (text.includes('.')) {
    while (text.charCodeAt(end - 1) === 48) end--; // trailing zeros after the point carry no value
  }
  let digits = 0;
  for (let k = 0; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57 || (digits === 0 && c === 48)) continue; // sign, point, leading zeros
    digits++;
  }
  return digits;
}

/**
 * What a strategy sees: the series up to and including the current candle, and nothing after it. Any
 * index outside [0, length) throws, so a strategy cannot look ahead even by mistake. The bound lives in
 * a private field that only the `CandleCursor` owning it can move.
 */
export class CandleWindow implements CandleReader {
  readonly #series: CandleSeries;
  readonly #bound: { end: number };

  constructor(series: CandleSeries, bound: { end: number }) {
    this.#series = series;
    this.#bound = bound;
  }

  get length(): number {
    return this.#bound.end;
  }

  /** Index of the current (latest visible) candle, −1 when none. */
  get last(): number {
    return this.#bound.end - 1;
  }

  time(i: number): number {
    return this.#series.time(this.#check(i));
  }
  open(i: number): number {
    return this.#series.open(this.#check(i));
  }
  high(i: number): number {
    return this.#series.high(this.#check(i));
  }
  low(i: number): number {
    return this.#series.low(this.#check(i));
  }
  close(i: number): number {
    return this.#series.close(this.#check(i));
  }
  volume(i: number): number {
    return this.#series.volume(this.#check(i));
  }
  text(field: CandleField, i: number): DecimalString {
    return this.#series.text(field, this.#check(i));
  }
  candle(i: number): Candle {
    return this.#series.candle(this.#check(i));
  }

  #check(i: number): number {
    if ((i | 0) !== i || i < 0 || i >= this.#bound.end) {
      throw new RangeError(`Candle index ${i} is outside the visible window [0, ${this.#bound.end}); future candles are not visible`);
    }
    return i;
  }
}

/** The runner's handle: moves the window forward one candle at a time (never past the series, never back). */
export class CandleCursor {
  readonly series: CandleSeries;
  readonly window: CandleWindow;
  readonly #bound = { end: 0 };

  constructor(series: CandleSeries) {
    this.series = series;
    this.window = new CandleWindow(series, this.#bound);
  }

  get position(): number {
    return this.#bound.end;
  }

  /** Makes candles [0, end) visible. */
  showUntil(end: number): void {
    if (end < this.#bound.end || end > this.series.length) {
      throw new RangeError(`Cannot move the candle window to ${end} (now ${this.#bound.end}, series ${this.series.length})`);
    }
    this.#bound.end = end;
  }
}
