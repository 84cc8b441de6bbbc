import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveStrategiesDir } from '../config/config.js';
import { STRATEGY_ID } from '../strategies-loader/definition-schema.js';
import { strategiesTsconfig, strategyTemplate } from '../strategies-loader/template.js';

/**
 * `npm run new-strategy -- my-idea` writes `<strategies folder>/my-idea.ts` from the template (and a
 * tsconfig.json for editors when the folder has none). Never overwrites. Exit codes: 0 written, 2 bad
 * input or the file exists.
 */
export async function newStrategy(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; message: string }> {
  const [id, ...rest] = argv;
  if (id === undefined || rest.length > 0) return { code: 2, message: 'Usage: npm run new-strategy -- <id>   (e.g. my-idea)' };
  const valid = STRATEGY_ID.safeParse(id);
  if (!valid.success) return { code: 2, message: `Error: the id ${valid.error.issues[0]?.message ?? 'is invalid'}` };
  const dir = resolveStrategiesDir(env, cwd);
  const file = path.join(dir, `${id}.ts`);
  if (existsSync(file)) return { code: 2, message: `Error: ${file} already exists; choose another id or edit that file` };
  await mkdir(dir, { recursive: true });
  await writeFile(file, strategyTemplate(id), { flag: 'wx' });
  const tsconfig = path.join(dir, 'tsconfig.json');
  if (!existsSync(tsconfig)) await writeFile(tsconfig, strategiesTsconfig(dir, projectRoot()), { flag: 'wx' });
  return {
    code: 0,
    message: [
      `Wrote ${file}`,
      `Backtest it:  npm run backtest -- --strategy ${id} --bundled XRP_USDT_USDT-1h-futures.csv`,
      'A running server picks it up on reload (Strategies panel, or POST /api/strategies/reload).',
    ].join('\n'),
  };
}

function projectRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  newStrategy(process.argv.slice(2), process.env, process.cwd()).then(
    ({ code, message }) => {
      (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
