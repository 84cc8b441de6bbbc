import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../../src/domain/money.js';
import type { Market } from '../../src/exchanges/exchange.port.js';
import { estimatedLiquidationPrice, liquidationDistance } from '../../src/engine/liquidation.js';
import { evaluateIntents, parseRiskConfig, type RiskContext } from '../../src/engine/risk.js';

const perp: Market = {
  symbol: 'BTC/USDT:USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', type: 'swap', active: true,
  amountStep: '0.001', priceStep: '0.1', minAmount: '0.001', maxAmount: '100', minCost: '5',
};

function context(risk: Record<string, unknown>, overrides: Partial<RiskContext> = {}): RiskContext {
  return { market: perp, price: new Dec('30000'), position: new Dec(0), openOrders: [], config: parseRiskConfig({ allowShort: true, ...risk }), ...overrides };
}

describe('estimated liquidation price of an isolated linear position', () => {
  it('is where margin + unrealized PnL meets the maintenance margin', () => {
    // 5× short from 100 with 1 % maintenance: 100 × 1.2 / 1.01.
    const short = estimatedLiquidationPrice({ side: 'short', entry: new Dec(100), leverage: new Dec(5) });
    expect(short?.toFixed(4)).toBe('118.8119');
    const long = estimatedLiquidationPrice({ side: 'long', entry: new Dec(100), leverage: new Dec(5) });
    expect(long?.toFixed(4)).toBe('80.8081');
    // A 1× long is never liquidated: its margin covers a fall to zero.
    expect(estimatedLiquidationPrice({ side: 'long', entry: new Dec(100), leverage: new Dec(1), maintenanceMarginRate: new Dec(0) })).toBeNull();
  });

  // With the 1 % default maintenance rate, 100× and more liquidates at the entry: the gate refuses any entry with a stop there.
  it('sits between the entry and the bankruptcy price, and nears the entry as leverage grows (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 98 }), fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom('long' as const, 'short' as const), (lev, cents, side) => {
        const entry = new Dec(cents).div(100);
        const leverage = new Dec(lev);
        const liq = estimatedLiquidationPrice({ side, entry, leverage }) as Dec;
        const bankrupt = side === 'long' ? entry.mul(new Dec(1).sub(new Dec(1).div(leverage))) : entry.mul(new Dec(1).add(new Dec(1).div(leverage)));
        if (side === 'long') expect(liq.gt(bankrupt) && liq.lt(entry)).toBe(true);
        else expect(liq.lt(bankrupt) && liq.gt(entry)).toBe(true);
        const higher = estimatedLiquidationPrice({ side, entry, leverage: leverage.add(1) }) as Dec;
        expect((liquidationDistance(side, entry, higher) as Dec).lt(liquidationDistance(side, entry, liq) as Dec)).toBe(true);
      }),
    );
  });
});

describe('the derivatives settings', () => {
  it('refuses a leverage that is not a plain decimal from 1 to 125 with a field error, never a crash', () => {
    for (const bad of ['abc', '200', '0.5', '-1', '1e3']) expect(() => parseRiskConfig({ leverage: bad }), bad).toThrow(/risk\.leverage: leverage must be/);
    expect(() => parseRiskConfig({ leverage: 5 })).toThrow(/risk\.leverage/);
    expect(parseRiskConfig({ leverage: '2.5', marginMode: 'cross' })).toMatchObject({ leverage: '2.5', marginMode: 'cross' });
    expect(() => parseRiskConfig({ marginMode: 'portfolio' })).toThrow(/risk\.marginMode/);
  });
});

describe('the risk gate on derivatives', () => {
  it('refuses an entry whose liquidation comes before its stop-loss, and takes it at a leverage where the stop fires first', () => {
    const short = { kind: 'enter', side: 'short', size: { quote: '3000' } } as const;
    // 20× short: liquidated about 4 % above the entry, before a 5 % stop.
    const [refused] = evaluateIntents([short], context({ leverage: '20', stopLossPct: 5 }));
    expect(refused?.kind).toBe('reject');
    expect(refused?.kind === 'reject' ? refused.reason : '').toMatch(/^Liquidation inside the stop: at 20× a short from 30,?000 would be liquidated near .* nearer than its stop-loss \(5 %\)/);
    // 5× short: about 18.8 % away, the 5 % stop fires long before.
    const [taken] = evaluateIntents([short], context({ leverage: '5', stopLossPct: 5 }));
    expect(taken).toMatchObject({ kind: 'order', order: { side: 'sell', amount: '0.1', reduceOnly: false } });
  });

  it('holds the buffer without a stop, judges an addition at the new average entry, and lets exits through', () => {
    const long = { kind: 'enter', side: 'long', size: { base: '0.1' } } as const;
    expect(evaluateIntents([long], context({ leverage: '10', liquidationBufferPct: 15 }))[0]?.kind).toBe('reject');
    expect(evaluateIntents([long], context({ leverage: '10', liquidationBufferPct: 5 }))[0]?.kind).toBe('order');
    // Long 0.1 bought at 20,000, the price now 30,000: adding 0.1 averages at 25,000 (liquidated near 22,700), 9 % below 25,000 — inside a 10 % stop.
    const holding = { position: new Dec('0.1'), positionCost: new Dec('2000') };
    expect(evaluateIntents([long], context({ leverage: '10', stopLossPct: 10 }, holding))[0]?.kind).toBe('reject');
    expect(evaluateIntents([{ kind: 'exit' }], context({ leverage: '100', stopLossPct: 10 }, holding))[0]?.kind).toBe('order');
  });

  it('counts the margin, not the notional, against the budget', () => {
    const long = { kind: 'enter', side: 'long', size: { quote: '3000' } } as const;
    expect(evaluateIntents([long], context({ leverage: '5' }, { budgetQuote: new Dec('700') }))[0]?.kind).toBe('order'); // 600 margin
    expect(evaluateIntents([long], context({ leverage: '5' }, { budgetQuote: new Dec('500') }))[0]?.kind).toBe('reject');
    // On spot the same budget is the notional.
    expect(evaluateIntents([long], context({}, { market: { ...perp, type: 'spot' }, budgetQuote: new Dec('700') }))[0]?.kind).toBe('reject');
  });
});

describe('a short from flat adds exposure', () => {
  it('counts against the budget on spot margin too (zero is no long position)', () => {
    const spotMargin: Market = { ...perp, symbol: 'BTC/USDT', type: 'margin' };
    const short = { kind: 'enter', side: 'short', size: { quote: '3000' } } as const;
    const [refused] = evaluateIntents([short], context({}, { market: spotMargin, budgetQuote: new Dec('1000') }));
    expect(refused?.kind === 'reject' ? refused.reason : refused?.kind).toMatch(/^Over budget: the order costs 3,?000 USDT/);
  });
});
