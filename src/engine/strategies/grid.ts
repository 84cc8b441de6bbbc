import { z } from 'zod';
import { isDecimalString } from '../../domain/decimal-schema.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type Strategy, type StrategySnapshot } from '../strategy.js';

const params = z
  .object({
    lower: decimalParam('Lowest grid price (quote)', { default: '1' }),
    upper: decimalParam('Highest grid price (quote)', { default: '2' }),
    levels: z.number().int().min(2).max(200).default(10).describe('Number of price levels, both bounds included'),
    sizePerLevel: decimalParam('Base amount bought at each level', { default: '10' }),
  })
  .strict()
  .refine((p) => !isDecimalString(p.lower) || !isDecimalString(p.upper) || new Dec(p.lower).lt(p.upper), { message: 'lower must be below upper', path: ['lower'] });

type Params = z.output<typeof params>;

/**
 * One cell per pair of neighbouring levels: it buys `sizePerLevel` at its lower level, then sells what it
 * bought at its upper level, then buys again. Orders are tracked by tag (`grid:<epoch>:<cell>:<n>`), which comes
 * back on open orders and fills; an order that is no longer open has finished (filled, cancelled or
 * rejected) and the cell acts on what was actually filled.
 */
interface Cell {
  phase: 'buy' | 'sell';
  /** Base amount held by this cell, to sell at the upper level. */
  held: Dec;
  /** Tag of this cell's live order, or null when it has none. */
  tag: string | null;
  filled: Dec;
}

class Grid implements Strategy {
  readonly warmup = 1;
  readonly #levels: DecimalString[];
  readonly #levelNumbers: number[];
  readonly #cells: Cell[];
  readonly #size: Dec;
  #sequence = 0;
  /**
   * Distinguishes this instance's tags from a previous instance's (before a restart), whose orders and
   * fills may still arrive: the first candle this instance saw, in base 36. Deterministic, unlike a random id.
   */
  #epoch: string | null = null;

  constructor(p: Params) {
    const lower = new Dec(p.lower);
    const step = new Dec(p.upper).sub(lower).div(p.levels - 1);
    this.#levels = Array.from({ length: p.levels }, (_, k) => toDecimalString(lower.add(step.mul(k)).toDecimalPlaces(12)));
    this.#levelNumbers = this.#levels.map(Number);
    this.#cells = Array.from({ length: p.levels - 1 }, () => ({ phase: 'buy' as const, held: ZERO, tag: null, filled: ZERO }));
    this.#size = new Dec(p.sizePerLevel);
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    this.#epoch ??= s.time.toString(36);
    this.#collectFills(s);
    const open = new Set<string>();
    for (const order of s.openOrders) if (order.tag !== null) open.add(order.tag);
    const close = s.candles.close(s.candles.last);
    const intents: Intent[] = [];
    this.#cells.forEach((cell, k) => {
      if (cell.tag !== null && open.has(cell.tag)) return;
      if (cell.tag !== null) this.#finish(cell);
      const intent = this.#nextOrder(cell, k, close);
      if (intent) intents.push(intent);
    });
    return intents.length === 0 ? NO_INTENTS : intents;
  }

  #collectFills(s: StrategySnapshot): void {
    for (const fill of s.fills) {
      const cell = this.#cells.find((c) => c.tag !== null && c.tag === fill.tag);
      if (cell) cell.filled = cell.filled.add(fill.amount);
    }
  }

  /** The cell's order is gone: move on according to what it filled. */
  #finish(cell: Cell): void {
    if (cell.phase === 'buy' && cell.filled.gt(ZERO)) {
      cell.held = cell.filled;
      cell.phase = 'sell';
    } else if (cell.phase === 'sell' && cell.filled.gt(ZERO)) {
      cell.held = Dec.max(ZERO, cell.held.sub(cell.filled));
      if (cell.held.isZero()) cell.phase = 'buy';
    }
    cell.tag = null;
    cell.filled = ZERO;
  }

  #nextOrder(cell: Cell, k: number, close: number): Intent | null {
    // Buy only below the market: a buy limit above it would just be a market order in disguise.
    if (cell.phase === 'buy' && !(close > (this.#levelNumbers[k] as number))) return null;
    cell.tag = `grid:${this.#epoch ?? '0'}:${k}:${++this.#sequence}`;
    const buying = cell.phase === 'buy';
    return {
      kind: 'place',
      side: buying ? 'buy' : 'sell',
      amount: toDecimalString(buying ? this.#size : cell.held),
      price: (buying ? this.#levels[k] : this.#levels[k + 1]) as DecimalString,
      tag: cell.tag,
      reason: buying ? `grid buy at level ${k}` : `grid sell at level ${k + 1}`,
    };
  }
}

export const grid = defineStrategy({
  id: 'grid',
  name: 'Grid',
  description: 'Places buy limits on a ladder of prices and sells each filled buy one level higher, again and again.',
  params,
  warmup: () => 1,
  create: (p) => new Grid(p),
});
