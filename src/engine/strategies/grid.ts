import { z } from 'zod';
import { isDecimalString } from '../../domain/decimal-schema.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import { isDust } from '../accounting/dust.js';
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
 * bought at its upper level, then buys again. Orders are tracked by tag
 * (`grid:<grid>:<instance>:<cell>:<n>`), which comes back on open orders and fills; an order that is no
 * longer open has finished (filled, cancelled or rejected) and the cell acts on what was actually filled.
 *
 * `<grid>` is derived from the parameters, `<instance>` from the first candle this instance saw. A
 * restarted grid (same parameters, so the same `<grid>`) takes over its predecessor's orders: an order of
 * another instance of the same grid becomes its cell's order, and its fills count (the engine hands a
 * restarted strategy every fill of the orders it inherits). Orders of a grid with other parameters are
 * never mistaken for ours, and `<instance>` keeps our tags distinct from every earlier instance's.
 */
interface Cell {
  phase: 'buy' | 'sell';
  /** Base amount held by this cell, to sell at the upper level. */
  held: Dec;
  /** Tag of this cell's live order, or null when it has none. */
  tag: string | null;
  filled: Dec;
  /** What the fills of the current order left in the account: a buy's amount less a fee taken in base. */
  received: Dec;
}

interface ParsedTag {
  grid: string;
  instance: string;
  cell: number;
}

class Grid implements Strategy {
  readonly warmup = 1;
  readonly #levels: DecimalString[];
  readonly #levelNumbers: number[];
  readonly #cells: Cell[];
  readonly #size: Dec;
  readonly #grid: string;
  #sequence = 0;
  /** Deterministic, unlike a random id: the first candle this instance saw, in base 36. */
  #instance: string | null = null;

