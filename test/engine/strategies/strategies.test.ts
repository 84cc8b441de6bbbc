import type { Market } from '../../../src/exchanges/exchange.port.js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { FLAT_POSITION, StrategyError, invokeStrategy, type Intent, type Strategy } from '../../../src/engine/strategy.js';
import { StrategyHarness, candlesFromCloses } from './harness.js';

const registry = new StrategyRegistry();

describe('strategy registry and parameters', () => {
  it('lists the four built-ins', () => {
    expect(registry.list().map((s) => s.id)).toEqual(['sma-crossover', 'rsi-mean-reversion', 'grid', 'dca']);
  });

  it('an unknown id is a validation error listing the known ones', () => {
    expect(() => registry.get('macd')).toThrow(/Unknown strategy "macd"; known: sma-crossover, rsi-mean-reversion, grid, dca/);
  });

  it('applies defaults and documents each parameter', () => {
    const sma = registry.get('sma-crossover');
    expect(sma.parseParams({})).toEqual({ fast: 10, slow: 30, sizeQuote: '100' });
    expect(sma.warmup({ slow: 50 })).toBe(51);
    expect(sma.describeParams()).toContainEqual({
      name: 'fast',
      type: 'integer',
      description: 'Fast simple moving average period, in candles',
      default: 10,
      minimum: 1,
      maximum: 1000,
    });
    for (const definition of registry.list()) {
      for (const doc of definition.describeParams()) expect(doc.description, `${definition.id}.${doc.name}`).not.toBe('');
    }
  });

  it('refuses bad parameters with one field error each', () => {
    const sma = registry.get('sma-crossover');
    let error: unknown;
    try {
      sma.create({ fast: 30, slow: 10, sizeQuote: '-5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([
      { path: 'params.sizeQuote', message: 'must be greater than 0' },
      { path: 'params.fast', message: 'fast must be shorter than slow' },
    ]);
    expect(() => sma.create({ fast: 30, slow: 10 })).toThrow(/params.fast: fast must be shorter than slow/);
    expect(() => registry.get('grid').create({ lower: '2', upper: '1' })).toThrow(/lower must be below upper/);
    expect(() => registry.get('rsi-mean-reversion').create({ period: 1 })).toThrow(ValidationError);
    expect(() => registry.get('dca').create({ amountQuote: '1e3' })).toThrow(/plain decimal/);
  });

  it('validated parameters are frozen', () => {
    expect(Object.isFrozen(registry.get('dca').parseParams({}))).toBe(true);
  });
});

describe('sma-crossover', () => {
  // fast 2 / slow 3: flat, a rise (fast crosses above), then a fall (crosses below)
  const closes = [10, 10, 10, 9, 9, 12, 14, 15, 11, 8, 7];

  it('enters on the candle where the fast SMA crosses above and exits where it crosses below', () => {
    const harness = new StrategyHarness(registry.get('sma-crossover').create({ fast: 2, slow: 3, sizeQuote: '50' }), candlesFromCloses(closes));
    harness.runToEnd();
    expect([...harness.intents.entries()]).toEqual([
      [5, [{ kind: 'enter', side: 'long', size: { quote: '50' }, reason: 'fast SMA crossed above slow SMA' }]],
      [8, [{ kind: 'exit', reason: 'fast SMA crossed below slow SMA' }]], // 13 vs 13.33
    ]);
  });

  it('does not act while an order is still open', () => {
    const harness = new StrategyHarness(registry.get('sma-crossover').create({ fast: 2, slow: 3 }), candlesFromCloses(closes.slice(0, 6)));
    const pending = [{ clientOrderId: 'x', side: 'buy', type: 'market', price: null, amount: '1', filled: '0', tag: null } as const];
    for (let i = 0; i < 6; i++) expect(harness.step({ openOrders: [...pending] })).toEqual([]);
  });

  it('catches up when the runner skipped candles: same signals as being called on each', () => {
    const many = Array.from({ length: 200 }, (_, i) => 100 + 10 * Math.sin(i / 7));
    const everyCandle = new StrategyHarness(registry.get('sma-crossover').create({ fast: 3, slow: 8 }), candlesFromCloses(many));
    everyCandle.runToEnd();
    const skipping = registry.get('sma-crossover').create({ fast: 3, slow: 8 });
    const other = new StrategyHarness(skipping, candlesFromCloses(many));
    other.cursor.showUntil(100); // the first call sees 100 candles at once
    skipping.onCandle(other.snapshot());
    while (other.cursor.position < many.length) other.step({ position: FLAT_POSITION });
    const laterEntries = [...everyCandle.intents.entries()].filter(([i, x]) => i >= 100 && x[0]?.kind === 'enter').map(([i]) => i);
    const otherEntries = [...other.intents.entries()].filter(([i]) => i >= 100).map(([i]) => i);
    expect(otherEntries.length).toBeGreaterThan(0);
    expect(otherEntries).toEqual(expect.arrayContaining(laterEntries));
  });
});

describe('rsi-mean-reversion', () => {
  it('buys when oversold and sells when overbought', () => {
    const falling = Array.from({ length: 10 }, (_, i) => 100 - i * 3);
    const rising = Array.from({ length: 10 }, (_, i) => 73 + i * 4);
    const harness = new StrategyHarness(registry.get('rsi-mean-reversion').create({ period: 3 }), candlesFromCloses([...falling, ...rising]));
    harness.runToEnd();
    const kinds = [...harness.intents.entries()].map(([i, x]) => [i, x[0]?.kind]);
    expect(kinds).toEqual([
      [3, 'enter'], // the first candle with an RSI (period + 1 closes) is already deep below 30
      [12, 'exit'], // Wilder smoothing needs a few rising closes to lift RSI above 70
    ]);
    expect(registry.get('rsi-mean-reversion').warmup({ period: 3 })).toBe(4);
  });
});

/** 2026-01-01T00:00Z: a whole number of hours (and of 3-hour blocks) since the epoch. */
const ALIGNED = Date.UTC(2026, 0, 1);

describe('dca', () => {
  it('buys every N candles and takes profit above the average entry', () => {
    const strategy = registry.get('dca').create({ intervalCandles: 3, amountQuote: '25', takeProfitPct: 10 });
    const harness = new StrategyHarness(strategy, candlesFromCloses([100, 100, 100, 100, 100, 100, 100, 111], ALIGNED));
    const buys = [0, 1, 2, 3, 4, 5, 6].map(() => harness.step({ position: { side: 'long', quantity: '1', averageEntryPrice: '100' } }));
    expect(buys.map((x) => x.length)).toEqual([1, 0, 0, 1, 0, 0, 1]);
    expect(buys[0]).toEqual([{ kind: 'enter', side: 'long', size: { quote: '25' }, reason: 'scheduled buy' }]);
    expect(harness.step({ position: { side: 'long', quantity: '1', averageEntryPrice: '100' } })).toEqual([
      { kind: 'exit', reason: 'take-profit 10%' },
    ]);
  });

  it('a restarted instance keeps the rhythm (by candle time, not by its own candle count)', () => {
    const params = { intervalCandles: 3, amountQuote: '25' };
    const first = new StrategyHarness(registry.get('dca').create(params), candlesFromCloses([100, 100], ALIGNED));
    expect([first.step(), first.step()].map((x) => x.length)).toEqual([1, 0]);
    // Restarted at the third candle: the new instance's first candle is not due; the fourth is.
    const restarted = new StrategyHarness(registry.get('dca').create(params), candlesFromCloses([100, 100, 100], ALIGNED + 2 * 3_600_000));
    expect([restarted.step(), restarted.step(), restarted.step()].map((x) => x.length)).toEqual([0, 1, 0]);
    // Restarted every two candles, an index schedule (due at the instance's candle 0, 3, …) would buy at
    // every restart and never on schedule; by time it buys exactly every third candle.
    const buys: number[] = [];
    for (let k = 0; k < 12; k += 2) {
      const instance = new StrategyHarness(registry.get('dca').create(params), candlesFromCloses([100, 100], ALIGNED + k * 3_600_000));
      [instance.step(), instance.step()].forEach((x, i) => x.length > 0 && buys.push(k + i));
    }
    expect(buys).toEqual([0, 3, 6, 9]);
  });

  it('a restarted instance takes profit on the position it inherits (the ledger is rebuilt from the stored fills)', () => {
    const restarted = new StrategyHarness(registry.get('dca').create({ intervalCandles: 24, amountQuote: '25', takeProfitPct: 10 }), candlesFromCloses([111], ALIGNED + 3_600_000));
    expect(restarted.step({ position: { side: 'long', quantity: '3', averageEntryPrice: '100' } })).toEqual([{ kind: 'exit', reason: 'take-profit 10%' }]);
  });
});

describe('grid', () => {
  it('ladders buys below the price, then sells each filled buy one level up, then buys again', () => {
    const strategy = registry.get('grid').create({ lower: '10', upper: '14', levels: 5, sizePerLevel: '2' });
    const harness = new StrategyHarness(strategy, candlesFromCloses([12.5, 12.5, 12.5, 12.5]));
    const first = harness.step() as Extract<Intent, { kind: 'place' }>[];
    const [, grid = '', epoch = ''] = (first[0]?.tag ?? '').split(':');
    expect(grid).toMatch(/^[0-9a-z]+$/);
    expect(epoch).toMatch(/^[0-9a-z]+$/);
    const tag = (cell: number, n: number): string => `grid:${grid}:${epoch}:${cell}:${n}`;
    expect(first.map((i) => [i.side, i.price, i.amount, i.tag])).toEqual([
      ['buy', '10', '2', tag(0, 1)],
      ['buy', '11', '2', tag(1, 2)],
      ['buy', '12', '2', tag(2, 3)],
    ]);
    const open = first.map((i) => ({ clientOrderId: i.tag ?? '', side: i.side, type: 'limit' as const, price: i.price, amount: i.amount, filled: '0', tag: i.tag ?? null }));
    expect(harness.step({ openOrders: open })).toEqual([]); // all resting: nothing to do
    // the buy at 12 filled completely: its cell now sells 2 at 13
    const fill = { clientOrderId: tag(2, 3), side: 'buy' as const, price: '12', amount: '2', tag: tag(2, 3), timestamp: 0 };
    expect(harness.step({ openOrders: open.slice(0, 2), fills: [fill] })).toEqual([
      { kind: 'place', side: 'sell', amount: '2', price: '13', tag: tag(2, 4), reason: 'grid sell at level 3' },
    ]);
    const sold = { clientOrderId: tag(2, 4), side: 'sell' as const, price: '13', amount: '2', tag: tag(2, 4), timestamp: 0 };
    expect(harness.step({ openOrders: open.slice(0, 2), fills: [sold] })).toEqual([
      { kind: 'place', side: 'buy', amount: '2', price: '12', tag: tag(2, 5), reason: 'grid buy at level 2' },
    ]);
  });

  it('sells what a buy left after a fee taken in base, and a dust remainder of the sell frees the cell', () => {
    const strategy = registry.get('grid').create({ lower: '10', upper: '14', levels: 5, sizePerLevel: '2' });
    const harness = new StrategyHarness(strategy, candlesFromCloses([12.5, 12.5, 12.5, 12.5]));
    const market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', active: true, amountStep: '0.1', priceStep: '0.01', minAmount: '0.1', minCost: null } as unknown as Market;
    const first = harness.step({ market }) as Extract<Intent, { kind: 'place' }>[];
    const buyAt12 = first.find((i) => i.price === '12');
    const open = first.filter((i) => i !== buyAt12).map((i) => ({ clientOrderId: i.tag ?? '', side: i.side, type: 'limit' as const, price: i.price, amount: i.amount, filled: '0', tag: i.tag ?? null }));
    const tag = buyAt12?.tag ?? '';
    // Binance without BNB: 2 BTC bought, 0.002 BTC of it taken as the fee.
    const bought = { clientOrderId: tag, side: 'buy' as const, price: '12', amount: '2', baseFee: '0.002', tag, timestamp: 0 };
    const [sell] = harness.step({ market, openOrders: open, fills: [bought] }) as Extract<Intent, { kind: 'place' }>[];
    expect([sell?.side, sell?.price, sell?.amount]).toEqual(['sell', '13', '1.998']);
    // The risk gate fitted it to the 0.1 step: 1.9 sold, 0.098 left — dust, so the cell buys again.
    const sold = { clientOrderId: sell?.tag ?? '', side: 'sell' as const, price: '13', amount: '1.9', tag: sell?.tag ?? null, timestamp: 0 };
    const next = harness.step({ market, openOrders: open, fills: [sold] }) as Extract<Intent, { kind: 'place' }>[];
    expect(next.map((i) => [i.side, i.price, i.amount])).toEqual([['buy', '12', '2']]);
  });

  it('a restarted instance never reuses the tags of the one before (late fills stay with their order)', () => {
    const params = { lower: '10', upper: '14', levels: 5, sizePerLevel: '2' };
    const before = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5]));
    const beforeTags = (before.step() as Extract<Intent, { kind: 'place' }>[]).map((i) => i.tag);
    // The restarted engine's first candle comes later than the first instance's.
    const after = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5], 1_700_000_000_000 + 3_600_000));
    const afterTags = (after.step() as Extract<Intent, { kind: 'place' }>[]).map((i) => i.tag);
    expect(afterTags.length).toBeGreaterThan(0);
    expect(afterTags.filter((t) => beforeTags.includes(t))).toEqual([]);
  });
});

