import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { defineStrategy, NO_INTENTS } from '../../../src/engine/strategy.js';
import { z } from 'zod';

const make = (id: string, name = id) =>
  defineStrategy({ id, name, description: '', params: z.object({}), warmup: () => 1, create: () => ({ warmup: 1, onCandle: () => NO_INTENTS }) });

describe('StrategyRegistry snapshots', () => {
  it('swaps the file strategies as one snapshot and keeps the built-ins fixed', () => {
    const registry = new StrategyRegistry();
    const first = make('mine', 'first');
    registry.replaceFileStrategies([{ definition: first, file: 'mine.ts' }]);
    const resolved = registry.get('mine');
    registry.replaceFileStrategies([{ definition: make('mine', 'second'), file: 'mine.ts' }, { definition: make('other'), file: 'other.ts' }]);
    expect(resolved).toBe(first); // what a started engine holds is unchanged
    expect(registry.get('mine').name).toBe('second');
    expect(registry.entries().map((e) => [e.definition.id, e.source])).toEqual([
      ...BUILT_IN_STRATEGIES.map((d) => [d.id, { kind: 'built-in' }]),
      ['mine', { kind: 'file', file: 'mine.ts' }],
      ['other', { kind: 'file', file: 'other.ts' }],
    ]);
    registry.replaceFileStrategies([]);
    expect(registry.has('mine')).toBe(false);
    expect(() => registry.get('mine')).toThrow(/Unknown strategy "mine"; known: sma-crossover/);
  });

  it('refuses a file strategy taking a fixed id or a duplicate, and keeps the previous snapshot', () => {
    const registry = new StrategyRegistry();
    registry.replaceFileStrategies([{ definition: make('kept'), file: 'kept.ts' }]);
    expect(() => registry.replaceFileStrategies([{ definition: make('grid'), file: 'grid.ts' }])).toThrow(ValidationError);
    expect(() => registry.replaceFileStrategies([{ definition: make('a'), file: 'a.ts' }, { definition: make('a'), file: 'b.ts' }])).toThrow(/of b\.ts is already registered/);
    expect(registry.has('kept')).toBe(true);
    expect(registry.has('a')).toBe(false);
    expect(registry.isFixed('grid')).toBe(true);
    expect(registry.isFixed('kept')).toBe(false);
  });
});
