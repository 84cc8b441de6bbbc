import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import type { Market } from '../../src/exchanges/exchange.port.js';
import fc from 'fast-check';
import {
  AccountLossBook,
  checkAccountDailyLoss,
  checkDailyLoss,
  checkProtections,
  evaluateIntents,
  parseRiskConfig,
  rollDailyBaseline,
  type RiskContext,
} from '../../src/engine/risk.js';
import type { Intent, StrategyOrder } from '../../src/engine/strategy.js';

const market: Market = {
  symbol: 'BTC/USDT',
  id: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  type: 'spot',
  active: true,
  amountStep: '0.0001',
  priceStep: '0.01',
  minAmount: '0.0001',
  maxAmount: '100',
  minCost: '5',
};

function context(overrides: Partial<RiskContext> = {}): RiskContext {
  return { market, price: new Dec('30000'), position: new Dec(0), openOrders: [], config: parseRiskConfig({}), ...overrides };
}

const order = (side: 'buy' | 'sell', amount: string, filled = '0'): StrategyOrder => ({
  clientOrderId: `c-${side}-${amount}`,
  side,
  type: 'limit',
  price: '1',
  amount,
  filled,
  tag: null,
});

describe('risk config', () => {
  it('applies defaults', () => {
    expect(parseRiskConfig(undefined)).toEqual({ maxOpenOrders: 10, allowShort: false });
  });

  it('refuses insane settings with one field error each', () => {
    expect(() => parseRiskConfig({ stopLossPct: 100 })).toThrow(/risk.stopLossPct/);
    expect(() => parseRiskConfig({ stopLossPct: -1 })).toThrow(/risk.stopLossPct/);
    expect(() => parseRiskConfig({ maxPositionBase: '0' })).toThrow(/maxPositionBase must be greater than 0/);
    expect(() => parseRiskConfig({ dailyLossLimit: 50 })).toThrow(/risk.dailyLossLimit/);
    expect(() => parseRiskConfig({ maxOpenOrders: 0 })).toThrow(/risk.maxOpenOrders/);
    expect(() => parseRiskConfig({ stopLoss: 5 })).toThrow(/Unrecognized key/);
  });
});

