import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../../src/domain/money.js';
import { parseBacktestRequest } from '../../../src/engine/backtest/backtest.js';
import { loadMultiPairData, runMultiPairSync } from '../../../src/engine/backtest/multi-pair.js';
import { makeTempDir } from '../../support/temp-system.js';
import type { BacktestReport } from '../../../src/engine/backtest/report.js';
import { fundingEventsBetween, parseFundingCsv } from '../../../src/engine/backtest/perpetual-data.js';
import { backtest } from './support.js';
import { expectPerpetualSums, registryWith, scripted, type Seen } from './perp-support.js';
import { z } from 'zod';
import { NO_INTENTS, defineStrategy, type Intent, type StrategySnapshot } from '../../../src/engine/strategy.js';

/**
 * Backtests of a USDT-margined perpetual on candles built by hand, so every figure can be worked out
 * on paper: funding (sign of the rate, long against short, the mark's price), liquidation at the
 * isolated and the cross price, the margin the wallet allows, the risk gate's refusal of a stop
 * beyond the liquidation, and the report's sums.
 */

const T0 = Date.parse('2024-01-01T00:00:00Z');
const H = 3_600_000;

/** Hourly candles from T0, each `100` flat unless `bars` says otherwise (index → [open, high, low, close]). */
function candles(n: number, bars: Record<number, [number, number, number, number]> = {}): string {
  const rows = ['timestamp_ms,open,high,low,close,volume'];
  for (let i = 0; i < n; i++) {
    const [o, h, l, c] = bars[i] ?? [100, 100, 100, 100];
    rows.push(`${T0 + i * H},${o},${h},${l},${c},1`);
  }
  return `${rows.join('\n')}\n`;
}

function funding(rows: [string, string][]): string {
  return `timestamp_ms,funding_rate\n${rows.map(([time, rate]) => `${Date.parse(time) + 17},${rate}`).join('\n')}\n`;
}

const RATES = funding([
  ['2024-01-01T00:00:00Z', '0.0003'],
  ['2024-01-01T08:00:00Z', '0.0001'],
  ['2024-01-01T16:00:00Z', '-2e-4'],
  ['2024-01-02T00:00:00Z', '0.0001'],
]);

interface Run {
  side?: 'long' | 'short';
  enterAt?: number;
  exitAt?: number;
  sizeBase?: string;
  risk?: Record<string, unknown>;
  bars?: Record<number, [number, number, number, number]>;
  mark?: Record<number, [number, number, number, number]> | 'none';
  funding?: string | 'none';
  n?: number;
  feeRate?: string;
  balance?: string;
}

async function run(r: Run = {}, log: Seen[] = []): Promise<BacktestReport> {
  const n = r.n ?? 20;
  return backtest(
    {
      strategy: 'scripted',
      params: { side: r.side ?? 'short', enterAt: r.enterAt ?? 2, exitAt: r.exitAt ?? -1, sizeBase: r.sizeBase ?? '1' },
      data: { source: 'csv', csv: candles(n, r.bars), name: 'hand.csv' },
      symbol: 'BTC/USDT:USDT',
      startingBalance: r.balance ?? '1000',
      feeRate: r.feeRate ?? '0',
      slippageBps: '0',
      risk: { allowShort: true, ...r.risk },
      funding: r.funding === 'none' ? { source: 'none' } : { source: 'csv', csv: r.funding ?? RATES, name: 'rates.csv' },
      mark: r.mark === undefined || r.mark === 'none' ? { source: 'none' } : { source: 'csv', csv: candles(n, r.mark), name: 'mark.csv' },
    },
    registryWith(scripted(log)),
  );
}

