import type { StrategyDefinition } from '../strategy.js';

/**
 * How a sweep worker gets a strategy that a fresh worker thread does not know (one loaded at run time,
 * e.g. from a strategy file): two module URLs, never code. The worker imports `loader` and calls its
 * `loadWorkerStrategy(module, id)`, which imports the same compiled module the server imported and
 * checks its default export the same way. The engine only knows this shape; whoever registers such a
 * strategy (the strategy-file loader) supplies both URLs.
 */
export interface WorkerModuleSource {
  /** URL of a module exporting `loadWorkerStrategy` (see WorkerStrategyLoader). */
  readonly loader: string;
  /** URL of the module whose default export is the definition. */
  readonly module: string;
}

/** The export a WorkerModuleSource's `loader` module must have. Rejects when the module is not that strategy. */
export type WorkerStrategyLoader = (moduleUrl: string, id: string) => Promise<StrategyDefinition>;

const WORKER_SOURCE = Symbol('cts.sweep.workerSource');

type WithSource = StrategyDefinition & { readonly [WORKER_SOURCE]?: WorkerModuleSource };

/**
 * The same definition, marked with where a worker thread loads it. The mark sits on an object whose
 * prototype is the definition, so everything the definition has (own or inherited) stays reachable.
 */
export function withWorkerSource(definition: StrategyDefinition, source: WorkerModuleSource): StrategyDefinition {
  const marked = Object.create(definition, { [WORKER_SOURCE]: { value: Object.freeze({ ...source }) } }) as StrategyDefinition;
  return Object.freeze(marked);
}

/** Where a worker thread loads this definition, if it was marked; built-ins need no mark. */
export function workerSourceOf(definition: StrategyDefinition): WorkerModuleSource | undefined {
  return (definition as WithSource)[WORKER_SOURCE];
}
