import { describe, expect, it } from 'vitest';
import { Venue } from '../../simulator/matching/engine.js';
import { DEFAULT_MARKETS } from '../../simulator/matching/markets.js';
import { CandleReplayPath, RandomWalkPath, type SimCandle } from '../../simulator/matching/price-path.js';
import type { SimAccount } from '../../simulator/types.js';

/** A path the test moves by hand: each step() takes the next scripted candle. */
function scripted(candles: Array<[string, string, string, string]>): CandleReplayPath {
  const rows: SimCandle[] = candles.map(([open, high, low, close], i) => ({
    openTime: 1_700_000_000_000 + i * 3_600_000, open, high, low, close, volume: '1000',
  }));
  return new CandleReplayPath(rows, 0);
}

function setup(candles: Array<[string, string, string, string]>, liquidity = '1') {
  const spec = { ...DEFAULT_MARKETS[0]!, liquidityPerStep: liquidity }; // BTC/USDT, tick 0.01, step 0.00001
  const path = scripted(candles);
  const venue = new Venue({ markets: [spec], paths: new Map([['BTC/USDT', path]]), now: () => 1_700_000_000_000 });
  /** What the simulator's step does: move the shared path, then let the venue match. */
  const advance = () => {
    path.step();
    return venue.afterPriceStep();
  };
  const account: SimAccount = {
    apiKey: 'k',
    secret: 's',
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: { free: '10000', used: '0' }, BTC: { free: '1', used: '0' } },
  };
  return { venue, account, advance };
}

describe('matching engine', () => {
  it('locks quote for a resting buy and fills it as maker when the price comes down, fee in base', () => {
    const { venue, account, advance } = setup([
      ['100', '101', '99', '100'],
      ['100', '100', '94.5', '95'],
    ]);
    const r = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: '0.3', price: '95.13', clientOrderId: 'c1' });
    expect(r.ok && r.order.status).toBe('new');
    expect(account.balances['USDT']).toEqual({ free: '9971.461', used: '28.539' });

    const fills = advance();
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ price: '95.13', qty: '0.3', quoteQty: '28.539', fee: '0.0003', feeAsset: 'BTC', maker: true });
    expect(account.balances['USDT']).toEqual({ free: '9971.461', used: '0' });
    expect(account.balances['BTC']).toEqual({ free: '1.2997', used: '0' });
  });

  it('fills a marketable limit as taker at the ask and releases the over-reserved quote', () => {
    const { venue, account } = setup([['100', '101', '99', '100']]);
    const r = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: '0.1', price: '105', clientOrderId: 'c1' });
    if (!r.ok) throw new Error('rejected');
    expect(r.order.status).toBe('filled');
    expect(r.fills[0]).toMatchObject({ price: '100.01', maker: false, fee: '0.0001' });
    // 10000 − 0.1 × 100.01, exactly: nothing stays locked at the 105 limit.
    expect(account.balances['USDT']).toEqual({ free: '9989.999', used: '0' });
    expect(account.balances['BTC']).toEqual({ free: '1.0999', used: '0' });
  });

  it('partially fills a large order against the step liquidity, then the rest on the next step', () => {
    const { venue, account, advance } = setup([
      ['100', '101', '99', '100'],
      ['100', '100', '97', '98'],
    ], '0.4');
    const r = venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'limit', quantity: '0.7', price: '99.5', clientOrderId: 's1' });
    if (!r.ok) throw new Error('rejected');
    expect(r.order).toMatchObject({ status: 'partially_filled', executedQty: '0.4' });
    expect(account.balances['BTC']).toEqual({ free: '0.3', used: '0.3' });
    // Sold 0.4 at the bid 99.99 = 39.996, fee 0.1 % = 0.039996.
    expect(account.balances['USDT']).toEqual({ free: '10039.956004', used: '0' });
    // The next candle's high (100) reaches 99.5 again: the remaining 0.3 fills as maker.
    advance();
    expect(venue.order('k', { clientOrderId: 's1' })).toMatchObject({ status: 'filled', executedQty: '0.7' });
    expect(account.balances['BTC']).toEqual({ free: '0.3', used: '0' });
    expect(account.balances['USDT']).toEqual({ free: '10069.776154', used: '0' });
  });

  it('expires the unfilled remainder of a market order', () => {
    const { venue, account } = setup([['100', '101', '99', '100']], '0.25');
    const r = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '0.5', clientOrderId: 'm1' });
    if (!r.ok) throw new Error('rejected');
    expect(r.order).toMatchObject({ status: 'expired', executedQty: '0.25', cumQuote: '25.0025' });
  });

  it('cancel returns the locked funds; a second cancel finds nothing open', () => {
    const { venue, account } = setup([['100', '101', '99', '100']]);
    venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'limit', quantity: '0.25', price: '150', clientOrderId: 'x' });
    expect(account.balances['BTC']).toEqual({ free: '0.75', used: '0.25' });
    expect(venue.cancel('k', 'BTC/USDT', { clientOrderId: 'x' })?.status).toBe('canceled');
    expect(account.balances['BTC']).toEqual({ free: '1', used: '0' });
    expect(venue.cancel('k', 'BTC/USDT', { clientOrderId: 'x' })).toBeUndefined();
  });

  it('rejects by filter, balance and duplicate client id, without touching balances', () => {
    const { venue, account } = setup([['100', '101', '99', '100']]);
    const place = (o: Partial<Parameters<Venue['place']>[1]>) =>
      venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: '0.1', price: '90', clientOrderId: 'd', ...o });
    expect(place({ quantity: '0.000001' })).toEqual({ ok: false, rejection: { kind: 'filter', filter: 'LOT_SIZE' } });
    expect(place({ price: '90.001' })).toEqual({ ok: false, rejection: { kind: 'filter', filter: 'PRICE_FILTER' } });
    expect(place({ quantity: '0.01', price: '1' })).toEqual({ ok: false, rejection: { kind: 'filter', filter: 'NOTIONAL' } });
    expect(place({ quantity: '200' })).toEqual({ ok: false, rejection: { kind: 'insufficient_balance' } });
    expect(place({ symbol: 'DOGE/USDT' })).toEqual({ ok: false, rejection: { kind: 'unknown_symbol' } });
    expect(place({}).ok).toBe(true);
    expect(place({})).toEqual({ ok: false, rejection: { kind: 'duplicate_client_id' } });
    expect(account.balances['USDT']).toEqual({ free: '9991', used: '9' });
  });
});

describe('price paths', () => {
  it('replays the bundled XRP candles and wraps at the end', () => {
    const path = CandleReplayPath.fromCsv(new URL('../../data/XRP_USDT_USDT-1h-futures.csv', import.meta.url).pathname);
    expect(path.current()).toMatchObject({ openTime: 1637110800000, close: '1.07925' });
    expect(path.intervalMs).toBe(3_600_000);
    for (let i = 0; i < 100; i++) path.step();
    expect(path.current().openTime).toBe(1637110800000);
  });

  it('a seeded random walk is reproducible and stays on the tick grid', () => {
    const a = new RandomWalkPath({ seed: 7, start: '60000', tickSize: '0.01', warmup: 50 });
    const b = new RandomWalkPath({ seed: 7, start: '60000', tickSize: '0.01', warmup: 50 });
    expect(a.history(51)).toEqual(b.history(51));
    for (const c of a.history(51)) {
      expect(c.close).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(Number(c.high)).toBeGreaterThanOrEqual(Math.max(Number(c.open), Number(c.close)));
      expect(Number(c.low)).toBeLessThanOrEqual(Math.min(Number(c.open), Number(c.close)));
    }
  });
});
