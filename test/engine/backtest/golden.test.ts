import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../../src/domain/money.js';
import { parseCandleCsv } from '../../../src/exchanges/simulated/candle-csv.js';
import type { BacktestReport } from '../../../src/engine/backtest/report.js';
import { BUNDLED_FILE, GOLDEN_DIR, backtest } from './support.js';

/**
 * Golden results: each built-in strategy on the bundled real candles (XRP/USDT perpetual, 100 × 1h)
 * gives exactly the stored report, decimal for decimal. Regenerate deliberately with
 * `UPDATE_GOLDEN=1 npx vitest run test/engine/backtest/golden.test.ts` and review the diff.
 */

const CASES = [
  { name: 'sma-crossover', strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, risk: {} },
  { name: 'sma-crossover-stop-loss', strategy: 'sma-crossover', params: { fast: 5, slow: 20 }, risk: { stopLossPct: 1 } },
  { name: 'rsi-mean-reversion', strategy: 'rsi-mean-reversion', params: { period: 7, oversold: 35, overbought: 65 }, risk: {} },
  { name: 'grid', strategy: 'grid', params: { lower: '1.02', upper: '1.12', levels: 11, sizePerLevel: '40' }, risk: {} },
  { name: 'dca', strategy: 'dca', params: { intervalCandles: 8, amountQuote: '50', takeProfitPct: 2 }, risk: {} },
] as const;

const SETTINGS = { startingBalance: '1000', feeRate: '0.001', slippageBps: '5' } as const;
const candles = parseCandleCsv(readFileSync(path.join(GOLDEN_DIR, '../../../../data', BUNDLED_FILE), 'utf8'));

function golden(name: string, report: BacktestReport): unknown {
  const file = path.join(GOLDEN_DIR, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** Net PnL recomputed from the trade list alone: cash flows of every fill, fees, and the open quantity at the last close. */
function recomputeNet(report: BacktestReport): Dec {
  let cash = ZERO;
  let quantity = ZERO;
  for (const fill of report.trades.flatMap((t) => t.fills)) {
    const value = new Dec(fill.price).mul(fill.amount);
    cash = fill.side === 'buy' ? cash.sub(value) : cash.add(value);
    quantity = fill.side === 'buy' ? quantity.add(fill.amount) : quantity.sub(fill.amount);
    cash = cash.sub(fill.fee);
  }
  return cash.add(quantity.mul(candles.decimal('close', candles.length - 1)));
}

describe.each(CASES)('golden backtest: $name on the bundled XRP/USDT 1h candles', ({ name, strategy, params, risk }) => {
  it('gives exactly the stored report', async () => {
    const report = await backtest({ strategy, params, risk, ...SETTINGS });
    expect(report.result.tradeCount).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(golden(name, report));
  });

  it('agrees with an independent recomputation of PnL from the trade list', async () => {
    const report = await backtest({ strategy, params, risk, ...SETTINGS });
    const net = new Dec(report.result.netProfit);
    expect(recomputeNet(report).eq(net)).toBe(true);
    expect(report.trades.reduce((sum, t) => sum.add(t.pnl), ZERO).eq(net)).toBe(true);
    expect(new Dec(report.result.endingEquity).sub(report.result.startingBalance).eq(net)).toBe(true);
    const fees = report.trades.flatMap((t) => t.fills).reduce((sum, f) => sum.add(f.fee), ZERO);
    expect(fees.eq(report.result.feesPaid)).toBe(true);
  });

  it('fills every order honestly: market orders at a later open ± slippage, fees at the fee rate', async () => {
    const report = await backtest({ strategy, params, risk, ...SETTINGS });
    const slip = new Dec(SETTINGS.slippageBps).div(10_000);
    for (const fill of report.trades.flatMap((t) => t.fills)) {
      const i = indexOf(Date.parse(fill.time));
      expect(i, 'a fill happens on a candle of the data').toBeGreaterThan(0);
      const price = new Dec(fill.price);
      const open = candles.decimal('open', i);
      const market = price.eq(open.mul(fill.side === 'buy' ? slip.add(1) : new Dec(1).sub(slip)));
      const limitTouched = price.gte(candles.decimal('low', i)) && price.lte(candles.decimal('high', i));
      expect(market || limitTouched, `fill at ${fill.time} for ${fill.price}`).toBe(true);
      expect(new Dec(fill.fee).eq(price.mul(fill.amount).mul(SETTINGS.feeRate))).toBe(true);
    }
  });
});

function indexOf(time: number): number {
  for (let i = 0; i < candles.length; i++) if (candles.time(i) === time) return i;
  return -1;
}
