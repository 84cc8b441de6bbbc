import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import type { Market } from '../../src/exchanges/exchange.port.js';
import { TrailingPeak, coveredByExits, desiredProtectiveOrders, protectionChanges, uncovered } from '../../src/engine/protection.js';
import { checkProtections, parseRiskConfig, trailingStopLevel } from '../../src/engine/risk.js';

const MARKET: Market = { symbol: 'XRP/USDT', id: 'XRPUSDT', base: 'XRP', quote: 'USDT', type: 'spot', active: true, amountStep: '1', priceStep: '0.0001', minAmount: '1', maxAmount: null, minCost: '5' };
const d = (v: string | number) => new Dec(v);

describe('trailing peak', () => {
  it('starts a new position at its entry, follows only better prices, and starts afresh when flat or flipped', () => {
    const peak = new TrailingPeak();
    expect(peak.track('long', d('1.00'))).toBe(true);
    expect(peak.observe(d('1.05'))).toBe(true);
    expect(peak.observe(d('1.02'))).toBe(false);
    expect(peak.best?.toString()).toBe('1.05');
    expect(peak.track('long', d('1.01'))).toBe(false); // same position, added to: the best stays
    expect(peak.best?.toString()).toBe('1.05');
    peak.track(null, null);
    expect(peak.best).toBeNull();
    peak.track('short', d('2'));
    peak.observe(d('1.9'));
    peak.observe(d('1.95'));
    expect(peak.stored()).toEqual({ side: 'short', best: '1.9' });
  });

  it('takes a stored best over only for a position of the same side', () => {
    const peak = new TrailingPeak();
    peak.restore({ side: 'long', best: '1.2' }, 'short');
    expect(peak.best).toBeNull();
    peak.restore({ side: 'long', best: '1.2' }, 'long');
    expect(peak.track('long', d('1'))).toBe(false);
    expect(peak.best?.toString()).toBe('1.2');
  });
});

describe('protective orders', () => {
  const risk = parseRiskConfig({ stopLossPct: 2, trailingStopPct: 1, trailingStopActivationPct: 1, takeProfitPct: 5 });
  const base = { position: d(100), averageEntry: d('1.0000'), config: risk, market: MARKET, kinds: ['stop-loss', 'take-profit'] as const };

  it('rests the stop-loss until the trailing stop is active and nearer, then the trailing stop; the take-profit beside it', () => {
    const before = desiredProtectiveOrders({ ...base, best: d('1.0050'), price: d('1.004') });
    expect(before.map((o) => [o.trigger?.kind, o.trigger?.price, o.side, o.amount, o.reduceOnly])).toEqual([
      ['stop-loss', '0.98', 'sell', '100', true],
      ['take-profit', '1.05', 'sell', '100', true],
    ]);
    const trailing = desiredProtectiveOrders({ ...base, best: d('1.0300'), price: d('1.025') });
    // 1.03 × 0.99 = 1.0197, above the stop-loss 0.98
    expect(trailing[0]).toMatchObject({ trigger: { kind: 'stop-loss', price: '1.0197' }, reason: 'trailing stop 1% at 1.0197' });
  });

  it('rounds the trigger to the tick away from the price, and places no stop the price already reached', () => {
    const [stop] = desiredProtectiveOrders({ ...base, averageEntry: d('1.00003'), best: null, price: d('1.0'), kinds: ['stop-loss'] });
    expect(stop?.trigger?.price).toBe('0.98'); // 0.9800294 rounds down, away from the price
    expect(desiredProtectiveOrders({ ...base, best: null, price: d('0.97'), kinds: ['stop-loss'] })).toEqual([]);
  });

  it('leaves a venue without stop orders, dust and what resting exits already sell to the engine', () => {
    expect(desiredProtectiveOrders({ ...base, best: null, price: d(1), kinds: [] })).toEqual([]);
    expect(desiredProtectiveOrders({ ...base, position: d('0.5'), best: null, price: d(1) })).toEqual([]);
    const covered = coveredByExits(d(100), [{ side: 'sell', amount: '60', filled: '10' }, { side: 'buy', amount: '5', filled: '0' }]);
    expect(uncovered(d(100), covered).toString()).toBe('50');
    expect(uncovered(d(-100), d(120)).toString()).toBe('0');
  });

  it('keeps a resting stop that is still right, and replaces one whose level or amount changed', () => {
    const desired = desiredProtectiveOrders({ ...base, best: null, price: d(1), kinds: ['stop-loss'] });
    const resting = [{ clientOrderId: 'a', side: 'sell' as const, amount: '100', trigger: { kind: 'stop-loss' as const, price: '0.98' } }];
    expect(protectionChanges(resting, desired)).toEqual({ cancel: [], place: [] });
    const moved = desiredProtectiveOrders({ ...base, position: d(80), best: null, price: d(1), kinds: ['stop-loss'] });
    expect(protectionChanges(resting, moved)).toEqual({ cancel: ['a'], place: moved });
    expect(protectionChanges(resting, [])).toEqual({ cancel: ['a'], place: [] });
  });

  it('property: a long stop is below the price, never below the stop-loss, and only rises as the best rises', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5_000, max: 20_000 }),
        fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        (entryTicks, moves, slTenths, trailTenths) => {
          const config = parseRiskConfig({ stopLossPct: slTenths / 10, trailingStopPct: trailTenths / 10 });
          const entry = d(entryTicks).div(10_000);
          const peak = new TrailingPeak();
          peak.track('long', entry);
          let price = entry;
          let last: Dec | null = null;
          for (const m of moves) {
            price = Dec.max(price.add(d(m).div(10_000)), d('0.0001'));
            peak.observe(price);
            const [stop] = desiredProtectiveOrders({ position: d(100), averageEntry: entry, best: peak.best, config, kinds: ['stop-loss'], market: MARKET, price });
            if (!stop) {
              // No stop only when the price already reached it: then the engine's own check exits.
              const exit = checkProtections({ position: d(100), averageEntry: entry, mark: price, config, best: peak.best, market: MARKET });
              expect(exit).not.toBeNull();
              continue;
            }
            const level = d(stop.trigger?.price ?? '0');
            expect(level.lt(price)).toBe(true);
            expect(level.gte(entry.mul(1 - slTenths / 1000).sub('0.0001'))).toBe(true);
            if (last !== null) expect(level.gte(last)).toBe(true);
            last = level;
          }
        },
      ),
    );
  });

  it('the trailing stop waits for its activation offset', () => {
    const config = parseRiskConfig({ trailingStopPct: 1, trailingStopActivationPct: 2 });
    expect(trailingStopLevel(true, d(1), d('1.019'), config)).toBeNull();
    expect(trailingStopLevel(true, d(1), d('1.02'), config)?.toString()).toBe('1.0098');
    expect(trailingStopLevel(false, d(1), d('0.98'), config)?.toString()).toBe('0.9898');
  });
});
