import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/** The simulator's command line, run as a user runs it (`tsx simulator/main.ts`, what npm run uses). */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'simulator/main.ts');
const DOC = join(ROOT, 'docs/simulator.md');

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

/** Starts the simulator on a free port and resolves with the URL it prints. */
function start(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(TSX, [MAIN, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (code) => reject(new Error(`simulator exited ${code}: ${err}`)));
  });
}

describe('npm run simulator', () => {
  it('--help lists every flag docs/simulator.md documents', () => {
    const help = spawnSync(TSX, [MAIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.status).toBe(0);
    const documented = new Set([...readFileSync(DOC, 'utf8').matchAll(/(?<![\w-])--([a-z][a-z-]+)/g)].map((m) => m[1]));
    expect(documented.size).toBeGreaterThanOrEqual(6);
    for (const flag of documented) expect(help.stdout, `--${flag}`).toContain(`--${flag}`);
  });

  it('--prices-csv replays a symbol from a CSV and POST /__sim/step moves along it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-csv-'));
    const csv = join(dir, 'btc.csv');
    writeFileSync(
      csv,
      'timestamp_ms,open,high,low,close,volume\n' +
        '1700000000000,60000,60100,59900,60050,1\n' +
        '1700003600000,60050,61000,60000,60900,2\n',
    );
    const url = await start(['--prices-csv', `BTC/USDT=${csv}`]);
    const prices = (await (await fetch(`${url}__sim/prices`)).json()) as Record<string, string>;
    expect(prices['BTC/USDT']).toBe('60050');
    const step = (await (await fetch(`${url}__sim/step`, { method: 'POST', body: '{"steps":1}' })).json()) as { prices: Record<string, string> };
    expect(step.prices['BTC/USDT']).toBe('60900');
    // Symbols without a CSV keep their default paths.
    expect(step.prices['XRP/USDT']).toMatch(/^\d+(\.\d+)?$/);
  });

  it('refuses a --prices-csv for a market it does not list, before listening', () => {
    const run = spawnSync(TSX, [MAIN, '--prices-csv', 'DOGE/USDT=/nonexistent.csv'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Expected --prices-csv for a listed market');
  });

  it('--wall-clock-ms walks on candles of real times: the current one opens at the current boundary, the one before it closed at it', async () => {
    const url = await start(['--wall-clock-ms', '60000']);
    const before = Math.floor(Date.now() / 60_000) * 60_000;
    // Binance's public klines: [openTime, open, high, low, close, volume, closeTime, …].
    const answer = await fetch(`${url}https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=3`);
    const rows = (await answer.json()) as [number, ...unknown[]][];
    const after = Math.floor(Date.now() / 60_000) * 60_000;
    const last = rows.at(-1)?.[0] ?? Number.NaN;
    expect([before, after]).toContain(last);
    expect(rows.map((r) => r[0])).toEqual([last - 120_000, last - 60_000, last]);
  });

  it('refuses --wall-clock-ms with --auto-step-ms, before listening', () => {
    const run = spawnSync(TSX, [MAIN, '--wall-clock-ms', '60000', '--auto-step-ms', '1000'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--wall-clock-ms walks every symbol on its own schedule');
  });
});
