import { ValidationError } from '../../domain/errors.js';
import type { StrategySource } from '../../domain/strategy-catalog.js';
import type { StrategyDefinition } from '../strategy.js';
import { dca } from './dca.js';
import { grid } from './grid.js';
import { rsiMeanReversion } from './rsi-mean-reversion.js';
import { smaCrossover } from './sma-crossover.js';

export const BUILT_IN_STRATEGIES: readonly StrategyDefinition[] = Object.freeze([smaCrossover, rsiMeanReversion, grid, dca]);

export type { StrategySource } from '../../domain/strategy-catalog.js';

export interface RegisteredStrategy {
  readonly definition: StrategyDefinition;
  readonly source: StrategySource;
}

const BUILT_IN: StrategySource = Object.freeze({ kind: 'built-in' });

/**
 * The strategies an engine or a backtest may run: the fixed ones given by the composition root
 * (built-ins) plus the strategy files, swapped as one snapshot on reload. Engines and backtests look a
 * definition up when they start and keep it, so a reload never changes the code of a running engine.
 */
export class StrategyRegistry {
  readonly #fixed: ReadonlyMap<string, RegisteredStrategy>;
  #snapshot: ReadonlyMap<string, RegisteredStrategy>;

  constructor(definitions: readonly StrategyDefinition[] = BUILT_IN_STRATEGIES) {
    const fixed = new Map<string, RegisteredStrategy>();
    for (const definition of definitions) {
      if (fixed.has(definition.id)) throw new ValidationError(`Strategy id "${definition.id}" is registered twice`);
      fixed.set(definition.id, Object.freeze({ definition, source: BUILT_IN }));
    }
    this.#fixed = fixed;
    this.#snapshot = fixed;
  }

  /** True for an id the composition root registered (a file may not take it). */
  isFixed(id: string): boolean {
    return this.#fixed.has(id);
  }

  /**
   * Replaces every file strategy at once. The loader drops clashing files first; a clash here is a
   * bug, and the previous snapshot stays in force.
   */
  replaceFileStrategies(files: readonly { readonly definition: StrategyDefinition; readonly file: string }[]): void {
    const next = new Map(this.#fixed);
    for (const { definition, file } of files) {
      if (next.has(definition.id)) throw new ValidationError(`Strategy id "${definition.id}" of ${file} is already registered`);
      next.set(definition.id, Object.freeze({ definition, source: Object.freeze({ kind: 'file', file }) }));
    }
    this.#snapshot = next;
  }

  has(id: string): boolean {
    return this.#snapshot.has(id);
  }

  /** The definition, or a ValidationError listing the known ids (an unknown id is bad input). */
  get(id: string): StrategyDefinition {
    const entry = this.#snapshot.get(id);
    if (!entry) {
      throw new ValidationError(`Unknown strategy "${id}"; known: ${[...this.#snapshot.keys()].join(', ')}`, [
        { path: 'strategy', message: 'unknown strategy' },
      ]);
    }
    return entry.definition;
  }

  list(): StrategyDefinition[] {
    return [...this.#snapshot.values()].map((e) => e.definition);
  }

  /** The current snapshot with each definition's source: built-ins first, then files by name. */
  entries(): RegisteredStrategy[] {
    return [...this.#snapshot.values()];
  }
}
