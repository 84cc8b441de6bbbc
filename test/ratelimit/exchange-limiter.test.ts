import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimitedError } from '../../src/domain/errors.js';
import type { ExchangeRequest, ResponseFeedback } from '../../src/ratelimit/request-gate.js';
import { ExchangeRateLimiter } from '../../src/ratelimit/exchange-limiter.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { exchangeLimitProfiles } from '../../src/exchanges/profiles/limit-profiles.js';

const T0 = 1_700_000_000_000;

function setup() {
  const clock = new ManualClock(T0);
  const limiter = new RateLimiter({ clock });
  const gate = new ExchangeRateLimiter({ limiter, profiles: exchangeLimitProfiles() });
  const sentAt: number[] = [];
  /** Sends one request; the fake exchange answers with `feedback`. */
  const send = (request: ExchangeRequest, feedback: ResponseFeedback = { status: 200, headers: {} }) =>
    gate.run(request, async (report) => {
      sentAt.push(clock.now());
      report(feedback);
      return feedback.status;
    });
  return { clock, limiter, gate, sentAt, send };
}

const ticker: ExchangeRequest = { exchange: 'binance', accountKey: 'c1', method: 'GET', path: '/api/v3/ticker/24hr', symbol: 'BTC/USDT', lane: 'read' };

describe('ExchangeRateLimiter', () => {
  it('after a 429 with Retry-After: 2 sends nothing for that scope for 2 s, then resumes', async () => {
    const { clock, sentAt, send } = setup();
    await send(ticker, { status: 429, headers: { 'retry-after': '2' } });
    const next = [send(ticker), send({ ...ticker, accountKey: 'c2' })]; // Binance pauses the whole IP
    await clock.advance(1_999);
    expect(sentAt).toEqual([T0]);
    await clock.advance(1);
    await Promise.all(next);
    expect(sentAt).toEqual([T0, T0 + 2_000, T0 + 2_000]);
  });

  it('shows a 418 ban in health until it is over', async () => {
    const { clock, gate, send } = setup();
    await send(ticker, { status: 418, headers: { 'retry-after': '300' } });
    const status = await gate.status('binance', 'c1');
    expect(status.pauses).toEqual([{ scope: 'binance|ip|local', until: T0 + 300_000, reason: 'HTTP 418: IP banned' }]);
    await clock.advance(300_000);
    expect((await gate.status('binance', 'c1')).pauses).toEqual([]);
  });

  it('holds a Bybit 403 IP ban for at least 10 minutes whatever Retry-After says', async () => {
    const { clock, sentAt, send } = setup();
    const req: ExchangeRequest = { exchange: 'bybit', accountKey: 'c1', method: 'GET', path: '/v5/market/tickers', lane: 'read' };
    await send(req, { status: 403, headers: { 'retry-after': '1' } });
    const next = send({ ...req, lane: 'order', method: 'POST', path: '/v5/order/create', symbol: 'BTC/USDT' });
    await clock.advance(599_999);
    expect(sentAt).toHaveLength(1);
    await clock.advance(1);
    await next;
    expect(sentAt).toEqual([T0, T0 + 600_000]);
  });

  it('pauses on a RateLimitedError thrown by send and rethrows it unchanged', async () => {
    const { clock, gate, sentAt, send } = setup();
    const req: ExchangeRequest = { exchange: 'kraken', accountKey: 'k1', method: 'POST', path: '/0/private/Balance', lane: 'read' };
    const error = new RateLimitedError('EAPI:Rate limit exceeded', 3_000);
    await expect(gate.run(req, async () => Promise.reject(error))).rejects.toBe(error);
    const next = send(req);
    await clock.advance(2_999);
    expect(sentAt).toHaveLength(0);
    await clock.advance(1);
    await next;
    expect(sentAt).toEqual([T0 + 3_000]);
  });

  it('slows down when X-MBX-USED-WEIGHT-1M reports a nearly full IP weight bucket', async () => {
    const { clock, sentAt, send } = setup();
    await send(ticker, { status: 200, headers: { 'x-mbx-used-weight-1m': '5999' } });
    const next = send(ticker); // weight 2 no longer fits in 6000 for a minute
    await clock.advance(59_999);
    expect(sentAt).toHaveLength(1);
    await clock.advance(1);
    await next;
    expect(sentAt).toEqual([T0, T0 + 60_000]);
  });

  it('reads Bybit remaining/reset headers into the per-UID endpoint bucket', async () => {
    const { clock, sentAt, send } = setup();
    const create: ExchangeRequest = { exchange: 'bybit', accountKey: 'c1', method: 'POST', path: '/v5/order/create', symbol: 'BTC/USDT', lane: 'order' };
    const headers = { 'x-bapi-limit': '20', 'x-bapi-limit-status': '0', 'x-bapi-limit-reset-timestamp': String(T0 + 400) };
    await send(create, { status: 200, headers });
    const next = send(create);
    await clock.advance(399);
    expect(sentAt).toHaveLength(1);
    await clock.advance(1);
    await next;
    expect(sentAt).toEqual([T0, T0 + 400]);
  });

  it('applies a Gate report to the bucket whose capacity it names', async () => {
    const { limiter, gate, send } = setup();
    const place: ExchangeRequest = { exchange: 'gate', accountKey: 'g1', method: 'POST', path: '/api/v4/spot/orders', symbol: 'BTC/USDT', lane: 'order' };
    await send(place, { status: 200, headers: { 'x-gate-ratelimit-limit': '10', 'x-gate-ratelimit-requests-remain': '2' } });
    const { buckets } = await gate.status('gate', 'g1');
    const used = Object.fromEntries(buckets.map((b) => [b.bucket.split('#')[1], b.used]));
    expect(used['gate.uid-market.spot-place']).toBe(8);
    expect(used['gate.uid.private-endpoint']).toBe(1);
    limiter.close();
  });

  it('refuses requests for exchanges it has no profile for, and bad options', async () => {
    const limiter = new RateLimiter();
    expect(() => new ExchangeRateLimiter({ limiter, profiles: {}, ipKey: 'a|b' })).toThrow('Expected `ipKey`');
    const gate = new ExchangeRateLimiter({ limiter, profiles: {} });
    await expect(gate.run(ticker, async () => 1)).rejects.toThrow('No rate-limit profile for exchange `binance`');
  });
});
