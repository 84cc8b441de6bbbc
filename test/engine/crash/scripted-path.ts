import type { PricePath, SimCandle } from '../../../simulator/matching/price-path.js';

/**
 * A price path the test steers candle by candle, so resting limit orders fill exactly when it wants:
 * a `calm` candle stays between 0.54 and 0.56; a `dip` reaches down to 0.49 (a buy resting at 0.5
 * fills, up to the market's liquidity per step) and closes back at 0.55; a `spike` reaches 0.61. The close never moves, so a
 * grid buying at 0.5 always sees the market above its level and its orders never cross on arrival.
 */
export type CandleShape = 'calm' | 'dip' | 'spike';

const SHAPES: Readonly<Record<CandleShape, Omit<SimCandle, 'openTime'>>> = {
  calm: { open: '0.55', high: '0.56', low: '0.54', close: '0.55', volume: '100000' },
  dip: { open: '0.55', high: '0.56', low: '0.49', close: '0.55', volume: '100000' },
  /** Reaches up to 0.61: a sell resting at 0.6 fills (up to the liquidity per step). */
  spike: { open: '0.55', high: '0.61', low: '0.54', close: '0.55', volume: '100000' },
};

export class ScriptedPath implements PricePath {
  readonly intervalMs = 60_000;
  readonly #candles: SimCandle[] = [];
  #next: CandleShape = 'calm';

  /** `history` calm candles ending well in the past, so every candle the engine sees is closed. */
  constructor(startTime: number, history = 20) {
    for (let i = 0; i < history; i++) this.#candles.push({ openTime: startTime + i * this.intervalMs, ...SHAPES.calm });
  }

  /** The shape of the candle the next `step()` produces. */
  next(shape: CandleShape): void {
    this.#next = shape;
  }

  current(): SimCandle {
    const last = this.#candles[this.#candles.length - 1];
    if (!last) throw new Error('Scripted path has no candles');
    return last;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(Math.max(0, this.#candles.length - count));
  }

  step(): SimCandle {
    this.#candles.push({ openTime: this.current().openTime + this.intervalMs, ...SHAPES[this.#next] });
    return this.current();
  }
}
