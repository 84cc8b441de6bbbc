import { describe, expect, it } from 'vitest';
import { Venue } from '../../simulator/matching/engine.js';
import { DEFAULT_MARKETS } from '../../simulator/matching/markets.js';
import { CandleReplayPath, type SimCandle } from '../../simulator/matching/price-path.js';
import type { SimAccount } from '../../simulator/types.js';

/** The matching engine's stop orders, FOK and post-only, on scripted candles (open, high, low, close). */

function setup(candles: Array<[string, string, string, string]>, liquidity = '1') {
  const rows: SimCandle[] = candles.map(([open, high, low, close], i) => ({ openTime: i * 3_600_000, open, high, low, close, volume: '1000' }));
  const spec = { ...DEFAULT_MARKETS[0]!, liquidityPerStep: liquidity }; // BTC/USDT, tick 0.01, step 0.00001
  const path = new CandleReplayPath(rows, 0);
  const venue = new Venue({ markets: [spec], paths: new Map([['BTC/USDT', path]]), now: () => 1_700_000_000_000 });
  const account: SimAccount = {
    apiKey: 'k', secret: 's', permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: { free: '10000', used: '0' }, BTC: { free: '1', used: '0' } },
  };
  const advance = () => {
    path.step();
    return venue.afterPriceStep();
  };
  return { venue, account, advance };
}

const BASE = { symbol: 'BTC/USDT', clientOrderId: 'c1' } as const;

describe('matching engine: stop orders', () => {
  it('a buy stop-market locks quote at its trigger, and fills at the open when the price gaps up through it', () => {
    const { venue, account, advance } = setup([
      ['100', '101', '99', '100'],
      ['106', '107', '105', '106'],
    ]);
    const r = venue.place(account, { ...BASE, side: 'buy', type: 'market', quantity: '1', stopPrice: '105' });
    if (!r.ok) throw new Error('rejected');
    // 1 × 105 plus the fee room: the fee is in the base on a buy, so nothing extra.
    expect(account.balances['USDT']).toEqual({ free: '9895', used: '105' });
    const fills = advance();
    expect(fills.map((f) => [f.price, f.qty, f.maker])).toEqual([['106', '1', false]]);
    expect(venue.order('k', { orderId: r.order.orderId })?.status).toBe('filled');
    expect(account.balances['USDT']).toEqual({ free: '9894', used: '0' });
  });

  it('does not fire on a candle that stays above a sell trigger, and expires a stop-market remainder beyond the liquidity', () => {
    const { venue, account, advance } = setup(
      [
        ['100', '101', '99', '100'],
        ['100', '100', '95.01', '96'],
        ['96', '96', '94', '94'],
      ],
      '0.4',
    );
    const r = venue.place(account, { ...BASE, side: 'sell', type: 'market', quantity: '0.5', stopPrice: '95' });
    if (!r.ok) throw new Error('rejected');
    expect(advance()).toEqual([]);
    const fills = advance();
    expect(fills.map((f) => [f.price, f.qty])).toEqual([['95', '0.4']]);
    const order = venue.order('k', { orderId: r.order.orderId });
    expect([order?.status, order?.executedQty, order?.stop?.triggeredAt !== undefined]).toEqual(['expired', '0.4', true]);
    expect(account.balances['BTC']).toEqual({ free: '0.6', used: '0' });
  });

  it('refuses a stop whose trigger is crossed already and one off the tick; a cancelled stop never fires', () => {
    const { venue, account, advance } = setup([
      ['100', '101', '99', '100'],
      ['100', '100', '80', '80'],
    ]);
    expect(venue.place(account, { ...BASE, side: 'sell', type: 'market', quantity: '0.5', stopPrice: '100' })).toEqual({ ok: false, rejection: { kind: 'would_trigger' } });
    expect(venue.place(account, { ...BASE, side: 'buy', type: 'market', quantity: '0.5', stopPrice: '99' })).toEqual({ ok: false, rejection: { kind: 'would_trigger' } });
    expect(venue.place(account, { ...BASE, side: 'sell', type: 'market', quantity: '0.5', stopPrice: '90.001' })).toEqual({ ok: false, rejection: { kind: 'filter', filter: 'PRICE_FILTER' } });
    const r = venue.place(account, { ...BASE, side: 'sell', type: 'limit', price: '89', quantity: '0.5', stopPrice: '90' });
    if (!r.ok) throw new Error('rejected');
    expect(venue.cancel('k', 'BTC/USDT', { orderId: r.order.orderId })?.status).toBe('canceled');
    expect(account.balances['BTC']).toEqual({ free: '1', used: '0' });
    expect(advance()).toEqual([]);
  });
});

describe('matching engine: FOK and post-only', () => {
  it('FOK beyond the step liquidity expires unfilled and unlocks; within it fills whole', () => {
    const { venue, account } = setup([['100', '101', '99', '100']], '1');
    const big = venue.place(account, { ...BASE, side: 'buy', type: 'limit', price: '101', quantity: '1.5', timeInForce: 'FOK' });
    expect(big.ok && [big.order.status, big.fills.length]).toEqual(['expired', 0]);
    expect(account.balances['USDT']).toEqual({ free: '10000', used: '0' });
    const whole = venue.place(account, { ...BASE, clientOrderId: 'c2', side: 'buy', type: 'limit', price: '101', quantity: '1', timeInForce: 'FOK' });
    expect(whole.ok && whole.order.status).toBe('filled');
  });

  it('a post-only that would take is refused, or accepted as canceled when the exchange does that', () => {
    const { venue, account } = setup([['100', '101', '99', '100']]);
    expect(venue.place(account, { ...BASE, side: 'buy', type: 'limit', price: '100.01', quantity: '0.1', postOnly: true })).toEqual({ ok: false, rejection: { kind: 'would_take' } });
    const canceled = venue.place(account, { ...BASE, side: 'buy', type: 'limit', price: '100.01', quantity: '0.1', postOnly: true, postOnlyCancels: true });
    expect(canceled.ok && [canceled.order.status, canceled.fills.length]).toEqual(['canceled', 0]);
    expect(account.balances['USDT']).toEqual({ free: '10000', used: '0' });
    const maker = venue.place(account, { ...BASE, clientOrderId: 'c3', side: 'buy', type: 'limit', price: '100', quantity: '0.1', postOnly: true });
    expect(maker.ok && maker.order.status).toBe('new');
  });
});