describe('intents become orders or precise refusals', () => {
  it('sizes a quote-sized market entry at the reference price, rounding down to the step', () => {
    const [decision] = evaluateIntents([{ kind: 'enter', side: 'long', size: { quote: '100' } }], context());
    // 100 / 30000 = 0.00333… → 0.0033
    expect(decision).toMatchObject({ kind: 'order', order: { side: 'buy', type: 'market', amount: '0.0033', price: null, reduceOnly: false } });
  });

  it('rounds limit prices in the cautious direction', () => {
    const decisions = evaluateIntents(
      [
        { kind: 'place', side: 'buy', amount: '0.01', price: '29999.999' },
        { kind: 'place', side: 'sell', amount: '0.01', price: '30000.001' },
      ],
      context({ position: new Dec('1') }),
    );
    expect(decisions.map((d) => (d.kind === 'order' ? d.order.price : d.kind))).toEqual(['29999.99', '30000.01']);
  });

  it('refuses below the minimum amount, naming the rounding', () => {
    const [decision] = evaluateIntents([{ kind: 'enter', side: 'long', size: { base: '0.00005' } }], context());
    expect(decision).toMatchObject({ kind: 'reject', reason: 'Order amount is 0 BTC after rounding 0.00005 down to the step 0.0001' });
    const [cost] = evaluateIntents([{ kind: 'enter', side: 'long', size: { base: '0.0001' } }], context({ price: new Dec('100') }));
    expect(cost).toMatchObject({ kind: 'reject', reason: 'Order value 0.01 USDT is below the BTC/USDT minimum of 5 USDT' });
    const [big] = evaluateIntents([{ kind: 'enter', side: 'long', size: { base: '101' } }], context());
    expect(big).toMatchObject({ kind: 'reject', reason: 'Amount 101 BTC is above the BTC/USDT maximum of 100 BTC' });
  });

  it('enforces max position including open orders on the same side', () => {
    const config = parseRiskConfig({ maxPositionBase: '1' });
    const [decision] = evaluateIntents(
      [{ kind: 'enter', side: 'long', size: { base: '0.5' } }],
      context({ config, position: new Dec('0.4'), openOrders: [order('buy', '0.2')] }),
    );
    expect(decision).toMatchObject({ kind: 'reject', reason: 'Position would reach 1.1 BTC (with open orders), above maxPositionBase 1' });
  });

  it('counts earlier intents of the same batch against max open orders', () => {
    const config = parseRiskConfig({ maxOpenOrders: 2 });
    const place = (price: string): Intent => ({ kind: 'place', side: 'buy', amount: '0.001', price });
    const decisions = evaluateIntents([place('29000'), place('28000'), place('27000')], context({ config, openOrders: [order('buy', '0.001')] }));
    expect(decisions.map((d) => d.kind)).toEqual(['order', 'reject', 'reject']);
    expect(decisions[1]).toMatchObject({ reason: 'Max open orders reached (2 of 2)' });
  });

  it('a cancel in the batch frees its slot', () => {
    const config = parseRiskConfig({ maxOpenOrders: 1 });
    const open = order('buy', '0.001');
    const decisions = evaluateIntents(
      [{ kind: 'cancel', clientOrderId: open.clientOrderId }, { kind: 'place', side: 'buy', amount: '0.001', price: '29000' }],
      context({ config, openOrders: [open] }),
    );
    expect(decisions.map((d) => d.kind)).toEqual(['cancel', 'order']);
  });

  it('refuses shorts unless allowed, and entering against a position', () => {
    const [short] = evaluateIntents([{ kind: 'enter', side: 'short', size: { base: '0.01' } }], context());
    expect(short).toMatchObject({ kind: 'reject', reason: expect.stringContaining('short selling is disabled') });
    const allowed = parseRiskConfig({ allowShort: true });
    expect(evaluateIntents([{ kind: 'enter', side: 'short', size: { base: '0.01' } }], context({ config: allowed }))[0]?.kind).toBe('order');
    const [against] = evaluateIntents([{ kind: 'enter', side: 'short', size: { base: '0.01' } }], context({ config: allowed, position: new Dec('0.5') }));
    expect(against).toMatchObject({ kind: 'reject', reason: 'Cannot enter short while long 0.5: exit first' });
  });

  it('exits the whole position by default, never more, and never twice', () => {
    const [all] = evaluateIntents([{ kind: 'exit' }], context({ position: new Dec('0.53') }));
    expect(all).toMatchObject({ kind: 'order', order: { side: 'sell', amount: '0.53', reduceOnly: true, type: 'market' } });
    const [capped] = evaluateIntents([{ kind: 'exit', size: { base: '5' } }], context({ position: new Dec('-0.2'), config: parseRiskConfig({ allowShort: true }) }));
    expect(capped).toMatchObject({ kind: 'order', order: { side: 'buy', amount: '0.2' } });
    const twice = evaluateIntents([{ kind: 'exit' }, { kind: 'exit' }], context({ position: new Dec('0.5') }));
    expect(twice[1]).toMatchObject({ kind: 'reject', reason: 'Exit orders for the whole position (0.5) are already open' });
    expect(evaluateIntents([{ kind: 'exit' }], context())[0]).toMatchObject({ kind: 'reject', reason: 'No position to exit' });
  });

  it('exits pass even when max open orders is reached', () => {
    const config = parseRiskConfig({ maxOpenOrders: 1 });
    const [decision] = evaluateIntents([{ kind: 'exit' }], context({ config, position: new Dec('1'), openOrders: [order('buy', '0.1')] }));
    expect(decision?.kind).toBe('order');
  });

  it('dust below the minimum cannot be exited and says so', () => {
    const [decision] = evaluateIntents([{ kind: 'exit' }], context({ position: new Dec('0.00005') }));
    expect(decision).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/^No position to exit: 0.00005 BTC is dust/) });
  });
});

describe('stop-loss and take-profit', () => {
  const config = parseRiskConfig({ stopLossPct: 5, takeProfitPct: 10 });
  const check = (position: string, mark: string) =>
    checkProtections({ position: new Dec(position), averageEntry: new Dec('100'), mark: new Dec(mark), config });

  it('long: exits at −5 % and +10 % from the average entry, not before', () => {
    expect(check('1', '95.01')).toBeNull();
    expect(check('1', '95')).toEqual({ kind: 'exit', reason: 'stop-loss 5% hit: price 95 vs average entry 100' });
    expect(check('1', '109.99')).toBeNull();
    expect(check('1', '110')).toMatchObject({ reason: expect.stringMatching(/^take-profit 10% hit/) });
  });

  it('short: the thresholds mirror', () => {
    expect(check('-1', '105')).toMatchObject({ reason: expect.stringMatching(/^stop-loss/) });
    expect(check('-1', '90')).toMatchObject({ reason: expect.stringMatching(/^take-profit/) });
    expect(check('-1', '104')).toBeNull();
  });

  it('flat or unconfigured: nothing', () => {
    expect(check('0', '1')).toBeNull();
    expect(checkProtections({ position: new Dec(1), averageEntry: new Dec(100), mark: new Dec(1), config: parseRiskConfig({}) })).toBeNull();
  });
});

