import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';

/**
 * What `npm test` needs from the machine, checked before any test file runs: without it dozens of
 * tests fail with connection errors instead of one message saying what to install.
 */
export interface PreflightProbes {
  /** True when the file exists and is executable. */
  executable(file: string): boolean;
  portOpen(host: string, port: number): Promise<boolean>;
  /** The local service's start command, when the service is installed here (undefined: not installed). */
  startCommand(service: 'postgres' | 'redis'): string[] | undefined;
  run(command: string[]): { ok: boolean; output: string };
  /** Undefined when the database answers a query; otherwise why not. */
  postgresProblem(url: string): Promise<string | undefined>;
  sleep(ms: number): Promise<void>;
}

export interface PreflightTarget {
  chromium: string;
  postgres: { host: string; port: number; url: string };
  redis: { host: string; port: number };
  /** How long to wait for a service after starting it. */
  waitMs: number;
  pollMs: number;
}

export interface Missing {
  what: string;
  fix: string;
}

export interface PreflightResult {
  missing: Missing[];
  /** Services that were down and are now up because this pre-flight started them. */
  started: string[];
}

export const INSTALL = {
  chromium: 'apt-get install -y chromium',
  postgres: 'apt-get install -y postgresql',
  redis: 'apt-get install -y redis-server',
} as const;

export async function runPreflight(probes: PreflightProbes, target: PreflightTarget): Promise<PreflightResult> {
  const missing: Missing[] = [];
  const started: string[] = [];
  if (!probes.executable(target.chromium)) {
    missing.push({
      what: `Chromium not found at ${target.chromium} (the browser tests drive it; set CTS_CHROMIUM to use another)`,
      fix: INSTALL.chromium,
    });
  }
  const services = [
    { service: 'postgres' as const, name: 'PostgreSQL', ...target.postgres },
    { service: 'redis' as const, name: 'Redis', ...target.redis },
  ];
  for (const s of services) {
    const problem = await ensureService(probes, target, s);
    if (problem) missing.push(problem);
    else if (problem === null) started.push(s.name);
  }
  if (!missing.some((m) => m.what.startsWith('PostgreSQL'))) {
    const problem = await probes.postgresProblem(target.postgres.url);
    if (problem) missing.push({ what: `PostgreSQL answers on ${target.postgres.host}:${target.postgres.port} but ${target.postgres.url} is not usable: ${problem}`, fix: 'createdb -h 127.0.0.1 -U postgres test (the tests use trust auth for user postgres; or set CTS_TEST_POSTGRES_URL)' });
  }
  return { missing, started };
}

/** Undefined: was already up. Null: started by us. A Missing: down and could not be brought up. */
async function ensureService(
  probes: PreflightProbes,
  target: PreflightTarget,
  s: { service: 'postgres' | 'redis'; name: string; host: string; port: number },
): Promise<Missing | undefined | null> {
  if (await probes.portOpen(s.host, s.port)) return undefined;
  const command = probes.startCommand(s.service);
  if (!command) {
    return { what: `${s.name} is not running on ${s.host}:${s.port} and is not installed`, fix: INSTALL[s.service] };
  }
  const result = probes.run(command);
  for (let waited = 0; waited <= target.waitMs; waited += target.pollMs) {
    if (await probes.portOpen(s.host, s.port)) return null;
    await probes.sleep(target.pollMs);
  }
  const output = result.output.trim() ? `: ${result.output.trim().split('\n').slice(-3).join(' / ')}` : '';
  return {
    what: `${s.name} is installed but did not come up on ${s.host}:${s.port} after "${command.join(' ')}"${output}`,
    fix: `check its log, then: ${command.join(' ')}`,
  };
}

export function formatPreflight(missing: Missing[]): string {
  const lines = missing.map((m) => `  - ${m.what}\n      fix: ${m.fix}`);
  return `npm test cannot run on this machine yet; missing:\n${lines.join('\n')}\n(then run the tests again; .ci/run installs and starts all of these)`;
}

/** The commands .ci/run uses, so a developer's machine is brought up the same way CI's is. */
export function localStartCommand(service: 'postgres' | 'redis', has: (command: string) => boolean, clusters: () => string[]): string[] | undefined {
  if (service === 'redis') {
    return has('redis-server') ? ['redis-server', '--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'] : undefined;
  }
  const version = clusters()[0];
  return has('pg_ctlcluster') && version ? ['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'start'] : undefined;
}

export const realProbes: PreflightProbes = {
  executable(file) {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  portOpen(host, port) {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (open: boolean): void => {
        socket.destroy();
        resolve(open);
      };
      socket.setTimeout(1_000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  },
  startCommand(service) {
    const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
    const clusters = (): string[] => (existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort() : []);
    return localStartCommand(service, has, clusters);
  },
  run(command) {
    const [file, ...args] = command;
    const result = spawnSync(file ?? 'false', args, { encoding: 'utf8', timeout: 30_000 });
    return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
  },
  async postgresProblem(url) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function defaultTarget(env: NodeJS.ProcessEnv = process.env): PreflightTarget {
  return {
    chromium: env.CTS_CHROMIUM ?? '/usr/bin/chromium',
    postgres: { host: '127.0.0.1', port: 5432, url: env.CTS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { host: '127.0.0.1', port: 6379 },
    waitMs: 15_000,
    pollMs: 250,
  };
}
