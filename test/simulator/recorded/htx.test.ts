import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htxHandler } from '../../../simulator/exchanges/htx.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { loadCcxt } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../../src/exchanges/ccxt/ccxt-exchange.js';
import { makeClientOrderId } from '../../../src/exchanges/profiles/index.js';
import { openGate } from '../../../src/ratelimit/request-gate.js';
import { recordedRequest } from './recorded.js';

/**
 * What our adapter sends HTX, held against the requests ccxt recorded from the real exchange
 * (test/fixtures/ccxt-static/htx.request.json). Only the create-order requests are compared so far:
 * the recorded responses (htx.response.json) are not copied in yet.
 */

let sim: RunningSimulator;
let exchange: CcxtExchange;
const KEY = { apiKey: 'htx-recorded-key', apiSecret: 'htx-recorded-secret' };

beforeAll(async () => {
  sim = await startSimulator({ handlers: [htxHandler] });
  sim.control.addAccount('htx', { apiKey: KEY.apiKey, secret: KEY.apiSecret, balances: { USDT: '10000', BTC: '1' } });
  exchange = await createCcxtExchange({ ccxt: await loadCcxt(), gate: openGate, connection: { id: 'c-htx-rec', exchange: 'htx', mode: 'live', credentials: KEY, marketTypes: ['spot'], proxyUrl: sim.url } });
});

afterAll(async () => {
  await exchange.close();
  await sim.close();
});

function recordedBody(match: string): Record<string, unknown> {
  const r = recordedRequest('htx', 'createOrder', match);
  return JSON.parse(String(r.output)) as Record<string, unknown>;
}

function sentTo(path: string, clientOrderId: string): { path: string; query: string[]; body: Record<string, unknown> } {
  const req = sim.control.requests({ exchange: 'htx' }).find((r) => r.path === path && r.params['client-order-id'] === clientOrderId);
  if (!req) throw new Error(`Expected a request to ${path}`);
  const url = new URL(req.url);
  return { path: url.pathname, query: [...url.searchParams.keys()].sort(), body: JSON.parse(req.body === '' ? '{}' : req.body) as Record<string, unknown> };
}

describe('HTX requests against the recorded ones', () => {
  it('a base-sized market buy goes out like the recorded "Spot limit buy with IOC" (same path, signing params and body fields)', async () => {
    const clientOrderId = makeClientOrderId('htx', ulid());
    await exchange.createOrder({ symbol: 'XRP/USDT', side: 'buy', type: 'market', amount: '20', clientOrderId });
    const recorded = recordedRequest('htx', 'createOrder', 'Spot limit buy with IOC');
    const sent = sentTo('/v1/order/orders/place', clientOrderId);
    const recordedUrl = new URL(recorded.url);
    expect(sent.path).toBe(recordedUrl.pathname);
    expect(sent.query).toEqual([...recordedUrl.searchParams.keys()].sort());
    expect(Object.keys(sent.body).sort()).toEqual(Object.keys(recordedBody('Spot limit buy with IOC')).sort());
    expect(sent.body['type']).toBe('buy-ioc');
  });

  it('a market sell goes out like the recorded "Spot market sell order"', async () => {
    const clientOrderId = makeClientOrderId('htx', ulid());
    await exchange.createOrder({ symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: '0.001', clientOrderId });
    const sent = sentTo('/v1/order/orders/place', clientOrderId);
    expect(Object.keys(sent.body).sort()).toEqual(Object.keys(recordedBody('Spot market sell order')).sort());
    expect(sent.body).toMatchObject({ type: 'sell-market', amount: '0.001', 'client-order-id': clientOrderId });
  });
});
