import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startSimulator } from '../simulator/server.js';
import { loadConfig } from '../src/config/config.js';
import type { BatchTestJobView } from '../src/connections/batch-test.service.js';
import type { ExchangeId } from '../src/domain/exchange-ids.js';
import { createSystem } from '../src/system.js';
import type { BenchRow } from './support.js';

const LATENCY_MS = 80;
const PER_EXCHANGE: ExchangeId[] = ['binance', 'bybit', 'okx', 'gate', 'htx'];

/** Batch test of 10 connections (2 on each of 5 exchanges, 80 ms added latency) vs the slowest single test. */
export async function benchBatch(): Promise<BenchRow[]> {
  const sim = await startSimulator();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-batch-'));
  const config = loadConfig({ CTS_DATA_DIR: dataDir, CTS_DEMO_CONNECTION: 'false', CTS_EXCHANGE_PROXY_URL: sim.url, CTS_HEALTH_INTERVAL_MS: '3600000', CTS_LOG_LEVEL: 'silent' });
  const system = await createSystem(config, { logDestination: new Writable({ write: (_c, _e, done) => done() }) });
  try {
    const ids: string[] = [];
    for (const exchange of PER_EXCHANGE) {
      for (let i = 0; i < 2; i++) {
        const apiKey = `benchkey${exchange}${i}000000000`;
        const secret = `benchsecret${exchange}${i}0000000000`;
        sim.control.addAccount(exchange, { apiKey, secret, passphrase: exchange === 'okx' ? 'benchPass1' : undefined, balances: { USDT: '100' } });
        const view = await system.connections.create({
          name: `${exchange}-${i}`, exchange, marketTypes: ['spot'], mode: 'live', enabled: true, apiKey, apiSecret: secret,
          ...(exchange === 'okx' ? { passphrase: 'benchPass1' } : {}),
        });
        ids.push(view.id);
      }
    }
    sim.control.injectFault({ fault: { kind: 'latency', ms: LATENCY_MS } });
    // One pass first so ccxt loading and market caches do not inflate the singles; the second pass counts.
    let singles: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      singles = [];
      for (const id of ids) {
      const started = performance.now();
      const result = await (await system.app.inject({ method: 'POST', url: `/api/settings/connections/${id}/test` })).json() as { outcome: string };
      if (result.outcome === 'failed') throw new Error(`single test failed for ${id}`);
      singles.push(performance.now() - started);
      }
    }
    const started = performance.now();
    const job = (await system.app.inject({ method: 'POST', url: '/api/settings/connections/batch-test', payload: { ids } })).json() as BatchTestJobView;
    let view = job;
    while (view.state === 'running') {
      await new Promise((r) => setTimeout(r, 5));
      view = (await system.app.inject({ method: 'GET', url: `/api/settings/connections/batch-test/${job.jobId}` })).json() as BatchTestJobView;
    }
    const batchMs = performance.now() - started;
    const slowest = Math.max(...singles);
    const ratio = batchMs / slowest;
    return [
      { group: 'batch', name: `slowest single test (${LATENCY_MS} ms added latency)`, value: `${slowest.toFixed(0)} ms` },
      { group: 'batch', name: 'sum of the 10 single tests', value: `${singles.reduce((a, b) => a + b, 0).toFixed(0)} ms` },
      { group: 'batch', name: 'batch test of 10 connections, wall time', value: `${batchMs.toFixed(0)} ms`, target: '< 20 s', met: batchMs < 20_000 },
      { group: 'batch', name: 'batch wall time / slowest single', value: ratio.toFixed(2), target: '≤ 1.2', met: ratio <= 1.2 },
      { group: 'batch', name: 'results ok', value: `${view.totals.ok + view.totals.warning}/${view.total}`, target: '10/10', met: view.totals.ok + view.totals.warning === 10 },
    ];
  } finally {
    await system.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchBatch());
}
