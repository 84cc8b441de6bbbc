import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/money.js';
import { parseCandleCsv } from '../../../src/exchanges/simulated/candle-csv.js';
import type { BacktestReport } from '../../../src/engine/backtest/report.js';
import { GOLDEN_DIR, backtest } from './support.js';
import { expectPerpetualSums, registryWith, scripted } from './perp-support.js';

/**
 * Golden perpetual backtests over the bundled real XRP/USDT perpetual candles, with the real 8-hourly
 * funding rates and mark prices of data/: a short-biased 5× isolated run that holds its short through
 * every settlement, and a 25× long the real mark liquidates. Each stored report is also checked
 * against the data files read independently here (not through the backtester's loaders).
 * Regenerate deliberately with `UPDATE_GOLDEN=1` and review the diff.
 */

const DATA = path.join(GOLDEN_DIR, '../../../../data');
const H = 3_600_000;

function golden(name: string, report: BacktestReport): unknown {
  const file = path.join(GOLDEN_DIR, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** The funding file as plain rows: settlement rounded to the hour → rate as written. */
function rates(): Map<number, string> {
  const lines = readFileSync(path.join(DATA, 'XRP_USDT_USDT-8h-funding_rate.csv'), 'utf8').trim().split('\n').slice(1);
  return new Map(lines.map((l) => l.split(',')).map(([t, r]) => [Math.round(Number(t) / H) * H, new Dec(r as string).toFixed()]));
}

const mark = parseCandleCsv(readFileSync(path.join(DATA, 'XRP_USDT_USDT-1h-mark.csv'), 'utf8'));
const candles = parseCandleCsv(readFileSync(path.join(DATA, 'XRP_USDT_USDT-1h-futures.csv'), 'utf8'));
const openAt = (series: typeof mark, time: number): string | null => {
  for (let i = 0; i < series.length; i++) if (series.time(i) === time) return series.text('open', i);
  return null;
};

const FROM = '2021-11-18T00:00:00Z';

describe('golden perpetual backtests on the bundled XRP/USDT:USDT data with real funding and mark prices', () => {
  it('a short held at 5× isolated books the real funding at every 8 h settlement, priced at the mark where the file has it', async () => {
    // Short-biased: 1800 XRP short from the first traded candle to the end (2021-11-18 01:00 → 11-21 05:00).
    const report = await backtest(
      { strategy: 'scripted', params: { side: 'short', enterAt: 1, sizeBase: '1800' }, from: FROM, risk: { leverage: '5', allowShort: true } },
      registryWith(scripted()),
    );
    expect(JSON.parse(JSON.stringify(report))).toEqual(golden('perp-short-5x-funding', report));
    const d = report.derivatives;
    expect(d).toMatchObject({ leverage: '5', marginMode: 'isolated', liquidations: { count: 0 } });
    expect(d?.funding).toMatchObject({ source: 'XRP_USDT_USDT-8h-funding_rate.csv', intervalHours: 8, count: 9, paid: '0', missing: { count: 0 }, pricedByMark: 4, pricedByLastPrice: 5 });
    // Every settlement from the first after the entry to the last before the end, 8 h apart.
    const times = (d?.funding.payments ?? []).map((p) => Date.parse(p.time));
    expect(times[0]).toBe(Date.parse('2021-11-18T08:00:00Z'));
    expect(times.at(-1)).toBe(Date.parse('2021-11-21T00:00:00Z'));
    expect(times.slice(1).every((t, k) => t - (times[k] as number) === 8 * H)).toBe(true);
    // Each payment from the files themselves: the file's rate, the mark's open (else the candle's), −quantity × price × rate.
    const file = rates();
    for (const p of d?.funding.payments ?? []) {
      const t = Date.parse(p.time);
      expect(p.rate).toBe(file.get(t));
      const price = openAt(mark, t) ?? openAt(candles, t);
      expect([p.markPrice, p.priceSource]).toEqual([price, openAt(mark, t) ? 'mark' : 'last']);
      expect(new Dec(p.quantity).neg().mul(p.markPrice).mul(p.rate).eq(p.amount)).toBe(true);
      // A short receives the (positive) real rates.
      expect(new Dec(p.amount).gt(0)).toBe(true);
    }
    expectPerpetualSums(report);
  });

  it('a 25× isolated long is liquidated where the real mark first reaches its liquidation price, its margin lost', async () => {
    const report = await backtest({ strategy: 'scripted', params: { side: 'long', enterAt: 1, sizeBase: '1800' }, from: FROM, risk: { leverage: '25' } }, registryWith(scripted()));
    expect(JSON.parse(JSON.stringify(report))).toEqual(golden('perp-long-25x-liquidated', report));
    const event = report.derivatives?.liquidations.events[0];
    expect(report.derivatives?.liquidations.count).toBe(1);
    const entry = new Dec(report.trades[0]?.entryPrice ?? 'x');
    // entry × (1 − 1/25) / (1 − 0.01), rounded up to 1e-8 (towards the entry).
    const liquidation = entry.mul(0.96).div(0.99).toDecimalPlaces(8, Dec.ROUND_UP);
    expect(event).toMatchObject({ side: 'long', quantity: '1800', liquidationPrice: liquidation.toFixed(), markSource: 'mark' });
    // The first mark candle since the entry whose low reaches it.
    const entered = Date.parse(report.trades[0]?.entryTime ?? 'x');
    let first: number | null = null;
    for (let i = 0; i < mark.length && first === null; i++) if (mark.time(i) >= entered && mark.decimal('low', i).lte(liquidation)) first = mark.time(i);
    expect(event?.time).toBe(new Date(first as number).toISOString());
    // The margin: 1800 × entry ÷ 25.
    expect(new Dec(event?.loss ?? 'x').eq(entry.mul(1800).div(25))).toBe(true);
    expect(report.trades[0]?.fills.at(-1)).toMatchObject({ liquidation: true, price: liquidation.toFixed() });
    // One settlement (08:00) was paid while long; none after the liquidation.
    expect(report.derivatives?.funding.payments.map((p) => p.time)).toEqual(['2021-11-18T08:00:00.000Z']);
    expectPerpetualSums(report);
  });
});
