import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-system.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Starts the built entry point, checks it serves, stops it with SIGTERM; resolves with the exit code. */
async function startBuiltServer(mainJs: string): Promise<number | null> {
  const child = spawn(process.execPath, [mainJs], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', CTS_PORT: '0', CTS_DATA_DIR: makeTempDir(), CTS_EXCHANGE_PROXY_URL: 'http://127.0.0.1:1/' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
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
  child.kill('SIGTERM');
  return exited;
}

describe('npm start', () => {
  it('builds with tsc and the built server starts and serves', async () => {
    // Inside the repo so the built ESM files resolve packages from ./node_modules, as dist/ does.
    const outDir = path.join(ROOT, `.test-build-${process.pid}`);
    try {
      const build = await run(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir]);
      expect(build.code, build.out).toBe(0);
      expect(await startBuiltServer(path.join(outDir, 'src/main.js'))).toBe(0);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    // A whole tsc build: 24 s on an idle 2-core machine, more beside the rest of the suite. Speed is
    // the benchmarks' business (start to serving); this checks that it builds and serves.
  }, 120_000);
});
