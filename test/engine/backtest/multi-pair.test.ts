import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadBacktestData, parseBacktestRequest, runBacktestSync } from '../../../src/engine/backtest/backtest.js';
import { sweepRequestSchema, type BacktestRequest } from '../../../src/engine/backtest/config.js';
import { syntheticMarket, type PreparedData } from '../../../src/engine/backtest/data-source.js';
import { buildMultiPairReport } from '../../../src/engine/backtest/multi-report.js';
import { createMultiPairRunner, loadMultiPairData, runMultiPairSync } from '../../../src/engine/backtest/multi-pair.js';
import { CandleSeries } from '../../../src/domain/candles.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type Intent, type StrategySnapshot } from '../../../src/engine/strategy.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { Candle } from '../../../src/domain/candles.js';
import { sourceDeps } from './support.js';

const THREE_1M = ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv', 'XLM_BTC-1m.csv'];

function parse(input: Record<string, unknown>, registry = new StrategyRegistry()): { request: BacktestRequest; definition: ReturnType<StrategyRegistry['get']> } {
  return parseBacktestRequest(input, registry);
}

/** Σ of the pairs' net PnL, exactly. */
function pairSum(report: { pairs: { netPnl: string }[] }): Dec {
  return report.pairs.reduce((a, p) => a.add(p.netPnl), ZERO);
}

