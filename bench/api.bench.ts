import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT, spawnUntil, type BenchRow } from './support.js';

const DURATION_S = Number(process.env.BENCH_API_SECONDS ?? 8);
const CONNECTIONS = 16;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function seed(url: string, count: number): Promise<string> {
  const exchanges = ['binance', 'bybit', 'okx', 'kraken', 'coinbase', 'htx', 'gate'];
  for (let i = 0; i < count; i++) {
    const exchange = exchanges[i % exchanges.length] ?? 'binance';
    const res = await fetch(`${url}/api/settings/connections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Replay: no exchange traffic, so the health monitor's probes stay in-process while we measure the API.
      body: JSON.stringify({ name: `bench-${i}`, exchange, marketTypes: ['spot'], mode: 'replay' }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
  return (await fetch(`${url}/api/settings/connections?limit=50`)).text();
}

/** GET /api/settings/connections with 50 connections, against a bare Fastify route serving the same JSON. */
export async function benchApi(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-'));
  const started = performance.now();
  const cts = await spawnUntil([path.join(ROOT, 'dist/src/main.js')], { CTS_DATA_DIR: dataDir, CTS_PORT: '0', CTS_LOG_LEVEL: 'warn', CTS_DEMO_CONNECTION: 'false' }, /CTS listening on (\S+)/);
  const startMs = performance.now() - started;
  try {
    const status = (await (await fetch(`${cts.url}/api/system/status`)).json()) as { memory: { rssBytes: number } };
    const body = await seed(cts.url, 50);
    const bare = await spawnUntil(['--import', 'tsx', path.join(ROOT, 'bench/bare-fastify.ts')], { BENCH_BODY: body }, /BARE listening on (\S+)/);
    try {
      await load(`${cts.url}/api/settings/connections?limit=50`); // warm-up, discarded
      const ours = await load(`${cts.url}/api/settings/connections?limit=50`);
      const base = await load(`${bare.url}/api/settings/connections`);
      return [
        { group: 'api', name: 'start to serving (built server, spawn → listening)', value: `${startMs.toFixed(0)} ms`, target: '< 1000 ms', met: startMs < 1000 },
        { group: 'api', name: 'RSS after start', value: `${(status.memory.rssBytes / 2 ** 20).toFixed(1)} MB` },
        { group: 'api', name: `GET connections (50) req/s, ${CONNECTIONS} conns, ${DURATION_S} s`, value: ours.rps.toFixed(0), target: '> 5000', met: ours.rps > 5000 },
        { group: 'api', name: 'GET connections p50 / p99', value: `${ours.p50} / ${ours.p99} ms`, target: 'p99 < 10 ms', met: ours.p99 < 10 },
        { group: 'api', name: 'bare Fastify, same JSON: req/s', value: base.rps.toFixed(0) },
        { group: 'api', name: 'bare Fastify p50 / p99', value: `${base.p50} / ${base.p99} ms` },
        { group: 'api', name: 'our throughput as a fraction of bare Fastify', value: (ours.rps / base.rps).toFixed(2) },
        { group: 'api', name: 'errors or non-2xx during load', value: String(ours.errors + base.errors), target: '0', met: ours.errors + base.errors === 0 },
      ];
    } finally {
      await bare.stop();
    }
  } finally {
    await cts.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchApi());
}
