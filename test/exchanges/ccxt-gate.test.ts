import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ExchangeUnavailableError, RateLimitedError, RetryLaterError } from '../../src/domain/errors.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import type { ExchangeRequest, RequestGate, ResponseFeedback } from '../../src/ratelimit/request-gate.js';
import { ccxtSimHarness } from './ccxt-sim-harness.js';

/** A gate that records what passes through it (the real limiter is tested on its own). */
function recordingGate(): RequestGate & { seen: { request: ExchangeRequest; feedback: ResponseFeedback[]; failed: boolean }[] } {
  const seen: { request: ExchangeRequest; feedback: ResponseFeedback[]; failed: boolean }[] = [];
  return {
    seen,
    async run(request, send) {
      const entry = { request, feedback: [] as ResponseFeedback[], failed: false };
      seen.push(entry);
      try {
        return await send((f) => entry.feedback.push(f));
      } catch (error) {
        entry.failed = true;
        throw error;
      }
    },
  };
}

let sim: RunningSimulator;
let ccxt: CcxtModules;
beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('every ccxt request passes the gate', () => {
  it('gates ccxt-internal calls (loadMarkets) too, labels lanes and symbols, and reports headers', async () => {
    const gate = recordingGate();
    const exchange = await ccxtSimHarness(sim, ccxt, 'binance', gate).make();
    await exchange.fetchTicker('BTC/USDT');
    const paths = gate.seen.map((s) => `${s.request.method} ${s.request.path} ${s.request.lane} ${s.request.symbol ?? '-'}`);
    expect(paths).toEqual(['GET /api/v3/exchangeInfo read -', 'GET /api/v3/ticker/24hr read BTC/USDT']);
    expect(gate.seen[0]?.request).toMatchObject({ exchange: 'binance', accountKey: 'conn-binance' });
    expect(gate.seen[1]?.feedback[0]?.status).toBe(200);
    expect(gate.seen[1]?.feedback[0]?.headers['x-mbx-used-weight-1m']).toBeDefined();
  });

  it('puts orders in the order lane', async () => {
    const gate = recordingGate();
    const h = ccxtSimHarness(sim, ccxt, 'binance', gate);
    const exchange = await h.make();
    await exchange.loadMarkets();
    const clientOrderId = makeClientOrderId('binance', ulid());
    await exchange.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: '10000', clientOrderId });
    const order = gate.seen.find((s) => s.request.path === '/api/v3/order');
    expect(order?.request).toMatchObject({ method: 'POST', lane: 'order', symbol: 'BTC/USDT' });
  });

  it('reports status and headers of a 429 and raises RateLimitedError with Retry-After', async () => {
    const gate = recordingGate();
    const exchange = await ccxtSimHarness(sim, ccxt, 'binance', gate).make();
    sim.control.injectFault({ exchange: 'binance', path: '/api/v3/time', times: 1, fault: { kind: 'rateLimit', retryAfterSec: 3 } });
    const error = await exchange.fetchServerTime().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_000);
    expect((error as RateLimitedError).banned).toBe(false);
    const last = gate.seen.at(-1);
    expect(last?.failed).toBe(true);
    expect(last?.feedback[0]).toMatchObject({ status: 429, headers: { 'retry-after': '3' } });
  });

  it('keeps labels and responses apart for concurrent calls, identical requests included', async () => {
    const gate = recordingGate();
    const exchange = await ccxtSimHarness(sim, ccxt, 'binance', gate).make();
    await exchange.loadMarkets();
    await Promise.all([exchange.fetchTicker('BTC/USDT'), exchange.fetchTicker('ETH/USDT'), exchange.fetchOpenOrders('XRP/USDT')]);
    const labels = gate.seen.slice(1).map((s) => `${s.request.path} ${s.request.symbol ?? '-'} ${s.feedback.length}`);
    expect(labels.sort()).toEqual(['/api/v3/openOrders XRP/USDT 1', '/api/v3/ticker/24hr BTC/USDT 1', '/api/v3/ticker/24hr ETH/USDT 1']);

    sim.control.injectFault({ exchange: 'binance', path: '/api/v3/time', times: 1, fault: { kind: 'rateLimit', retryAfterSec: 4 } });
    const results = await Promise.allSettled([exchange.fetchServerTime(), exchange.fetchServerTime(), exchange.fetchServerTime()]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(RateLimitedError);
    expect(((failed[0] as PromiseRejectedResult).reason as RateLimitedError).retryAfterMs).toBe(4_000);
    const times = gate.seen.filter((s) => s.request.path === '/api/v3/time');
    expect(times.map((s) => `${s.failed} ${s.feedback.map((f) => f.status).join()}`).sort()).toEqual(['false 200', 'false 200', 'true 429']);
  });

  it('treats a 418 as an IP ban', async () => {
    const exchange = await ccxtSimHarness(sim, ccxt, 'binance').make();
    sim.control.injectFault({ exchange: 'binance', path: '/api/v3/time', times: 1, fault: { kind: 'ban', retryAfterSec: 120 } });
    const error = (await exchange.fetchServerTime().catch((e: unknown) => e)) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.banned).toBe(true);
    expect(error.retryAfterMs).toBe(120_000);
  });

  it('maps 503 to exchange unavailable and a reset to retry later', async () => {
    const exchange = await ccxtSimHarness(sim, ccxt, 'bybit').make();
    sim.control.injectFault({ exchange: 'bybit', path: '/v5/market/time', times: 1, fault: { kind: 'serverError', status: 503 } });
    await expect(exchange.fetchServerTime()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    sim.control.injectFault({ exchange: 'bybit', path: '/v5/market/time', times: 1, fault: { kind: 'reset' } });
    await expect(exchange.fetchServerTime()).rejects.toBeInstanceOf(RetryLaterError);
  });
});