  constructor(p: Params) {
    const lower = new Dec(p.lower);
    const step = new Dec(p.upper).sub(lower).div(p.levels - 1);
    this.#levels = Array.from({ length: p.levels }, (_, k) => toDecimalString(lower.add(step.mul(k)).toDecimalPlaces(12)));
    this.#levelNumbers = this.#levels.map(Number);
    this.#cells = Array.from({ length: p.levels - 1 }, () => ({ phase: 'buy' as const, held: ZERO, tag: null, filled: ZERO, received: ZERO }));
    this.#size = new Dec(p.sizePerLevel);
    this.#grid = gridIdentity(this.#levels, this.#size);
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    this.#instance ??= s.time.toString(36);
    const open = new Set<string>();
    for (const order of s.openOrders) if (order.tag !== null) open.add(order.tag);
    const intents: Intent[] = this.#takeOver(s, open);
    this.#collectFills(s);
    // Intents are discarded while warming up or paused: a cell gets a tag only for an order really placed.
    if (s.warmingUp) return intents.length === 0 ? NO_INTENTS : intents;
    const close = s.candles.close(s.candles.last);
    this.#cells.forEach((cell, k) => {
      if (cell.tag !== null && open.has(cell.tag)) return;
      if (cell.tag !== null) this.#finish(cell, s, close);
      const intent = this.#nextOrder(cell, k, close);
      if (intent) intents.push(intent);
    });
    return intents.length === 0 ? NO_INTENTS : intents;
  }

  /**
   * Orders and fills of an earlier instance of this grid become their cell's, when the cell has no live
   * order of its own; a second live order on a cell that already has one is cancelled (one per level).
   */
  #takeOver(s: StrategySnapshot, open: ReadonlySet<string>): Intent[] {
    const cancels: Intent[] = [];
    const idle = (cell: Cell) => cell.tag === null || (!open.has(cell.tag) && cell.filled.isZero() && !s.fills.some((f) => f.tag === cell.tag));
    for (const order of s.openOrders) {
      const cell = this.#inherited(order.tag);
      if (!cell || cell.tag === order.tag) continue;
      if (idle(cell)) this.#adopt(cell, order.tag as string, order.side, new Dec(order.amount));
      else cancels.push({ kind: 'cancel', clientOrderId: order.clientOrderId, reason: 'grid: a second order on the same level' });
    }
    for (const fill of s.fills) {
      const cell = this.#inherited(fill.tag);
      // An inherited order that finished while no instance was running: only its fills tell what it did.
      if (cell && cell.tag !== fill.tag && idle(cell)) this.#adopt(cell, fill.tag as string, fill.side, sumOf(s, fill.tag as string));
    }
    return cancels;
  }

  #adopt(cell: Cell, tag: string, side: 'buy' | 'sell', amount: Dec): void {
    cell.tag = tag;
    cell.filled = ZERO;
    cell.received = ZERO;
    cell.phase = side;
    // A sell is of what the cell held; a buy holds nothing yet.
    cell.held = side === 'sell' ? amount : ZERO;
  }

  /** The cell of a tag from another instance of this same grid, or undefined. */
  #inherited(tag: string | null): Cell | undefined {
    const parsed = parseTag(tag);
    if (!parsed || parsed.grid !== this.#grid || parsed.instance === this.#instance) return undefined;
    return this.#cells[parsed.cell];
  }

  #collectFills(s: StrategySnapshot): void {
    for (const fill of s.fills) {
      const cell = this.#cells.find((c) => c.tag !== null && c.tag === fill.tag);
      if (!cell) continue;
      cell.filled = cell.filled.add(fill.amount);
      cell.received = cell.received.add(fill.side === 'buy' ? new Dec(fill.amount).sub(fill.baseFee ?? '0') : fill.amount);
    }
  }

  /** The cell's order is gone: move on according to what it filled. */
  #finish(cell: Cell, s: StrategySnapshot, close: number): void {
    if (cell.phase === 'buy' && cell.filled.gt(ZERO)) {
      // Sell what the account received: a venue that takes its fee in base leaves less than was bought.
      cell.held = cell.received;
      cell.phase = 'sell';
    } else if (cell.phase === 'sell' && cell.filled.gt(ZERO)) {
      cell.held = Dec.max(ZERO, cell.held.sub(cell.filled));
      // A remainder the market cannot trade (dust) would be a sell refused for ever: the cell is done.
      if (cell.held.isZero() || (s.market !== null && isDust(cell.held, s.market, new Dec(close)))) {
        cell.held = ZERO;
        cell.phase = 'buy';
      }
    }
    cell.tag = null;
    cell.filled = ZERO;
    cell.received = ZERO;
  }

  #nextOrder(cell: Cell, k: number, close: number): Intent | null {
    // Buy only below the market: a buy limit above it would just be a market order in disguise.
    if (cell.phase === 'buy' && !(close > (this.#levelNumbers[k] as number))) return null;
    cell.tag = `grid:${this.#grid}:${this.#instance ?? '0'}:${k}:${++this.#sequence}`;
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

/** A short, stable name of the grid's levels and size (FNV-1a, base 36): equal parameters, equal name. */
function gridIdentity(levels: readonly DecimalString[], size: Dec): string {
  let hash = 0x811c9dc5;
  for (const char of `${levels.join(',')}|${size.toFixed()}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

const TAG = /^grid:([0-9a-z]+):([0-9a-z]+):(\d+):\d+$/;

function parseTag(tag: string | null): ParsedTag | null {
  const m = tag === null ? null : TAG.exec(tag);
  return m ? { grid: m[1] as string, instance: m[2] as string, cell: Number(m[3]) } : null;
}

function sumOf(s: StrategySnapshot, tag: string): Dec {
  return s.fills.filter((f) => f.tag === tag).reduce((sum, f) => sum.add(f.amount), ZERO);
}

export const grid = defineStrategy({
  id: 'grid',
  name: 'Grid',
  description: 'Places buy limits on a ladder of prices and sells each filled buy one level higher, again and again.',
  params,
  warmup: () => 1,
  create: (p) => new Grid(p),
});
