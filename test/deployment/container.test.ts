import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { all, execForm, last, parseDockerfile, type Stage } from './dockerfile.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { name: string; scripts: Record<string, string>; dependencies: Record<string, string> };

/** The production start path: `npm start`'s last command, which the build-and-start test runs too. */
const START = ['node', 'dist/src/main.js'];

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  command?: string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const service = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

/** Compose's `${VAR:?message}` / `${VAR:-default}` interpolation with the values an .env would give. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op: string | undefined, rest: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose would refuse: ${rest}`);
    return op === '-' ? rest : '';
  });
}

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1) as Stage;

describe('docker-compose.yml', () => {
  it('runs CTS with PostgreSQL and Redis, each with a healthcheck, CTS only once both are healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['cts', 'postgres', 'redis']);
    for (const name of ['cts', 'postgres', 'redis']) expect(service(name).healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(service('cts').depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(service('cts').healthcheck?.test.join(' ')).toContain('/readyz');
    expect(service('postgres').healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(service('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(service('cts').build).toBe('.');
  });

  it('keeps data in named volumes: /data for CTS, the database directory for PostgreSQL', () => {
    expect(service('cts').volumes).toEqual(['cts-data:/data']);
    expect(service('postgres').volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['cts-data', 'postgres-data']);
  });

  it('publishes CTS on the host loopback only, and PostgreSQL and Redis not at all', () => {
    expect(service('cts').ports).toEqual(['127.0.0.1:3000:3000']);
    expect(service('postgres').ports).toBeUndefined();
    expect(service('redis').ports).toBeUndefined();
  });

  it('gives CTS a configuration it accepts: 0.0.0.0 with the admin token from .env, Postgres and Redis by service name', () => {
    const envFile = { CTS_ADMIN_TOKEN: 'a-token-of-at-least-16-chars', POSTGRES_PASSWORD: 'pw' };
    const env = Object.fromEntries(Object.entries(service('cts').environment ?? {}).map(([k, v]) => [k, interpolate(String(v), envFile)]));
    const config = loadConfig(env, '/app');
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      dataDir: '/data',
      adminToken: envFile.CTS_ADMIN_TOKEN,
      databaseUrl: 'postgres://cts:pw@postgres:5432/cts',
      redisUrl: 'redis://redis:6379',
      masterKeyFromEnv: undefined,
    });
    // The same password reaches PostgreSQL; without the token or the password compose itself refuses.
    expect(interpolate(service('postgres').environment?.POSTGRES_PASSWORD ?? '', envFile)).toBe('pw');
    expect(() => interpolate(service('cts').environment?.CTS_ADMIN_TOKEN ?? '', {})).toThrow(/CTS_ADMIN_TOKEN/);
    expect(() => interpolate(service('postgres').environment?.POSTGRES_PASSWORD ?? '', {})).toThrow(/POSTGRES_PASSWORD/);
  });

  it('.env.example names every value the compose file interpolates, with no value filled in', () => {
    const used = new Set([...read('docker-compose.yml').matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    const example = read('.env.example');
    for (const name of used) expect(example, String(name)).toMatch(new RegExp(`^${String(name)}=$`, 'm'));
    expect(read('.gitignore')).toMatch(/^\/\.env$/m);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage: a build stage (npm ci, npm run build), a production-dependency stage, a runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
    const build = stages[0] as Stage;
    expect(all(build, 'RUN').map((i) => i.args)).toEqual(expect.arrayContaining(['npm ci --no-audit --no-fund', 'npm run build']));
    for (const stage of stages) expect(stage.base).toMatch(/^node:20(\.|-)/); // the Node CI tests (package.json engines)
  });

  it('starts with the production start path that npm start and the build-and-start test run', () => {
    expect(last(runtime, 'ENTRYPOINT')).toBeUndefined();
    expect(execForm(last(runtime, 'CMD')?.args ?? 'null')).toEqual(START);
    expect(pkg.scripts.start?.endsWith(`&& ${START.join(' ')}`)).toBe(true);
    // The test builds with tsconfig.build.json into another outDir and starts <outDir>/src/main.js.
    expect(read('test/process/build-and-start.test.ts')).toContain("path.join(outDir, 'src/main.js')");
    expect((JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir).toBe('dist');
    expect(existsSync(path.join(ROOT, 'src/main.ts'))).toBe(true);
  });

  it('runs as a non-root user, with /data as the data volume, port 3000 and a node healthcheck on /readyz', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    const cmdAt = runtime.instructions.findIndex((i) => i.keyword === 'CMD');
    expect(userAt).toBeLessThan(cmdAt);
    expect(execForm(last(runtime, 'VOLUME')?.args ?? 'null')).toEqual(['/data']);
    expect(all(runtime, 'ENV').map((i) => i.args).join(' ')).toMatch(/\bCTS_DATA_DIR=\/data\b/);
    expect(last(runtime, 'EXPOSE')?.args).toBe('3000');
    const health = last(runtime, 'HEALTHCHECK')?.args ?? '';
    const test = execForm(health.slice(health.indexOf('CMD ') + 4));
    expect(test[0]).toBe('node');
    expect(test.join(' ')).toContain('/readyz');
    expect(health).not.toMatch(/curl|wget/);
  });

  it('ships production dependencies only: the runtime node_modules come from an npm ci --omit=dev stage', () => {
    const copies = all(runtime, 'COPY').map((i) => i.args);
    const modules = copies.filter((c) => c.includes('node_modules'));
    expect(modules).toEqual(['--from=prod-deps /app/node_modules ./node_modules']);
    const prodDeps = stages.find((s) => s.name === 'prod-deps') as Stage;
    const installs = [...all(prodDeps, 'RUN'), ...all(runtime, 'RUN')].map((i) => i.args).filter((a) => /\bnpm (ci|install|i)\b/.test(a));
    expect(installs).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
  });

  it('never bakes a secret into the image, and copies only files that exist and .dockerignore lets through', () => {
    const text = read('Dockerfile');
    expect(text).not.toMatch(/^\s*(ENV|ARG)\b[^\n]*(CTS_ADMIN_TOKEN|CTS_MASTER_KEY)/m);
    const ignore = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const required of ['.env', 'data/master.key*', 'data/*.sqlite*', 'node_modules', '.git']) expect(ignore).toContain(required);
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY').filter((c) => !c.args.startsWith('--from'))) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect(existsSync(path.join(ROOT, source)), source).toBe(true);
          expect(ignore.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), source).toBe(false);
        }
      }
    }
  });
});

/** Every file under dir ending in .ts. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('the production image has what the server imports', () => {
  it('every package src/ imports at run time is a production dependency (dev dependencies are not in the image)', () => {
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    for (const file of sources(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gm)].map((m) => m[1]),
        ...[...text.matchAll(/\bimport\('([^']+)'\)/g)].map((m) => m[1]),
      ];
      for (const s of specifiers) {
        if (!s || s.startsWith('.') || s.startsWith('node:')) continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s);
        // `cts/strategy` (what a user's strategy file imports, in the template) is this package's own export.
        if (!builtins.has(name) && name !== pkg.name) imported.add(name);
      }
    }
    expect(imported.size).toBeGreaterThan(10);
    expect([...imported].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });
});
