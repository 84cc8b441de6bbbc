import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { newStrategy } from '../../src/cli/new-strategy.js';
import { StrategyRegistry } from '../../src/engine/strategies/registry.js';
import { StrategyFilesService } from '../../src/strategies-loader/strategy-files.service.js';
import { strategyTemplate } from '../../src/strategies-loader/template.js';
import { backtest, BUNDLED_FILE } from '../engine/backtest/support.js';
import { StrategyFolder } from './strategy-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** The code block of docs/strategies.md between `<!-- template:my-idea -->` and `<!-- /template -->`. */
function tutorialCode(): string {
  const doc = readFileSync(path.join(ROOT, 'docs/strategies.md'), 'utf8');
  const block = /<!-- template:my-idea -->\n```ts\n([\s\S]*?)```\n<!-- \/template -->/.exec(doc)?.[1];
  if (block === undefined) throw new Error('docs/strategies.md has no template block');
  return block;
}

describe('the tutorial strategy: new-strategy, the docs, and a backtest of the file', () => {
  const folder = new StrategyFolder();
  const env = { CTS_STRATEGIES_DIR: folder.dir };
  afterAll(() => folder.remove());

  it('npm run new-strategy writes the template the tutorial shows, and never overwrites', async () => {
    const written = await newStrategy(['my-idea'], env, ROOT);
    expect(written).toMatchObject({ code: 0 });
    const text = readFileSync(path.join(folder.dir, 'my-idea.ts'), 'utf8');
    expect(text).toBe(strategyTemplate('my-idea'));
    expect(text).toBe(tutorialCode());
    expect(JSON.parse(readFileSync(path.join(folder.dir, 'tsconfig.json'), 'utf8')).compilerOptions.paths['cts/strategy']).toEqual([
      path.relative(folder.dir, path.join(ROOT, 'src/sdk/strategy.ts')),
    ]);
    expect(await newStrategy(['my-idea'], env, ROOT)).toMatchObject({ code: 2, message: expect.stringContaining('already exists') });
    expect(await newStrategy(['My Idea'], env, ROOT)).toMatchObject({ code: 2, message: expect.stringContaining('lower-case') });
    expect(await newStrategy([], env, ROOT)).toMatchObject({ code: 2, message: expect.stringContaining('Usage') });
  });

  it('backtests through the CLI (npm run backtest) and the service path with the same result, with trades', async () => {
    const cli = spawnSync(TSX, ['src/cli/backtest.ts', '--strategy', 'my-idea', '--bundled', BUNDLED_FILE, '--period', '20', '--json'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const report = JSON.parse(cli.stdout) as { strategy: { id: string }; result: { tradeCount: number; netProfit: string }; trades: unknown[] };
    expect(report.strategy.id).toBe('my-idea');
    expect(report.result.tradeCount).toBeGreaterThan(0);

    const registry = new StrategyRegistry();
    const files = new StrategyFilesService({ dir: folder.dir, registry });
    try {
      expect((await files.reload()).problems).toEqual([]);
      const direct = await backtest({ strategy: 'my-idea', params: { period: 20 } }, registry);
      expect(direct.result.netProfit).toBe(report.result.netProfit);
      expect(direct.trades).toHaveLength(report.trades.length);
    } finally {
      await files.close();
    }
  });

  it('the CLI lists the file strategy with its file, and reports a broken file on stderr without failing the run', () => {
    const broken = new StrategyFolder();
    try {
      broken.write('oops.ts', "export default {\n  id: 'oops',\n  nope(\n};\n");
      const run = spawnSync(TSX, ['src/cli/backtest.ts', '--list'], { cwd: ROOT, env: { ...process.env, CTS_STRATEGIES_DIR: broken.dir }, encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/^Strategy file not loaded: oops\.ts:4:1: /);
      expect(run.stdout).toContain('sma-crossover');
    } finally {
      broken.remove();
    }
    const listed = spawnSync(TSX, ['src/cli/backtest.ts', '--list'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
    expect(listed.stdout).toContain('my-idea (my-idea.ts) — Buys when the close crosses above its moving average');
  });
});
