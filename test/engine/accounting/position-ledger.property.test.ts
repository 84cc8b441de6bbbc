import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../../src/domain/money.js';
import type { Fill } from '../../../src/domain/orders.js';
import { PositionLedger } from '../../../src/engine/accounting/position-ledger.js';
import { isDust } from '../../../src/engine/accounting/dust.js';

/** Decimal strings with a bounded number of decimals, built from integers so no float ever enters. */
function decimal(maxUnits: number, scale: number, min = 1): fc.Arbitrary<string> {
  return fc.integer({ min, max: maxUnits }).map((units) => new Dec(units).div(new Dec(10).pow(scale)).toFixed());
}

const fillArb: fc.Arbitrary<Fill> = fc.record({
  // A small pool of trade ids makes duplicates frequent.
  tradeId: fc.integer({ min: 1, max: 40 }).map((n) => `t${n}`),
  orderId: fc.constant('o'),
  clientOrderId: fc.constant(null),
  symbol: fc.constant('BTC/USDT'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  price: decimal(10_000_000, 2),
  amount: decimal(100_000_000, 6),
  fee: decimal(100_000, 4, 0),
  feeAsset: fc.constantFrom<string | null>('USDT', 'BTC', null),
  timestamp: fc.constant(0),
});

/**
 * The independent model: the account's balances after the distinct fills. Quote cash moves by the
 * fill's value and a quote fee; the base holding by the amount, less a base fee on a buy (the venue
 * keeps part of what was bought) or plus it on a sell (taken on top of what was sold).
 */
function recompute(fills: readonly Fill[]): { position: Dec; filled: Dec; cash: Dec; fees: Dec } {
  const seen = new Set<string>();
  let position = ZERO;
  let filled = ZERO;
  let cash = ZERO;
  let fees = ZERO;
  for (const f of fills) {
    if (seen.has(f.tradeId)) continue;
    seen.add(f.tradeId);
    const signed = f.side === 'buy' ? new Dec(f.amount) : new Dec(f.amount).neg();
    const inBase = f.feeAsset === 'BTC';
    position = position.add(signed).sub(inBase ? new Dec(f.fee) : ZERO);
    filled = filled.add(signed);
    cash = cash.sub(signed.mul(f.price)).sub(inBase ? ZERO : new Dec(f.fee));
    fees = fees.add(inBase ? new Dec(f.fee).mul(f.price) : new Dec(f.fee));
  }
  return { position, filled, cash, fees };
}

describe('position ledger properties', () => {
  it('position = what the account holds (net of base fees); PnL = cash + position × mark − initial cash; fees never lost', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 60 }), decimal(10_000_000, 2), (fills, markText) => {
        const ledger = new PositionLedger('BTC/USDT');
        for (const f of fills) ledger.apply(f);
        const mark = new Dec(markText);
        const model = recompute(fills);
        expect(ledger.quantity.eq(model.position)).toBe(true);
        expect(ledger.filledQuantity.eq(model.filled)).toBe(true);
        expect(ledger.fees.eq(model.fees)).toBe(true);
        const net = ledger.realizedPnl.add(ledger.unrealizedPnl(mark)).sub(ledger.fees);
        // Exact equality, not a tolerance: the ledger must not lose a single digit.
        expect(net.toFixed()).toBe(model.cash.add(model.position.mul(mark)).toFixed());
      }),
      { numRuns: 400 },
    );
  });

  it('on a perpetual, funding payments (signed, some delivered twice) add to the cash identity exactly and to nothing else', () => {
    const paymentArb = fc.record({ id: fc.integer({ min: 1, max: 15 }).map((n) => `f${n}`), amount: fc.tuple(decimal(1_000_000, 4, 0), fc.boolean()).map(([a, neg]) => (neg && a !== '0' ? `-${a}` : a)) });
    const eventArb = fc.oneof(fillArb.map((f) => ({ kind: 'fill' as const, fill: { ...f, symbol: 'BTC/USDT:USDT', feeAsset: 'USDT' } })), paymentArb.map((p) => ({ kind: 'funding' as const, payment: { ...p, timestamp: 0 } })));
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), decimal(10_000_000, 2), (events, markText) => {
        const ledger = new PositionLedger('BTC/USDT:USDT');
        const fills: Fill[] = [];
        const received = new Map<string, Dec>();
        for (const e of events) {
          if (e.kind === 'fill') {
            ledger.apply(e.fill);
            fills.push(e.fill);
          } else {
            ledger.applyFunding(e.payment);
            if (!received.has(e.payment.id)) received.set(e.payment.id, new Dec(e.payment.amount));
          }
        }
        const mark = new Dec(markText);
        const model = recompute(fills);
        const funding = [...received.values()].reduce((a, b) => a.add(b), ZERO);
        expect(ledger.quantity.eq(model.position)).toBe(true);
        expect(ledger.fees.eq(model.fees)).toBe(true);
        expect(ledger.funding.eq(funding)).toBe(true);
        const snap = ledger.snapshot(mark);
        expect(snap.netPnl).toBe(model.cash.add(funding).add(model.position.mul(mark)).toFixed());
      }),
      { numRuns: 300 },
    );
  });

  it('round trips with the fee taken from what a buy receives leave only dust, exactly what the account holds', () => {
    const step = new Dec('0.1');
    fc.assert(
      fc.property(fc.array(fc.tuple(decimal(100_000, 1), decimal(100_000, 4), decimal(100_000, 4)), { minLength: 1, maxLength: 20 }), (trips) => {
        const ledger = new PositionLedger('XRP/USDT');
        let held = ZERO;
        let cash = ZERO;
        trips.forEach(([amount, buyAt, sellAt], k) => {
          const fee = new Dec(amount).mul('0.001');
          ledger.apply({ tradeId: `b${k}`, orderId: 'o', clientOrderId: null, symbol: 'XRP/USDT', side: 'buy', price: buyAt, amount, fee: fee.toFixed(), feeAsset: 'XRP', timestamp: k });
          held = held.add(amount).sub(fee);
          cash = cash.sub(new Dec(amount).mul(buyAt));
          // The exit sells the largest amount at the step that the position holds.
          const exit = ledger.quantity.div(step).floor().mul(step);
          if (exit.isZero()) return;
          const quoteFee = exit.mul(sellAt).mul('0.001');
          ledger.apply({ tradeId: `s${k}`, orderId: 'o', clientOrderId: null, symbol: 'XRP/USDT', side: 'sell', price: sellAt, amount: exit.toFixed(), fee: quoteFee.toFixed(), feeAsset: 'USDT', timestamp: k });
          held = held.sub(exit);
          cash = cash.add(exit.mul(sellAt)).sub(quoteFee);
        });
        expect(ledger.quantity.toFixed()).toBe(held.toFixed());
        expect(isDust(ledger.quantity, { amountStep: '0.1', minAmount: '0.1', minCost: null })).toBe(!ledger.quantity.isZero());
        const mark = new Dec('1.5');
        expect(ledger.realizedPnl.add(ledger.unrealizedPnl(mark)).sub(ledger.fees).toFixed()).toBe(cash.add(held.mul(mark)).toFixed());
      }),
      { numRuns: 200 },
    );
  });

  it('replaying the same fills (any duplicates, any extra deliveries) gives the same ledger', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 40 }), (fills) => {
        const once = new PositionLedger('BTC/USDT');
        const twice = new PositionLedger('BTC/USDT');
        for (const f of fills) once.apply(f);
        for (const f of [...fills, ...fills]) twice.apply(f);
        expect(twice.snapshot(new Dec(1))).toEqual(once.snapshot(new Dec(1)));
      }),
    );
  });

  it('the average entry of an open position lies within the prices that built it', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 40 }), (fills) => {
        const ledger = new PositionLedger('BTC/USDT');
        for (const f of fills) ledger.apply(f);
        const average = ledger.averageEntryPrice;
        if (average === null) return;
        const prices = fills.map((f) => new Dec(f.price));
        expect(average.gte(Dec.min(...prices).sub('1e-18'))).toBe(true);
        expect(average.lte(Dec.max(...prices).add('1e-18'))).toBe(true);
      }),
    );
  });

  it('a flat ledger carries no cost', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { maxLength: 40 }), (fills) => {
        const ledger = new PositionLedger('BTC/USDT');
        for (const f of fills) ledger.apply(f);
        if (ledger.quantity.isZero()) expect(ledger.cost.isZero()).toBe(true);
      }),
    );
  });
});
