import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StrategyCatalog } from '../domain/strategy-catalog.js';
import type { StrategyRegistry } from '../engine/strategies/registry.js';
import { loadStrategyFile, type LoadedStrategyFile } from './load-file.js';
import { formatProblem, type StrategyLoadProblem } from './load-problem.js';
import { sdkModules } from './sdk-modules.js';

export type { StrategyCatalog } from '../domain/strategy-catalog.js';

/** The part of a pino logger this service writes to. */
export interface StrategyLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface StrategyFilesOptions {
  readonly dir: string;
  readonly registry: StrategyRegistry;
  /** Values that must never appear in a reported problem (master key, admin token, database URLs). */
  readonly secrets?: readonly string[];
  readonly log?: StrategyLog;
  readonly now?: () => number;
  /** Per file; see LoadFileOptions.loadTimeoutMs. */
  readonly loadTimeoutMs?: number;
}

const STRATEGY_FILE = /\.(ts|mts|js|mjs)$/;

/**
 * Loads the strategies folder into the registry, at start and on demand. Only top-level `.ts`, `.mts`,
 * `.js` and `.mjs` files are strategies (subfolders hold their helpers). A file that fails is reported
 * and left out; it never stops the others or the server. Reloads run one at a time.
 */
export class StrategyFilesService {
  readonly #o: StrategyFilesOptions;
  #outDir: Promise<string> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #problems: readonly StrategyLoadProblem[] = [];
  #directoryExists = false;
  #loadedAt: string | null = null;

  constructor(options: StrategyFilesOptions) {
    this.#o = options;
  }

  get directory(): string {
    return this.#o.dir;
  }

  /** Reloads every file and swaps the registry's file strategies in one step; running engines keep theirs. */
  reload(): Promise<StrategyCatalog> {
    const run = this.#queue.then(() => this.#reloadNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  catalog(): StrategyCatalog {
    return {
      directory: this.#o.dir,
      directoryExists: this.#directoryExists,
      loadedAt: this.#loadedAt,
      strategies: this.#o.registry.entries().map(({ definition: d, source }) => ({
        id: d.id,
        name: d.name,
        description: d.description,
        params: d.describeParams(),
        source,
      })),
      problems: this.#problems,
    };
  }

  /** Removes the compiled modules written by this process. */
  async close(): Promise<void> {
    const dir = await this.#outDir?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  async #reloadNow(): Promise<StrategyCatalog> {
    const problems: StrategyLoadProblem[] = [];
    const files = await this.#listFiles(problems);
    const loaded: LoadedStrategyFile[] = [];
    if (files.length > 0) {
      const outDir = await (this.#outDir ??= mkdtemp(path.join(os.tmpdir(), 'cts-strategies-')));
      const options = {
        dir: this.#o.dir,
        outDir,
        sdk: sdkModules(),
        secrets: this.#o.secrets ?? [],
        ...(this.#o.loadTimeoutMs === undefined ? {} : { loadTimeoutMs: this.#o.loadTimeoutMs }),
      };
      for (const file of files) {
        const outcome = await loadStrategyFile(path.join(this.#o.dir, file), options);
        if (outcome.ok) loaded.push(outcome.loaded);
        else problems.push(outcome.problem);
      }
    }
    const accepted = this.#withoutClashes(loaded, problems);
    this.#o.registry.replaceFileStrategies(accepted.map((l) => ({ definition: l.definition, file: l.file })));
    this.#problems = Object.freeze(problems.sort((a, b) => a.file.localeCompare(b.file)));
    this.#loadedAt = new Date((this.#o.now ?? Date.now)()).toISOString();
    this.#report(accepted, problems);
    return this.catalog();
  }

  async #listFiles(problems: StrategyLoadProblem[]): Promise<string[]> {
    try {
      const entries = await readdir(this.#o.dir, { withFileTypes: true });
      this.#directoryExists = true;
      return entries
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && STRATEGY_FILE.test(e.name) && !e.name.endsWith('.d.ts'))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.#directoryExists = false;
      if (code !== 'ENOENT') problems.push({ file: '.', kind: 'load', message: `cannot read the strategies folder (${code ?? 'error'})` });
      return [];
    }
  }

  /** An id taken by a built-in, or declared by several files, loads from none of them: which one was meant is unknowable. */
  #withoutClashes(loaded: readonly LoadedStrategyFile[], problems: StrategyLoadProblem[]): LoadedStrategyFile[] {
    const byId = new Map<string, LoadedStrategyFile[]>();
    for (const l of loaded) byId.set(l.definition.id, [...(byId.get(l.definition.id) ?? []), l]);
    const accepted: LoadedStrategyFile[] = [];
    for (const [id, group] of byId) {
      for (const l of group) {
        const others = group.filter((g) => g !== l).map((g) => g.file);
        const reason = this.#o.registry.isFixed(id)
          ? `declares id "${id}", which is a built-in strategy: choose another id`
          : others.length > 0
            ? `declares id "${id}", also declared by ${others.join(', ')}: none of these files loads until the ids differ`
            : null;
        if (reason === null) accepted.push(l);
        else problems.push({ file: l.file, kind: 'duplicate-id', message: reason, ...(l.idLine ? { line: l.idLine } : {}) });
      }
    }
    return accepted.sort((a, b) => a.file.localeCompare(b.file));
  }

  #report(accepted: readonly LoadedStrategyFile[], problems: readonly StrategyLoadProblem[]): void {
    const log = this.#o.log;
    if (!log) return;
    log.info({ directory: this.#o.dir, strategies: accepted.map((l) => `${l.definition.id} (${l.file})`) }, 'strategy files loaded');
    for (const p of problems) log.warn({ file: p.file, line: p.line, kind: p.kind }, `strategy file not loaded: ${formatProblem(p)}`);
  }
}
