import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineDescription, ROOT, type BenchRow } from './support.js';

/**
 * Runs every benchmark (or those named in BENCH_SUITES), prints one table, and rewrites
 * docs/benchmarks.md. Benchmarks measure; they never fail the build. A suite whose module is missing
 * is reported as not run.
 */
const SUITES: { name: string; file: string; exportName: string }[] = [
  { name: 'HTTP API', file: 'api.bench.ts', exportName: 'benchApi' },
  { name: 'rate limiter', file: 'ratelimit.bench.ts', exportName: 'benchRateLimit' },
  { name: 'batch test', file: 'batch.bench.ts', exportName: 'benchBatch' },
  { name: 'backtest', file: 'backtest.bench.ts', exportName: 'benchBacktest' },
  { name: 'engine', file: 'engine.bench.ts', exportName: 'benchEngine' },
  { name: 'streaming', file: 'streaming.bench.ts', exportName: 'benchStreaming' },
];

const DOC = path.join(ROOT, 'docs/benchmarks.md');
const TABLE_HEAD = ['| group | measure | value | target | met |', '|---|---|---|---|---|'];

/** BENCH_SUITES=streaming,engine: suites by name or file stem (`api` for api.bench.ts); all when unset. */
function selectedSuites(spec: string | undefined): { suites: typeof SUITES; filter: string | null } {
  const wanted = (spec ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (wanted.length === 0) return { suites: SUITES, filter: null };
  const stem = (file: string): string => file.replace(/\.bench\.ts$/, '');
  const unknown = wanted.filter((w) => !SUITES.some((s) => s.name.toLowerCase() === w || stem(s.file) === w));
  if (unknown.length > 0) {
    throw new Error(`Unknown BENCH_SUITES entries: ${unknown.join(', ')}; known: ${SUITES.map((s) => `${stem(s.file)} ("${s.name}")`).join(', ')}`);
  }
  return { suites: SUITES.filter((s) => wanted.includes(s.name.toLowerCase()) || wanted.includes(stem(s.file))), filter: wanted.join(',') };
}

async function main(): Promise<void> {
  const { suites, filter } = selectedSuites(process.env.BENCH_SUITES);
  const rows: BenchRow[] = [];
  for (const suite of suites) {
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
  const previous = filter !== null && existsSync(DOC) ? readFileSync(DOC, 'utf8') : null;
  writeFileSync(DOC, render(rows, filter, previous));
  process.stderr.write('wrote docs/benchmarks.md\n');
}

function rowLine(r: BenchRow): string {
  return `| ${r.group} | ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.value} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`;
}

/**
 * The table's lines. A filtered run keeps the previous file's rows of every group it did not run, in
 * their places; each group it ran replaces that group's old rows where they stood (a new group goes last).
 */
export function mergeRows(rows: readonly BenchRow[], previous: string | null): string[] {
  const fresh = new Map<string, string[]>();
  for (const r of rows) fresh.set(r.group, [...(fresh.get(r.group) ?? []), rowLine(r)]);
  if (previous === null) return rows.map(rowLine);
  const lines: string[] = [];
  const placed = new Set<string>();
  for (const line of tableRows(previous)) {
    const group = line.split('|')[1]?.trim() ?? '';
    const replacement = fresh.get(group);
    if (!replacement) lines.push(line);
    else if (!placed.has(group)) {
      lines.push(...replacement);
      placed.add(group);
    }
  }
  for (const [group, replacement] of fresh) if (!placed.has(group)) lines.push(...replacement);
  return lines;
}

/** The body rows of the previous file's table (between its header and the first non-table line). */
function tableRows(doc: string): string[] {
  const all = doc.split('\n');
  const start = all.indexOf(TABLE_HEAD[1] as string);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of all.slice(start + 1)) {
    if (!line.startsWith('|')) break;
    out.push(line);
  }
  return out;
}

/** When and where the rows a filtered run keeps were measured: the last full run, carried from file to file. */
function keptFrom(previous: string | null): string | null {
  if (previous === null) return null;
  const carried = /the other rows are from the run of ([^)]+)\)/.exec(previous)?.[1];
  if (carried !== undefined) return carried;
  const full = /Machine: (.+)\. Run: (\d{4}-\d\d-\d\dT[\d:.]+Z)\./.exec(previous);
  return full ? `${full[2]} on ${full[1]}` : null;
}

export function render(rows: BenchRow[], filter: string | null, previous: string | null): string {
  const now = new Date().toISOString();
  const kept = filter === null ? null : keptFrom(previous);
  const run = filter === null ? `Run: ${now}.` : `Run: ${now} (BENCH_SUITES=${filter}: only those suites ran; the other rows are from the run of ${kept ?? 'an earlier file'}).`;
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (it builds first). Figures are from one run on the machine below; they are',
    'measurements, not tests: CI never fails on them. `BENCH_SUITES=streaming,engine npm run bench` runs only',
    `the suites named (by name or file stem: ${SUITES.map((s) => s.file.replace(/\.bench\.ts$/, '')).join(', ')}) and replaces`,
    "only their groups' rows here, keeping the other rows of the previous file; the line below then says",
    'which run and machine those come from.',
    '',
    `Machine: ${machineDescription()}. ${run}`,
    '',
    ...TABLE_HEAD,
    ...(filter === null ? rows.map(rowLine) : mergeRows(rows, previous)),
    '',
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
