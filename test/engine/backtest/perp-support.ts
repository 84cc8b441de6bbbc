import { expect } from 'vitest';
import { z } from 'zod';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { BacktestReport } from '../../../src/engine/backtest/report.js';
import { CrossDetector, RollingMean } from '../../../src/engine/strategies/indicators.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, decimalParam, defineStrategy, type Intent, type StrategyDefinition, type StrategySnapshot } from '../../../src/engine/strategy.js';

/** What a scripted strategy saw at each candle it was asked about (its close, position and balance). */
export interface Seen {
  index: number;
  side: StrategySnapshot['position']['side'];
  quantity: string;
  fills: number;
  quote: StrategySnapshot['balance']['quote'];
  openOrders: number;
}

/**
 * Enters `side` with `sizeBase` at market at the close of candle `enterAt` (so it fills at the next
 * open) and exits at the close of `exitAt` (−1: never). Every snapshot is written to `log`.
 */
export function scripted(log: Seen[] = []): StrategyDefinition {
  const params = z
    .object({
      side: z.enum(['long', 'short']).default('short'),
      enterAt: z.number().int().min(0).default(0),
      exitAt: z.number().int().min(-1).default(-1),
      sizeBase: decimalParam('Amount entered, in base', { default: '1' }),
    })
    .strict();
  return defineStrategy({
    id: 'scripted',
    name: 'Scripted',
    description: 'Enters at one candle and exits at another (tests).',
    params,
    warmup: () => 1,
    create: (p) => ({
      warmup: 1,
      onCandle(s: StrategySnapshot): readonly Intent[] {
        const i = s.candles.last;
        log.push({ index: i, side: s.position.side, quantity: s.position.quantity, fills: s.fills.length, quote: s.balance.quote, openOrders: s.openOrders.length });
        if (i === p.enterAt) return [{ kind: 'enter', side: p.side, size: { base: p.sizeBase }, reason: `scripted ${p.side} entry` }];
        if (i === p.exitAt && s.position.side !== 'flat') return [{ kind: 'exit', reason: 'scripted exit' }];
        return NO_INTENTS;
      },
    }),
  });
}

/**
 * Short-biased trend following for perpetuals: short when the fast SMA crosses below the slow one,
 * cover when it crosses back above. Never long.
 */
export const smaShort = defineStrategy({
  id: 'sma-short',
  name: 'SMA short',
  description: 'Shorts when the fast SMA crosses below the slow one; covers when it crosses above (tests).',
  params: z
    .object({
      fast: z.number().int().min(1).default(5),
      slow: z.number().int().min(2).default(20),
      sizeQuote: decimalParam('Quote notional of each short', { default: '100' }),
    })
    .strict(),
  warmup: (p) => p.slow + 1,
  create: (p) => {
    const fast = new RollingMean(p.fast);
    const slow = new RollingMean(p.slow);
    const cross = new CrossDetector();
    let seen = 0;
    return {
      warmup: p.slow + 1,
      onCandle(s: StrategySnapshot): readonly Intent[] {
        let signal = 0;
        for (let i = seen; i <= s.candles.last; i++) signal = cross.update(fast.update(s.candles.close(i)), slow.update(s.candles.close(i)));
        seen = s.candles.last + 1;
        if (signal === 0 || s.openOrders.length > 0) return NO_INTENTS;
        if (signal < 0 && s.position.side === 'flat') return [{ kind: 'enter', side: 'short', size: { quote: p.sizeQuote }, reason: 'fast SMA crossed below slow SMA' }];
        if (signal > 0 && s.position.side === 'short') return [{ kind: 'exit', reason: 'fast SMA crossed above slow SMA' }];
        return NO_INTENTS;
      },
    };
  },
});

export function registryWith(...definitions: StrategyDefinition[]): StrategyRegistry {
  return new StrategyRegistry([...BUILT_IN_STRATEGIES, ...definitions]);
}

/** The report of a perpetual run adds up: net = realized + unrealized − fees + funding, to the last digit, everywhere it is shown. */
export function expectPerpetualSums(report: BacktestReport): void {
  const r = report.result;
  const d = report.derivatives;
  expect(d).toBeDefined();
  const net = new Dec(r.realizedPnl).add(r.unrealizedPnl).sub(r.feesPaid).add(r.funding ?? 'x');
  expect(net.eq(r.netProfit), `${net.toFixed()} vs ${r.netProfit}`).toBe(true);
  expect(new Dec(r.endingEquity).sub(r.startingBalance).eq(r.netProfit)).toBe(true);
  expect(report.trades.reduce((sum, t) => sum.add(t.pnl), ZERO).eq(r.netProfit)).toBe(true);
  expect(report.trades.reduce((sum, t) => sum.add(t.funding ?? 'x'), ZERO).eq(r.funding ?? 'x')).toBe(true);
  expect(d?.pnl).toEqual({ realizedTrading: r.realizedPnl, unrealized: r.unrealizedPnl, fees: r.feesPaid, funding: r.funding, netPnl: d?.pnl.netPnl });
  expect(new Dec(d?.pnl.netPnl ?? 'x').eq(r.netProfit)).toBe(true);
  const payments = (d?.funding.payments ?? []).reduce((sum, p) => sum.add(p.amount), ZERO);
  expect(payments.eq(r.funding ?? 'x') && new Dec(d?.funding.net ?? 'x').eq(payments)).toBe(true);
  expect(new Dec(d?.funding.received ?? 'x').sub(d?.funding.paid ?? 'x').eq(payments)).toBe(true);
  // The equity curve's last point is the ending equity (funding and liquidations are in it).
  expect(report.equityCurve.points.at(-1)?.equity).toBe(r.endingEquity);
}
