import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { systemClock } from '../../src/domain/clock.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { MarketCache } from '../../src/exchanges/ccxt/market-cache.js';
import { ExchangeRateLimiter } from '../../src/ratelimit/exchange-limiter.js';
import type { ExchangeLimitProfile } from '../../src/ratelimit/limit-rules.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { breach } from '../../src/ratelimit/profile-kit.js';

const CAPACITY = 10;
const WINDOW_MS = 500;
/**
 * Slack the limiter keeps on every window for the time between admitting a request and the exchange
 * counting it: on a loaded 2-core CI machine the event loop can lag tens of milliseconds.
 */
const MARGIN_MS = 100;
/** A tight budget with weights, so a short random stream must be paced: ticker costs 3, time 1. */
const PROFILE: ExchangeLimitProfile = {
  exchange: 'binance',
  breach: breach({ rateLimitedScope: 'ip', rateLimitStatuses: [429], banStatuses: [418] }),
  rules: [
    {
      id: 'test.account.weight',
      scope: { kind: 'account' },
      limit: { type: 'sliding-window', capacity: CAPACITY, windowMs: WINDOW_MS },
      weights: [{ match: { path: /\/ticker\//u }, weight: 3 }],
      source: 'test',
    },
  ],
};
const weightOf = (path: string): number => (path.includes('/ticker/') ? 3 : 1);

let sim: RunningSimulator;
let ccxt: CcxtModules;
const markets = new MarketCache({ clock: systemClock });
beforeAll(async () => {
  sim = await startSimulator();
  sim.control.addAccount('binance', { apiKey: 'ctspropkey0123456789', secret: 'ctspropsecret0123456789', balances: { USDT: '10' } });
  ccxt = await loadCcxt();
});
afterAll(async () => sim.close());

describe('the limiter, judged by what the exchange received', () => {
  it('for random request streams with random weights, no window at the simulator ever holds more than the budget', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 8, maxLength: 16 }), async (tickers) => {
        const limiter = new RateLimiter({ clock: systemClock, windowMarginMs: MARGIN_MS });
        const gate = new ExchangeRateLimiter({ limiter, profiles: { binance: PROFILE } });
        const exchange = await createCcxtExchange({
          ccxt,
          gate,
          marketCache: markets,
          connection: { id: 'prop', exchange: 'binance', mode: 'live', credentials: null, marketTypes: ['spot'], proxyUrl: sim.url },
        });
        await exchange.loadMarkets(); // outside the measured stream
        sim.control.clearRequests();
        await Promise.all(tickers.map((ticker) => (ticker ? exchange.fetchTicker('BTC/USDT') : exchange.fetchServerTime())));
        await exchange.close();
        limiter.close();
        const received = sim.control.requests({ exchange: 'binance' }).map((r) => ({ at: r.receivedAt, weight: weightOf(r.path) }));
        expect(received.length).toBe(tickers.length);
        for (const r of received) {
          const inWindow = received.filter((o) => o.at > r.at - WINDOW_MS && o.at <= r.at).reduce((sum, o) => sum + o.weight, 0);
          expect(inWindow).toBeLessThanOrEqual(CAPACITY);
        }
      }),
      { numRuns: 4, seed: 424242 },
    );
  }, 60_000);
});