/** Most pairs with an open trade at once, from the trades' own fill times (exits before entries at a tie). */
function concurrentTrades(trades: readonly { entryTime: string; exitTime: string | null; symbol: string }[]): number {
  const events = trades.flatMap((t) => [
    { at: Date.parse(t.entryTime), d: 1 },
    ...(t.exitTime === null ? [] : [{ at: Date.parse(t.exitTime), d: -1 }]),
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let peak = 0;
  for (const e of events) peak = Math.max(peak, (open += e.d));
  return peak;
}

describe('multi-pair backtest on the shipped 1m pairs', () => {
  it('backtests ADA/BTC, ETH/BTC and XLM/BTC together: one balance, maxOpenTrades held and refusals explained, totals = Σ pairs', async () => {
    const { request, definition } = parse({
      strategy: 'rsi-mean-reversion',
      params: { sizeQuote: '0.3' },
      startingBalance: '1',
      maxOpenTrades: 2,
      from: '2018-01-21',
      data: { source: 'bundled', files: THREE_1M },
    });
    const data = await loadMultiPairData(request, definition, sourceDeps());
    const report = runMultiPairSync(request, definition, data);
    expect(report.symbols).toEqual(['ADA/BTC', 'ETH/BTC', 'XLM/BTC']);
    expect(report.pairs.map((p) => p.symbol)).toEqual(report.symbols);
    expect(report.pairs.every((p) => p.tradeCount > 0)).toBe(true);
    expect(pairSum(report).eq(report.result.netProfit)).toBe(true);
    expect(new Dec(report.result.endingEquity).sub(report.result.startingBalance).eq(report.result.netProfit)).toBe(true);
    expect(report.result.tradeCount).toBe(report.pairs.reduce((n, p) => n + p.tradeCount, 0));
    expect(new Dec(report.result.feesPaid).eq(report.pairs.reduce((a, p) => a.add(p.feesPaid), ZERO))).toBe(true);
    expect(report.settings.peakOpenTrades).toBe(2);
    expect(concurrentTrades(report.trades)).toBeLessThanOrEqual(2);
    expect(report.events.rejections.samples.some((e) => /refused: maxOpenTrades 2 reached \(open: /.test(e.message))).toBe(true);
    expect(report.period.gaps).toBe(40);
    expect(Number(report.result.maxDrawdown.pct)).toBeGreaterThan(0);
  });

  it('one pair through the multi-pair runner gives the single-pair result, to the last digit', async () => {
    const single = parse({ strategy: 'rsi-mean-reversion', params: { sizeQuote: '0.5' }, startingBalance: '1', data: { source: 'bundled', file: 'ADA_BTC-1m.csv' } });
    const data = await loadBacktestData(single.request, single.definition, sourceDeps());
    const expected = runBacktestSync(single.request, single.definition, data);
    const multi = buildMultiPairReport(createMultiPairRunner(single.request, single.definition, [data]).run(), single.request.equityPoints);
    expect(expected.result.tradeCount).toBeGreaterThan(10);
    for (const key of ['endingEquity', 'netProfit', 'realizedPnl', 'unrealizedPnl', 'feesPaid', 'tradeCount', 'wins', 'losses', 'maxDrawdown', 'sharpe', 'exposure'] as const) {
      expect(multi.result[key]).toEqual(expected.result[key]);
    }
    expect(multi.trades.map(({ symbol: _s, ...t }) => t)).toEqual(expected.trades);
    expect(multi.equityCurve).toEqual(expected.equityCurve);
    expect(multi.buyAndHold.netProfit).toBe(expected.buyAndHold.netProfit);
  });

  it('feeds another pair and a higher timeframe as informative inputs, each only once closed', async () => {
    const seen = { snapshots: 0, ethVisible: 0 };
    const definition = defineStrategy({
      id: 'reads-eth',
      name: 'reads-eth',
      description: 'test',
      params: z.object({}),
      warmup: () => 1,
      informative: () => [{ symbol: 'ETH/BTC' }, { timeframe: '15m' }],
      create: () => ({
        warmup: 1,
        onCandle: (s) => {
          const eth = s.informative?.get({ symbol: 'ETH/BTC' });
          const quarter = s.informative?.get({ timeframe: '15m' });
          if (!eth || !quarter) throw new Error('informative inputs missing');
          seen.snapshots++;
          if (eth.length > 0) {
            seen.ethVisible++;
            if (eth.time(eth.last) + 60_000 > s.time) throw new Error(`ETH candle of ${eth.time(eth.last)} seen at ${s.time}`);
          }
          if (quarter.length > 0 && quarter.time(quarter.last) + 15 * 60_000 > s.time) throw new Error('unclosed 15m candle');
          return NO_INTENTS;
        },
      }),
    });
    const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, definition]);
    const { request } = parse({ strategy: 'reads-eth', from: '2018-01-29', startingBalance: '1', data: { source: 'bundled', files: THREE_1M } }, registry);
    const data = await loadMultiPairData(request, definition, sourceDeps());
    const report = runMultiPairSync(request, definition, data);
    expect(report.events.strategyErrors).toEqual({ count: 0, samples: [] });
    expect(seen.snapshots).toBe(data.reduce((n, d) => n + d.end, 0));
    expect(seen.ethVisible).toBeGreaterThan(seen.snapshots - 10);
  });

  it('refuses what it cannot run: mixed quotes, several pairs from one inline CSV, a multi-pair sweep, a symbol count that does not match the files', async () => {
    const mixed = parse({ strategy: 'sma-crossover', data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'XRP_USDT_USDT-1h-futures.csv'] } });
    await expect(loadMultiPairData(mixed.request, mixed.definition, sourceDeps())).rejects.toThrow(/one timeframe/);
    expect(() => parse({ strategy: 'sma-crossover', symbols: ['A/B', 'C/B'], data: { source: 'csv', csv: 'x' } })).toThrow(/inline CSV holds one pair/);
    expect(() => parse({ strategy: 'sma-crossover', symbols: ['A/B', 'C/B', 'D/B'], data: { source: 'bundled', files: THREE_1M.slice(0, 2) } })).toThrow(/give one per file/);
    expect(() => parse({ strategy: 'sma-crossover', maxOpenTrades: 1, data: { source: 'bundled', file: 'ADA_BTC-1m.csv' } })).toThrow(/only for multi-pair/);
    expect(() => parse({ strategy: 'sma-crossover', data: { source: 'bundled' } })).toThrow(/file \(one pair\) or files/);
    expect(sweepRequestSchema.safeParse({ strategy: 'sma-crossover', grid: { fast: [5] }, data: { source: 'bundled', files: THREE_1M } }).success).toBe(false);
    const quotes = parse({ strategy: 'sma-crossover', startingBalance: '1', data: { source: 'bundled', files: ['ADA_BTC-1m.csv', 'ETH_BTC-1m.csv'] } });
    const data = await loadMultiPairData(quotes.request, quotes.definition, sourceDeps());
    const usdt = { ...(data[1] as PreparedData), market: syntheticMarket('ETH/USDT') };
    expect(() => createMultiPairRunner(quotes.request, quotes.definition, [data[0] as PreparedData, usdt])).toThrow(/share one quote currency/);
  });
});

// ---- property: accounting and limits hold for any data and any trading -------------------------------

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

interface PairSpec {
  prices: number[];
  skip: boolean[];
}

const pairSpec: fc.Arbitrary<PairSpec> = fc.record({
  prices: fc.array(fc.integer({ min: 50, max: 150 }), { minLength: 20, maxLength: 80 }),
  skip: fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
});

