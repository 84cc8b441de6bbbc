import { RSI } from 'trading-signals';
import { z } from 'zod';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type Strategy, type StrategySnapshot } from '../strategy.js';

const params = z
  .object({
    period: z.number().int().min(2).max(500).default(14).describe('RSI period, in candles (Wilder smoothing)'),
    oversold: z.number().min(0).max(100).default(30).describe('Buy when RSI falls below this level'),
    overbought: z.number().min(0).max(100).default(70).describe('Sell everything when RSI rises above this level'),
    sizeQuote: decimalParam('Quote amount spent on each entry (market buy)', { default: '100' }),
  })
  .strict()
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });

type Params = z.output<typeof params>;

/** Long-only mean reversion on the RSI of closes (trading-signals' RSI, fed one close per candle). */
class RsiMeanReversion implements Strategy {
  readonly warmup: number;
  readonly #rsi: RSI;
  readonly #p: Params;
  readonly #enter: readonly Intent[];
  readonly #exit: readonly Intent[];
  #seen = 0;

  constructor(p: Params) {
    this.#p = p;
    this.#rsi = new RSI(p.period);
    this.warmup = this.#rsi.getRequiredInputs();
    this.#enter = Object.freeze([
      Object.freeze({ kind: 'enter', side: 'long', size: Object.freeze({ quote: p.sizeQuote }), reason: `RSI below ${p.oversold}` } as const),
    ]);
    this.#exit = Object.freeze([Object.freeze({ kind: 'exit', reason: `RSI above ${p.overbought}` } as const)]);
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    const candles = s.candles;
    const last = candles.last;
    for (let i = this.#seen; i <= last; i++) this.#rsi.add(candles.close(i));
    this.#seen = last + 1;
    const rsi = this.#rsi.getResult();
    if (rsi === null || s.openOrders.length > 0) return NO_INTENTS;
    if (rsi < this.#p.oversold && s.position.side === 'flat') return this.#enter;
    if (rsi > this.#p.overbought && s.position.side === 'long') return this.#exit;
    return NO_INTENTS;
  }
}

export const rsiMeanReversion = defineStrategy({
  id: 'rsi-mean-reversion',
  name: 'RSI mean reversion',
  description: 'Buys when the RSI is oversold and sells the whole position when it is overbought.',
  params,
  warmup: (p) => p.period + 1,
  create: (p) => new RsiMeanReversion(p),
});
