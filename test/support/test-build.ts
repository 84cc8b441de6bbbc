import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Where the suite's own build of the server, its CLIs and the simulator goes (JavaScript in the
 * same tree layout as `dist/`, and as deep below the repository, so what the code finds by walking a few
 * directories up from its own file — web/dist,
 * data/, package.json — it finds the same way). Not inside node_modules: where that is a symlink to
 * another checkout's (a git worktree sharing one install), Node resolves the built files to their real
 * path, and the walk up found the OTHER checkout's web/dist and data/; and every checkout's run
 * rebuilt the one shared directory under the others' child processes.
 */
export const TEST_BUILD_DIR = path.join(ROOT, 'test-artifacts', 'build');

/**
 * Transpiles src/ and simulator/ once per run (global-setup.ts), file for file, without bundling or
 * type-checking (lint type-checks; test/process/build-and-start.test.ts runs the real `tsc` build as
 * `npm start` does). A child process then starts from plain JavaScript in about a second, where
 * `--import tsx` compiled the whole server again in every process the suite started (about four
 * seconds each, more on a loaded machine, dozens of times per run).
 */
export function buildForTests(): void {
  rmSync(TEST_BUILD_DIR, { recursive: true, force: true });
  const entryPoints = ['src', 'simulator'].flatMap((dir) => tsFiles(path.join(ROOT, dir)));
  buildSync({ entryPoints, outdir: TEST_BUILD_DIR, outbase: ROOT, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
}

/** The built JavaScript of a source file of src/ or simulator/ (`src/main.ts` → …/src/main.js). */
export function builtPath(source: string): string {
  const relative = path.relative(ROOT, path.resolve(ROOT, source));
  return path.join(TEST_BUILD_DIR, relative.replace(/\.ts$/, '.js'));
}

/**
 * Node's arguments to run `script` (a path from the repository root): the test build for a file of
 * src/ or simulator/, tsx for anything else (a test's own helper script).
 */
export function nodeArgs(script: string): string[] {
  const relative = path.relative(ROOT, path.resolve(ROOT, script));
  if (/^(src|simulator)\/.*\.ts$/.test(relative)) return [builtPath(relative)];
  return ['--import', 'tsx', script];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}
