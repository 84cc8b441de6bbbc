import { describe, expect, it } from 'vitest';
import { OrderRejectedError } from '../../../src/domain/errors.js';
import { CandleSeries } from '../../../src/domain/candles.js';
import { FillSimulator, type FillSimulatorOptions } from '../../../src/exchanges/simulated/fill-simulator.js';
import type { OrderTrigger } from '../../../src/domain/orders.js';
import { BTC_USDT, bar } from './fixtures.js';

function setup(options: Partial<FillSimulatorOptions> = {}) {
  const sim = new FillSimulator({ markets: [BTC_USDT], balances: { USDT: '10000', BTC: '1' }, takerFeeRate: '0.001', ...options });
  const series = new CandleSeries();
  const feed = (ohlc: string) => {
    series.append(bar(series.length, ohlc));
    return sim.onCandle('BTC/USDT', series, series.length - 1);
  };
  return { sim, feed };
}

const stop = (side: 'buy' | 'sell', amount: string, kind: OrderTrigger['kind'], price: string, clientOrderId: string) =>
  ({ symbol: 'BTC/USDT', side, type: 'market', amount, clientOrderId, trigger: { kind, price } }) as const;

describe('fill simulator: stop orders', () => {
  it('a sell stop-loss rests with nothing set aside, then fills at its price when a later low reaches it', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    const placed = sim.placeOrder(stop('sell', '1', 'stop-loss', '95', 'sl'));
    expect(placed).toMatchObject({ status: 'open', trigger: { kind: 'stop-loss', price: '95' } });
    expect(sim.account.used('BTC').toFixed()).toBe('0');
    expect(feed('100 102 96 101')).toEqual([]); // 96 > 95: not reached
    const [fill] = feed('101 101 94 99');
    expect(fill).toMatchObject({ side: 'sell', price: '95', amount: '1', fee: '0.095', clientOrderId: 'sl' });
    expect(sim.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'sl' })).toMatchObject({ status: 'closed', average: '95' });
    expect(sim.account.total('BTC').toFixed()).toBe('0');
  });

  it('fills at the open when the market gapped through the stop, worse than the stop', () => {
    const { sim, feed } = setup({ slippageBps: '10' });
    feed('100 101 99 100');
    sim.placeOrder(stop('sell', '1', 'stop-loss', '95', 'sl'));
    const [fill] = feed('90 92 88 91');
    expect(fill?.price).toBe('89.91'); // the open 90, less 10 bps slippage
  });

  it('never matches the candle it was placed on', () => {
    const { sim } = setup();
    const series = new CandleSeries();
    series.append(bar(0, '100 100 100 100'));
    sim.onCandle('BTC/USDT', series, 0);
    sim.placeOrder(stop('sell', '1', 'stop-loss', '95', 'sl'));
    expect(sim.openOrders()).toHaveLength(1);
  });

  it('refuses a stop the price already reached, as exchanges do', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    expect(() => sim.placeOrder(stop('sell', '1', 'stop-loss', '100', 'sl'))).toThrow(OrderRejectedError);
    expect(() => sim.placeOrder(stop('sell', '1', 'take-profit', '99', 'tp'))).toThrow(/would trigger immediately/);
    expect(() => sim.placeOrder({ ...stop('sell', '1', 'stop-loss', '90', 'sl2'), type: 'limit', price: '89' })).toThrow(/stop-market/);
  });

  it('a candle that touched both the stop-loss and the take-profit counts as the loss; the other then has no coins and ends rejected', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    sim.placeOrder(stop('sell', '1', 'take-profit', '110', 'tp'));
    sim.placeOrder(stop('sell', '1', 'stop-loss', '95', 'sl'));
    const fills = feed('100 111 94 105');
    expect(fills.map((f) => [f.clientOrderId, f.price])).toEqual([['sl', '95']]);
    expect(sim.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'tp' }).status).toBe('rejected');
  });

  it('a take-profit sell fills at its price when a later high reaches it', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    sim.placeOrder(stop('sell', '0.5', 'take-profit', '110', 'tp'));
    const [fill] = feed('105 112 104 111');
    expect(fill).toMatchObject({ side: 'sell', price: '110', amount: '0.5' });
  });

  it("a short's buy stop-loss triggers when the high reaches it", () => {
    const { sim, feed } = setup({ allowShort: true, balances: { USDT: '10000' } });
    feed('100 101 99 100');
    sim.placeOrder({ symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '1', clientOrderId: 'short' });
    feed('100 100 100 100');
    sim.placeOrder(stop('buy', '1', 'stop-loss', '104', 'sl'));
    expect(feed('101 103 100 102')).toEqual([]);
    const [fill] = feed('102 106 101 105');
    expect(fill).toMatchObject({ side: 'buy', price: '104', clientOrderId: 'sl' });
    expect(sim.account.total('BTC').toFixed()).toBe('0');
  });

  it('fills on a price between candles (paper mode ticks)', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    sim.placeOrder(stop('sell', '1', 'stop-loss', '95', 'sl'));
    expect(sim.onPrice('BTC/USDT', '96', bar(1, '').time)).toEqual([]);
    const [fill] = sim.onPrice('BTC/USDT', '94.5', bar(1, '').time + 1000);
    expect(fill).toMatchObject({ price: '94.5' }); // the tick is the open of its own one-price bar: through the stop
  });
});

describe('fill simulator: time in force', () => {
  const lim = (side: 'buy' | 'sell', price: string, timeInForce: 'IOC' | 'FOK' | 'PO', clientOrderId: string) =>
    ({ symbol: 'BTC/USDT', side, type: 'limit', amount: '1', price, clientOrderId, timeInForce }) as const;

  it('an IOC or FOK limit meets the next candle only: filled there, or expired with its funds released', () => {
    const { sim, feed } = setup();
    feed('100 101 99 100');
    sim.placeOrder(lim('buy', '98', 'IOC', 'ioc'));
    sim.placeOrder(lim('buy', '99.5', 'FOK', 'fok'));
    expect(sim.account.used('USDT').gt(0)).toBe(true);
    const fills = feed('100 100.5 99.2 100');
    expect(fills.map((f) => f.clientOrderId)).toEqual(['fok']);
    expect(sim.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: 'ioc' }).status).toBe('expired');
    expect(sim.account.used('USDT').toFixed()).toBe('0');
    expect(feed('97 97 90 95')).toEqual([]); // too late for it
  });

  it('a post-only limit that would take is refused; one that rests fills at its limit as maker, even through a gap', () => {
    const { sim, feed } = setup({ makerFeeRate: '0.0002' });
    feed('100 101 99 100');
    expect(() => sim.placeOrder(lim('buy', '100', 'PO', 'take'))).toThrow(/would take liquidity/);
    sim.placeOrder(lim('buy', '99', 'PO', 'rest'));
    const [fill] = feed('97 98 96 97');
    expect(fill).toMatchObject({ clientOrderId: 'rest', price: '99', fee: '0.0198' });
  });
});
