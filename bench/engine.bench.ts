import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/domain/clock.js';
import type { Exchange } from '../src/exchanges/exchange.port.js';
import type { VenueFactory } from '../src/engine/runtime/venue.js';
import { createSandboxEngines } from '../src/ops/sandbox-engines.js';
import { percentile, ROOT, spawnUntil, type BenchRow } from './support.js';

const CSV = path.join(ROOT, 'data/XRP_USDT_USDT-1h-futures.csv');
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 60);

/** Tick-to-order: from the candle leaving the feed to `createOrder` being called, in-process (DCA buys every candle). */
async function tickToOrder(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-engine-'));
  const latencies: number[] = [];
  let candleAt = 0;
  const wrapVenues = (venues: VenueFactory): VenueFactory => async (request) => {
    const venue = await venues(request);
    const exchange = new Proxy(venue.exchange, {
      get(target, prop) {
        if (prop === 'createOrder') {
          return (order: Parameters<Exchange['createOrder']>[0]) => {
            latencies.push(performance.now() - candleAt);
            return target.createOrder(order);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const feed = {
      next: async (signal?: AbortSignal) => {
        const event = await venue.feed.next(signal);
        candleAt = performance.now();
        return event;
      },
      close: () => venue.feed.close(),
    };
    return { ...venue, exchange, feed };
  };
  const sandbox = await createSandboxEngines({ dataDir, clock: systemClock, replayCsvPath: CSV, wrapVenues });
  try {
    await sandbox.engines.start({ connectionId: sandbox.connection.id, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '20' }, symbol: 'XRP/USDT', options: { replaySpeed: 50, resumeOnRestart: false } });
    const deadline = Date.now() + 15_000;
    while ((await sandbox.engines.status(sandbox.connection.id)).state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return [
    { group: 'engine', name: `tick-to-order in-process (replay, ${sorted.length} orders)`, value: `p50 ${percentile(sorted, 50).toFixed(2)} ms / p99 ${percentile(sorted, 99).toFixed(2)} ms` },
  ];
}

/** RSS of the built server after start, and with 7 connections and 7 replay engines running. */
async function memory(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-mem-'));
  const server = await spawnUntil([path.join(ROOT, 'dist/src/main.js')], { CTS_DATA_DIR: dataDir, CTS_PORT: '0', CTS_LOG_LEVEL: 'warn', CTS_DEMO_CONNECTION: 'false' }, /CTS listening on (\S+)/);
  const rss = async (): Promise<number> => ((await (await fetch(`${server.url}/api/system/status`)).json()) as { memory: { rssBytes: number } }).memory.rssBytes;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const atStart = await rss();
    const exchanges = ['binance', 'bybit', 'okx', 'kraken', 'coinbase', 'htx', 'gate'];
    for (const [i, exchange] of exchanges.entries()) {
      const created = (await (await fetch(`${server.url}/api/settings/connections`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `replay-${exchange}`, exchange, marketTypes: ['spot'], mode: 'replay' }),
      })).json()) as { id: string };
      const started = await fetch(`${server.url}/api/trade-engine/start`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        // 100 candles at 1.5 per second keep every engine trading for the whole minute.
        body: JSON.stringify({ connectionId: created.id, strategy: i % 2 ? 'rsi-mean-reversion' : 'sma-crossover', params: {}, symbol: 'XRP/USDT', options: { replaySpeed: 1.5 } }),
      });
      if (started.status !== 200) throw new Error(`engine start failed: ${started.status} ${await started.text()}`);
    }
    await new Promise((r) => setTimeout(r, MEMORY_SECONDS * 1000));
    const status = (await (await fetch(`${server.url}/api/system/status`)).json()) as { memory: { rssBytes: number }; engines: { byState: Record<string, number> } };
    const running = status.engines.byState.running ?? 0;
    const loaded = status.memory.rssBytes;
    return [
      { group: 'memory', name: 'RSS after start (built server, no engines)', value: `${(atStart / 2 ** 20).toFixed(1)} MB` },
      { group: 'memory', name: `RSS with 7 connections and 7 replay engines after ${MEMORY_SECONDS} s (${running} still running)`, value: `${(loaded / 2 ** 20).toFixed(1)} MB`, target: '< 150 MB', met: loaded < 150 * 2 ** 20 },
    ];
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchEngine(): Promise<BenchRow[]> {
  return [...(await tickToOrder()), ...(await memory())];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchEngine());
}
