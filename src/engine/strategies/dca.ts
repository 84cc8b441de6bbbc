import { z } from 'zod';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type Strategy, type StrategySnapshot } from '../strategy.js';

const params = z.object({
  intervalCandles: z.number().int().min(1).max(100_000).default(24).describe('Buy once every this many candles'),
  amountQuote: decimalParam('Quote amount spent on each buy (market)', { default: '10' }),
  takeProfitPct: z
    .number()
    .gt(0)
    .max(1000)
    .optional()
    .describe('Sell the whole position when the close is this many percent above the average entry; omit to only accumulate'),
}).strict();

type Params = z.output<typeof params>;

/** Dollar-cost averaging: a fixed quote amount at a fixed candle interval, with an optional take-profit. */
class Dca implements Strategy {
  readonly warmup = 1;
  readonly #p: Params;
  readonly #buy: readonly Intent[];
  readonly #takeProfit: readonly Intent[];

  constructor(p: Params) {
    this.#p = p;
    this.#buy = Object.freeze([
      Object.freeze({ kind: 'enter', side: 'long', size: Object.freeze({ quote: p.amountQuote }), reason: 'scheduled buy' } as const),
    ]);
    this.#takeProfit = Object.freeze([Object.freeze({ kind: 'exit', reason: `take-profit ${p.takeProfitPct ?? 0}%` } as const)]);
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    if (s.openOrders.length > 0) return NO_INTENTS;
    if (this.#takeProfitReached(s)) return this.#takeProfit;
    return this.#due(s) ? this.#buy : NO_INTENTS;
  }

  /**
   * Stateless schedule on the candle's time, not its index in this instance's series: a restarted
   * engine (whose series starts again at 0) keeps the same rhythm instead of waiting N candles again —
   * restarted more often than every N candles, an index schedule would never buy. Candle k (counted
   * from the epoch in timeframes) is due when k is a multiple of N.
   */
  #due(s: StrategySnapshot): boolean {
    const open = s.candles.time(s.candles.last);
    const timeframe = s.time - open;
    if (!(timeframe > 0)) return s.candles.last % this.#p.intervalCandles === 0;
    return Math.floor(open / timeframe) % this.#p.intervalCandles === 0;
  }

  #takeProfitReached(s: StrategySnapshot): boolean {
    const tp = this.#p.takeProfitPct;
    const entry = s.position.averageEntryPrice;
    if (tp === undefined || entry === null || s.position.side !== 'long') return false;
    // A decision threshold, not an amount: comparing as numbers is precise enough and allocation-free.
    return s.candles.close(s.candles.last) >= Number(entry) * (1 + tp / 100);
  }
}

export const dca = defineStrategy({
  id: 'dca',
  name: 'Dollar-cost averaging',
  description: 'Buys a fixed quote amount every N candles; optionally sells everything at a take-profit above the average entry.',
  params,
  warmup: () => 1,
  create: (p) => new Dca(p),
});
