import { pathToFileURL } from 'node:url';
import { buildReport } from '../src/engine/backtest/report.js';
import { BacktestRunner } from '../src/engine/backtest/runner.js';
import { syntheticMarket } from '../src/engine/backtest/data-source.js';
import { CandleSeries } from '../src/domain/candles.js';
import { parseRiskConfig } from '../src/engine/risk.js';
import { smaCrossover } from '../src/engine/strategies/sma-crossover.js';
import type { BenchRow } from './support.js';

/**
 * Backtest throughput: SMA crossover (10/30) over ≥ 1 M synthetic 1-minute candles on one core, through
 * the real runner (strategy API, risk, fill simulator, ledger), against a bare loop computing the same
 * crossover signals over a Float64Array of closes — the physical limit of this work on this machine.
 *
 * Candles: a seeded random walk (mulberry32, seed 42; ±0.1 % steps around 100, 6 decimals), so every
 * run and machine sees the same prices and the same trades.
 */

const CANDLES = Number(process.env.BENCH_BACKTEST_CANDLES ?? 1_000_000);
const FAST = 10;
const SLOW = 30;
const REPEATS = 3;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomWalk(count: number, seed = 42): CandleSeries {
  const random = mulberry32(seed);
  const series = new CandleSeries(count);
  let price = 100;
  const t0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < count; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (random() - 0.5) * 0.002));
    const high = Math.max(open, close) * (1 + random() * 0.0005);
    const low = Math.min(open, close) * (1 - random() * 0.0005);
    const f = (n: number) => n.toFixed(6);
    series.append({ time: t0 + i * 60_000, open: f(open), high: f(Math.max(high, open, close)), low: f(Math.min(low, open, close)), close: f(close), volume: '1' });
    price = Number(f(close));
  }
  return series;
}

/** The same signals with nothing else: running sums over a Float64Array. Returns the signal count. */
export function bareCrossover(closes: Float64Array, fast: number, slow: number): number {
  let fastSum = 0;
  let slowSum = 0;
  let above = 0; // 0 unknown, 1 above, -1 below
  let signals = 0;
  for (let i = 0; i < closes.length; i++) {
    const c = closes[i] as number;
    fastSum += c;
    slowSum += c;
    if (i >= fast) fastSum -= closes[i - fast] as number;
    if (i >= slow) slowSum -= closes[i - slow] as number;
    if (i < slow - 1) continue;
    const side = fastSum / fast > slowSum / slow ? 1 : -1;
    if (above !== 0 && side !== above) signals++;
    above = side;
  }
  return signals;
}

interface Run {
  ms: number;
  trades: number;
  reportMs: number;
}

function runOnce(series: CandleSeries, fast: number, slow: number): Run {
  const runner = new BacktestRunner({
    definition: smaCrossover,
    params: { fast, slow },
    series,
    market: syntheticMarket('BTC/USDT'),
    timeframe: '1m',
    start: 0,
    end: series.length,
    startingBalance: '100000',
    feeRate: '0.001',
    slippageBps: '5',
    risk: parseRiskConfig({}),
  });
  const t0 = performance.now();
  const outcome = runner.run();
  const t1 = performance.now();
  const report = buildReport(outcome, 1000);
  return { ms: t1 - t0, trades: report.result.tradeCount, reportMs: performance.now() - t1 };
}

/** Best of `REPEATS` (the machine may be shared; the best run is the least disturbed one). */
function best(series: CandleSeries, fast: number, slow: number): Run {
  let out: Run = { ms: Infinity, trades: 0, reportMs: Infinity };
  for (let r = 0; r < REPEATS; r++) {
    const run = runOnce(series, fast, slow);
    out = { ms: Math.min(out.ms, run.ms), trades: run.trades, reportMs: Math.min(out.reportMs, run.reportMs) };
  }
  return out;
}

function bestBare(closes: Float64Array, fast: number, slow: number): { ms: number; signals: number } {
  let ms = Infinity;
  let signals = 0;
  for (let r = 0; r < REPEATS * 3; r++) {
    const t0 = performance.now();
    signals = bareCrossover(closes, fast, slow);
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, signals };
}

const rate = (ms: number): number => CANDLES / (ms / 1000);
const mps = (ms: number): string => `${(rate(ms) / 1e6).toFixed(2)} M candles/s`;

export async function benchBacktest(): Promise<BenchRow[]> {
  const series = randomWalk(CANDLES);
  const closes = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) closes[i] = series.close(i);
  const rows: BenchRow[] = [];
  for (const [fast, slow, what] of [
    [FAST, SLOW, 'default periods, a trade every ~50 candles'],
    [50, 200, 'a trade every ~300 candles'],
  ] as const) {
    const run = best(series, fast, slow);
    const bare = bestBare(closes, fast, slow);
    rows.push(
      { group: 'backtest', name: `SMA crossover ${fast}/${slow} over ${CANDLES.toLocaleString('en')} candles, one core`, value: mps(run.ms), target: '≥ 1 M candles/s', met: rate(run.ms) >= 1e6, note: `${run.trades} trades, ${what}; best of ${REPEATS}` },
      { group: 'backtest', name: `bare Float64Array loop, same ${fast}/${slow} signals`, value: mps(bare.ms), note: `${bare.signals} crossovers` },
      { group: 'backtest', name: `runner ÷ bare loop time (${fast}/${slow})`, value: `${(run.ms / bare.ms).toFixed(0)}×` },
      { group: 'backtest', name: `report building (${fast}/${slow}: trade list, metrics, 1000-point curve)`, value: `${run.reportMs.toFixed(0)} ms` },
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchBacktest());
}
