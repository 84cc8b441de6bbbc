import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineDescription, ROOT, type BenchRow } from './support.js';

/**
 * Runs every benchmark, prints one table, and rewrites docs/benchmarks.md. Benchmarks measure; they
 * never fail the build. A suite whose module is missing is reported as not run.
 */
const SUITES: { name: string; file: string; exportName: string }[] = [
  { name: 'HTTP API', file: 'api.bench.ts', exportName: 'benchApi' },
  { name: 'rate limiter', file: 'ratelimit.bench.ts', exportName: 'benchRateLimit' },
  { name: 'batch test', file: 'batch.bench.ts', exportName: 'benchBatch' },
  { name: 'backtest', file: 'backtest.bench.ts', exportName: 'benchBacktest' },
  { name: 'engine', file: 'engine.bench.ts', exportName: 'benchEngine' },
];

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  for (const suite of SUITES) {
    const file = path.join(ROOT, 'bench', suite.file);
    if (!existsSync(file)) {
      rows.push({ group: suite.name, name: 'not run', value: '—', note: `${suite.file} not present in this build` });
      continue;
    }
    const mod = (await import(file)) as Record<string, unknown>;
    const fn = mod[suite.exportName];
    if (typeof fn !== 'function') throw new Error(`${suite.file} must export ${suite.exportName}()`);
    process.stderr.write(`running ${suite.name}…\n`);
    rows.push(...((await (fn as () => Promise<BenchRow[]>)()) as BenchRow[]));
  }
  console.table(rows.map((r) => ({ group: r.group, name: r.name, value: r.value, target: r.target ?? '', met: r.met === undefined ? '' : r.met ? 'yes' : 'NO' })));
  writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), render(rows));
  process.stderr.write('wrote docs/benchmarks.md\n');
}

function render(rows: BenchRow[]): string {
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (it builds first). Figures are from one run on the machine below; they are',
    'measurements, not tests: CI never fails on them.',
    '',
    `Machine: ${machineDescription()}. Run: ${new Date().toISOString()}.`,
    '',
    '| group | measure | value | target | met |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.group} | ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.value} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`),
    '',
  ];
  return lines.join('\n');
}

await main();