describe('grid: a restarted instance takes over its predecessor', () => {
  const params = { lower: '10', upper: '14', levels: 5, sizePerLevel: '2' };
  const LATER = 1_700_000_000_000 + 7 * 3_600_000;
  type Place = Extract<Intent, { kind: 'place' }>;
  const asOpen = (i: Place, filled = '0') => ({ clientOrderId: `c-${i.tag ?? ''}`, side: i.side, type: 'limit' as const, price: i.price, amount: i.amount, filled, tag: i.tag ?? null });
  const fillOf = (i: Place, amount = i.amount) => ({ clientOrderId: `c-${i.tag ?? ''}`, side: i.side, price: i.price, amount, tag: i.tag ?? null, timestamp: 0 });
  const predecessor = (start?: number) => new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5], start)).step() as Place[];

  it("holds the predecessor's resting buys as its own levels: places nothing on top of them", () => {
    const old = predecessor();
    expect(old).toHaveLength(3);
    const next = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5], LATER));
    expect(next.step({ openOrders: old.map((o) => asOpen(o)) })).toEqual([]);
    expect(next.step({ openOrders: old.map((o) => asOpen(o)) })).toEqual([]);
  });

  it("sells what the predecessor's buy filled (fills handed over at start), one level up, with its own tag", () => {
    const old = predecessor();
    const next = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5], LATER));
    const buyAt12 = old[2] as Place;
    // The buy at 12 filled 1.5 before the restart and 0.5 after; the engine hands over both fills.
    const intents = next.step({ openOrders: old.slice(0, 2).map((o) => asOpen(o)), fills: [fillOf(buyAt12, '1.5'), fillOf(buyAt12, '0.5')] }) as Place[];
    expect(intents.map((i) => [i.side, i.price, i.amount])).toEqual([['sell', '13', '2']]);
    expect(intents[0]?.tag).not.toBe(buyAt12.tag);
    expect(intents[0]?.tag?.split(':').slice(0, 2)).toEqual(buyAt12.tag?.split(':').slice(0, 2)); // the same grid
  });

  it("takes over a predecessor's resting sell and buys again once it has sold", () => {
    const old = predecessor();
    const first = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5], LATER - 3_600_000));
    const sell = first.step({ openOrders: old.slice(0, 2).map((o) => asOpen(o)), fills: [fillOf(old[2] as Place)] })[0] as Place;
    expect(sell.side).toBe('sell');
    const next = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5, 12.5], LATER));
    const resting = [...old.slice(0, 2), sell].map((o) => asOpen(o));
    expect(next.step({ openOrders: resting })).toEqual([]);
    const again = next.step({ openOrders: resting.slice(0, 2), fills: [fillOf(sell)] }) as Place[];
    expect(again.map((i) => [i.side, i.price, i.amount])).toEqual([['buy', '12', '2']]);
  });

  it('cancels a second order on a level it already holds (left by an earlier bug), keeps one', () => {
    const old = predecessor();
    // An instance before the predecessor placed the same levels again.
    const twice = predecessor(1_700_000_000_000 + 3_600_000).map((o) => asOpen(o));
    const next = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5], LATER));
    const intents = next.step({ openOrders: [...old.map((o) => asOpen(o)), ...twice] });
    expect(intents).toEqual(twice.map((o) => ({ kind: 'cancel', clientOrderId: o.clientOrderId, reason: 'grid: a second order on the same level' })));
  });

  it('never takes the orders or fills of a grid with other parameters', () => {
    const other = new StrategyHarness(registry.get('grid').create({ ...params, sizePerLevel: '3' }), candlesFromCloses([12.5, 12.5])).step() as Place[];
    const next = new StrategyHarness(registry.get('grid').create(params), candlesFromCloses([12.5, 12.5], LATER));
    const intents = next.step({ openOrders: other.map((o) => asOpen(o)), fills: [fillOf(other[2] as Place)] }) as Place[];
    expect(intents.map((i) => [i.side, i.price, i.amount])).toEqual([
      ['buy', '10', '2'],
      ['buy', '11', '2'],
      ['buy', '12', '2'],
    ]);
  });
});

