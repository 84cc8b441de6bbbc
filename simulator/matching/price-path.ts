import { readFileSync } from 'node:fs';
import { Dec } from '../../src/domain/money.js';

/** One candle of a price path; prices and volume are decimal strings, as on the wire. */
export interface SimCandle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/**
 * A price path for one symbol. The matching engine reads the current candle: the close is the mid
 * price, and a resting limit order fills when the candle's range reaches its price.
 */
export interface PricePath {
  readonly intervalMs: number;
  current(): SimCandle;
  /** The last `count` candles, oldest first, ending with the current one. */
  history(count: number): SimCandle[];
  /** Moves one candle forward (replays wrap around at the end of the data). */
  step(): SimCandle;
}

const HOUR_MS = 3_600_000;

/** Replays candles from a CSV file with columns timestamp_ms,open,high,low,close,volume. */
export class CandleReplayPath implements PricePath {
  readonly intervalMs: number;
  readonly #candles: SimCandle[];
  #index: number;

  constructor(candles: SimCandle[], startIndex = 0) {
    if (candles.length === 0) throw new Error('Expected at least one candle to replay, got none');
    this.#candles = candles;
    this.#index = Math.min(Math.max(0, startIndex), candles.length - 1);
    const [first, second] = candles;
    this.intervalMs = first && second ? second.openTime - first.openTime : HOUR_MS;
  }

  static fromCsv(path: string, startIndex = 0): CandleReplayPath {
    return new CandleReplayPath(parseCandleCsv(readFileSync(path, 'utf8')), startIndex);
  }

  current(): SimCandle {
    return this.#at(this.#index);
  }

  history(count: number): SimCandle[] {
    const n = Math.min(count, this.#index + 1);
    return this.#candles.slice(this.#index + 1 - n, this.#index + 1);
  }

  step(): SimCandle {
    // Wrapping keeps a long-running simulator (the demo) alive after the data ends.
    this.#index = (this.#index + 1) % this.#candles.length;
    return this.current();
  }

  #at(i: number): SimCandle {
    const candle = this.#candles[i];
    if (!candle) throw new Error(`No candle at index ${i}`);
    return candle;
  }
}

export function parseCandleCsv(text: string): SimCandle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = lines[0]?.startsWith('timestamp') ? lines.slice(1) : lines;
  return rows.map((line, i) => {
    const [ts, open, high, low, close, volume] = line.split(',');
    if (!ts || !open || !high || !low || !close || !volume) throw new Error(`Malformed candle CSV row ${i + 1}: ${line}`);
    return { openTime: Number(ts), open, high, low, close, volume };
  });
}

/** mulberry32: tiny, fast, and good enough for a reproducible price walk. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomWalkOptions {
  seed: number;
  start: string;
  tickSize: string;
  /** Relative standard step per candle, e.g. 0.005 for 0.5 %. */
  volatility?: number;
  intervalMs?: number;
  startTime?: number;
  /** Candles generated before the current one so OHLCV requests have history. */
  warmup?: number;
}

/**
 * A seeded random walk. The random numbers are floats, but they only pick a move in whole ticks;
 * every price is built from Dec arithmetic on the tick size, so prices are exact tick multiples.
 */
export class RandomWalkPath implements PricePath {
  readonly intervalMs: number;
  readonly #random: () => number;
  readonly #tick: Dec;
  readonly #volatilityTicks: number;
  readonly #candles: SimCandle[] = [];

  constructor(options: RandomWalkOptions) {
    this.intervalMs = options.intervalMs ?? HOUR_MS;
    this.#random = seededRandom(options.seed);
    this.#tick = new Dec(options.tickSize);
    const start = new Dec(options.start);
    this.#volatilityTicks = Math.max(1, start.mul(options.volatility ?? 0.005).div(this.#tick).toNumber());
    const startTime = options.startTime ?? Date.UTC(2026, 0, 1);
    const open = start.toDecimalPlaces(this.#tick.decimalPlaces());
    this.#candles.push(this.#next(open, startTime));
    for (let i = 0; i < (options.warmup ?? 200); i++) this.step();
  }

  current(): SimCandle {
    const last = this.#candles[this.#candles.length - 1];
    if (!last) throw new Error('Random walk has no candles');
    return last;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(Math.max(0, this.#candles.length - count));
  }

  step(): SimCandle {
    const prev = this.current();
    const candle = this.#next(new Dec(prev.close), prev.openTime + this.intervalMs);
    this.#candles.push(candle);
    // Bounded memory for long runs; requests never ask for more than 1000 candles.
    if (this.#candles.length > 2000) this.#candles.splice(0, this.#candles.length - 1000);
    return candle;
  }

  #next(open: Dec, openTime: number): SimCandle {
    const move = Math.round((this.#random() - 0.5) * 2 * this.#volatilityTicks);
    const floor = this.#tick.mul(10);
    const close = Dec.max(floor, open.add(this.#tick.mul(move)));
    const wick = (): Dec => this.#tick.mul(Math.round(this.#random() * this.#volatilityTicks * 0.5));
    const high = Dec.max(open, close).add(wick());
    const low = Dec.max(this.#tick, Dec.min(open, close).sub(wick()));
    const volume = new Dec(Math.round(this.#random() * 10_000) + 100);
    return { openTime, open: open.toFixed(), high: high.toFixed(), low: low.toFixed(), close: close.toFixed(), volume: volume.toFixed() };
  }
}
