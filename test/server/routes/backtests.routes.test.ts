import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestCatalog } from '../../../src/domain/backtest-run.js';
import { listPerpetualFiles } from '../../../src/engine/backtest/perpetual-data.js';
import { BacktestCatalogSchema } from '../../../src/server/routes/backtests.routes.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

const BASE = '/api/backtests';
const BUNDLED = { source: 'bundled', file: 'XRP_USDT_USDT-1h-futures.csv' };
const GOLDEN = path.join(import.meta.dirname, '../../engine/backtest/golden');
let t: TempSystem;
let app: FastifyInstance;

async function call(options: InjectOptions): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
  const res = await app.inject(options);
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {}, headers: res.headers };
}

/** Polls until the run leaves queued/running (each poll yields to the event loop; no fixed sleeps). */
async function finished(id: string): Promise<Record<string, unknown>> {
  for (let k = 0; k < 2_000; k++) {
    const res = await call({ method: 'GET', url: `${BASE}/${id}` });
    expect(res.status).toBe(200);
    if (res.json.status === 'completed' || res.json.status === 'failed') return res.json;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`backtest ${id} did not finish`);
}

beforeAll(async () => {
  t = await startTempSystem();
  app = t.system.app;
});
afterAll(async () => t.close());

describe('POST /api/backtests', () => {
  it('answers 202 with an id and a Location, then serves the same report as the golden file', async () => {
    const body = { strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, data: BUNDLED, startingBalance: '1000', feeRate: '0.001', slippageBps: '5' };
    const res = await call({ method: 'POST', url: BASE, payload: body });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    expect(res.json.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(res.headers.location).toBe(`${BASE}/${String(res.json.id)}`);
    const done = await finished(String(res.json.id));
    expect(done).toMatchObject({ status: 'completed', kind: 'backtest', strategy: 'sma-crossover', symbol: 'XRP/USDT:USDT', timeframe: '1h', error: null, progress: null });
    const golden = JSON.parse(readFileSync(path.join(GOLDEN, 'sma-crossover.json'), 'utf8')) as unknown;
    expect(done.result).toEqual(golden);
    expect(done.summary).toMatchObject({ netProfit: '-2.3850419390866533148', tradeCount: 3 });
  });

  it('runs an uploaded CSV and stores its name and size instead of its content', async () => {
    const csv = readFileSync(path.join(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv'), 'utf8');
    const res = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', params: { intervalCandles: 8 }, symbol: 'XRP/USDT', data: { source: 'csv', csv, name: 'mine.csv' } } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done.status).toBe('completed');
    expect(done.request).toMatchObject({ data: { source: 'csv', name: 'mine.csv', bytes: Buffer.byteLength(csv) } });
    expect(JSON.stringify(done.request)).not.toContain('1637110800000');
  });

  it('refuses unknown fields, bad parameters and unknown strategies with 400 and the field at fault', async () => {
    const unknown = await call({ method: 'POST', url: BASE, payload: { strategy: 'sma-crossover', data: BUNDLED, leverage: 10 } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json.errors)).toContain('leverage');
    const params = await call({ method: 'POST', url: BASE, payload: { strategy: 'sma-crossover', params: { fast: 50, slow: 20 }, data: BUNDLED } });
    expect(params.status).toBe(400);
    expect(params.json.errors).toEqual([{ path: 'params.fast', message: 'fast must be shorter than slow' }]);
    const strategy = await call({ method: 'POST', url: BASE, payload: { strategy: 'martingale', data: BUNDLED } });
    expect(strategy.status).toBe(400);
    expect(String(strategy.json.detail)).toMatch(/Unknown strategy "martingale"; known: sma-crossover/);
    const fee = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED, feeRate: 0.001 } });
    expect(fee.status).toBe(400);
    expect(JSON.stringify(fee.json.errors)).toContain('feeRate');
    expect((await call({ method: 'POST', url: BASE })).status).toBe(400);
  });

  it('refuses a bad CSV with every bad line numbered', async () => {
    const csv = ['timestamp_ms,open,high,low,close,volume', '1637110800000,1,2,0.5,1,1', '1637114400000,1,2,0.5,abc,1', '1637114400000,1,2,0.5,1,1', '1637118000000,1,0.4,0.5,0.45,1', ''].join('\n');
    const res = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', symbol: 'XRP/USDT', data: { source: 'csv', csv } } });
    expect(res.status).toBe(400);
    const errors = res.json.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['line 3', 'line 5']));
    expect(errors.find((e) => e.path === 'line 3')?.message).toMatch(/close "abc"/);
    expect(errors.find((e) => e.path === 'line 5')?.message).toMatch(/high 0.4 is below low 0.5/);
  });

  it('answers 404 for a bundled file that does not exist', async () => {
    const res = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: { source: 'bundled', file: 'BTC_USDT-1m.csv' } } });
    expect(res.status).toBe(404);
    expect(String(res.json.detail)).toContain('XRP_USDT_USDT-1h-futures.csv');
  });
});

