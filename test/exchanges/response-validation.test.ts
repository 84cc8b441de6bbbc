import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../src/domain/errors.js';
import { toBalances } from '../../src/exchanges/ccxt/balances.js';
import type { BalanceAccount } from '../../src/exchanges/profiles/index.js';
import { toCandles, toFills, toMarkets, toOrder, toTicker } from '../../src/exchanges/ccxt/response-schemas.js';

const NOW = 1_700_000_000_000;

describe('validation of what ccxt returns', () => {
  it('rejects an empty balance built from a foreign body instead of reporting "nothing held"', () => {
    const ccxtOfGarbage = { info: { unexpected: [1, 2, 3] }, free: {}, used: {}, total: {} };
    expect(() => toBalances('binance', ccxtOfGarbage)).toThrow(InvalidResponseError);
  });

  it('accepts a real empty balance and derives missing parts in decimals', () => {
    expect(toBalances('binance', { info: { balances: [] }, free: {}, used: {}, total: {} })).toEqual([]);
    const out = toBalances('kraken', { info: { error: [], result: {} }, free: { BTC: undefined }, used: { BTC: 0.1 }, total: { BTC: 0.3 } });
    expect(out).toEqual([{ asset: 'BTC', free: '0.2', used: '0.1', total: '0.3' }]);
  });

  it('accepts each account envelope the routing reads (Binance margin/futures, HTX linear swaps) and tags the account', () => {
    const margin: BalanceAccount = { account: 'margin', marketTypes: ['margin'], params: { type: 'margin' } };
    expect(toBalances('binance', { info: { userAssets: [] }, free: { BTC: 1 }, used: { BTC: 0 }, total: { BTC: 1 } }, margin)).toEqual([
      { asset: 'BTC', free: '1', used: '0', total: '1', account: 'margin', marketTypes: ['margin'] },
    ]);
    expect(toBalances('binance', { info: { assets: [] }, free: {}, used: {}, total: {} })).toEqual([]);
    expect(toBalances('htx', { info: { code: 200, data: { details: [] } }, free: {}, used: {}, total: {} })).toEqual([]);
    expect(() => toBalances('htx', { info: { code: 200, data: {} }, free: {}, used: {}, total: {} })).toThrow(InvalidResponseError);
  });

  it('rejects negative balances', () => {
    expect(() => toBalances('binance', { info: { balances: [] }, free: { BTC: -1 }, used: {}, total: { BTC: 1 } })).toThrow(InvalidResponseError);
  });

  it('rejects an order without an id, and completes a terse ack from what we sent', () => {
    expect(() => toOrder({ id: undefined, symbol: 'BTC/USDT', side: 'buy', type: 'limit', status: 'open', amount: 1 }, NOW)).toThrow(InvalidResponseError);
    expect(() => toOrder({ id: '', symbol: 'BTC/USDT' }, NOW)).toThrow(InvalidResponseError);
    const ack = toOrder({ id: '42', clientOrderId: 'cts-1', symbol: 'BTC/USDT' }, NOW, { side: 'buy', type: 'limit', amount: '0.5', price: '100', status: 'open' });
    expect(ack).toMatchObject({ id: '42', clientOrderId: 'cts-1', side: 'buy', amount: '0.5', price: '100', status: 'open', filled: '0', timestamp: NOW });
  });

  it('reads stop orders by the exchange type ccxt reports (a stop in the open orders never breaks reconciliation)', () => {
    const base = { id: '7', symbol: 'BTC/USDT', side: 'sell', status: 'open', amount: 0.5, price: null };
    expect(toOrder({ ...base, type: 'stop_loss', triggerPrice: 95.5 }, NOW)).toMatchObject({ type: 'market', trigger: { kind: 'stop-loss', price: '95.5' } });
    expect(toOrder({ ...base, type: 'take_profit_limit', price: 111, triggerPrice: 110 }, NOW)).toMatchObject({ type: 'limit', price: '111', trigger: { kind: 'take-profit', price: '110' } });
    expect(toOrder({ ...base, type: 'market', stopLossPrice: 90, triggerPrice: 90 }, NOW).trigger).toEqual({ kind: 'stop-loss', price: '90' });
    expect(toOrder({ ...base, type: 'limit', price: 100 }, NOW).trigger).toBeNull();
    // Binance USDⓈ-M algo orders: ccxt says `market` for both kinds; info.orderType tells them apart.
    expect(toOrder({ ...base, type: 'market', triggerPrice: 58000, info: { algoType: 'CONDITIONAL', orderType: 'TAKE_PROFIT_MARKET' } }, NOW)).toMatchObject({ type: 'market', trigger: { kind: 'take-profit', price: '58000' } });
    expect(toOrder({ ...base, type: 'market', triggerPrice: 61000, info: { algoType: 'CONDITIONAL', orderType: 'STOP_MARKET' } }, NOW)).toMatchObject({ type: 'market', trigger: { kind: 'stop-loss', price: '61000' } });
    // A terse ack of a stop is completed from what was sent.
    expect(toOrder({ id: '8', symbol: 'BTC/USDT' }, NOW, { side: 'sell', type: 'market', amount: '1', status: 'open', trigger: { kind: 'stop-loss', price: '95' } }).trigger).toEqual({ kind: 'stop-loss', price: '95' });
    expect(() => toOrder({ ...base, type: 'iceberg_special' }, NOW)).toThrow(/type/);
  });

  it('rejects an order whose side or status cannot be known', () => {
    expect(() => toOrder({ id: '1', symbol: 'BTC/USDT', type: 'limit', amount: 1, status: 'open' }, NOW)).toThrow(/side/);
  });

  it('validates tickers, candles, trades and markets', () => {
    expect(toTicker({ symbol: 'BTC/USDT', last: 100.5, bid: 100, ask: 101 }, NOW)).toEqual({ symbol: 'BTC/USDT', timestamp: NOW, bid: '100', ask: '101', last: '100.5' });
    expect(() => toTicker({ symbol: 'BTC/USDT', last: undefined }, NOW)).toThrow(InvalidResponseError);
    expect(toCandles([[NOW, 1, 2, 0.5, 1.5, 10]])[0]).toEqual({ time: NOW, open: '1', high: '2', low: '0.5', close: '1.5', volume: '10' });
    expect(() => toCandles([[NOW, 1, 2]])).toThrow(InvalidResponseError);
    expect(() => toFills([{ id: 't1', order: '', symbol: 'X/Y', side: 'buy', price: 1, amount: 1, timestamp: NOW }])).toThrow(InvalidResponseError);
    const markets = { 'BTC/USDT': { id: 'BTCUSDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', active: true, precision: { amount: 0.00001, price: 0.01 }, limits: { amount: { min: 0.00001 }, cost: { min: 5 } } } };
    expect(toMarkets(markets, ['spot'], ['spot', 'futures'])[0]).toMatchObject({ amountStep: '0.00001', priceStep: '0.01', minCost: '5', type: 'spot' });
    expect(() => toMarkets({ X: { id: 'X' } }, ['spot'], ['spot'])).toThrow(InvalidResponseError);
  });
});
