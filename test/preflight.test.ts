import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultTarget,
  formatPreflight,
  INSTALL,
  localStartCommand,
  realProbes,
  runPreflight,
  type PreflightProbes,
  type PreflightTarget,
} from './support/preflight.js';

/** A port nothing listens on: bound, then closed, so the real probe gets ECONNREFUSED. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let listener: net.Server;
let openPort: number;
beforeAll(async () => {
  listener = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  openPort = (listener.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

function target(pgPort: number, redisPort: number, chromium = process.execPath): PreflightTarget {
  return {
    chromium,
    postgres: { host: '127.0.0.1', port: pgPort, url: `postgres://postgres@127.0.0.1:${pgPort}/test` },
    redis: { host: '127.0.0.1', port: redisPort },
    waitMs: 1_000,
    pollMs: 100,
  };
}

/** The real file and port probes; what would start or install a service is scripted. */
function probes(overrides: Partial<PreflightProbes> = {}): PreflightProbes & { ran: string[][] } {
  const ran: string[][] = [];
  return {
    ran,
    executable: realProbes.executable,
    portOpen: realProbes.portOpen,
    startCommand: () => undefined,
    run: (command) => {
      ran.push(command);
      return { ok: true, output: '' };
    },
    postgresProblem: async () => undefined,
    sleep: async () => undefined,
    ...overrides,
  };
}

describe('test pre-flight', () => {
  it('passes, starting nothing, when Chromium exists and both ports answer', async () => {
    const p = probes();
    expect(await runPreflight(p, target(openPort, openPort))).toEqual({ missing: [], started: [] });
    expect(p.ran).toEqual([]);
  });

  it('names every missing piece with its install command: no Chromium, nothing on either port, nothing installed', async () => {
    const port = await closedPort();
    const { missing } = await runPreflight(probes(), target(port, port, '/nonexistent/chromium'));
    expect(missing.map((m) => m.fix)).toEqual([INSTALL.chromium, INSTALL.postgres, INSTALL.redis]);
    const message = formatPreflight(missing);
    expect(message).toContain('Chromium not found at /nonexistent/chromium');
    expect(message).toContain(`PostgreSQL is not running on 127.0.0.1:${port} and is not installed`);
    expect(message).toContain('apt-get install -y redis-server');
  });

  it('starts an installed but stopped service with the .ci/run command and goes on once its port answers', async () => {
    const port = await closedPort();
    let up = false;
    const p = probes({
      startCommand: (service) => (service === 'redis' ? ['redis-server', '--daemonize', 'yes'] : undefined),
      run: (command) => {
        up = true;
        p.ran.push(command);
        return { ok: true, output: '' };
      },
      portOpen: async (host, probePort) => (probePort === port ? up : realProbes.portOpen(host, probePort)),
    });
    const result = await runPreflight(p, target(openPort, port));
    expect(result).toEqual({ missing: [], started: ['Redis'] });
    expect(p.ran).toEqual([['redis-server', '--daemonize', 'yes']]);
  });

  it('for real: starts a stopped Redis with the real command and waits until its port answers', async () => {
    // A second, throwaway redis-server on a free port: the machine's own services are never touched.
    const port = await closedPort();
    const dir = mkdtempSync(path.join(tmpdir(), 'cts-preflight-'));
    const pidFile = path.join(dir, 'redis.pid');
    const command = realProbes.startCommand('redis');
    expect(command).toBeDefined();
    const ours = [...(command ?? []).map((a) => (a === '6379' ? String(port) : a)), '--pidfile', pidFile, '--dir', dir];
    try {
      const result = await runPreflight({ ...realProbes, startCommand: (s) => (s === 'redis' ? ours : undefined), postgresProblem: async () => undefined }, target(openPort, port));
      expect(result).toEqual({ missing: [], started: ['Redis'] });
      expect(await realProbes.portOpen('127.0.0.1', port)).toBe(true);
    } finally {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid > 0) process.kill(pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a service that was started but never came up, with the command and its output', async () => {
    const port = await closedPort();
    const p = probes({
      startCommand: () => ['pg_ctlcluster', '--skip-systemctl-redirect', '15', 'main', 'start'],
      run: () => ({ ok: false, output: 'Error: could not bind IPv4 address' }),
    });
    const { missing, started } = await runPreflight(p, target(port, openPort));
    expect(started).toEqual([]);
    expect(missing).toHaveLength(1);
    expect(missing[0]?.what).toContain(`PostgreSQL is installed but did not come up on 127.0.0.1:${port}`);
    expect(missing[0]?.what).toContain('could not bind IPv4 address');
  });

  it('reports a PostgreSQL that answers but whose test database is unusable', async () => {
    const p = probes({ postgresProblem: async () => 'database "test" does not exist' });
    const { missing } = await runPreflight(p, target(openPort, openPort));
    expect(missing).toHaveLength(1);
    expect(missing[0]?.what).toContain('database "test" does not exist');
    expect(missing[0]?.fix).toContain('createdb');
  });

  it('the real PostgreSQL probe says why a closed port is unusable', async () => {
    expect(await realProbes.postgresProblem(`postgres://postgres@127.0.0.1:${await closedPort()}/test`)).toMatch(/ECONNREFUSED/);
  });

  it('builds the same start commands as .ci/run, and none for a service that is not installed', () => {
    const all = (): boolean => true;
    expect(localStartCommand('postgres', all, () => ['15'])).toEqual(['pg_ctlcluster', '--skip-systemctl-redirect', '15', 'main', 'start']);
    expect(localStartCommand('postgres', all, () => [])).toBeUndefined();
    expect(localStartCommand('redis', all, () => [])?.join(' ')).toBe('redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save  --appendonly no');
    expect(localStartCommand('redis', () => false, () => [])).toBeUndefined();
  });

  it('looks for Chromium where the browser tests do', () => {
    expect(defaultTarget({}).chromium).toBe('/usr/bin/chromium');
    expect(defaultTarget({ CTS_CHROMIUM: '/opt/chrome' }).chromium).toBe('/opt/chrome');
  });
});