describe('GET /api/backtests', () => {
  it('lists past runs newest first with their headline figures, not their reports', async () => {
    const res = await call({ method: 'GET', url: `${BASE}?limit=10` });
    expect(res.status).toBe(200);
    const items = res.json.items as Record<string, unknown>[];
    expect(res.json.total).toBeGreaterThanOrEqual(2);
    expect(items[0]?.strategy).toBe('dca');
    expect(items.every((i) => !('result' in i))).toBe(true);
    expect(items.find((i) => i.strategy === 'sma-crossover')?.summary).toMatchObject({ tradeCount: 3 });
    expect((await call({ method: 'GET', url: `${BASE}?limit=0` })).status).toBe(400);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await call({ method: 'GET', url: `${BASE}/01HZZZZZZZZZZZZZZZZZZZZZZZ` });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('serves the catalog of strategies and bundled files', async () => {
    const res = await call({ method: 'GET', url: `${BASE}/catalog` });
    expect(res.status).toBe(200);
    expect(res.json.bundledFiles).toEqual(['ADA_BTC-1m.csv', 'DASH_BTC-5m.csv', 'ETH_BTC-1m.csv', 'LTC_BTC-5m.csv', 'XLM_BTC-1m.csv', 'XLM_BTC-5m.csv', 'XRP_USDT_USDT-1h-futures.csv']);
    expect((res.json.strategies as { id: string }[]).map((s) => s.id)).toEqual(['sma-crossover', 'rsi-mean-reversion', 'grid', 'dca']);
  });

  it("lists each perpetual's funding and mark files in data/ with the time they cover, in the documented shape", async () => {
    const res = await call({ method: 'GET', url: `${BASE}/catalog` });
    expect(res.status).toBe(200);
    const catalog: BacktestCatalog = BacktestCatalogSchema.parse(res.json);
    expect(catalog.perpetualFiles).toEqual([
      {
        symbol: 'XRP/USDT:USDT',
        // Settlements snapped to the whole hour (the file stamps them a few ms late).
        funding: [{ file: 'XRP_USDT_USDT-8h-funding_rate.csv', interval: '8h', rows: 91, from: '2021-11-18T00:00:00.000Z', to: '2021-12-18T00:00:00.000Z' }],
        mark: [{ file: 'XRP_USDT_USDT-1h-mark.csv', interval: '1h', rows: 100, from: '2021-11-15T06:00:00.000Z', to: '2021-11-19T10:00:00.000Z' }],
      },
    ]);
    // The request names them as they are listed.
    const pair = catalog.perpetualFiles[0];
    const body = { strategy: 'dca', data: BUNDLED, from: '2021-11-18T00:00:00Z', funding: { source: 'bundled', file: pair?.funding[0]?.file }, mark: { source: 'bundled', file: pair?.mark[0]?.file } };
    expect((await call({ method: 'POST', url: BASE, payload: body })).status).toBe(202);
  });

  it('lists an unreadable funding file with its problem, and a pair with only a mark file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cts-perp-files-'));
    try {
      writeFileSync(path.join(dir, 'BTC_USDT_USDT-8h-funding_rate.csv'), 'timestamp_ms,funding_rate\n1637193600000,lots\n');
      writeFileSync(path.join(dir, 'BTC_USDT_USDT-1h-mark.csv'), 'timestamp_ms,open,high,low,close,volume\n1637193600000,1,2,0.5,1.5,0\n1637197200000,1.5,2,1,1.2,0\n');
      writeFileSync(path.join(dir, 'ETH_USDT_USDT-4h-mark.csv'), 'timestamp_ms,open,high,low,close,volume\n1637193600000,1,2,0.5,1.5,0\n');
      writeFileSync(path.join(dir, 'ETH_BTC-1m.csv'), 'timestamp_ms,open,high,low,close,volume\n1637193600000,1,2,0.5,1.5,0\n');
      const listed = listPerpetualFiles(dir);
      expect(listed.map((p) => p.symbol)).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
      expect(listed[0]?.funding[0]).toMatchObject({ file: 'BTC_USDT_USDT-8h-funding_rate.csv', rows: 0, from: null, to: null });
      expect(listed[0]?.funding[0]?.problem).toContain('line 2: funding_rate "lots" is not a number');
      expect(listed[0]?.mark[0]).toEqual({ file: 'BTC_USDT_USDT-1h-mark.csv', interval: '1h', rows: 2, from: '2021-11-18T00:00:00.000Z', to: '2021-11-18T02:00:00.000Z' });
      // One candle: its end is unknown, so the range is that open.
      expect(listed[1]).toEqual({ symbol: 'ETH/USDT:USDT', funding: [], mark: [{ file: 'ETH_USDT_USDT-4h-mark.csv', interval: '4h', rows: 1, from: '2021-11-18T00:00:00.000Z', to: '2021-11-18T00:00:00.000Z' }] });
      expect(BacktestCatalogSchema.shape.perpetualFiles.parse(listed)).toEqual(listed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('POST /api/backtests on a perpetual', () => {
  it('runs a 5× short with named funding and mark files, and reports funding and margin', async () => {
    const body = {
      strategy: 'dca',
      params: { intervalCandles: 12, amountQuote: '200' },
      data: BUNDLED,
      from: '2021-11-18T00:00:00Z',
      risk: { leverage: '5', marginMode: 'isolated', allowShort: true },
      funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' },
      mark: { source: 'bundled', file: 'XRP_USDT_USDT-1h-mark.csv' },
    };
    const res = await call({ method: 'POST', url: BASE, payload: body });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done.status, String(done.error)).toBe('completed');
    const report = done.result as { result: { funding: string; netProfit: string }; derivatives: { leverage: string; funding: { source: string; count: number; net: string }; mark: { source: string } } };
    expect(report.derivatives).toMatchObject({ leverage: '5', funding: { source: 'XRP_USDT_USDT-8h-funding_rate.csv', count: 9 }, mark: { source: 'XRP_USDT_USDT-1h-mark.csv' } });
    expect(report.result.funding).toBe(report.derivatives.funding.net);
    expect(done.request).toMatchObject({ risk: { leverage: '5' }, funding: { source: 'bundled', file: 'XRP_USDT_USDT-8h-funding_rate.csv' } });
  });

  it('stores an inline funding CSV by name and size, and refuses bad funding data with the line at fault', async () => {
    const csv = 'timestamp_ms,funding_rate\n1637222400000,0.0002\n1637251200000,0.0002\n';
    const res = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED, from: '2021-11-18T00:00:00Z', to: '2021-11-19T00:00:00Z', funding: { source: 'csv', csv, name: 'mine.csv' } } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done.request).toMatchObject({ funding: { source: 'csv', name: 'mine.csv', bytes: Buffer.byteLength(csv) } });
    expect((done.result as { derivatives: { funding: { source: string } } }).derivatives.funding.source).toBe('mine.csv');

    const bad = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED, funding: { source: 'csv', csv: 'timestamp_ms,funding_rate\n1637222400000,lots\n' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ path: 'line 2', message: 'funding_rate "lots" is not a number' }]);
    const spot = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED, symbol: 'XRP/USDT', mark: { source: 'bundled', file: 'XRP_USDT_USDT-1h-mark.csv' } } });
    expect(spot.status).toBe(400);
    expect(spot.json.errors).toEqual([{ path: 'mark', message: 'only for perpetuals' }]);
    const missing = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED, funding: { source: 'bundled', file: 'NOPE.csv' } } });
    expect(missing.status).toBe(404);
  });
});