describe('funding on a perpetual backtest (hand-worked)', () => {
  it('a short receives a positive rate and pays a negative one: −quantity × price × rate at each settlement', async () => {
    const report = await run({ side: 'short', enterAt: 2, feeRate: '0.001' });
    const f = report.derivatives?.funding;
    // Filled at 03:00 at 100; settlements at 08:00 (+0.01%) and 16:00 (−0.02%); 00:00 was before the entry.
    expect(f?.payments).toEqual([
      { time: '2024-01-01T08:00:00.000Z', rate: '0.0001', markPrice: '100', priceSource: 'last', quantity: '-1', amount: '0.01' },
      { time: '2024-01-01T16:00:00.000Z', rate: '-0.0002', markPrice: '100', priceSource: 'last', quantity: '-1', amount: '-0.02' },
    ]);
    expect(f).toMatchObject({ source: 'rates.csv', intervalHours: 8, count: 2, paid: '0.02', received: '0.01', net: '-0.01', missing: { count: 0, samples: [] } });
    expect(report.result).toMatchObject({ realizedPnl: '0', unrealizedPnl: '0', feesPaid: '0.1', funding: '-0.01', netProfit: '-0.11' });
    expect(report.trades[0]).toMatchObject({ side: 'short', status: 'open', funding: '-0.01', pnl: '-0.11' });
    expectPerpetualSums(report);
  });

  it('a long pays a positive rate and receives a negative one', async () => {
    const report = await run({ side: 'long', enterAt: 2, sizeBase: '2' });
    expect(report.derivatives?.funding.payments.map((p) => [p.time.slice(11, 16), p.quantity, p.amount])).toEqual([
      ['08:00', '2', '-0.02'],
      ['16:00', '2', '0.04'],
    ]);
    expect(report.result.funding).toBe('0.02');
    expectPerpetualSums(report);
  });

  it("is priced at the mark file's price at the settlement where it has one", async () => {
    const report = await run({ side: 'short', mark: { 8: [101, 101, 101, 101], 16: [99, 99, 99, 99] } });
    expect(report.derivatives?.funding.payments.map((p) => [p.markPrice, p.priceSource, p.amount])).toEqual([
      ['101', 'mark', '0.0101'],
      ['99', 'mark', '-0.0198'],
    ]);
    expect(report.derivatives?.funding).toMatchObject({ pricedByMark: 2, pricedByLastPrice: 0 });
    expectPerpetualSums(report);
  });

  it('is not charged to a position opened at the settlement itself (the order fills at that open, after it)', async () => {
    const report = await run({ side: 'short', enterAt: 7 });
    expect(report.trades[0]?.entryTime).toBe('2024-01-01T08:00:00.000Z');
    expect(report.derivatives?.funding.payments.map((p) => p.time)).toEqual(['2024-01-01T16:00:00.000Z']);
  });

  it('says there was no funding data, and books none', async () => {
    const report = await run({ funding: 'none' });
    expect(report.derivatives?.funding).toMatchObject({ source: null, count: 0, net: '0', note: 'No funding data (funding: none): no funding is booked.' });
    expect(report.result.funding).toBe('0');
  });

  it('counts the settlements the file has no rate for while a position was open, and books nothing at them', async () => {
    const gappy = funding([
      ['2024-01-01T00:00:00Z', '0.0001'],
      ['2024-01-01T08:00:00Z', '0.0001'],
      ['2024-01-01T16:00:00Z', '0.0001'],
      ['2024-01-02T08:00:00Z', '0.0001'],
    ]);
    const report = await run({ funding: gappy, n: 36 });
    const f = report.derivatives?.funding;
    expect(f?.payments.map((p) => p.time.slice(5, 16))).toEqual(['01-01T08:00', '01-01T16:00', '01-02T08:00']);
    expect(f?.missing).toEqual({ count: 1, samples: ['2024-01-02T00:00:00.000Z'] });
    expect(f?.note).toContain('no rate for 1 of the 4 funding times');
  });
});

