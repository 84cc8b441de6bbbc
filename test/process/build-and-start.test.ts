import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-system.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm start', () => {
  it('builds with tsc and the built server starts and serves', async () => {
    // Inside the repo so the built ESM files resolve packages from ./node_modules, as dist/ does.
    const outDir = path.join(ROOT, `.test-build-${process.pid}`);
    const build = await run(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir]);
    expect(build.code, build.out).toBe(0);
    const dataDir = makeTempDir();
    const child = spawn(process.execPath, [path.join(outDir, 'src/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', CTS_PORT: '0', CTS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(out)), 20_000);
      const onData = (c: Buffer): void => {
        out += c.toString();
        const m = /CTS listening on (\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    const res = await fetch(`${url}/api/settings/connections`);
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    rmSync(outDir, { recursive: true, force: true });
  });
});