describe('POST /api/backtests/sweeps', () => {
  it('runs every combination on worker threads and ranks them by the chosen metric', async () => {
    const body = { strategy: 'sma-crossover', data: BUNDLED, grid: { fast: [3, 5, 10], slow: [20, 30] }, rank: 'netProfit' };
    const res = await call({ method: 'POST', url: `${BASE}/sweeps`, payload: body });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done.status, String(done.error)).toBe('completed');
    expect(done.kind).toBe('sweep');
    const result = done.result as { combinations: number; results: { rank: number; params: Record<string, number>; metrics: { netProfit: string } }[] };
    expect(result.combinations).toBe(6);
    expect(result.results.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    const profits = result.results.map((r) => Number(r.metrics.netProfit));
    expect(profits).toEqual([...profits].sort((a, b) => b - a));
    // The sweep's figures are the single backtest's figures for the same parameters.
    expect(result.results.find((r) => r.params.fast === 5 && r.params.slow === 20)?.metrics.netProfit).toBe('-2.3850419390866533148');
  });

  it('refuses a sweep without a grid or with an unknown rank metric', async () => {
    expect((await call({ method: 'POST', url: `${BASE}/sweeps`, payload: { strategy: 'dca', data: BUNDLED } })).status).toBe(400);
    const rank = await call({ method: 'POST', url: `${BASE}/sweeps`, payload: { strategy: 'dca', data: BUNDLED, grid: { intervalCandles: [4, 8] }, rank: 'luck' } });
    expect(rank.status).toBe(400);
    expect(JSON.stringify(rank.json.errors)).toContain('rank');
  });
});

