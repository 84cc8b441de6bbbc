// The complete example of docs/strategies.md, compiled and tested so the documentation cannot rot.
import { z } from 'zod';
import {
  NO_INTENTS,
  decimalParam,
  defineStrategy,
  type Intent,
  type Strategy,
  type StrategySnapshot,
} from '../../../src/engine/strategy.js';

const params = z.object({
  lookback: z.number().int().min(2).max(1000).default(20).describe('Candles in the breakout range'),
  sizeQuote: decimalParam('Quote amount spent on each entry', { default: '100' }),
  stopPct: z.number().gt(0).lt(100).default(2).describe('Exit when the close falls this many % below the entry'),
});

class Breakout implements Strategy {
  readonly warmup: number;
  readonly #p: z.output<typeof params>;

  constructor(p: z.output<typeof params>) {
    this.#p = p;
    this.warmup = p.lookback + 1;
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    const c = s.candles;
    const now = c.last; // the current candle; c.close(now + 1) would throw
    if (c.length < this.warmup || s.openOrders.length > 0) return NO_INTENTS;
    if (s.position.side === 'flat') {
      let highest = -Infinity;
      for (let i = now - this.#p.lookback; i < now; i++) highest = Math.max(highest, c.high(i));
      if (c.close(now) <= highest) return NO_INTENTS;
      return [{ kind: 'enter', side: 'long', size: { quote: this.#p.sizeQuote }, reason: `close above the ${this.#p.lookback}-candle high` }];
    }
    const entry = Number(s.position.averageEntryPrice);
    if (c.close(now) < entry * (1 - this.#p.stopPct / 100)) return [{ kind: 'exit', reason: 'stop' }];
    return NO_INTENTS;
  }
}

export const breakout = defineStrategy({
  id: 'breakout',
  name: 'Breakout',
  description: 'Buys when the close breaks above the highest high of the last N candles; exits on a stop below the entry.',
  params,
  warmup: (p) => p.lookback + 1,
  create: (p) => new Breakout(p),
});
