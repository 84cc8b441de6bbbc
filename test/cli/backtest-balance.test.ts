import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-system.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** `npm run backtest` as a trader runs it: the starting balance defaults only where 1000 means about $1000. */
function backtestCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, CTS_STRATEGIES_DIR: makeTempDir() };
  return spawnSync(TSX, ['src/cli/backtest.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

describe('backtest CLI: the starting balance by quote currency', () => {
  it('refuses a BTC-quoted pair without --balance (exit 2, saying what to give) and runs it with one', () => {
    const refused = backtestCli('--strategy', 'dca', '--bundled', 'ETH_BTC-1m.csv');
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('ETH/BTC is quoted in BTC: give the starting balance in BTC (startingBalance, or --balance on the CLI)');
    expect(refused.stdout).toBe('');

    const run = backtestCli('--strategy', 'dca', '--bundled', 'ETH_BTC-1m.csv', '--balance', '0.1', '--amountQuote', '0.001', '--intervalCandles', '600', '--json');
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { settings: { startingBalance: string } }).settings.startingBalance).toBe('0.1');
  });

  it('starts a dollar-quoted pair with 1000, and says so in --help', () => {
    const run = backtestCli('--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--json');
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { settings: { startingBalance: string } }).settings.startingBalance).toBe('1000');
    expect(backtestCli('--help').stdout).toMatch(/--balance <quote> +starting balance in the quote currency: default 1000 for a dollar or euro\n +quote \(USDT, USDC, USD, EUR…\); required for BTC, ETH or any other quote/);
  });
});
