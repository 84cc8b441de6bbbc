import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBacktestData } from '../../../src/engine/backtest/backtest.js';
import { sweepRequestSchema, type SweepRequest } from '../../../src/engine/backtest/config.js';
import type { PreparedData } from '../../../src/engine/backtest/data-source.js';
import { runSweep } from '../../../src/engine/backtest/sweep.js';
import { workerSourceOf, withWorkerSource } from '../../../src/engine/backtest/sweep-strategy-source.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { StrategyDefinition } from '../../../src/engine/strategy.js';
import { StrategyFilesService } from '../../../src/strategies-loader/strategy-files.service.js';
import { strategyTemplate } from '../../../src/strategies-loader/template.js';
import { loadWorkerStrategy } from '../../../src/strategies-loader/worker-strategy.js';
import { StrategyFolder } from '../../strategies-loader/strategy-files.js';
import { BUNDLED, sourceDeps } from './support.js';

/** The template with its signal inverted: same id and params, different trades. */
const inverted = (id: string): string => strategyTemplate(id).replace('s.candles.close(i) > average', 's.candles.close(i) < average');

describe('sweeps of a strategy file', () => {
  const folder = new StrategyFolder();
  const registry = new StrategyRegistry();
  const files = new StrategyFilesService({ dir: folder.dir, registry });
  let request: SweepRequest;
  let data: PreparedData;

  /** The definition the file's compiled module exports, without the loader's worker mark: no worker can load it. */
  const unmarked = async (definition: StrategyDefinition): Promise<StrategyDefinition> => {
    const source = workerSourceOf(definition);
    if (!source) throw new Error('the loader did not mark the definition');
    return loadWorkerStrategy(source.module, definition.id);
  };

  beforeAll(async () => {
    folder.write('my-idea.ts', strategyTemplate('my-idea'));
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([]);
    request = sweepRequestSchema.parse({ strategy: 'my-idea', data: BUNDLED, grid: { period: [5, 8, 13, 21, 34, 55] }, rank: 'netProfit', workers: 2 });
    data = await loadBacktestData(request, registry.get('my-idea'), sourceDeps(), request.data, 56);
  });

  afterAll(async () => {
    await files.close();
    folder.remove();
  });

  it('runs on worker threads and gives exactly the rows of the same sweep run in process', async () => {
    const onWorkers = await runSweep(request, registry.get('my-idea'), data);
    expect(onWorkers).toMatchObject({ ranOn: 'worker-threads', workers: 2, combinations: 6, failed: [], invalid: [] });
    expect(onWorkers.workerProblem).toBeUndefined();
    const inProcess = await runSweep(request, await unmarked(registry.get('my-idea')), data);
    expect(inProcess).toMatchObject({ ranOn: 'in-process', workers: 1 });
    expect(onWorkers.results).toHaveLength(6);
    expect(onWorkers.results).toEqual(inProcess.results);
    // The sweep is not trivially equal: the combinations trade differently.
    expect(new Set(onWorkers.results.map((r) => r.metrics.netProfit)).size).toBeGreaterThan(1);
  });

  it('keeps the code it started with when the file changes and is reloaded during the sweep', async () => {
    const v1 = registry.get('my-idea');
    const expected = await runSweep(request, await unmarked(v1), data);
    const running = runSweep(request, v1, data);
    folder.write('my-idea.ts', inverted('my-idea'));
    const reloaded = await files.reload();
    expect(reloaded.problems).toEqual([]);
    const v2 = registry.get('my-idea');
    expect(workerSourceOf(v2)?.module).not.toBe(workerSourceOf(v1)?.module);
    const result = await running;
    expect(result.ranOn).toBe('worker-threads');
    expect(result.results).toEqual(expected.results);
    // The reloaded version is really different, so the equality above says which code ran.
    const changed = await runSweep(request, v2, data);
    expect(changed.ranOn).toBe('worker-threads');
    expect(changed.results).not.toEqual(expected.results);
    folder.write('my-idea.ts', strategyTemplate('my-idea'));
    await files.reload();
  });

  it('falls back to this thread, yielding to the event loop between combinations, when no worker can load the strategy', async () => {
    const v1 = registry.get('my-idea');
    const source = workerSourceOf(v1);
    if (!source) throw new Error('the loader did not mark the definition');
    const broken = withWorkerSource(await unmarked(v1), { loader: source.loader, module: `${source.module}.missing.mjs` });
    let doneWhenTheLoopRan: number | null = null;
    let done = 0;
    const sweep = runSweep(request, broken, data, { onProgress: (d) => (done = d) });
    // Scheduled after the workers were asked to start: it runs before the sweep ends only if the sweep yields.
    const poll = setInterval(() => {
      if (done > 0 && doneWhenTheLoopRan === null) doneWhenTheLoopRan = done;
    }, 0);
    const result = await sweep;
    clearInterval(poll);
    expect(result.ranOn).toBe('in-process');
    expect(result.workerProblem).toMatch(/missing\.mjs/);
    const expected = await runSweep(request, await unmarked(v1), data);
    expect(result.results).toEqual(expected.results);
    expect(doneWhenTheLoopRan).not.toBeNull();
    expect(doneWhenTheLoopRan).toBeLessThan(6);
  });

  it('gives up on workers that never finish loading the module, whether their thread stays busy or stops', async () => {
    const v1 = await unmarked(registry.get('my-idea'));
    const source = workerSourceOf(registry.get('my-idea'));
    if (!source) throw new Error('the loader did not mark the definition');
    // Outside the strategies folder: these are no strategy files.
    const elsewhere = new StrategyFolder();
    const stalls = elsewhere.write('stalls.mjs', 'await new Promise(() => {});\nexport default null;\n');
    const busy = elsewhere.write('busy.mjs', 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default null;\n');
    const expected = await runSweep(request, v1, data);
    for (const file of [stalls, busy]) {
      const marked = withWorkerSource(v1, { loader: source.loader, module: pathToFileURL(file).href });
      const result = await runSweep(request, marked, data, { workerStartTimeoutMs: 3_000 });
      expect(result.ranOn, file).toBe('in-process');
      expect(result.workerProblem, file).toMatch(/stopped|did not load the strategy within 3000 ms/);
      expect(result.results).toEqual(expected.results);
    }
    elsewhere.remove();
  });
});