describe('liquidation by the mark price (hand-worked)', () => {
  // 5× isolated short of 1 at 100: margin 20, liquidation 100 × (1 + 1/5) / (1 + 0.01) = 118.8118811…,
  // kept to 8 decimals towards the entry: 118.81188118.
  const SHORT_5X = { side: 'short' as const, risk: { leverage: '5' }, funding: 'none' };

  it('closes the position at its liquidation price when the mark crosses it, the margin lost, orders cancelled, the strategy flat', async () => {
    const log: Seen[] = [];
    // With the funding file: the short received 0.01 at 08:00, which stays with the trade and the wallet.
    const report = await run(
      { ...SHORT_5X, funding: RATES, risk: { leverage: '5', stopLossPct: 10 }, bars: { 10: [100, 109, 100, 100], 12: [100, 125, 100, 100] }, mark: { 10: [100, 119, 100, 100] } },
      log,
    );
    const d = report.derivatives;
    expect(d?.liquidations).toEqual({
      count: 1,
      loss: '20',
      fees: '1.18811882',
      events: [
        {
          time: '2024-01-01T10:00:00.000Z',
          side: 'short',
          quantity: '1',
          entryPrice: '100',
          liquidationPrice: '118.81188118',
          markExtreme: '119',
          markSource: 'mark',
          realizedPnl: '-18.81188118',
          fee: '1.18811882',
          loss: '20',
        },
      ],
    });
    const trade = report.trades[0];
    expect(report.trades).toHaveLength(1);
    expect(trade).toMatchObject({ status: 'closed', exitPrice: '118.81188118', pnl: '-19.99', funding: '0.01', exitTime: '2024-01-01T10:00:00.000Z' });
    expect(trade?.exitReason).toMatch(/^liquidation: the mark reached 119, past the isolated liquidation price 118\.81188118 of the short from 100 at 5×/);
    expect(trade?.fills.at(-1)).toMatchObject({ side: 'buy', price: '118.81188118', amount: '1', fee: '1.18811882', liquidation: true });
    // The resting stop at 110 was cancelled with the position: candle 12's 125 fills nothing.
    expect(trade?.fills).toHaveLength(2);
    expect(report.result).toMatchObject({ netProfit: '-19.99', realizedPnl: '-18.81188118', feesPaid: '1.18811882', funding: '0.01', endingEquity: '980.01', endPosition: { quantity: '0', dust: false } });
    // At candle 10's close the strategy sees the liquidation fill, a flat position, no order, and the wallet less the margin.
    expect(log.find((s) => s.index === 10)).toMatchObject({ side: 'flat', fills: 1, openOrders: 0, quote: { asset: 'USDT', total: '980.01', free: '980.01' } });
    expect(log.find((s) => s.index === 9)).toMatchObject({ side: 'short', quote: { total: '1000.01', free: '980.01' } });
    expectPerpetualSums(report);
  });

  it('the mark decides: a last-price spike the mark did not make liquidates nothing', async () => {
    const report = await run({ ...SHORT_5X, bars: { 12: [100, 125, 100, 100] }, mark: { 12: [100, 105, 100, 100] } });
    expect(report.derivatives?.liquidations.count).toBe(0);
    expect(report.derivatives?.mark).toMatchObject({ source: 'mark.csv', candlesWithMark: 20, candles: 20 });
  });

  it("without mark prices the candle's own high stands in, and the report says so", async () => {
    const report = await run({ ...SHORT_5X, bars: { 12: [100, 125, 100, 100] }, mark: 'none' });
    expect(report.derivatives?.liquidations.events[0]).toMatchObject({ time: '2024-01-01T12:00:00.000Z', liquidationPrice: '118.81188118', markExtreme: '125', markSource: 'last', loss: '20' });
    expect(report.trades[0]?.exitReason).toContain("the candle's price (no mark) reached 125");
    expect(report.derivatives?.mark).toMatchObject({ source: null, candlesWithMark: 0 });
    expect(report.derivatives?.mark.note).toContain('No mark prices (mark: none)');
  });

  it('a long is liquidated at entry × (1 − 1/L) / (1 − mmr), rounded up towards the entry', async () => {
    // 10× long of 2 at 100: 100 × 0.9 / 0.99 = 90.90909090…, up to 90.90909091; margin 20.
    const report = await run({ side: 'long', sizeBase: '2', risk: { leverage: '10' }, funding: 'none', bars: { 6: [100, 100, 80, 100] } });
    expect(report.derivatives?.liquidations.events[0]).toMatchObject({ side: 'long', liquidationPrice: '90.90909091', realizedPnl: '-18.18181818', fee: '1.81818182', loss: '20' });
    expectPerpetualSums(report);
  });

  it('cross margin: the whole wallet backs the position, so it is liquidated later and loses the wallet', async () => {
    // 25 USDT, 5× short of 1 at 100 (margin 20). Isolated: 118.81188118. Cross: (100 + 25/1) / 1.01 = 123.76237623.
    const bars = { 10: [100, 120, 100, 100] as [number, number, number, number], 12: [100, 124, 100, 100] as [number, number, number, number] };
    const isolated = await run({ ...SHORT_5X, balance: '25', bars });
    expect(isolated.derivatives?.liquidations.events[0]).toMatchObject({ time: '2024-01-01T10:00:00.000Z', liquidationPrice: '118.81188118', loss: '20' });
    const cross = await run({ ...SHORT_5X, balance: '25', risk: { leverage: '5', marginMode: 'cross' }, bars });
    expect(cross.derivatives).toMatchObject({ marginMode: 'cross' });
    expect(cross.derivatives?.liquidations.events[0]).toMatchObject({ time: '2024-01-01T12:00:00.000Z', liquidationPrice: '123.76237623', realizedPnl: '-23.76237623', fee: '1.23762377', loss: '25' });
    expect(cross.result.endingEquity).toBe('0');
    expectPerpetualSums(cross);
  });
});

