import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Venue } from '../../simulator/matching/engine.js';
import { DEFAULT_MARKETS } from '../../simulator/matching/markets.js';
import { CandleReplayPath, type SimCandle } from '../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { SimAccount } from '../../simulator/types.js';

/** The simulator charges fees in the base or the quote asset, per side, per exchange or per account. */

function setup() {
  const rows: SimCandle[] = [
    ['100', '101', '99', '100'],
    ['102', '103', '98', '99'],
    ['99', '100', '97', '98'],
  ].map(([open, high, low, close], i) => ({ openTime: 1_700_000_000_000 + i * 3_600_000, open: open!, high: high!, low: low!, close: close!, volume: '1000' }));
  const path = new CandleReplayPath(rows, 0);
  const spec = { ...DEFAULT_MARKETS[0]!, liquidityPerStep: '10' }; // BTC/USDT, tick 0.01, step 0.00001
  const venue = new Venue({ markets: [spec], paths: new Map([['BTC/USDT', path]]), now: () => 1_700_000_000_000 });
  const account: SimAccount = {
    apiKey: 'k',
    secret: 's',
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: { free: '10000', used: '0' }, BTC: { free: '1', used: '0' } },
  };
  const advance = () => {
    path.step();
    return venue.afterPriceStep();
  };
  return { venue, account, advance };
}

describe('fee assets in the matching engine', () => {
  it('by default takes the fee from what the order receives: base on a buy, quote on a sell', () => {
    const { venue, account } = setup();
    const buy = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '1', clientOrderId: 'b' });
    expect(buy.ok && buy.fills[0]).toMatchObject({ price: '100.01', fee: '0.001', feeAsset: 'BTC' });
    expect(account.balances['BTC']).toEqual({ free: '1.999', used: '0' });
    expect(account.balances['USDT']).toEqual({ free: '9899.99', used: '0' });
    const sell = venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '1', clientOrderId: 's' });
    expect(sell.ok && sell.fills[0]).toMatchObject({ price: '99.99', fee: '0.09999', feeAsset: 'USDT' });
    expect(account.balances['USDT']).toEqual({ free: '9999.88001', used: '0' });
  });

  it('in quote on both sides: a buy pays price × qty plus the fee, and a resting buy locks the fee too', () => {
    const { venue, account, advance } = setup();
    venue.setFeeAssets({ buy: 'quote', sell: 'quote' });
    const buy = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '1', clientOrderId: 'b' });
    expect(buy.ok && buy.fills[0]).toMatchObject({ fee: '0.10001', feeAsset: 'USDT' });
    expect(account.balances['BTC']).toEqual({ free: '2', used: '0' });
    expect(account.balances['USDT']).toEqual({ free: '9899.88999', used: '0' });
    venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: '1', price: '98.5', clientOrderId: 'l' });
    expect(account.balances['USDT']).toEqual({ free: '9801.29149', used: '98.5985' }); // 98.5 × 1.001
    const fills = advance();
    expect(fills[0]).toMatchObject({ price: '98.5', fee: '0.0985', feeAsset: 'USDT', maker: true });
    expect(account.balances['USDT']).toEqual({ free: '9801.29149', used: '0' }); // locked 98.5985 = 98.5 + 0.0985 spent
  });

  it('in base on a sell: the fee comes on top of the amount sold, and a sell of everything is refused', () => {
    const { venue, account } = setup();
    venue.setFeeAssets({ buy: 'base', sell: 'base' });
    expect(venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '1', clientOrderId: 'all' })).toEqual({ ok: false, rejection: { kind: 'insufficient_balance' } });
    const sell = venue.place(account, { symbol: 'BTC/USDT', side: 'sell', type: 'market', quantity: '0.5', clientOrderId: 's' });
    expect(sell.ok && sell.fills[0]).toMatchObject({ fee: '0.0005', feeAsset: 'BTC' });
    expect(account.balances['BTC']).toEqual({ free: '0.4995', used: '0' });
  });

  it('an account setting overrides the exchange default, and clearing it restores the default', () => {
    const { venue, account } = setup();
    venue.setFeeAssets({ buy: 'quote', sell: 'quote' }, 'k');
    expect(venue.feeAssets('k')).toEqual({ buy: 'quote', sell: 'quote' });
    expect(venue.feeAssets('other')).toEqual({ buy: 'base', sell: 'quote' });
    venue.setFeeAssets(null, 'k');
    expect(venue.feeAssets(account.apiKey)).toEqual({ buy: 'base', sell: 'quote' });
  });

  it('next-open market orders wait for the next step and fill at its open, with no spread', () => {
    const { venue, account, advance } = setup();
    venue.takerFill = 'next-open';
    const placed = venue.place(account, { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: '1', clientOrderId: 'b' });
    expect(placed.ok && placed.fills).toEqual([]);
    expect(placed.ok && placed.order.status).toBe('new');
    const [fill] = advance();
    expect(fill).toMatchObject({ price: '102', qty: '1', fee: '0.001', feeAsset: 'BTC', maker: false });
    expect(venue.order('k', { clientOrderId: 'b' })?.status).toBe('filled');
  });
});

describe('fee assets over the control API', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}__sim/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it("starts at each exchange's real default and can be set per exchange and per account", async () => {
    expect((await call('GET', 'fee-assets/binance')).body).toEqual({ buy: 'base', sell: 'quote' });
    expect((await call('GET', 'fee-assets/bybit')).body).toEqual({ buy: 'base', sell: 'quote' });
    expect((await call('GET', 'fee-assets/kraken')).body).toEqual({ buy: 'quote', sell: 'quote' });
    expect((await call('PUT', 'fee-assets/binance', { buy: 'quote', sell: 'quote' })).body).toEqual({ buy: 'quote', sell: 'quote' });
    expect((await call('PUT', 'fee-assets/bybit', { buy: 'quote', sell: 'base', apiKey: 'acc1' })).body).toEqual({ buy: 'quote', sell: 'base' });
    expect((await call('GET', 'fee-assets/bybit?apiKey=acc1')).body).toEqual({ buy: 'quote', sell: 'base' });
    expect((await call('GET', 'fee-assets/bybit')).body).toEqual({ buy: 'base', sell: 'quote' });
    expect(sim.control.feeAssets('binance')).toEqual({ buy: 'quote', sell: 'quote' });
  });

  it('refuses an unknown asset with a field error', async () => {
    const answer = await call('PUT', 'fee-assets/binance', { buy: 'bnb', sell: 'quote' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errors: [{ path: 'buy' }] });
  });
});
