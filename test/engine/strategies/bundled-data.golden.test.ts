import { beforeAll, describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { CandleSeries } from '../../../src/domain/candles.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { Market } from '../../../src/exchanges/exchange.port.js';
import type { Fill } from '../../../src/domain/orders.js';
import { loadCandleCsv } from '../../../src/exchanges/simulated/candle-csv.js';
import { runOnSeries } from './mini-runner.js';

/**
 * Each built-in on the bundled real XRP/USDT hourly candles, through the fill simulator, risk and the
 * ledger (taker 0.1 %, maker 0.02 %, 5 bps slippage, 1000 USDT). Golden values were produced by this
 * code and checked independently below: PnL against the fills' cash flows, balances against the
 * ledger, and SMA signals against a naive recomputation.
 */
const XRP: Market = {
  symbol: 'XRP/USDT:USDT',
  id: 'XRPUSDT',
  base: 'XRP',
  quote: 'USDT',
  type: 'swap',
  active: true,
  amountStep: '0.1',
  priceStep: '0.0001',
  minAmount: '0.1',
  maxAmount: null,
  minCost: '5',
};

const registry = new StrategyRegistry();
let series: CandleSeries;
beforeAll(async () => {
  series = await loadCandleCsv('data/XRP_USDT_USDT-1h-futures.csv');
});

function run(id: string, params: unknown) {
  const result = runOnSeries(registry.get(id).create(params), series, XRP, { USDT: '1000' });
  const trades = result.fills.map((f) => [(f.timestamp - series.time(0)) / 3_600_000, f.side, f.amount, f.price]);
  return { ...result, trades };
}

/** Net PnL from cash flows alone: Σ sells − Σ buys − Σ fees + position × last close. */
function cashFlowPnl(fills: readonly Fill[]): string {
  let cash = ZERO;
  let position = ZERO;
  for (const f of fills) {
    const value = new Dec(f.amount).mul(f.price);
    cash = (f.side === 'buy' ? cash.sub(value) : cash.add(value)).sub(f.fee);
    position = f.side === 'buy' ? position.add(f.amount) : position.sub(f.amount);
  }
  return cash.add(position.mul(series.text('close', series.length - 1))).toFixed();
}

function expectConsistent(result: ReturnType<typeof run>): void {
  expect(result.summary.netPnl).toBe(cashFlowPnl(result.fills));
  expect(result.sim.account.total('XRP').eq(result.ledger.quantity)).toBe(true);
  const spent = new Dec('1000').sub(result.sim.account.total('USDT'));
  expect(spent.eq(result.ledger.cost.sub(result.ledger.realizedPnl).add(result.ledger.fees))).toBe(true);
}

describe('built-in strategies on the bundled XRP/USDT data (golden)', () => {
  it('sma-crossover fast 5 / slow 20', () => {
    const result = run('sma-crossover', { fast: 5, slow: 20 });
    expect(result.trades).toEqual([
      [57, 'buy', '94.4', '1.05866907'],
      [80, 'sell', '94.4', '1.082888285'],
      [84, 'buy', '91.5', '1.0935465'],
      [87, 'sell', '91.5', '1.064997235'],
      [93, 'buy', '91.5', '1.093556505'],
    ]);
    expect(result.summary).toEqual({ realizedPnl: '-0.3259638515', unrealizedPnl: '-1.5606702075', fees: '0.499730186272', funding: '0', netPnl: '-2.386364245272', unpricedSymbols: [] });
    expectConsistent(result);
    // Independent: a naive SMA over the window at every candle; each fill is one candle after a cross.
    const sma = (n: number, i: number) => Array.from({ length: n }, (_, k) => series.close(i - k)).reduce((a, b) => a + b) / n;
    const signals: number[] = [];
    let long = false;
    for (let i = 20; i < series.length - 1; i++) {
      const above = sma(5, i) > sma(20, i);
      if (above === sma(5, i - 1) > sma(20, i - 1) || above === long) continue; // no cross, or nothing to do (long-only)
      signals.push(i);
      long = above;
    }
    expect(result.trades.map((t) => (t[0] as number) - 1)).toEqual(signals);
  });

  it('rsi-mean-reversion period 14, 35 / 65', () => {
    const result = run('rsi-mean-reversion', { period: 14, oversold: 35, overbought: 65 });
    expect(result.trades).toEqual([
      [39, 'buy', '94.6', '1.05668808'],
      [62, 'sell', '94.6', '1.093862795'],
    ]);
    expect(result.summary).toEqual({ realizedPnl: '3.516728039', unrealizedPnl: '0', fees: '0.203442112775', funding: '0', netPnl: '3.313285926225', unpricedSymbols: [] });
    expectConsistent(result);
  });

  it('grid 1.03 – 1.15, 7 levels, 50 XRP per level', () => {
    const result = run('grid', { lower: '1.03', upper: '1.15', levels: 7, sizePerLevel: '50' });
    expect(result.trades).toHaveLength(21);
    expect(result.trades.slice(0, 4)).toEqual([
      [2, 'buy', '50', '1.07'],
      [6, 'sell', '50', '1.09'],
      [8, 'buy', '50', '1.07'],
      [9, 'sell', '50', '1.09'],
    ]);
    expect(result.summary).toEqual({ realizedPnl: '2.40625', unrealizedPnl: '1.56875', fees: '0.2253', funding: '0', netPnl: '3.7497', unpricedSymbols: [] });
    expect(result.ledger.quantity.toFixed()).toBe('150');
    expectConsistent(result);
  });

  it('dca every 12 candles, 20 USDT, take-profit 2 %', () => {
    const result = run('dca', { intervalCandles: 12, amountQuote: '20', takeProfitPct: 2 });
    expect(result.trades.map((t) => t.slice(0, 3))).toEqual([
      [1, 'buy', '18.5'],
      [10, 'sell', '18.5'],
      [13, 'buy', '18.2'],
      [25, 'sell', '18.2'],
      [37, 'buy', '18.5'],
      [49, 'buy', '19.3'],
      [61, 'buy', '18.7'],
      [62, 'sell', '56.5'],
      [73, 'buy', '18.2'],
      [85, 'buy', '18.3'],
      [97, 'buy', '18.3'],
    ]);
    expect(result.summary).toEqual({ realizedPnl: '2.9459378195', unrealizedPnl: '-0.848159227', fees: '0.2623611966275', funding: '0', netPnl: '1.8354173958725', unpricedSymbols: [] });
    expectConsistent(result);
  });
});
