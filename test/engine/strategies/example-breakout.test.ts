import { describe, expect, it } from 'vitest';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { breakout } from './example-breakout.js';
import { StrategyHarness, candlesFromCloses } from './harness.js';

describe('the documented example strategy', () => {
  it('registers next to the built-ins and trades a breakout, then its stop', () => {
    const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, breakout]);
    const strategy = registry.get('breakout').create({ lookback: 3, stopPct: 5 });
    const harness = new StrategyHarness(strategy, candlesFromCloses([10, 11, 10, 10.5, 12, 12, 11.5, 11]));
    const long = { side: 'long' as const, quantity: '1', averageEntryPrice: '12' };
    const results = [0, 1, 2, 3, 4].map(() => harness.step()).concat([5, 6, 7].map(() => harness.step({ position: long })));
    expect(results.map((r) => r[0]?.kind ?? '-')).toEqual(['-', '-', '-', '-', 'enter', '-', '-', 'exit']);
    expect(() => registry.get('breakout').create({ lookback: 1 })).toThrow(/params.lookback/);
    expect(() => new StrategyRegistry([...BUILT_IN_STRATEGIES, breakout, breakout])).toThrow(/registered twice/);
  });
});