describe('POST /api/backtests with several pairs', () => {
  it('runs several bundled pairs as one multi-pair backtest, stores it and lists it under its pairs', async () => {
    const files = ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv', 'XLM_BTC-1m.csv'];
    const payload = { strategy: 'rsi-mean-reversion', params: { sizeQuote: '0.3' }, startingBalance: '1', maxOpenTrades: 2, from: '2018-01-28', data: { source: 'bundled', files } };
    const res = await call({ method: 'POST', url: BASE, payload });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done).toMatchObject({ status: 'completed', symbol: 'ADA/BTC,ETH/BTC,XLM/BTC', timeframe: '1m', error: null });
    const report = done.result as { kind: string; pairs: { symbol: string; netPnl: string }[]; result: { netProfit: string; tradeCount: number }; settings: { maxOpenTrades: number } };
    expect(report.kind).toBe('multi-pair');
    expect(report.pairs.map((p) => p.symbol)).toEqual(['ADA/BTC', 'ETH/BTC', 'XLM/BTC']);
    expect(report.settings.maxOpenTrades).toBe(2);
    expect(done.summary).toMatchObject({ netProfit: report.result.netProfit, tradeCount: report.result.tradeCount });
    const list = await call({ method: 'GET', url: `${BASE}?limit=200` });
    expect((list.json.items as { id: string; symbol: string }[]).find((i) => i.id === res.json.id)?.symbol).toBe('ADA/BTC,ETH/BTC,XLM/BTC');
    const bad = await call({ method: 'POST', url: BASE, payload: { ...payload, data: { source: 'bundled', files: [files[0]] } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.errors)).toContain('data.files');
  });
});

describe('POST /api/backtests: the starting balance by quote currency', () => {
  it('starts a dollar-quoted run with 1000 when none is given', async () => {
    const res = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', data: BUNDLED } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done).toMatchObject({ status: 'completed', symbol: 'XRP/USDT:USDT' });
    expect((done.result as { settings: { startingBalance: string } }).settings.startingBalance).toBe('1000');
  });

  it('refuses a BTC-quoted run without a balance with 400, for file data, several pairs and exchange data, storing nothing', async () => {
    const before = (await call({ method: 'GET', url: `${BASE}?limit=1` })).json.total;
    const payloads = [
      { strategy: 'dca', data: { source: 'bundled', file: 'ETH_BTC-1m.csv' } },
      { strategy: 'dca', data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv'] } },
      { strategy: 'dca', symbol: 'ETH/BTC', timeframe: '1h', from: '2024-01-01', data: { source: 'exchange', connectionId: '01HZZZZZZZZZZZZZZZZZZZZZZZ' } },
    ];
    for (const payload of payloads) {
      const res = await call({ method: 'POST', url: BASE, payload });
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.errors).toEqual([{ path: 'startingBalance', message: 'required for a BTC-quoted pair' }]);
      expect(String(res.json.detail)).toMatch(/^(ETH|ADA)\/BTC is quoted in BTC: give the starting balance in BTC/);
    }
    expect((await call({ method: 'GET', url: `${BASE}?limit=1` })).json.total).toBe(before);
  });

  it('refuses exchange data missing its range or starting in the future with 400 at submit, not a 202 that fails later', async () => {
    const before = (await call({ method: 'GET', url: `${BASE}?limit=1` })).json.total;
    const data = { source: 'exchange', connectionId: '01HZZZZZZZZZZZZZZZZZZZZZZZ' };
    const missing = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', symbol: 'BTC/USDT', data } });
    expect(missing.status, JSON.stringify(missing.json)).toBe(400);
    expect(missing.json.errors).toEqual([
      { path: 'timeframe', message: 'required for exchange data' },
      { path: 'from', message: 'required for exchange data' },
    ]);
    const future = await call({ method: 'POST', url: BASE, payload: { strategy: 'dca', symbol: 'BTC/USDT', timeframe: '1h', from: '2999-01-01', data } });
    expect(future.status, JSON.stringify(future.json)).toBe(400);
    expect(future.json.errors).toEqual([{ path: 'from', message: 'must be in the past' }]);
    expect((await call({ method: 'GET', url: `${BASE}?limit=1` })).json.total).toBe(before);
  });

  it('runs a BTC-quoted pair on the balance given', async () => {
    const payload = { strategy: 'dca', params: { amountQuote: '0.001', intervalCandles: 600 }, startingBalance: '0.1', data: { source: 'bundled', file: 'ETH_BTC-1m.csv' } };
    const res = await call({ method: 'POST', url: BASE, payload });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const done = await finished(String(res.json.id));
    expect(done).toMatchObject({ status: 'completed', symbol: 'ETH/BTC' });
    expect((done.result as { settings: { startingBalance: string } }).settings.startingBalance).toBe('0.1');
  });
});
