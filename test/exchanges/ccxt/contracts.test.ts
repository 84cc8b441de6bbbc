import { describe, expect, it } from 'vitest';
import type { CcxtInstance } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { baseToContracts, contractSizeOf, inBase } from '../../../src/exchanges/ccxt/contracts.js';
import { toMarkets } from '../../../src/exchanges/ccxt/response-schemas.js';

/** ccxt's markets as okx.parseMarket builds them: BTC-USDT-SWAP in contracts of 0.01 BTC, a spot market, a perpetual of contract size 1. */
const markets = {
  'BTC/USDT:USDT': { id: 'BTC-USDT-SWAP', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 0.01, precision: { amount: 0.01, price: 0.1 }, limits: { amount: { min: 0.01, max: 900000 } } },
  'BTC/USDT': { id: 'BTC-USDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', contract: false, precision: { amount: 0.00001, price: 0.01 }, limits: { amount: { min: 0.00001 } } },
  'ETH/USDT:USDT': { id: 'ETHUSDT', symbol: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 1, precision: { amount: 0.001, price: 0.01 }, limits: { amount: { min: 0.001 } } },
};
const ex = { markets } as unknown as CcxtInstance;

describe('contract amounts in base', () => {
  it('knows the contract size of a linear contract market that is not one base coin', () => {
    expect(contractSizeOf(ex, 'BTC/USDT:USDT')?.toFixed()).toBe('0.01');
    expect(contractSizeOf(ex, 'BTC/USDT')).toBeUndefined();
    expect(contractSizeOf(ex, 'ETH/USDT:USDT')).toBeUndefined();
    expect(contractSizeOf(ex, 'XRP/USDT:USDT')).toBeUndefined();
  });

  it('sends a base amount as contracts, and reads orders and trades back in base', () => {
    expect(baseToContracts(ex, 'BTC/USDT:USDT', '0.1')).toBe(10);
    expect(baseToContracts(ex, 'BTC/USDT:USDT', '0.0003')).toBe(0.03);
    expect(baseToContracts(ex, 'ETH/USDT:USDT', '0.1')).toBe(0.1);
    expect(inBase(ex, { symbol: 'BTC/USDT:USDT', amount: 10, filled: 3, remaining: 7, price: 60000, cost: 1800 })).toEqual({ symbol: 'BTC/USDT:USDT', amount: 0.1, filled: 0.03, remaining: 0.07, price: 60000, cost: 1800 });
    // A terse ack without an amount keeps none (the caller's fallback is in base already).
    expect(inBase(ex, [{ symbol: 'BTC/USDT:USDT', id: '1' }, { symbol: 'BTC/USDT', amount: 2 }])).toEqual([{ symbol: 'BTC/USDT:USDT', id: '1' }, { symbol: 'BTC/USDT', amount: 2 }]);
  });

  it("lists a contract market's step and limits in base", () => {
    const [swap, spot, perp] = toMarkets(markets, ['spot', 'swap'], ['spot', 'futures', 'swap']);
    expect(swap).toMatchObject({ symbol: 'BTC/USDT:USDT', type: 'swap', amountStep: '0.0001', minAmount: '0.0001', maxAmount: '9000', priceStep: '0.1' });
    expect(spot).toMatchObject({ amountStep: '0.00001', minAmount: '0.00001' });
    expect(perp).toMatchObject({ amountStep: '0.001', minAmount: '0.001' });
  });
});
