import type { WorkerModuleSource, WorkerStrategyLoader } from '../engine/backtest/sweep-strategy-source.js';
import type { StrategyDefinition } from '../engine/strategy.js';
import { checkDefaultExport } from './definition-schema.js';

/**
 * Runs inside a sweep worker: imports the compiled module the server loaded (by URL, the very file, so
 * a reload that compiled a newer version elsewhere does not change it) and applies the server's check.
 */
export const loadWorkerStrategy: WorkerStrategyLoader = async (moduleUrl: string, id: string): Promise<StrategyDefinition> => {
  const namespace = (await import(moduleUrl)) as Record<string, unknown>;
  const checked = checkDefaultExport(namespace);
  if (!checked.ok) throw new Error(`The compiled strategy module ${checked.message}`);
  if (checked.definition.id !== id) throw new Error(`The compiled strategy module declares id "${checked.definition.id}", not "${id}"`);
  return checked.definition;
};

/** Where a sweep worker loads the strategy compiled to `moduleUrl`: through this module. */
export function workerSourceFor(moduleUrl: string): WorkerModuleSource {
  return { loader: import.meta.url, module: moduleUrl };
}
