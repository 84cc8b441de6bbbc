import { z } from 'zod';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type Strategy, type StrategySnapshot } from '../strategy.js';
import { CrossDetector, RollingMean } from './indicators.js';

const params = z
  .object({
    fast: z.number().int().min(1).max(1000).default(10).describe('Fast simple moving average period, in candles'),
    slow: z.number().int().min(2).max(5000).default(30).describe('Slow simple moving average period, in candles'),
    sizeQuote: decimalParam('Quote amount spent on each entry (market buy)', { default: '100' }),
  })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

type Params = z.output<typeof params>;

/**
 * Long-only trend following: buy when the fast SMA of closes crosses above the slow one, sell the whole
 * position when it crosses back below. Indicator state is incremental and the two possible answers are
 * built once, so a candle costs a few additions and no allocation.
 */
class SmaCrossover implements Strategy {
  readonly warmup: number;
  readonly #fast: RollingMean;
  readonly #slow: RollingMean;
  readonly #cross = new CrossDetector();
  readonly #enter: readonly Intent[];
  readonly #exit: readonly Intent[];
  #seen = 0;

  constructor(p: Params) {
    this.warmup = p.slow + 1;
    this.#fast = new RollingMean(p.fast);
    this.#slow = new RollingMean(p.slow);
    this.#enter = Object.freeze([
      Object.freeze({ kind: 'enter', side: 'long', size: Object.freeze({ quote: p.sizeQuote }), reason: 'fast SMA crossed above slow SMA' } as const),
    ]);
    this.#exit = Object.freeze([Object.freeze({ kind: 'exit', reason: 'fast SMA crossed below slow SMA' } as const)]);
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    const candles = s.candles;
    const last = candles.last;
    let signal = 0;
    // Normally one candle; more only if the runner skipped calls (catch up so the SMAs stay correct).
    for (let i = this.#seen; i <= last; i++) {
      const close = candles.close(i);
      signal = this.#cross.update(this.#fast.update(close), this.#slow.update(close));
    }
    this.#seen = last + 1;
    if (signal === 0 || s.openOrders.length > 0) return NO_INTENTS;
    if (signal > 0 && s.position.side === 'flat') return this.#enter;
    if (signal < 0 && s.position.side === 'long') return this.#exit;
    return NO_INTENTS;
  }
}

export const smaCrossover = defineStrategy({
  id: 'sma-crossover',
  name: 'SMA crossover',
  description: 'Buys when the fast simple moving average crosses above the slow one; sells everything when it crosses below.',
  params,
  warmup: (p) => p.slow + 1,
  create: (p) => new SmaCrossover(p),
});
