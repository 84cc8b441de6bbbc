import { z } from 'zod';
import { CrossDetector, RollingMean } from '../../../src/engine/strategies/indicators.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type StrategyDefinition, type StrategySnapshot } from '../../../src/engine/strategy.js';

/** What a scripted strategy saw at each candle it was asked about (its close, position and balance). */
export interface Seen {
  index: number;
  side: StrategySnapshot['position']['side'];
  quantity: string;
  fills: number;
  quote: StrategySnapshot['balance']['quote'];
  openOrders: number;
}

/**
 * Enters `side` with `sizeBase` at market at the close of candle `enterAt` (so it fills at the next
 * open) and exits at the close of `exitAt` (−1: never). Every snapshot is written to `log`.
 */
export function scripted(log: Seen[] = []): StrategyDefinition {
  const params = z
    .object({
      side: z.enum(['long', 'short']).default('short'),
      enterAt: z.number().int().min(0).default(0),
      exitAt: z.number().int().min(-1).default(-1),
      sizeBase: decimalParam('Amount entered, in base', { default: '1' }),
    })
    .strict();
  return defineStrategy({
    id: 'scripted',
    name: 'Scripted',
    description: 'Enters at one candle and exits at another (tests).',
    params,
    warmup: () => 1,
    create: (p) => ({
      warmup: 1,
      onCandle(s: StrategySnapshot): readonly Intent[] {
        const i = s.candles.last;
        log.push({ index: i, side: s.position.side, quantity: s.position.quantity, fills: s.fills.length, quote: s.balance.quote, openOrders: s.openOrders.length });
        if (i === p.enterAt) return [{ kind: 'enter', side: p.side, size: { base: p.sizeBase }, reason: `scripted ${p.side} entry` }];
        if (i === p.exitAt && s.position.side !== 'flat') return [{ kind: 'exit', reason: 'scripted exit' }];
        return NO_INTENTS;
      },
    }),
  });
}

/**
 * Short-biased trend following for perpetuals: short when the fast SMA crosses below the slow one,
 * cover when it crosses back above. Never long.
 */
export const smaShort = defineStrategy({
  id: 'sma-short',
  name: 'SMA short',
  description: 'Shorts when the fast SMA crosses below the slow one; covers when it crosses above (tests).',
  params: z
    .object({
      fast: z.number().int().min(1).default(5),
      slow: z.number().int().min(2).default(20),
      sizeQuote: decimalParam('Quote notional of each short', { default: '100' }),
    })
    .strict(),
  warmup: (p) => p.slow + 1,
  create: (p) => {
    const fast = new RollingMean(p.fast);
    const slow = new RollingMean(p.slow);
    const cross = new CrossDetector();
    let seen = 0;
    return {
      warmup: p.slow + 1,
      onCandle(s: StrategySnapshot): readonly Intent[] {
        let signal = 0;
        for (let i = seen; i <= s.candles.last; i++) signal = cross.update(fast.update(s.candles.close(i)), slow.update(s.candles.close(i)));
        seen = s.candles.last + 1;
        if (signal === 0 || s.openOrders.length > 0) return NO_INTENTS;
        if (signal < 0 && s.position.side === 'flat') return [{ kind: 'enter', side: 'short', size: { quote: p.sizeQuote }, reason: 'fast SMA crossed below slow SMA' }];
        if (signal > 0 && s.position.side === 'short') return [{ kind: 'exit', reason: 'fast SMA crossed above slow SMA' }];
        return NO_INTENTS;
      },
    };
  },
});

export function registryWith(...definitions: StrategyDefinition[]): StrategyRegistry {
  return new StrategyRegistry([...BUILT_IN_STRATEGIES, ...definitions]);
}
