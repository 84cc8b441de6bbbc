import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

const port = z.coerce.number().int().min(0).max(65535);

/** Every setting, its default, and the environment variable that overrides it (documented in docs/configuration.md). */
const EnvSchema = z.object({
  CTS_HOST: z.string().min(1).default('127.0.0.1'),
  CTS_PORT: port.default(3000),
  CTS_DATA_DIR: z.string().min(1).default('data'),
  CTS_STRATEGIES_DIR: z.string().min(1).optional(),
  CTS_MASTER_KEY: z.string().min(1).optional(),
  CTS_ADMIN_TOKEN: z.string().min(16, 'CTS_ADMIN_TOKEN must be at least 16 characters').optional(),
  CTS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CTS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  CTS_CORS_ORIGIN: z.string().url().optional(),
  CTS_EXCHANGE_PROXY_URL: z.string().url().optional(),
  CTS_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  CTS_TEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CTS_DEMO_CONNECTION: z.enum(['true', 'false']).default('true'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite)')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').optional(),
  CTS_PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'CTS_PG_SCHEMA must be a lower-case Postgres identifier')
    .optional(),
  CTS_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(300_000).default(10_000),
  CTS_CLUSTER_SCAN_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  CTS_CONTROL_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  CTS_CONTROL_RESULT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  CTS_ALLOW_NEW_DATABASE: z.enum(['1', 'true', '0', 'false'], { message: 'CTS_ALLOW_NEW_DATABASE must be 1/true or 0/false' }).default('0'),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Folder of the trader's strategy files (default: `strategies` inside the data dir). */
  strategiesDir: string;
  masterKeyFromEnv: string | undefined;
  adminToken: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['CTS_LOG_LEVEL'];
  bodyLimitBytes: number;
  corsOrigin: string | undefined;
  exchangeProxyUrl: string | undefined;
  seedDemoConnection: boolean;
  healthIntervalMs: number;
  testTimeoutMs: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Postgres only: the schema holding CTS's tables (default: the connection's search path). */
  pgSchema: string | undefined;
  /** Multi-process: how long an engine lease lasts without renewal. */
  leaseTtlMs: number;
  /** Multi-process: how often each process looks for engines whose owner is gone. */
  clusterScanMs: number;
  /** Multi-process: how long the owner of an engine has to acknowledge a forwarded control request. */
  controlAckTimeoutMs: number;
  /** Multi-process: how long an acknowledged forwarded control request may take. */
  controlResultTimeoutMs: number;
  /** Start on an empty database although a master key file exists (a deliberate fresh start). */
  allowNewDatabase: boolean;
}

/** Reads and validates the environment once at boot; an unusable setting stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(pickDefined(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.CTS_DATA_DIR);
  const config: Config = {
    host: e.CTS_HOST,
    port: e.CTS_PORT,
    dataDir,
    strategiesDir: e.CTS_STRATEGIES_DIR ? path.resolve(cwd, e.CTS_STRATEGIES_DIR) : path.join(dataDir, 'strategies'),
    masterKeyFromEnv: e.CTS_MASTER_KEY,
    adminToken: e.CTS_ADMIN_TOKEN,
    logLevel: e.CTS_LOG_LEVEL,
    bodyLimitBytes: e.CTS_BODY_LIMIT_BYTES,
    corsOrigin: e.CTS_CORS_ORIGIN,
    exchangeProxyUrl: e.CTS_EXCHANGE_PROXY_URL,
    seedDemoConnection: e.CTS_DEMO_CONNECTION === 'true',
    healthIntervalMs: e.CTS_HEALTH_INTERVAL_MS,
    testTimeoutMs: e.CTS_TEST_TIMEOUT_MS,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    pgSchema: e.CTS_PG_SCHEMA,
    leaseTtlMs: e.CTS_LEASE_TTL_MS,
    clusterScanMs: e.CTS_CLUSTER_SCAN_MS,
    controlAckTimeoutMs: e.CTS_CONTROL_ACK_TIMEOUT_MS,
    controlResultTimeoutMs: e.CTS_CONTROL_RESULT_TIMEOUT_MS,
    allowNewDatabase: e.CTS_ALLOW_NEW_DATABASE === '1' || e.CTS_ALLOW_NEW_DATABASE === 'true',
  };
  assertSafeBinding(config);
  return config;
}

/**
 * The strategies folder alone, for tools that need no server (the backtest CLI, `new-strategy`):
 * `CTS_STRATEGIES_DIR`, else `strategies` inside `CTS_DATA_DIR` (default `data`), resolved against cwd.
 */
export function resolveStrategiesDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const explicit = env.CTS_STRATEGIES_DIR;
  if (explicit !== undefined && explicit !== '') return path.resolve(cwd, explicit);
  const dataDir = env.CTS_DATA_DIR !== undefined && env.CTS_DATA_DIR !== '' ? env.CTS_DATA_DIR : 'data';
  return path.join(path.resolve(cwd, dataDir), 'strategies');
}

/** Exposing the API beyond this machine without a credential would hand the keys to anyone on the network. */
export function assertSafeBinding(config: Pick<Config, 'host' | 'adminToken'>): void {
  if (!LOOPBACK_HOSTS.has(config.host) && !config.adminToken) {
    throw new ConfigError(
      `Refusing to bind ${config.host} without CTS_ADMIN_TOKEN: binding anything but loopback exposes your exchange keys. ` +
        'Set CTS_ADMIN_TOKEN (at least 16 characters) or bind 127.0.0.1.',
    );
  }
}

function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