describe('StrategyError', () => {
  const snapshotFor = (strategy: Strategy) => new StrategyHarness(strategy, candlesFromCloses([1, 2, 3])).snapshot();

  it('a throwing strategy becomes a StrategyError with the cause kept', () => {
    const boom = new Error('division by zero');
    const strategy: Strategy = {
      warmup: 1,
      onCandle: () => {
        throw boom;
      },
    };
    let error: unknown;
    try {
      invokeStrategy('broken', strategy, 'onCandle', snapshotFor(strategy));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrategyError);
    expect(error).toMatchObject({ code: 'strategy_failed', strategyId: 'broken', hook: 'onCandle', cause: boom });
    expect((error as Error).message).toBe('Strategy broken failed in onCandle: division by zero');
  });

  it('a strategy that peeks at the future fails as a StrategyError too', () => {
    const peeking: Strategy = { warmup: 1, onCandle: (s) => (s.candles.close(s.candles.length) > 0 ? [] : []) };
    const harness = new StrategyHarness(peeking, candlesFromCloses([1, 2, 3]));
    harness.cursor.showUntil(1);
    expect(() => invokeStrategy('peek', peeking, 'onCandle', harness.snapshot())).toThrow(/future candles are not visible/);
  });

  it('a strategy that mutates its snapshot fails (the snapshot is frozen)', () => {
    const mutating: Strategy = {
      warmup: 1,
      onCandle: (s) => {
        (s.position as { quantity: string }).quantity = '100';
        return [];
      },
    };
    expect(() => invokeStrategy('mutant', mutating, 'onCandle', snapshotFor(mutating))).toThrow(StrategyError);
  });

  it('a strategy that returns something other than a list fails', () => {
    const odd = { warmup: 1, onCandle: () => 'buy' } as unknown as Strategy;
    expect(() => invokeStrategy('odd', odd, 'onCandle', snapshotFor(odd))).toThrow(/returned string, expected an array/);
  });
});
