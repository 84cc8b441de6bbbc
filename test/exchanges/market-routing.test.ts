import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import type { CcxtInstance } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { balanceAccountsFor, routeSymbol, symbolLessRoutes } from '../../src/exchanges/ccxt/market-routing.js';
import { EXCHANGE_PROFILES } from '../../src/exchanges/profiles/index.js';

/** Routing as data: every market type of every profile has a route and exactly one balance account. */

/** Just the part of a ccxt instance routing reads: its loaded markets. */
function withMarkets(markets: Record<string, { type: string; margin?: boolean }>): CcxtInstance {
  return {
    market: (symbol: string) => {
      const m = markets[symbol];
      if (!m) throw new Error(`no market ${symbol}`);
      return m;
    },
  } as unknown as CcxtInstance;
}

const binance = EXCHANGE_PROFILES.binance;
const ex = withMarkets({ 'BTC/USDT': { type: 'spot', margin: true }, 'BTC/USDT:USDT': { type: 'swap' } });

describe('market routing', () => {
  it.each(EXCHANGE_IDS)('%s: each market type has a route and lives in exactly one balance account', (id) => {
    const profile = EXCHANGE_PROFILES[id];
    for (const type of profile.marketTypes) {
      expect(profile.routing.typeParams[type], type).toBeDefined();
      expect(profile.routing.balanceAccounts.filter((a) => a.marketTypes.includes(type)), type).toHaveLength(1);
    }
  });

  it('leaves symbol calls to ccxt (the unified symbol names the market) except margin on spot symbols', () => {
    expect(routeSymbol(ex, 'BTC/USDT', ['spot', 'futures'], binance)).toEqual({ marketType: 'spot', params: {} });
    expect(routeSymbol(ex, 'BTC/USDT:USDT', ['spot', 'futures'], binance)).toEqual({ marketType: 'futures', params: {} });
    expect(routeSymbol(ex, 'BTC/USDT', ['margin'], binance)).toEqual({ marketType: 'margin', params: { type: 'margin' } });
    // Spot and margin on one connection: a spot symbol is spot (margin needs its own connection).
    expect(routeSymbol(ex, 'BTC/USDT', ['spot', 'margin'], binance).marketType).toBe('spot');
  });

  it('refuses a symbol of a type the connection does not trade', () => {
    expect(() => routeSymbol(ex, 'BTC/USDT:USDT', ['spot'], binance)).toThrow(ValidationError);
  });

  it('lists one symbol-less route per distinct API (Kraken margin shares the spot one)', () => {
    expect(symbolLessRoutes(['spot', 'futures'], binance)).toEqual([{ type: 'spot' }, { type: 'swap', subType: 'linear' }]);
    expect(symbolLessRoutes(['spot', 'margin'], EXCHANGE_PROFILES.kraken)).toEqual([{}]);
  });

  it('reads one balance per account, the connection primary type first; unified accounts once', () => {
    expect(balanceAccountsFor(['futures', 'spot'], binance).map((a) => a.account)).toEqual(['futures', 'spot']);
    expect(balanceAccountsFor(['spot'], binance).map((a) => a.account)).toEqual(['spot']);
    expect(balanceAccountsFor(['spot', 'futures'], EXCHANGE_PROFILES.bybit).map((a) => a.account)).toEqual(['unified']);
    expect(balanceAccountsFor(['swap', 'futures'], EXCHANGE_PROFILES.okx).map((a) => a.account)).toEqual(['trading']);
    // No types listed: everything the exchange offers.
    expect(balanceAccountsFor([], EXCHANGE_PROFILES.gate).map((a) => a.account)).toEqual(['spot', 'futures']);
  });
});
