import { describe, expect, it } from 'vitest';
import { EXCHANGE_IDS } from '../../../src/domain/exchange-ids.js';
import type { ExchangeRequest } from '../../../src/ratelimit/request-gate.js';
import { krakenLimits } from '../../../src/exchanges/profiles/kraken.limits.js';
import { assertValidProfile } from '../../../src/ratelimit/limit-rules.js';
import { exchangeLimitProfiles } from '../../../src/exchanges/profiles/limit-profiles.js';
import { resolveRequest } from '../../../src/ratelimit/resolve.js';

const profiles = exchangeLimitProfiles();

function drawsOf(request: Omit<ExchangeRequest, 'accountKey' | 'lane'> & Partial<ExchangeRequest>) {
  const full: ExchangeRequest = { accountKey: 'acc', lane: 'read', ...request };
  const resolved = resolveRequest(profiles[full.exchange], full, 'ip1');
  return Object.fromEntries(resolved.draws.map((d) => [d.bucket.key, d.weight]));
}

describe('exchange limit profiles', () => {
  it('are valid and cite a source for every rule', () => {
    for (const id of EXCHANGE_IDS) {
      assertValidProfile(profiles[id]);
      for (const rule of profiles[id].rules) expect(rule.source).toMatch(/^(https:\/\/|CTS DESIGN)/);
    }
  });

  it('charge Binance weights per endpoint on the IP, and order counts per account', () => {
    expect(drawsOf({ exchange: 'binance', method: 'GET', path: '/api/v3/account' })).toEqual({
      'binance|acct|acc#binance.seed': 1,
      'binance|ip|ip1#binance.ip.weight': 20,
      'binance|ip|ip1#binance.ip.raw': 1,
    });
    expect(drawsOf({ exchange: 'binance', method: 'GET', path: '/api/v3/openOrders' })['binance|ip|ip1#binance.ip.weight']).toBe(80);
    const create = drawsOf({ exchange: 'binance', method: 'POST', path: '/api/v3/order', symbol: 'BTC/USDT', lane: 'order' });
    expect(create['binance|acct|acc#binance.account.orders-10s']).toBe(1);
    expect(create['binance|acct|acc#binance.account.orders-1d']).toBe(1);
  });

  it('give OKX orders a bucket per account and instrument', () => {
    const place = drawsOf({ exchange: 'okx', method: 'POST', path: '/api/v5/trade/order', symbol: 'BTC/USDT', lane: 'order' });
    expect(place).toHaveProperty(['okx|acct|acc|sym|BTC/USDT#okx.place']);
    expect(place).not.toHaveProperty(['okx|acct|acc#okx.subaccount.new-amend']);
    const swap = drawsOf({ exchange: 'okx', method: 'POST', path: '/api/v5/trade/order', symbol: 'BTC/USDT:USDT' });
    expect(swap).toHaveProperty(['okx|acct|acc#okx.subaccount.new-amend']);
  });

  it('pick the first matching Bybit per-UID endpoint rule (spot 20/s, derivatives 10/s)', () => {
    const spot = resolveRequest(profiles.bybit, { exchange: 'bybit', accountKey: 'a', method: 'POST', path: '/v5/order/create', symbol: 'BTC/USDT', lane: 'order' }, 'ip');
    const perp = resolveRequest(profiles.bybit, { exchange: 'bybit', accountKey: 'a', method: 'POST', path: '/v5/order/create', symbol: 'BTC/USDT:USDT', lane: 'order' }, 'ip');
    expect(spot.draws.map((d) => d.bucket.limit.capacity)).toEqual([100, 600, 20]);
    expect(perp.draws.map((d) => d.bucket.limit.capacity)).toEqual([100, 600, 10]);
  });

  it('size Kraken counters by tier and charge ledgers 2', () => {
    const pro = krakenLimits({ tier: 'pro' });
    const ledgers = resolveRequest(pro, { exchange: 'kraken', accountKey: 'a', method: 'POST', path: '/0/private/Ledgers', lane: 'read' }, 'ip');
    expect(ledgers.draws).toEqual([
      { bucket: { key: 'kraken|acct|a#kraken.account.rest-counter', scope: 'kraken|acct|a', limit: { type: 'decay', capacity: 20, decayPerSecond: 1 } }, weight: 2 },
    ]);
    const add = resolveRequest(pro, { exchange: 'kraken', accountKey: 'a', method: 'POST', path: '/0/private/AddOrder', symbol: 'BTC/USD', lane: 'order' }, 'ip');
    expect(add.draws.map((d) => [d.bucket.key, d.bucket.limit.capacity])).toEqual([['kraken|acct|a|sym|BTC/USD#kraken.pair.order-counter', 180]]);
    expect(() => krakenLimits({ tier: 'gold' as 'pro' })).toThrow('Expected `tier` to be one of starter, intermediate, pro, got `gold`');
  });

  it('keep one Gate bucket per endpoint, not per order id', () => {
    const a = drawsOf({ exchange: 'gate', method: 'DELETE', path: '/api/v4/spot/orders/123456' });
    const b = drawsOf({ exchange: 'gate', method: 'DELETE', path: '/api/v4/spot/orders/987654' });
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(a).toHaveProperty(['gate|acct|acc#gate.uid.spot-cancel']);
  });

  it('let the seed budget be overridden or switched off per exchange', () => {
    const off = exchangeLimitProfiles({ coinbase: { defaultBudget: null } }).coinbase;
    expect(off.rules.map((r) => r.id)).not.toContain('coinbase.seed');
    const own = exchangeLimitProfiles({ htx: { defaultBudget: { type: 'sliding-window', capacity: 5, windowMs: 1_000 } } }).htx;
    expect(own.rules[0]?.limit.capacity).toBe(5);
  });
});
