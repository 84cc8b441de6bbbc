import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../src/domain/backtest-report.js';
import { makeTempDir } from '../support/temp-system.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function backtestCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, CTS_STRATEGIES_DIR: makeTempDir() };
  return spawnSync(TSX, ['src/cli/backtest.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

describe('backtest CLI on a perpetual', () => {
  it('prints the perpetual section: leverage, trading PnL, fees and funding apart, where funding and mark prices came from', () => {
    const run = backtestCli('--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--from', '2021-11-18', '--leverage', '5', '--amountQuote', '300');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Perpetual     5× isolated (maintenance margin 1 %)');
    expect(run.stdout).toMatch(/Funding +-0\.\d{4}: 9 payment\(s\) every 8 h, paid 0\.\d{4}, received 0\.0000/);
    expect(run.stdout).toMatch(/Net +-\d+\.\d{4} = trading PnL − fees \+ funding/);
    expect(run.stdout).toContain('Funding: XRP_USDT_USDT-8h-funding_rate.csv (bundled; 91 rates every 8 h');
    expect(run.stdout).toContain('Mark prices   XRP_USDT_USDT-1h-mark.csv, 34 of 77 candles');
  });

  it('says there is no funding data when the bundled file does not cover the run, and takes --funding and --mark none', () => {
    const uncovered = backtestCli('--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv');
    expect(uncovered.status, uncovered.stderr).toBe(0);
    expect(uncovered.stdout).toContain('(no funding data)');
    expect(uncovered.stdout).toContain('Funding: No funding data: XRP_USDT_USDT-8h-funding_rate.csv (bundled; 91 rates every 8 h, 2021-11-18 00:00 → 2021-12-18 00:00 UTC) does not cover this run');
    const none = backtestCli('--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--from', '2021-11-18', '--funding', 'none', '--mark', 'none', '--json');
    expect(none.status, none.stderr).toBe(0);
    const report = JSON.parse(none.stdout) as BacktestReport;
    expect(report.derivatives?.funding).toMatchObject({ source: null, count: 0 });
    expect(report.derivatives?.mark).toMatchObject({ source: null, candlesWithMark: 0 });
  });

  it('books the funding of a --funding file (a 2× long pays a positive rate)', () => {
    const file = path.join(makeTempDir(), 'rates.csv');
    const from = Date.parse('2021-11-18T00:00:00Z');
    writeFileSync(file, `timestamp_ms,funding_rate\n${[1, 2, 3].map((k) => `${from + k * 8 * 3_600_000},0.001`).join('\n')}\n`);
    const run = backtestCli('--strategy', 'dca', '--bundled', 'XRP_USDT_USDT-1h-futures.csv', '--from', '2021-11-18', '--to', '2021-11-19T06:00:00Z', '--funding', file, '--leverage', '2', '--json');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as BacktestReport;
    // dca buys (long): it pays 0.1 % of its position's value at 08:00, 16:00 and 00:00.
    expect(report.derivatives?.funding).toMatchObject({ source: 'rates.csv', count: 3, received: '0' });
    expect(report.derivatives?.funding.payments.every((p) => p.rate === '0.001' && p.amount.startsWith('-'))).toBe(true);
    expect(report.settings.risk).toMatchObject({ leverage: '2' });
  });
});
