import { describe, expect, it } from 'vitest';
import { InvalidResponseError, RetryLaterError } from '../../../src/domain/errors.js';
import type { CcxtInstance } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { protectMarketBuy } from '../../../src/exchanges/ccxt/market-buy-protection.js';
import type { OrderRequest } from '../../../src/exchanges/exchange.port.js';

/** Only the two ccxt members the shaper reads; the round trip itself is covered by the contract suite. */
function venue(ticker: { ask?: number; last?: number }, market: { spot: boolean; tick?: number }): CcxtInstance {
  const fake = {
    id: 'gate',
    name: 'Gate',
    market: () => ({ spot: market.spot, precision: { price: market.tick } }),
    fetchTicker: async () => ticker,
  };
  return fake as unknown as CcxtInstance;
}

const buy: OrderRequest = { symbol: 'XRP/USDT', side: 'buy', type: 'market', amount: '10', clientOrderId: 't-01J0000000000000000000000' };

describe('protectMarketBuy', () => {
  it('caps a spot market buy 1 % above the ask, rounded up to the tick, as an IOC limit of the same base amount', async () => {
    const shaped = await protectMarketBuy(venue({ ask: 0.5123 }, { spot: true, tick: 0.0001 }), buy, { text: 'x' }, {});
    // 0.5123 × 1.01 = 0.517423 → up to the tick: 0.5175
    expect(shaped).toEqual({ type: 'limit', price: 0.5175, params: { text: 'x', timeInForce: 'IOC' } });
  });

  it('leaves limit orders, sells and non-spot markets as they are', async () => {
    const ex = venue({ ask: 1 }, { spot: true, tick: 0.01 });
    expect(await protectMarketBuy(ex, { ...buy, side: 'sell' }, {}, {})).toEqual({ type: 'market', price: undefined, params: {} });
    expect(await protectMarketBuy(ex, { ...buy, type: 'limit', price: '0.9' }, {}, {})).toEqual({ type: 'limit', price: 0.9, params: {} });
    expect(await protectMarketBuy(venue({ ask: 1 }, { spot: false, tick: 0.01 }), buy, {}, {})).toEqual({ type: 'market', price: undefined, params: {} });
  });

  it('refuses to send the buy without a usable ask (a transient state: retry later), or without a tick size', async () => {
    await expect(protectMarketBuy(venue({}, { spot: true, tick: 0.01 }), buy, {}, {})).rejects.toBeInstanceOf(RetryLaterError);
    await expect(protectMarketBuy(venue({ ask: 0 }, { spot: true, tick: 0.01 }), buy, {}, {})).rejects.toBeInstanceOf(RetryLaterError);
    await expect(protectMarketBuy(venue({ ask: 1 }, { spot: true }), buy, {}, {})).rejects.toBeInstanceOf(InvalidResponseError);
  });
});
