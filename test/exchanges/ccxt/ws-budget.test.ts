import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamLimitError } from '../../../src/domain/errors.js';
import { WsBudget } from '../../../src/exchanges/ccxt/ws-budget.js';

describe('WsBudget: the exchanges\' websocket limits, counted in the process', () => {
  it('opens at most its share of the per-IP connections in any window, and frees slots as the window slides', () => {
    let now = 0;
    const budget = new WsBudget({ exchange: 'Binance', profile: { connectionsPerIp: { count: 300, windowMs: 300_000 }, subscriptionsPerConnection: 1024 }, now: () => now });
    for (let i = 0; i < 240; i++) budget.openConnection();
    expect(() => budget.openConnection()).toThrow(StreamLimitError);
    expect(() => budget.openConnection()).toThrow(/Binance: 240 new websocket connections in 300 s .* REST until a slot frees in 300 s/);
    now = 299_999;
    expect(() => budget.openConnection()).toThrow(StreamLimitError);
    now = 300_000; // the first 240 leave the window together
    for (let i = 0; i < 240; i++) budget.openConnection();
    expect(() => budget.openConnection()).toThrow(StreamLimitError);
  });

  it('takes a small per-second limit whole (OKX: 3 a second, what one start needs)', () => {
    let now = 1_000;
    const budget = new WsBudget({ exchange: 'OKX', profile: { connectionsPerIp: { count: 3, windowMs: 1_000 }, subscriptionsPerConnection: null }, now: () => now });
    for (let i = 0; i < 3; i++) budget.openConnection();
    expect(() => budget.openConnection()).toThrow(/OKX: 3 new websocket connections in 1 s/);
    now += 1_000;
    budget.openConnection();
    // No documented subscription limit: none is made up.
    expect(() => budget.addSubscription(10_000)).not.toThrow();
  });

  it('refuses a subscription past the per-connection limit', () => {
    const budget = new WsBudget({ exchange: 'Binance', profile: { connectionsPerIp: null, subscriptionsPerConnection: 2 } });
    budget.addSubscription(0);
    budget.addSubscription(1);
    expect(() => budget.addSubscription(2)).toThrow(/at most 2 subscriptions/);
  });

  it('never lets more connections through in any window than its limit, whatever the timing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (gaps, count) => {
        let now = 0;
        const windowMs = 1_000;
        const budget = new WsBudget({ exchange: 'X', profile: { connectionsPerIp: { count, windowMs }, subscriptionsPerConnection: null }, now: () => now });
        const opened: number[] = [];
        for (const gap of gaps) {
          now += gap;
          try {
            budget.openConnection();
            opened.push(now);
          } catch (error) {
            if (!(error instanceof StreamLimitError)) throw error;
          }
        }
        const limit = count < 10 ? count : Math.floor(count * 0.8);
        for (const t of opened) expect(opened.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(limit);
      }),
    );
  });
});
