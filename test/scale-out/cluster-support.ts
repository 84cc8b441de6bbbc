import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { createTestSchema, POSTGRES_URL } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTempDir } from '../support/temp-system.js';

/**
 * Helpers of the multi-process tests: three real CTS processes on this machine's Postgres and Redis,
 * JSON over HTTP, an SSE reader, and direct reads of the lease table.
 */

const REDIS_URL = process.env.CTS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterOptions {
  /** How the three processes start on the empty schema: all at once (the migration lock lets exactly one migrate), or the first (which migrates and records the key check) and then the other two. */
  start: 'together' | 'first-migrates';
  /** The `beforeAll` bound on the simulator and the three starts. */
  startTimeoutMs: number;
  leaseTtlMs: number;
  scanMs: number;
  /** Prefix of each process's temporary data directory. */
  dataDirPrefix: string;
  /** More environment for every process. */
  env?: Readonly<Record<string, string>>;
}

/** What `useCluster` starts; each getter is valid from `beforeAll` on. */
export interface Cluster {
  readonly sim: RunningSimulator;
  /** The throwaway Postgres schema the processes share. */
  readonly schema: string;
  readonly processes: readonly ServerProcess[];
  byPid(pid: number | null): ServerProcess | undefined;
  /** A live Binance spot connection on a funded simulator account, created and tested through `base`; its id. */
  createConnection(base: string, name: string): Promise<string>;
}

/**
 * One installation of three CTS processes for the enclosing file: a throwaway schema on the real
 * Postgres, the real Redis, and the simulator as every exchange. Afterwards each process still alive
 * is killed, the simulator closed, the schema dropped and the data directories removed.
 */
export function useCluster(o: ClusterOptions): Cluster {
  const masterKey = randomBytes(32).toString('base64');
  const processes: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let sim: RunningSimulator | undefined;
  let schema: { schema: string; drop(): Promise<void> } | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the cluster is started in beforeAll');
    return value;
  };
  const env = (): Record<string, string> => {
    const dataDir = makeTempDir(o.dataDirPrefix);
    dataDirs.push(dataDir);
    return {
      CTS_DATA_DIR: dataDir,
      DATABASE_URL: POSTGRES_URL,
      CTS_PG_SCHEMA: started(schema).schema,
      REDIS_URL,
      CTS_EXCHANGE_PROXY_URL: started(sim).url,
      CTS_MASTER_KEY: masterKey,
      CTS_DEMO_CONNECTION: 'false',
      CTS_HEALTH_INTERVAL_MS: '600000',
      CTS_LEASE_TTL_MS: String(o.leaseTtlMs),
      CTS_CLUSTER_SCAN_MS: String(o.scanMs),
      ...o.env,
    };
  };
  beforeAll(async () => {
    schema = await createTestSchema();
    // Prices move every 300 ms: the engines' 1 s candle polls each see new candles and the SMA trades.
    sim = await startSimulator({ autoStepMs: 300 });
    if (o.start === 'first-migrates') {
      processes.push(await startServerProcess(env()));
      processes.push(...(await Promise.all([startServerProcess(env()), startServerProcess(env())])));
    } else {
      processes.push(...(await Promise.all([startServerProcess(env()), startServerProcess(env()), startServerProcess(env())])));
    }
  }, o.startTimeoutMs);
  afterAll(async () => {
    await Promise.all(processes.map((p) => (p.child.exitCode === null && p.child.signalCode === null ? p.stop('SIGKILL') : Promise.resolve(null))));
    await sim?.close();
    await schema?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get sim() {
      return started(sim);
    },
    get schema() {
      return started(schema).schema;
    },
    processes,
    byPid: (pid) => processes.find((p) => p.child.pid === pid),
    async createConnection(base, name) {
      const apiKey = `ctscluster${randomBytes(6).toString('hex')}`;
      const secret = `ctsclustersecret${randomBytes(12).toString('hex')}`;
      started(sim).control.addAccount('binance', { apiKey, secret, balances: { USDT: '100000', XRP: '1000' } });
      const created = await api(base, '/api/settings/connections', { body: { name, exchange: 'binance', marketTypes: ['spot'], mode: 'live', apiKey, apiSecret: secret } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = String(created.body.id);
      const tested = await api(base, `/api/settings/connections/${id}/test`, { body: {} });
      expect(tested.status, JSON.stringify(tested.body)).toBe(200);
      const after = await api(base, `/api/settings/connections/${id}`);
      expect(['ok', 'degraded'], JSON.stringify(tested.body)).toContain(after.body.status);
      return id;
    },
  };
}

export async function api(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface SseEvent {
  id: number | undefined;
  type: string;
  data: { engineId?: string; type?: string; seq?: number; payload?: Record<string, unknown> };
}

/** A live SSE client: collects every event it receives until closed. */
export function openSse(url: string): { events: SseEvent[]; close(): void; ready: Promise<void> } {
  const events: SseEvent[] = [];
  let close = (): void => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const i = line.indexOf(': ');
            if (i > 0) fields.set(line.slice(0, i), line.slice(i + 2));
          }
          const data = fields.get('data');
          if (!data || !fields.has('event')) continue;
          const id = fields.get('id');
          events.push({ id: id === undefined ? undefined : Number(id), type: fields.get('event') ?? '', data: JSON.parse(data) as SseEvent['data'] });
        }
      });
      res.on('error', () => undefined);
      resolve();
    });
    req.on('error', reject);
    req.end();
    close = () => req.destroy();
  });
  return { events, close: () => close(), ready };
}

export interface LeaseInfo {
  ownerId: string;
  expiresAt: number;
  /** When its current owner took it (epoch ms, that owner's clock). */
  acquiredAt: number;
  pid: number | null;
}

export async function leaseOf(schema: string, engineId: string): Promise<LeaseInfo | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<{ owner_id: string; expires_at: string; acquired_at: string; pid: number | null }>(
      `select l.owner_id, l.expires_at, l.acquired_at, m.pid from ${schema}.engine_leases l left join ${schema}.cluster_members m on m.instance_id = l.owner_id where l.engine_id = $1`,
      [engineId],
    );
    const row = result.rows[0];
    return row ? { ownerId: row.owner_id, expiresAt: Number(row.expires_at), acquiredAt: Date.parse(row.acquired_at), pid: row.pid } : undefined;
  } finally {
    await client.end();
  }
}

export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