/** Minute candles of one pair; `skip` drops some (gaps), never the first. */
function pairSeries(spec: PairSpec, offset: number): CandleSeries {
  const candles: Candle[] = [];
  spec.prices.forEach((p, i) => {
    if (i > 0 && spec.skip[i]) return;
    const open = String(p);
    const close = String(spec.prices[(i + 1) % spec.prices.length] ?? p);
    const high = String(Math.max(p, Number(close)) + 1);
    const low = String(Math.min(p, Number(close)) - 1);
    candles.push({ time: T0 + (i + offset) * MINUTE, open, high, low, close, volume: '10' });
  });
  return CandleSeries.from(candles);
}

/** Enters and exits on a schedule drawn from the seed, market and limit orders, sizes up to all the free quote. */
function randomTrader(seed: number, violations: string[]) {
  return defineStrategy({
    id: 'random-trader',
    name: 'random-trader',
    description: 'test',
    params: z.object({}),
    warmup: () => 1,
    create: () => ({
      warmup: 1,
      onCandle: (s: StrategySnapshot): readonly Intent[] => {
        for (const [what, v] of [['quote free', s.balance.quote.free], ['quote total', s.balance.quote.total], ['base total', s.balance.base.total]] as const) {
          if (new Dec(v).lt(0)) violations.push(`${s.symbol} ${what} ${v} at ${s.time}`);
        }
        if (s.warmingUp) return NO_INTENTS;
        const roll = (s.time / MINUTE + seed * 31 + s.symbol.charCodeAt(0)) % 7;
        const close = s.candles.text('close', s.candles.last);
        if (s.position.side === 'flat' && s.openOrders.length === 0 && roll < 3) {
          const share = new Dec(s.balance.quote.free).mul([0.3, 0.6, 1.1][roll] ?? 0.3).toDecimalPlaces(4).toFixed();
          if (new Dec(share).lte(0)) return NO_INTENTS;
          return [{ kind: 'enter', side: 'long', size: { quote: share }, ...(roll === 1 ? { price: close } : {}) }];
        }
        if (s.position.side === 'long' && roll >= 5) return [{ kind: 'exit', ...(roll === 6 ? { price: close } : {}) }];
        if (s.openOrders.length > 0 && roll === 4) return s.openOrders.map((o) => ({ kind: 'cancel', clientOrderId: o.clientOrderId }) as const);
        return NO_INTENTS;
      },
    }),
  });
}

describe('multi-pair invariants (property)', () => {
  const seen = { trades: 0, slotRefusals: 0, fundRefusals: 0 };
  it('total PnL = Σ per-pair PnL exactly, the shared balance never goes negative, open trades never exceed maxOpenTrades', () => {
    fc.assert(
      fc.property(
        fc.array(pairSpec, { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom('0', '0.001', '0.0075'),
        (specs, maxOpen, seed, feeRate) => {
          const violations: string[] = [];
          const definition = randomTrader(seed, violations);
          const registry = new StrategyRegistry([...BUILT_IN_STRATEGIES, definition]);
          const symbols = specs.map((_, k) => `P${k}/Q`);
          const { request } = parseBacktestRequest({ strategy: 'random-trader', symbols, maxOpenTrades: maxOpen, feeRate, startingBalance: '1000', data: { source: 'exchange', connectionId: 'unused' } }, registry);
          const data: PreparedData[] = specs.map((spec, k) => {
            const series = pairSeries(spec, k % 3);
            return { series, symbol: symbols[k] as string, timeframe: '1m', market: syntheticMarket(symbols[k] as string), start: 0, end: series.length, gaps: 0, sourceName: 'test' };
          });
          const runner = createMultiPairRunner(request, definition, data);
          const outcome = runner.run();
          const report = buildMultiPairReport(outcome, 1000);
          expect(violations).toEqual([]);
          expect(pairSum(report).eq(report.result.netProfit)).toBe(true);
          expect(outcome.peakOpenTrades).toBeLessThanOrEqual(maxOpen);
          expect(concurrentTrades(report.trades)).toBeLessThanOrEqual(maxOpen);
          for (let k = 0; k < outcome.equity.length; k++) expect(outcome.equity.exact(k).gte(0)).toBe(true);
          seen.trades += report.result.tradeCount;
          seen.slotRefusals += report.events.rejections.samples.filter((e) => e.message.includes('maxOpenTrades')).length;
          seen.fundRefusals += report.events.rejections.samples.filter((e) => /insufficient|not enough|exceeds/i.test(e.message)).length;
        },
      ),
      { numRuns: 80 },
    );
    // The generated runs really traded, hit the slot limit and ran out of shared funds.
    expect(seen.trades).toBeGreaterThan(100);
    expect(seen.slotRefusals).toBeGreaterThan(0);
    expect(seen.fundRefusals).toBeGreaterThan(0);
  });
});
