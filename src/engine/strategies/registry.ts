import { ValidationError } from '../../domain/errors.js';
import type { StrategyDefinition } from '../strategy.js';
import { dca } from './dca.js';
import { grid } from './grid.js';
import { rsiMeanReversion } from './rsi-mean-reversion.js';
import { smaCrossover } from './sma-crossover.js';

export const BUILT_IN_STRATEGIES: readonly StrategyDefinition[] = Object.freeze([smaCrossover, rsiMeanReversion, grid, dca]);

/** The strategies an engine or a backtest may run; built by the composition root (built-ins plus any extra). */
export class StrategyRegistry {
  readonly #byId = new Map<string, StrategyDefinition>();

  constructor(definitions: readonly StrategyDefinition[] = BUILT_IN_STRATEGIES) {
    for (const definition of definitions) {
      if (this.#byId.has(definition.id)) throw new ValidationError(`Strategy id "${definition.id}" is registered twice`);
      this.#byId.set(definition.id, definition);
    }
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The definition, or a ValidationError listing the known ids (an unknown id is bad input). */
  get(id: string): StrategyDefinition {
    const definition = this.#byId.get(id);
    if (!definition) {
      throw new ValidationError(`Unknown strategy "${id}"; known: ${[...this.#byId.keys()].join(', ')}`, [
        { path: 'strategy', message: 'unknown strategy' },
      ]);
    }
    return definition;
  }

  list(): StrategyDefinition[] {
    return [...this.#byId.values()];
  }
}
