import path from 'node:path';
import { loadBacktestData, parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import type { BacktestRequestInput } from '../../../src/engine/backtest/config.js';
import { findBundledDir, type CandleSourceDeps } from '../../../src/engine/backtest/data-source.js';
import type { BacktestReport } from '../../../src/engine/backtest/report.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { makeTempDir } from '../../support/temp-system.js';

export const BUNDLED_FILE = 'XRP_USDT_USDT-1h-futures.csv';
export const BUNDLED = { source: 'bundled', file: BUNDLED_FILE } as const;
export const GOLDEN_DIR = path.join(import.meta.dirname, 'golden');

export function sourceDeps(): CandleSourceDeps {
  return { bundledDir: findBundledDir(), cacheDir: path.join(makeTempDir('cts-bt-cache-'), 'cache') };
}

/** Parses, loads and runs one backtest the way the service does, synchronously to the end. */
export async function backtest(input: Omit<BacktestRequestInput, 'data'> & { data?: BacktestRequestInput['data'] }, registry = new StrategyRegistry()): Promise<BacktestReport> {
  const { request, definition } = parseBacktestRequest({ data: BUNDLED, ...input }, registry);
  const data = await loadBacktestData(request, definition, sourceDeps());
  return runBacktestSync(request, definition, data);
}
