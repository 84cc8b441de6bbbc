import { CtsError, ValidationError } from '../domain/errors.js';
import { createRunner, loadBacktestData, parseBacktestRequest, withDataFacts } from '../engine/backtest/backtest.js';
import { parseCliArgs, withPerpetualFiles, CLI_USAGE, type CliOptions } from './backtest-args.js';
import { formatMultiPairReport, formatReport, formatSweep, progressBar } from './backtest-format.js';
import { createMultiPairRunner, isMultiPair, loadMultiPairData, withPairDataFacts } from '../engine/backtest/multi-pair.js';
import { buildMultiPairReport } from '../engine/backtest/multi-report.js';
import { sweepRequestSchema } from '../engine/backtest/config.js';
import { findBundledDir, type AnySource, type CandleSourceDeps } from '../engine/backtest/data-source.js';
import { buildReport } from '../engine/backtest/report.js';
import { runSweep } from '../engine/backtest/sweep.js';
import path from 'node:path';
import { StrategyRegistry } from '../engine/strategies/registry.js';
import { resolveStrategiesDir } from '../config/config.js';
import { formatProblem } from '../strategies-loader/load-problem.js';
import { StrategyFilesService } from '../strategies-loader/strategy-files.service.js';
import type { BacktestRequest } from '../engine/backtest/config.js';
import type { StrategyDefinition } from '../engine/strategy.js';

/**
 * `npm run backtest -- --strategy sma-crossover --data data/XRP_USDT_USDT-1h-futures.csv --fast 10 --slow 30`
 * Same request, validation, runner and report as the API. Progress goes to stderr (only on a TTY), the
 * summary or `--json` to stdout. Exit codes: 0 done, 2 bad input (with what to fix), 1 anything else.
 */

const SLICE = 100_000;

async function main(argv: string[]): Promise<number> {
  const registry = new StrategyRegistry();
  const files = new StrategyFilesService({ dir: resolveStrategiesDir(), registry });
  try {
    return await run(argv, registry, files);
  } finally {
    await files.close();
  }
}

/** The strategy files (CTS_STRATEGIES_DIR, default data/strategies) sit beside the built-ins; files that fail are listed on stderr. */
async function run(argv: string[], registry: StrategyRegistry, files: StrategyFilesService): Promise<number> {
  const catalog = await files.reload();
  for (const p of catalog.problems) process.stderr.write(`Strategy file not loaded: ${formatProblem(p)}\n`);
  const options = parseCliArgs(argv, registry);
  if (options.help) return print(CLI_USAGE);
  if (options.list) return print(listStrategies(registry));
  const bundledDir = findBundledDir();
  const deps: CandleSourceDeps = { bundledDir, cacheDir: path.join(bundledDir, 'cache') };
  return options.sweep ? sweep(options, registry, deps) : single(options, registry, deps);
}

async function single(options: CliOptions, registry: StrategyRegistry, deps: CandleSourceDeps): Promise<number> {
  const { request, definition } = parseBacktestRequest(withData(options), registry);
  if (isMultiPair(request)) return multiPair(options, request, definition, deps);
  const data = await loadBacktestData(request, definition, deps, source(options));
  const runner = createRunner(request, definition, data);
  const bar = progress('candles');
  while (!runner.advance(SLICE)) bar(runner.progress.done, runner.progress.total);
  bar(runner.progress.done, runner.progress.total, true);
  const report = withDataFacts(buildReport(runner.outcome(), request.equityPoints), data);
  return print(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
}

async function multiPair(options: CliOptions, request: BacktestRequest, definition: StrategyDefinition, deps: CandleSourceDeps): Promise<number> {
  const data = await loadMultiPairData(request, definition, deps, options.dataPaths);
  const runner = createMultiPairRunner(request, definition, data);
  const bar = progress('steps');
  while (!runner.advance(SLICE)) bar(runner.progress.done, runner.progress.total);
  bar(runner.progress.done, runner.progress.total, true);
  const report = withPairDataFacts(buildMultiPairReport(runner.outcome(), request.equityPoints), data);
  return print(options.json ? JSON.stringify(report, null, 2) : formatMultiPairReport(report));
}

async function sweep(options: CliOptions, registry: StrategyRegistry, deps: CandleSourceDeps): Promise<number> {
  const parsed = sweepRequestSchema.safeParse({ ...withData(options), grid: options.sweep });
  if (!parsed.success) {
    throw new ValidationError('Invalid sweep', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })));
  }
  const request = parsed.data;
  const definition = registry.get(request.strategy);
  const data = await loadBacktestData(request, definition, deps, source(options), maxWarmup(request.grid, request.params, definition));
  const bar = progress('combinations');
  const result = await runSweep(request, definition, data, { onProgress: (done, total) => bar(done, total, done === total) });
  return print(options.json ? JSON.stringify(result, null, 2) : formatSweep(result));
}

/** The request needs a data source to validate; a local file is loaded separately (never sent as a path). */
function withData(options: CliOptions): Record<string, unknown> {
  const request = withPerpetualFiles(options.request, options);
  // Several local files stand in as their names for validation; loadMultiPairData reads the paths.
  if (options.dataPaths.length > 1) return { ...request, data: { source: 'bundled', files: options.dataPaths.map((p) => path.basename(p)) } };
  return options.dataPath ? { ...request, data: { source: 'csv', csv: '(local file)' } } : request;
}

function source(options: CliOptions): AnySource | undefined {
  return options.dataPath ? { source: 'file', path: options.dataPath } : undefined;
}

function maxWarmup(grid: Record<string, unknown[]>, base: Record<string, unknown>, definition: { warmup(p: unknown): number }): number {
  let warmup = 0;
  const combos = Object.entries(grid).reduce<Record<string, unknown>[]>((acc, [k, vs]) => acc.flatMap((c) => vs.map((v) => ({ ...c, [k]: v }))), [{ ...base }]);
  for (const params of combos) {
    try {
      warmup = Math.max(warmup, definition.warmup(params));
    } catch {
      // refused combinations are listed by the sweep
    }
  }
  return warmup;
}

/** A progress bar on stderr, redrawn at most every 100 ms, only when stderr is a terminal. */
function progress(unit: string): (done: number, total: number, last?: boolean) => void {
  let drawn = 0;
  return (done, total, last = false) => {
    if (!process.stderr.isTTY) return;
    const now = Date.now();
    if (!last && now - drawn < 100) return;
    drawn = now;
    process.stderr.write(`\r${progressBar(done, total, unit)}${last ? '\n' : ''}`);
  };
}

function listStrategies(registry: StrategyRegistry): string {
  return registry
    .entries()
    .map(({ definition: d, source }) => [`${d.id}${source.kind === 'file' ? ` (${source.file})` : ''} — ${d.description}`, ...d.describeParams().map((p) => `  --${p.name} <${p.type}>  ${p.description} (default ${JSON.stringify(p.default)})`)].join('\n'))
    .join('\n\n');
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function describeError(error: unknown): { text: string; code: number } {
  if (error instanceof ValidationError) {
    const fields = error.fields.length > 1 || (error.fields[0] && !error.message.includes(error.fields[0].message)) ? error.fields.map((f) => `  ${f.path}: ${f.message}`) : [];
    return { text: [`Error: ${error.message}`, ...fields, '', 'See --help.'].join('\n'), code: 2 };
  }
  if (error instanceof CtsError) return { text: `Error: ${error.message}`, code: 2 };
  return { text: `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, code: 1 };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { text, code } = describeError(error);
    process.stderr.write(`${text}\n`);
    process.exitCode = code;
  },
);