describe('daily loss limit', () => {
  const config = parseRiskConfig({ dailyLossLimit: '50' });
  const day1 = Date.UTC(2024, 0, 1, 15);
  const day2 = Date.UTC(2024, 0, 2, 0, 0, 1);

  it('trips the kill switch at −limit since UTC midnight, with the reason', () => {
    const baseline = rollDailyBaseline(null, day1, new Dec('20'));
    expect(baseline).toEqual({ day: '2024-01-01', netPnlAtStart: '20' });
    expect(checkDailyLoss(baseline, new Dec('-29.99'), config)).toBeNull();
    expect(checkDailyLoss(baseline, new Dec('-30'), config)).toEqual({
      kind: 'kill',
      reason: 'Daily loss limit hit: -50 since 00:00 UTC 2024-01-01 (limit −50)',
      lossToday: '-50',
    });
  });

  it('rounds the loss in the reason a person reads, never in lossToday', () => {
    const baseline = { day: '2024-01-01', netPnlAtStart: '0' };
    expect(checkDailyLoss(baseline, new Dec('-53.57804147540545965515'), config)).toEqual({
      kind: 'kill',
      reason: 'Daily loss limit hit: -53.578041 since 00:00 UTC 2024-01-01 (limit −50)',
      lossToday: '-53.57804147540545965515',
    });
  });

  it('a new UTC day starts a new baseline; the same day keeps it', () => {
    const baseline = rollDailyBaseline(null, day1, new Dec('0'));
    expect(rollDailyBaseline(baseline, day1 + 1000, new Dec('-40'))).toBe(baseline);
    expect(rollDailyBaseline(baseline, day2, new Dec('-40'))).toEqual({ day: '2024-01-02', netPnlAtStart: '-40' });
  });

  it('no limit configured: never kills', () => {
    expect(checkDailyLoss({ day: '2024-01-01', netPnlAtStart: '0' }, new Dec('-1e9'), parseRiskConfig({}))).toBeNull();
  });
});

describe('dust and fees taken in base', () => {
  // Bought 0.01 BTC, 0.00001 BTC fee taken in base: holds 0.00999.
  const held = { position: new Dec('0.00999'), filledPosition: new Dec('0.01') };

  it('dust is flat to the gate: an entry is accepted, and maxPositionBase ignores the dust', () => {
    const dust = { position: new Dec('0.00003'), filledPosition: new Dec('0.0001') };
    const [entry] = evaluateIntents([{ kind: 'enter', side: 'long', size: { base: '0.01' } }], context({ ...dust, config: parseRiskConfig({ maxPositionBase: '0.01' }) }));
    expect(entry).toMatchObject({ kind: 'order', order: { side: 'buy', amount: '0.01' } });
    const [short] = evaluateIntents([{ kind: 'enter', side: 'short', size: { base: '0.01' } }], context({ ...dust, config: parseRiskConfig({ allowShort: true }) }));
    expect(short).toMatchObject({ kind: 'order', order: { side: 'sell' } });
  });

  it('an exit sells the largest amount at the step that the position holds, never the filled amount', () => {
    const [exit] = evaluateIntents([{ kind: 'exit' }], context(held));
    expect(exit).toMatchObject({ kind: 'order', order: { side: 'sell', amount: '0.0099', reduceOnly: true } });
  });

  it('a sell of exactly what was bought (a grid level) is fitted down to what is held', () => {
    const [sell] = evaluateIntents([{ kind: 'place', side: 'sell', amount: '0.01', price: '31000' }], context(held));
    expect(sell).toMatchObject({ kind: 'order', order: { side: 'sell', amount: '0.0099', price: '31000' } });
  });

  it('a sell of more than was bought would open a short and stays refused', () => {
    const [sell] = evaluateIntents([{ kind: 'place', side: 'sell', amount: '0.02', price: '31000' }], context(held));
    expect(sell).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/short selling is disabled/) });
  });

  it('a fitted sell below the market minimum is refused with the reason', () => {
    const small = { position: new Dec('0.000199'), filledPosition: new Dec('0.0002') };
    const [sell] = evaluateIntents([{ kind: 'place', side: 'sell', amount: '0.0002', price: '31000' }], context(small));
    expect(sell).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/^Cannot sell the 0.000199 BTC held .*minimum of 5 USDT/) });
  });

  it('no stop-loss on dust (nothing could sell it)', () => {
    const config = parseRiskConfig({ stopLossPct: 5 });
    expect(checkProtections({ position: new Dec('0.00003'), averageEntry: new Dec('100'), mark: new Dec('90'), config, market })).toBeNull();
    expect(checkProtections({ position: new Dec('1'), averageEntry: new Dec('100'), mark: new Dec('90'), config, market })).not.toBeNull();
  });
});

