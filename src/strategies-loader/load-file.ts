import { createHash } from 'node:crypto';
import { SourceMap } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withWorkerSource } from '../engine/backtest/sweep-strategy-source.js';
import type { StrategyDefinition } from '../engine/strategy.js';
import { compileStrategyFile, type SdkModules } from './compile.js';
import { checkDefaultExport } from './definition-schema.js';
import { redactSecrets, type StrategyLoadProblem } from './load-problem.js';
import { workerSourceFor } from './worker-strategy.js';

export interface LoadedStrategyFile {
  readonly file: string;
  readonly definition: StrategyDefinition;
  /** 1-based line of the `id:` declaration (or the default export), for a later duplicate-id report. */
  readonly idLine?: number;
}

export type FileOutcome = { readonly ok: true; readonly loaded: LoadedStrategyFile } | { readonly ok: false; readonly problem: StrategyLoadProblem };

export interface LoadFileOptions {
  /** The strategies folder; reported file names are relative to it. */
  readonly dir: string;
  /** Where compiled modules are written before import (one file per distinct compiled text). */
  readonly outDir: string;
  readonly sdk: SdkModules;
  readonly secrets: readonly string[];
  /** A file still loading after this long (a top-level await that never settles) is reported, not waited for. Default 10 s. */
  readonly loadTimeoutMs?: number;
}

const LOAD_TIMEOUT_MS = 10_000;

/**
 * Compiles, imports and checks one strategy file. Every failure becomes a problem with the file and,
 * where the compiler or the stack knows it, the line in the user's file. Identical compiled text maps to
 * the same module file, so a reload re-runs only files that changed (ES modules cannot be unloaded).
 * The definition carries that module's URL, so sweep workers import the very same compiled text.
 */
export async function loadStrategyFile(file: string, o: LoadFileOptions): Promise<FileOutcome> {
  const name = path.relative(o.dir, file);
  const fail = (p: Omit<StrategyLoadProblem, 'file' | 'message'> & { message: string; file?: string }): FileOutcome => ({
    ok: false,
    problem: { ...p, file: p.file ?? name, message: redactSecrets(p.message, o.secrets) },
  });
  const compiled = await compileStrategyFile(file, o.sdk);
  if (!compiled.ok) {
    const { ok: _ok, file: where, ...rest } = compiled;
    return fail({ kind: 'compile', ...rest, ...(where ? { file: path.relative(o.dir, where) } : {}) });
  }
  const hash = createHash('sha256').update(compiled.compiled.code).digest('hex').slice(0, 16);
  const outFile = path.join(o.outDir, `${path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}.${hash}.mjs`);
  await mkdir(o.outDir, { recursive: true });
  const map = withAbsoluteSources(compiled.compiled.map, path.dirname(file));
  await writeFile(`${outFile}.map`, map);
  await writeFile(outFile, `${compiled.compiled.code}\n//# sourceMappingURL=${path.basename(outFile)}.map\n`);
  const moduleUrl = pathToFileURL(outFile).href;
  let namespace: Record<string, unknown>;
  try {
    namespace = await importWithin(moduleUrl, o.loadTimeoutMs ?? LOAD_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof LoadTimeout) return fail({ kind: 'load', message: error.message });
    const where = throwLocation(error, { outFile, map, dir: o.dir });
    return fail({ kind: 'load', message: `threw while loading: ${describeThrown(error)}`, ...where });
  }
  const source = await readFile(file, 'utf8');
  const checked = checkDefaultExport(namespace);
  const exportLine = lineOf(source, /^\s*export\s+default\b/m);
  if (!checked.ok) return fail({ kind: 'export', message: checked.message, ...(exportLine ? { line: exportLine } : {}) });
  const idLine = lineOf(source, new RegExp(`\\bid\\s*:\\s*['"\`]${escapeRegExp(checked.definition.id)}['"\`]`)) ?? exportLine;
  const definition = withWorkerSource(checked.definition, workerSourceFor(moduleUrl));
  return { ok: true, loaded: { file: name, definition, ...(idLine ? { idLine } : {}) } };
}

class LoadTimeout extends Error {}

async function importWithin(url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LoadTimeout(`did not finish loading within ${timeoutMs} ms (a top-level await that never settles?)`)), timeoutMs);
  });
  try {
    return (await Promise.race([import(url), timeout])) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
  }
}

/** esbuild writes sources relative to the source folder; the map lives elsewhere, so make them absolute. */
function withAbsoluteSources(mapText: string, sourceDir: string): string {
  const map = JSON.parse(mapText) as { sources?: string[] };
  map.sources = (map.sources ?? []).map((s) => path.resolve(sourceDir, s));
  return JSON.stringify(map);
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The first stack frame in the user's code: the compiled module (mapped back through its source map) or, when the runtime already mapped it, the source file. */
function throwLocation(error: unknown, c: { outFile: string; map: string; dir: string }): { file?: string; line?: number; column?: number } {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const consumer = new SourceMap(JSON.parse(c.map) as ConstructorParameters<typeof SourceMap>[0]);
  for (const match of stack.matchAll(/(?:file:\/\/)?(\/[^\s()]+?):(\d+):(\d+)/g)) {
    const [, framePath = '', lineText = '0', columnText = '0'] = match;
    const line = Number(lineText);
    const column = Number(columnText);
    if (framePath === c.outFile) {
      const entry = consumer.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalLine === undefined || entry.originalSource === undefined) continue;
      const original = entry.originalSource.replace(/^file:\/\//, '');
      return { file: path.relative(c.dir, original), line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
    }
    if (framePath.startsWith(`${c.dir}${path.sep}`)) return { file: path.relative(c.dir, framePath), line, column };
  }
  return {};
}

function lineOf(source: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(source);
  if (!match) return undefined;
  const offset = match.index + (match[0].length - match[0].trimStart().length);
  return source.slice(0, offset).split('\n').length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
