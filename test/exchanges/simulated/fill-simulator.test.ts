import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InsufficientFundsError, OrderNotFoundError, OrderRejectedError } from '../../../src/domain/errors.js';
import { Dec } from '../../../src/domain/money.js';
import { CandleSeries } from '../../../src/domain/candles.js';
import { FillSimulator, type FillSimulatorOptions } from '../../../src/exchanges/simulated/fill-simulator.js';
import { BTC_USDT, bar } from './fixtures.js';

function setup(options: Partial<FillSimulatorOptions> = {}) {
  const sim = new FillSimulator({ markets: [BTC_USDT], balances: { USDT: '10000' }, takerFeeRate: '0.001', ...options });
  const series = new CandleSeries();
  const feed = (ohlc: string) => {
    series.append(bar(series.length, ohlc));
    return sim.onCandle('BTC/USDT', series, series.length - 1);
  };
  return { sim, feed };
}

const market = (side: 'buy' | 'sell', amount: string, clientOrderId = `c-${Math.random()}`) =>
  ({ symbol: 'BTC/USDT', side, type: 'market', amount, clientOrderId }) as const;
const limit = (side: 'buy' | 'sell', amount: string, price: string, clientOrderId = `c-${Math.random()}`) =>
  ({ symbol: 'BTC/USDT', side, type: 'limit', amount, price, clientOrderId }) as const;

describe('fill simulator: market orders', () => {
  it('fill at the next candle open plus slippage, never at the close the strategy saw', () => {
    const { sim, feed } = setup({ slippageBps: '10' });
    feed('100 110 90 105'); // the strategy decides on this candle's close (105)
    sim.placeOrder(market('buy', '2', 'buy-1'));
    const [fill] = feed('106 120 100 118');
    // 106 × 1.001 = 106.106; cost 212.212; fee 0.212212
    expect(fill).toMatchObject({ side: 'buy', price: '106.106', amount: '2', fee: '0.212212', feeAsset: 'USDT', clientOrderId: 'buy-1', timestamp: bar(1, '').time });
    expect(sim.account.total('USDT').toFixed()).toBe('9787.575788');
    expect(sim.account.total('BTC').toFixed()).toBe('2');
    expect(sim.account.used('USDT').toFixed()).toBe('0');
    expect(sim.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'buy-1' })).toMatchObject({ status: 'closed', filled: '2', average: '106.106' });
  });

  it('sells fill below the open by the slippage', () => {
    const { sim, feed } = setup({ slippageBps: '10', balances: { BTC: '1' } });
    feed('100 100 100 100');
    sim.placeOrder(market('sell', '1'));
    expect(feed('200 200 200 200')[0]).toMatchObject({ price: '199.8', fee: '0.1998' });
    expect(sim.account.total('USDT').toFixed()).toBe('199.6002');
  });

  it('cannot be valued before any price', () => {
    const { sim } = setup();
    expect(() => sim.placeOrder(market('buy', '1'))).toThrow(OrderRejectedError);
  });

  it('a gap beyond the reservation is rejected, not overdrawn', () => {
    const { sim, feed } = setup({ balances: { USDT: '101' }, takerFeeRate: '0' });
    feed('100 100 100 100');
    const order = sim.placeOrder(market('buy', '1'));
    expect(feed('150 150 150 150')).toEqual([]);
    expect(sim.fetchOrder({ symbol: 'BTC/USDT', id: order.id }).status).toBe('rejected');
    expect(sim.account.free('USDT').toFixed()).toBe('101');
  });
});

