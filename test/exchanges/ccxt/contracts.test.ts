import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import type { CcxtInstance } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { baseToContracts, contractSizeOf, inBase } from '../../../src/exchanges/ccxt/contracts.js';
import { toMarkets } from '../../../src/exchanges/ccxt/response-schemas.js';

/**
 * ccxt's markets as okx.parseMarket builds them: BTC-USDT-SWAP in contracts of 0.01 BTC (lots of 0.01
 * contract), a spot market, a perpetual of contract size 1 (Bybit's and Binance's); and as
 * gate.parseContractMarket builds Gate's ETH_USDT: whole contracts of 0.01 ETH.
 */
const markets = {
  'BTC/USDT:USDT': { id: 'BTC-USDT-SWAP', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 0.01, precision: { amount: 0.01, price: 0.1 }, limits: { amount: { min: 0.01, max: 900000 } } },
  'BTC/USDT': { id: 'BTC-USDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', type: 'spot', contract: false, precision: { amount: 0.00001, price: 0.01 }, limits: { amount: { min: 0.00001 } } },
  'ETH/USDT:USDT': { id: 'ETHUSDT', symbol: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 1, precision: { amount: 0.001, price: 0.01 }, limits: { amount: { min: 0.001 } } },
  'SOL/USDT:USDT': { id: 'SOL-USDT-SWAP', symbol: 'SOL/USDT:USDT', base: 'SOL', quote: 'USDT', type: 'swap', contract: true, linear: false, contractSize: 10, precision: { amount: 1, price: 0.01 }, limits: { amount: {} } },
};
const gateMarkets = {
  'ETH/USDT:USDT': { id: 'ETH_USDT', symbol: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', type: 'swap', contract: true, linear: true, contractSize: 0.01, precision: { amount: 1, price: 0.01 }, limits: { amount: { min: 1, max: 1000000 } } },
};
const ex = { markets } as unknown as CcxtInstance;
const gate = { markets: gateMarkets } as unknown as CcxtInstance;

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
    expect(baseToContracts(ex, 'BTC/USDT', '0.00012')).toBe(0.00012);
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

  it('refuses an amount that is not a whole number of lots before it is sent (OKX lots of 0.01 contract, Gate whole contracts)', () => {
    expect(() => baseToContracts(ex, 'BTC/USDT:USDT', '0.00005')).toThrow(ValidationError);
    expect(baseToContracts(gate, 'ETH/USDT:USDT', '0.05')).toBe(5);
    expect(() => baseToContracts(gate, 'ETH/USDT:USDT', '0.015')).toThrow(/not a whole number of lots/);
    expect(inBase(gate, { symbol: 'ETH/USDT:USDT', amount: 5, filled: 5, remaining: 0 })).toMatchObject({ amount: 0.05, filled: 0.05, remaining: 0 });
  });

  it("lists Gate's step and limits in base: one contract", () => {
    const [eth] = toMarkets(gateMarkets, ['swap'], ['spot', 'swap']);
    expect(eth).toMatchObject({ amountStep: '0.01', minAmount: '0.01', maxAmount: '10000' });
  });

  it('leaves an inverse contract alone (it is worth a quote amount)', () => {
    expect(contractSizeOf(ex, 'SOL/USDT:USDT')).toBeUndefined();
  });
});
