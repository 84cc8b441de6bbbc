import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { EXCHANGE_FACTS, EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { ccxtConfig, fetchMarketsOption } from '../../src/exchanges/ccxt/ccxt-options.js';
import { assertProfilesMatchFacts, EXCHANGE_PROFILES, isValidClientOrderId, makeClientOrderId } from '../../src/exchanges/profiles/index.js';

describe('exchange profiles', () => {
  it('agree with EXCHANGE_FACTS (market types, passphrase)', () => {
    expect(() => assertProfilesMatchFacts()).not.toThrow();
    for (const id of EXCHANGE_IDS) {
      expect(EXCHANGE_PROFILES[id].id).toBe(id);
      expect(EXCHANGE_PROFILES[id].displayName).toBe(EXCHANGE_FACTS[id].displayName);
    }
  });

  it.each(EXCHANGE_IDS)('%s: generated client order ids fit the documented format and are unique', (id) => {
    const a = makeClientOrderId(id, ulid());
    const b = makeClientOrderId(id, ulid());
    expect(a).not.toBe(b);
    expect(isValidClientOrderId(id, a)).toBe(true);
    expect(a.length).toBeLessThanOrEqual(EXCHANGE_PROFILES[id].clientOrderId.maxLength);
  });

  it('uses each exchange own field and rules', () => {
    expect(makeClientOrderId('gate', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('t-01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(makeClientOrderId('okx', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).toMatch(/^[A-Za-z0-9]{1,32}$/);
    expect(makeClientOrderId('kraken', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01563e3a-b5d3-d676-4c61-efb99302bd5b');
    expect(EXCHANGE_PROFILES.bybit.clientOrderId.field).toBe('orderLinkId');
    expect(isValidClientOrderId('binance', 'has space')).toBe(false);
    expect(() => makeClientOrderId('binance', 'not-a-ulid')).toThrow(/ULID/);
  });
});

describe('ccxt configuration', () => {
  const base = { id: 'c1', mode: 'live' as const, credentials: { apiKey: 'k', apiSecret: 's', passphrase: 'p' } };

  it('switches off ccxt throttling and retries, and passes the proxy and timeout', () => {
    const config = ccxtConfig({ ...base, exchange: 'binance', marketTypes: ['spot'], proxyUrl: 'http://127.0.0.1:9/', timeoutMs: 1234 }, EXCHANGE_PROFILES.binance);
    expect(config).toMatchObject({ enableRateLimit: false, timeout: 1234, proxyUrl: 'http://127.0.0.1:9/', apiKey: 'k', secret: 's' });
    expect(config['options']).toMatchObject({ maxRetriesOnFailure: 0, fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } });
  });

  it('trims loadMarkets to the connection market types', () => {
    expect(fetchMarketsOption(['futures'], EXCHANGE_PROFILES.binance)).toEqual({ fetchMarkets: { types: ['linear'] } });
    expect(fetchMarketsOption(['spot', 'margin'], EXCHANGE_PROFILES.binance)).toEqual({ fetchMarkets: { types: ['spot'] } });
    expect(fetchMarketsOption(['swap'], EXCHANGE_PROFILES.okx)).toEqual({ fetchMarkets: { types: ['swap'] } });
    expect(fetchMarketsOption(['spot'], EXCHANGE_PROFILES.htx)).toEqual({ fetchMarkets: { types: { spot: true, linear: false, inverse: false } } });
    expect(fetchMarketsOption(['spot'], EXCHANGE_PROFILES.kraken)).toEqual({});
  });

  it('signs OKX with the passphrase as ccxt password', () => {
    expect(ccxtConfig({ ...base, exchange: 'okx', marketTypes: ['spot'] }, EXCHANGE_PROFILES.okx)['password']).toBe('p');
  });
});