describe('fill simulator: limit orders', () => {
  it('never match the candle they were placed on, only later candles that touch the price', () => {
    const { sim, feed } = setup({ makerFeeRate: '0.0002' });
    feed('100 110 90 105');
    sim.placeOrder(limit('buy', '1', '95')); // candle 0 went down to 90, but that was before the order
    expect(feed('104 108 96 100')).toEqual([]); // low 96 > 95: not touched
    const [fill] = feed('99 101 94.5 97');
    expect(fill).toMatchObject({ price: '95', fee: '0.019' }); // at the limit, maker fee
  });

  it('fill at the open, as taker, when the market opens through the limit', () => {
    const { sim, feed } = setup({ makerFeeRate: '0' });
    feed('100 100 100 100');
    sim.placeOrder(limit('buy', '1', '95'));
    expect(feed('90 92 88 91')[0]).toMatchObject({ price: '90', fee: '0.09' });
    const { sim: seller, feed: sellerFeed } = setup({ balances: { BTC: '1' } });
    sellerFeed('100 100 100 100');
    seller.placeOrder(limit('sell', '1', '105'));
    expect(sellerFeed('104 105 103 104')[0]).toMatchObject({ price: '105' }); // high touches exactly
  });

  it('exact decimal touch: a double rounding cannot make a miss look like a hit', () => {
    const { sim, feed } = setup();
    feed('1 1 1 1');
    sim.placeOrder(limit('buy', '1', '0.30000000000000001'));
    expect(feed('0.300000000000000011 0.4 0.300000000000000011 0.3')).toEqual([]); // low is above the limit by 1e-18
  });

  it('reserve funds, release them on cancel, and refuse what the account cannot pay', () => {
    const { sim, feed } = setup({ balances: { USDT: '100' }, takerFeeRate: '0' });
    feed('100 100 100 100');
    const order = sim.placeOrder(limit('buy', '0.5', '90', 'a'));
    expect(sim.account.used('USDT').toFixed()).toBe('45');
    expect(() => sim.placeOrder(limit('buy', '1', '90', 'b'))).toThrow(InsufficientFundsError);
    expect(() => sim.placeOrder(limit('sell', '1', '110', 'c'))).toThrow(/Insufficient BTC/);
    sim.cancelOrder({ symbol: 'BTC/USDT', id: order.id });
    expect(sim.account.used('USDT').toFixed()).toBe('0');
    expect(() => sim.cancelOrder({ symbol: 'BTC/USDT', id: order.id })).toThrow(OrderNotFoundError);
    expect(sim.openOrders()).toEqual([]);
  });

  it('refuses duplicate client ids and unknown symbols', () => {
    const { sim, feed } = setup();
    feed('100 100 100 100');
    sim.placeOrder(limit('buy', '0.1', '90', 'same'));
    expect(() => sim.placeOrder(limit('buy', '0.1', '90', 'same'))).toThrow(/Duplicate clientOrderId same/);
    expect(() => sim.placeOrder({ ...limit('buy', '0.1', '90'), symbol: 'ETH/USDT' })).toThrow(/Unknown symbol ETH\/USDT/);
    expect(() => sim.fetchOrder({ symbol: 'BTC/USDT', id: 'nope' })).toThrow(OrderNotFoundError);
  });

  it('shorts only when allowed', () => {
    const { sim, feed } = setup({ allowShort: true, takerFeeRate: '0' });
    feed('100 100 100 100');
    sim.placeOrder(market('sell', '1'));
    feed('100 100 100 100');
    expect(sim.account.total('BTC').toFixed()).toBe('-1');
    expect(sim.account.total('USDT').toFixed()).toBe('10100');
  });

  it('adds to a short: a sell placed while the base balance is below zero sets nothing aside and fills', () => {
    const { sim, feed } = setup({ allowShort: true, takerFeeRate: '0' });
    feed('100 100 100 100');
    sim.placeOrder(market('sell', '1'));
    feed('100 100 100 100');
    // Before: reserving nothing was checked against the free −1 BTC and refused ("needs 0, free -1").
    sim.placeOrder(market('sell', '2'));
    sim.placeOrder(limit('sell', '1', '120'));
    feed('100 120 100 110');
    expect(sim.account.total('BTC').toFixed()).toBe('-4');
    expect(sim.account.total('USDT').toFixed()).toBe('10420');
  });
});

describe('fill simulator: properties', () => {
  it('cash and holdings always equal the start plus the fills (Σ cost, Σ fee), trade ids unique', () => {
    const step = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      type: fc.constantFrom('market' as const, 'limit' as const),
      amount: fc.integer({ min: 1, max: 50 }).map((n) => (n / 10).toString()),
      offset: fc.integer({ min: -5, max: 5 }),
      move: fc.integer({ min: -8, max: 8 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { sim, feed } = setup({ balances: { USDT: '100000', BTC: '10' }, slippageBps: '3', makerFeeRate: '0.0005' });
        const fills = [...feed('100 100 100 100')];
        let price = 100;
        steps.forEach((s, k) => {
          try {
            sim.placeOrder(s.type === 'market' ? market(s.side, s.amount, `m${k}`) : limit(s.side, s.amount, String(price + s.offset), `l${k}`));
          } catch (error) {
            if (!(error instanceof InsufficientFundsError)) throw error;
          }
          const next = Math.max(10, price + s.move);
          fills.push(...feed(`${next} ${Math.max(price, next) + 2} ${Math.min(price, next) - 2} ${next}`));
          price = next;
        });
        let usdt = new Dec('100000');
        let btc = new Dec('10');
        for (const f of fills) {
          const cost = new Dec(f.amount).mul(f.price);
          usdt = f.side === 'buy' ? usdt.sub(cost).sub(f.fee) : usdt.add(cost).sub(f.fee);
          btc = f.side === 'buy' ? btc.add(f.amount) : btc.sub(f.amount);
        }
        expect(sim.account.total('USDT').toFixed()).toBe(usdt.toFixed());
        expect(sim.account.total('BTC').toFixed()).toBe(btc.toFixed());
        expect(btc.isNegative()).toBe(false);
        expect(new Set(fills.map((f) => f.tradeId)).size).toBe(fills.length);
        expect(sim.trades({ symbol: 'BTC/USDT' })).toEqual(fills);
      }),
      { numRuns: 200 },
    );
  });
});
