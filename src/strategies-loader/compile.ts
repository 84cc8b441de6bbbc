import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Message, type Plugin } from 'esbuild';

/** The compiled module and its source map, ready to be written and imported. */
export interface CompiledStrategy {
  readonly code: string;
  readonly map: string;
}

export type CompileOutcome =
  | { readonly ok: true; readonly compiled: CompiledStrategy }
  | { readonly ok: false; readonly message: string; readonly file?: string; readonly line?: number; readonly column?: number };

/** Absolute paths of the modules a strategy file's `cts/strategy` and `zod` imports become. */
export interface SdkModules {
  readonly strategy: string;
  readonly zod: string;
}

const BUILTINS = new Set(builtinModules);
const ALLOWED = 'a strategy file may import "cts/strategy", "zod", Node built-ins and files of its own folder';

/**
 * Compiles one strategy file (TypeScript or JavaScript) to an ES module. Relative imports are bundled
 * in; `cts/strategy` and `zod` stay imports of the running server's own modules, so the strategy and
 * the engine share one set of classes (a ValidationError from its params is the server's).
 */
export async function compileStrategyFile(file: string, sdk: SdkModules): Promise<CompileOutcome> {
  const dir = path.dirname(file);
  try {
    const result = await build({
      entryPoints: [file],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(dir, 'compiled.mjs'),
      logLevel: 'silent',
      plugins: [sdkImports(sdk)],
    });
    const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))?.text;
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
    if (code === undefined || map === undefined) return { ok: false, message: 'the compiler produced no output' };
    return { ok: true, compiled: { code, map } };
  } catch (error) {
    return fromBuildFailure(error, dir);
  }
}

function sdkImports(sdk: SdkModules): Plugin {
  return {
    name: 'cts-sdk',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path === 'cts/strategy') return { path: sdk.strategy, external: true };
        if (args.path === 'zod') return { path: sdk.zod, external: true };
        const bare = args.path.replace(/^node:/, '');
        if (BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0] ?? '')) return { path: args.path, external: true };
        return { errors: [{ text: `Cannot import "${args.path}": ${ALLOWED}` }] };
      });
    },
  };
}

function fromBuildFailure(error: unknown, dir: string): CompileOutcome {
  const errors = (error as { errors?: Message[] }).errors;
  const first = errors?.[0];
  if (!first) return { ok: false, message: error instanceof Error ? error.message : String(error) };
  const more = (errors?.length ?? 1) > 1 ? ` (and ${(errors?.length ?? 1) - 1} more)` : '';
  const location = first.location;
  if (!location) return { ok: false, message: `${first.text}${more}` };
  return { ok: false, message: `${first.text}${more}`, file: path.resolve(dir, location.file), line: location.line, column: location.column + 1 };
}