describe('margin and the risk gate on a perpetual backtest', () => {
  it('refuses an entry that would be liquidated inside its stop, as live, and lists the refusal', async () => {
    // 5×: liquidation 18.8 % above a short's entry, inside a 20 % stop.
    const refused = await run({ side: 'short', risk: { leverage: '5', stopLossPct: 20 } });
    expect(refused.trades).toEqual([]);
    expect(refused.events.rejections.count).toBe(1);
    expect(refused.events.rejections.samples[0]?.message).toMatch(/^Liquidation inside the stop: at 5× a short from 100 would be liquidated near 118\.81.* USDT, 18\.81.* % away, nearer than its stop-loss \(20 %\)/);
    // 4×: 23.8 % away, beyond the stop: it trades.
    const accepted = await run({ side: 'short', risk: { leverage: '4', stopLossPct: 20 } });
    expect(accepted.trades).toHaveLength(1);
  });

  it('puts up notional ÷ leverage of the wallet: 5× carries 4500 on 1000, not 5500', async () => {
    const fits = await run({ side: 'long', sizeBase: '45', risk: { leverage: '5' } });
    expect(fits.trades[0]?.size).toBe('45');
    const over = await run({ side: 'long', sizeBase: '55', risk: { leverage: '5' } });
    expect(over.trades).toEqual([]);
    expect(over.events.rejections.samples[0]?.message).toMatch(/^Over budget: the order costs 1100 USDT, and the bot's budget of 1000 USDT has 1000 USDT left/);
    const spotLike = await run({ side: 'long', sizeBase: '45' });
    expect(spotLike.trades).toEqual([]);
    expect(spotLike.settings.risk).toMatchObject({ allowShort: true });
  });

  it('adds to a short: a second sell while short fills (the simulator no longer refuses it for the negative coin balance)', async () => {
    const twice = defineStrategy({
      id: 'short-twice',
      name: 'Short twice',
      description: 'Shorts 1 at candle 2 and 1 more at candle 4 (tests).',
      params: z.object({}).strict(),
      warmup: () => 1,
      create: () => ({
        warmup: 1,
        onCandle: (snap: StrategySnapshot): readonly Intent[] => (snap.candles.last === 2 || snap.candles.last === 4 ? [{ kind: 'enter', side: 'short', size: { base: '1' }, reason: 'add' }] : NO_INTENTS),
      }),
    });
    const report = await backtest(
      { strategy: 'short-twice', data: { source: 'csv', csv: candles(10), name: 'hand.csv' }, symbol: 'BTC/USDT:USDT', startingBalance: '1000', feeRate: '0', slippageBps: '0', risk: { allowShort: true, leverage: '2' }, funding: { source: 'none' }, mark: { source: 'none' } },
      registryWith(twice),
    );
    expect(report.events.rejections.count).toBe(0);
    expect(report.trades[0]?.fills.map((f) => f.side)).toEqual(['sell', 'sell']);
    expect(report.result.endPosition.quantity).toBe('-2');
  });

  it('refuses shorts without allowShort, as live', async () => {
    const report = await run({ side: 'short', risk: { allowShort: false } });
    expect(report.trades).toEqual([]);
    expect(report.events.rejections.samples[0]?.message).toContain('short selling is disabled (allowShort)');
  });

  it('charges fees in the settle currency and refuses fees in base', async () => {
    const report = await run({ side: 'long', feeRate: '0.001', exitAt: 5 });
    expect(report.settings.feeAssets).toEqual({ buy: 'quote', sell: 'quote' });
    expect(report.trades[0]?.fills.every((f) => f.feeAsset === 'USDT')).toBe(true);
    await expect(
      backtest({ strategy: 'sma-crossover', data: { source: 'csv', csv: candles(30), name: 'x.csv' }, symbol: 'BTC/USDT:USDT', feeAsset: 'base' }),
    ).rejects.toMatchObject({ fields: [{ path: 'feeAsset' }] });
  });

  it('keeps spot reports free of perpetual fields, and refuses funding or mark data for a spot pair', async () => {
    const spot = await backtest({ strategy: 'sma-crossover', params: { fast: 2, slow: 4 }, data: { source: 'csv', csv: candles(30, { 10: [100, 104, 99, 103], 20: [103, 103, 95, 96] }), name: 's.csv' }, symbol: 'BTC/USDT' });
    expect('derivatives' in spot).toBe(false);
    expect('funding' in spot.result).toBe(false);
    expect(spot.trades.every((t) => !('funding' in t))).toBe(true);
    await expect(
      backtest({ strategy: 'sma-crossover', data: { source: 'csv', csv: candles(30), name: 's.csv' }, symbol: 'BTC/USDT', funding: { source: 'csv', csv: RATES } }),
    ).rejects.toMatchObject({ fields: [{ path: 'funding', message: 'only for perpetuals' }] });
  });
});

describe('funding-rate files', () => {
  it('snaps settlements stamped a few ms late to the hour and reads rates written with an exponent exactly', () => {
    const f = parseFundingCsv(RATES, 'rates.csv');
    expect(f).toEqual({ source: 'rates.csv', intervalMs: 8 * H, times: [T0, T0 + 8 * H, T0 + 16 * H, T0 + 24 * H], rates: ['0.0003', '0.0001', '-0.0002', '0.0001'] });
  });

  it('reports every bad line with its number', () => {
    const text = `timestamp_ms,funding_rate\n${T0},0.0001\n${T0 + 8 * H},abc\n${T0 + 8 * H + 5 * 60_000},0.0001\n${T0},0.0001\n`;
    expect(() => parseFundingCsv(text, 'bad.csv')).toThrow(/bad\.csv: 3 problem\(s\): line 3: funding_rate "abc" is not a number; line 4: .* not within a minute of a whole hour.*; line 5: settlement 2024-01-01T00:00:00.000Z is a duplicate of the one on line 2/);
    expect(() => parseFundingCsv('time,rate\n1,2\n', 'x.csv')).toThrow(/expected a header timestamp_ms,funding_rate/);
  });

  it('lists the settlements a run crosses, and the schedule slots the file lacks', () => {
    const f = parseFundingCsv(funding([['2024-01-01T08:00:00Z', '0.0001'], ['2024-01-01T16:00:00Z', '0.0002'], ['2024-01-02T08:00:00Z', '0.0003']]), 'f.csv');
    const events = fundingEventsBetween(f, T0 - 8 * H, T0 + 48 * H).map((e) => [new Date(e.time).toISOString().slice(5, 16), e.rate]);
    expect(events).toEqual([
      ['01-01T00:00', null],
      ['01-01T08:00', '0.0001'],
      ['01-01T16:00', '0.0002'],
      ['01-02T00:00', null],
      ['01-02T08:00', '0.0003'],
      ['01-02T16:00', null],
    ]);
  });
});

describe('several perpetuals in one run (one margin wallet)', () => {
  it("counts the other pairs' margin against an entry, books each pair's own funding, and adds up", async () => {
    const dir = makeTempDir();
    writeFileSync(path.join(dir, 'BTC_USDT_USDT-1h-futures.csv'), candles(20));
    writeFileSync(path.join(dir, 'ETH_USDT_USDT-1h-futures.csv'), candles(20).replaceAll(',100', ',50'));
    writeFileSync(path.join(dir, 'BTC_USDT_USDT-8h-funding_rate.csv'), RATES);
    const deps = { bundledDir: dir, cacheDir: path.join(dir, 'cache') };
    const registry = registryWith(scripted());
    const run = async (balance: string) => {
      const { request, definition } = parseBacktestRequest(
        { strategy: 'scripted', params: { side: 'short', enterAt: 2, sizeBase: '1' }, data: { source: 'bundled', files: ['BTC_USDT_USDT-1h-futures.csv', 'ETH_USDT_USDT-1h-futures.csv'] }, startingBalance: balance, feeRate: '0', slippageBps: '0', risk: { allowShort: true, leverage: '5' } },
        registry,
      );
      return runMultiPairSync(request, definition, await loadMultiPairData(request, definition, deps));
    };
    // 28 USDT: BTC's short puts up 20 (100 ÷ 5); ETH's 10 no longer fits beside it.
    const tight = await run('28');
    expect(tight.trades.map((t) => t.symbol)).toEqual(['BTC/USDT:USDT']);
    expect(tight.events.rejections.samples[0]?.message).toBe("ETH/USDT:USDT: Over budget: the order costs 10 USDT, and the bot's budget of 28 USDT has 8 USDT left (position 20, open orders 0)");
    const both = await run('40');
    expect(both.trades.map((t) => t.symbol).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
    // BTC has a funding file in data/, ETH none: only BTC books (its short receives 0.01, then pays 0.02).
    expect(both.derivatives?.funding.payments.map((p) => [p.symbol, p.amount])).toEqual([
      ['BTC/USDT:USDT', '0.01'],
      ['BTC/USDT:USDT', '-0.02'],
    ]);
    expect(both.derivatives?.funding.source).toBe('BTC_USDT_USDT-8h-funding_rate.csv');
    expect(both.derivatives?.funding.note).toContain('ETH/USDT:USDT: No funding data for ETH/USDT:USDT');
    expect(both.pairs.map((p) => [p.symbol, p.funding, p.netPnl])).toEqual([
      ['BTC/USDT:USDT', '-0.01', '-0.01'],
      ['ETH/USDT:USDT', '0', '0'],
    ]);
    expect(both.pairs.reduce((a, p) => a.add(p.netPnl), ZERO).eq(both.result.netProfit)).toBe(true);
    expect(both.result).toMatchObject({ funding: '-0.01', netProfit: '-0.01', endingEquity: '39.99' });
  });

  it('refuses spot pairs and perpetuals in one run', async () => {
    const dir = makeTempDir();
    writeFileSync(path.join(dir, 'BTC_USDT_USDT-1h-futures.csv'), candles(20));
    writeFileSync(path.join(dir, 'ETH_USDT-1h.csv'), candles(20));
    const { request, definition } = parseBacktestRequest({ strategy: 'dca', data: { source: 'bundled', files: ['BTC_USDT_USDT-1h-futures.csv', 'ETH_USDT-1h.csv'] } }, registryWith());
    const data = await loadMultiPairData(request, definition, { bundledDir: dir, cacheDir: path.join(dir, 'cache') });
    expect(() => runMultiPairSync(request, definition, data)).toThrow(/Spot pairs and perpetuals cannot share one run/);
  });
});