describe('a second exit while one is open', () => {
  it('leaving only dust is refused as "already open", not as a zero amount', () => {
    const open: StrategyOrder = { clientOrderId: 'x', side: 'sell', type: 'market', price: null, amount: '0.0099', filled: '0', tag: null };
    const [exit] = evaluateIntents([{ kind: 'exit' }], context({ position: new Dec('0.00999'), openOrders: [open] }));
    expect(exit).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/^Exit orders for the position are already open; the 0.00009 BTC they leave is dust/) });
  });
});

describe('a bot spends only its budget', () => {
  const buy = (quote: string, price?: string): Intent => ({ kind: 'enter', side: 'long', size: { quote }, ...(price ? { price } : {}) });

  it('refuses an entry the budget cannot pay, counting the position and the open orders', () => {
    const budgetQuote = new Dec('1000');
    expect(evaluateIntents([buy('900')], context({ budgetQuote }))[0]?.kind).toBe('order');
    // 0.01 BTC held at an average of 30000 = 300; an open buy of 0.01 @ 20000 = 200 reserved: 500 left.
    const held = context({ budgetQuote, position: new Dec('0.01'), positionCost: new Dec('300'), openOrders: [{ ...order('buy', '0.01'), price: '20000' }] });
    expect(evaluateIntents([buy('450')], held)[0]?.kind).toBe('order');
    const over = evaluateIntents([buy('600')], held)[0];
    expect(over).toMatchObject({ kind: 'reject' });
    expect(over?.kind === 'reject' ? over.reason : '').toMatch(/^Over budget: the order costs 600 USDT, and the bot's budget of 1000 USDT has 500 USDT left \(position 300, open orders 200\)$/);
    // A batch counts its own earlier orders too.
    expect(evaluateIntents([buy('300'), buy('300')], held).map((d) => d.kind)).toEqual(['order', 'reject']);
  });

  it('never blocks an exit, and without a budget nothing changes', () => {
    const exit: Intent = { kind: 'exit' };
    expect(evaluateIntents([exit], context({ budgetQuote: new Dec('1'), position: new Dec('0.5'), positionCost: new Dec('15000') }))[0]?.kind).toBe('order');
    expect(evaluateIntents([buy('50000')], context({ config: parseRiskConfig({}) }))[0]?.kind).toBe('order');
  });

  it('property: accepted entries never cost more than the budget left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 100_000 }), fc.array(fc.integer({ min: 6, max: 20_000 }), { minLength: 1, maxLength: 8 }), (budget, sizes) => {
        const budgetQuote = new Dec(budget);
        const decisions = evaluateIntents(sizes.map((q) => buy(String(q), '30000')), context({ budgetQuote, config: parseRiskConfig({ maxOpenOrders: 100 }) }));
        const spent = decisions.reduce((sum, d) => (d.kind === 'order' ? sum.add(new Dec(d.order.amount).mul(d.order.price ?? '30000')) : sum), new Dec(0));
        return spent.lte(budgetQuote);
      }),
    );
  });
});

describe('account daily loss limit', () => {
  it('sums every bot of the connection for the day; earlier days do not count', () => {
    const book = new AccountLossBook();
    book.report('a', '2026-03-01', new Dec('-30'));
    book.report('b', '2026-03-01', new Dec('-25'));
    book.report('c', '2026-02-28', new Dec('-1000'));
    expect(book.total('2026-03-01').toFixed()).toBe('-55');
    const config = parseRiskConfig({ accountDailyLossLimit: '50', dailyLossLimit: '40' });
    // Neither bot hit its own limit of 40, together they hit the account's 50.
    expect(checkDailyLoss({ day: '2026-03-01', netPnlAtStart: '0' }, new Dec('-30'), config)).toBeNull();
    expect(checkAccountDailyLoss('2026-03-01', book.total('2026-03-01'), config)).toMatchObject({ kind: 'kill', lossToday: '-55' });
    book.report('b', '2026-03-01', new Dec('10'));
    expect(checkAccountDailyLoss('2026-03-01', book.total('2026-03-01'), config)).toBeNull();
    expect(checkAccountDailyLoss('2026-03-01', new Dec('-1e9'), parseRiskConfig({}))).toBeNull();
  });
});
