import { ValidationError } from '../../domain/errors.js';
import { Dec, toDecimalString } from '../../domain/money.js';
import { CandleCursor, CandleSeries, type CandleWindow } from '../../domain/candles.js';
import { informativeKey, type InformativeCandles, type InformativeInput } from '../strategy.js';
import { timeframeMs } from '../../domain/timeframe.js';

/**
 * The informative inputs of one pair in a backtest: other pairs' candles and/or higher timeframes,
 * each behind its own cursor. `advanceTo(t)` shows exactly the candles whose close (open + timeframe)
 * is at or before t, so an hourly candle becomes visible at the end of its hour and never earlier.
 */

/** Candles of every pair the run has, at the run's timeframe (informative pairs come from here). */
export type PairSeries = ReadonlyMap<string, CandleSeries>;

interface Entry {
  readonly series: CandleSeries;
  readonly cursor: CandleCursor;
  readonly tfMs: number;
}

/** Monday 1970-01-05: exchanges open weekly candles on Mondays, the epoch was a Thursday. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

export class InformativeFeed implements InformativeCandles {
  readonly #symbol: string;
  readonly #timeframe: string;
  readonly #entries = new Map<string, Entry>();

  /** Resolves and validates the inputs (ValidationError naming the bad one), resampling where needed. */
  constructor(own: { symbol: string; timeframe: string }, inputs: readonly InformativeInput[], pairs: PairSeries) {
    this.#symbol = own.symbol;
    this.#timeframe = own.timeframe;
    const baseMs = timeframeMs(own.timeframe);
    for (const input of inputs) {
      const symbol = input.symbol ?? own.symbol;
      const timeframe = input.timeframe ?? own.timeframe;
      const key = informativeKey(symbol, timeframe);
      if (this.#entries.has(key)) continue;
      const series = pairs.get(symbol);
      if (!series) throw refused(input, `${symbol} is not one of the run's pairs (${[...pairs.keys()].join(', ')})`);
      const tfMs = timeframeMs(timeframe);
      if (tfMs < baseMs || tfMs % baseMs !== 0) throw refused(input, `${timeframe} is not a multiple of the run's timeframe ${own.timeframe}`);
      // The own pair at the own timeframe is served too (the same candles as `candles`): a strategy that
      // reads one pair as informative for all pairs of a run also runs on that pair.
      const informative = tfMs === baseMs ? series : resampleSeries(series, timeframe);
      this.#entries.set(key, { series: informative, cursor: new CandleCursor(informative), tfMs });
    }
    Object.freeze(this);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Shows every candle closed at or before `time` (monotone: time never goes back). */
  advanceTo(time: number): void {
    for (const { series, cursor, tfMs } of this.#entries.values()) {
      let end = cursor.position;
      while (end < series.length && series.time(end) + tfMs <= time) end++;
      if (end !== cursor.position) cursor.showUntil(end);
    }
  }

  get(input: InformativeInput): CandleWindow {
    const key = informativeKey(input.symbol ?? this.#symbol, input.timeframe ?? this.#timeframe);
    const entry = this.#entries.get(key);
    if (!entry) throw new RangeError(`Informative input ${key} was not declared (declared: ${[...this.#entries.keys()].join(', ') || 'none'})`);
    return entry.cursor.window;
  }
}

function refused(input: InformativeInput, why: string): ValidationError {
  const text = `${input.symbol ?? '(own pair)'} ${input.timeframe ?? '(own timeframe)'}`;
  return new ValidationError(`Informative input ${text} refused: ${why}`, [{ path: 'strategy', message: `informative input ${text}: ${why}` }]);
}

/**
 * Candles of a higher timeframe built from a lower one: buckets aligned to UTC (weeks to Monday), open
 * of the first candle, highest high, lowest low, close of the last, summed volume (exact). Missing
 * lower candles are not invented: a bucket holds what traded in it.
 */
export function resampleSeries(series: CandleSeries, timeframe: string): CandleSeries {
  const tf = timeframeMs(timeframe);
  const offset = timeframe.endsWith('w') ? WEEK_OFFSET_MS : 0;
  const out = new CandleSeries(Math.max(1, Math.ceil(series.length / 2)));
  let i = 0;
  while (i < series.length) {
    const bucket = Math.floor((series.time(i) - offset) / tf) * tf + offset;
    let high = i;
    let low = i;
    let volume = series.decimal('volume', i);
    let j = i + 1;
    for (; j < series.length && series.time(j) < bucket + tf; j++) {
      if (series.high(j) > series.high(high)) high = j;
      if (series.low(j) < series.low(low)) low = j;
      volume = volume.add(series.decimal('volume', j));
    }
    out.append({ time: bucket, open: series.text('open', i), high: series.text('high', high), low: series.text('low', low), close: series.text('close', j - 1), volume: toDecimalString(new Dec(volume)) });
    i = j;
  }
  return out;
}
