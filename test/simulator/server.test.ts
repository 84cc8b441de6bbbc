import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { originalUrl, startSimulator, type RunningSimulator } from '../../simulator/server.js';

const running: RunningSimulator[] = [];
async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function call(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(sim.url + path.replace(/^\//, ''), {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  } catch {
    return { status: res.status, json: text };
  }
}

describe('simulator core', () => {
  it('binds loopback and routes both proxy URL forms ccxt uses to the host handler', async () => {
    const sim = await start();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const plain = await call(sim, 'GET', '/https://api.binance.com/api/v3/time');
    expect(plain.status).toBe(200);
    const encoded = await call(sim, 'GET', `/${encodeURIComponent('https://api.bybit.com/v5/market/tickers?category=spot&symbol=BTCUSDT')}`);
    expect(encoded.json).toMatchObject({ retCode: 0, result: { category: 'spot', list: [{ symbol: 'BTCUSDT' }] } });
    expect(originalUrl('/https%3A%2F%2Fapi.binance.com%2Fapi%2Fv3%2Faccount%3Fa%3D1%26b%3D%255B').search).toBe('?a=1&b=%5B');
    expect((await call(sim, 'GET', '/https://api.unknown-exchange.com/time')).status).toBe(502);
    expect((await call(sim, 'GET', '/https://api.binance.com/api/v3/nope')).status).toBe(404);
  });

  it('logs every request with method, path, query, headers, body params and status', async () => {
    const sim = await start();
    await fetch(`${sim.url}https://api.binance.com/api/v3/order/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-mbx-apikey': 'abc' },
      body: 'symbol=BTCUSDT&newClientOrderId=cts-1&timestamp=1&signature=00',
    });
    const [entry] = sim.control.requests({ exchange: 'binance', method: 'post' });
    expect(entry).toMatchObject({
      exchange: 'binance',
      method: 'POST',
      host: 'api.binance.com',
      path: '/api/v3/order/test',
      params: { symbol: 'BTCUSDT', newClientOrderId: 'cts-1' },
      status: 401,
      outcome: 'answered',
    });
    expect(entry?.headers['x-mbx-apikey']).toBe('abc');
    const overHttp = await call(sim, 'GET', '/__sim/requests?exchange=binance&path=order');
    expect(overHttp.json).toHaveLength(1);
    await call(sim, 'DELETE', '/__sim/requests');
    expect(sim.control.requests()).toEqual([]);
  });

  it('drives accounts, faults, clock skew, steps and reset over the HTTP control API', async () => {
    const sim = await start();
    const put = await call(sim, 'PUT', '/__sim/accounts/okx', {
      apiKey: 'k',
      secret: 's',
      passphrase: 'p',
      permissions: { withdraw: true },
      balances: { USDT: '100', BTC: { free: '1', used: '0.5' } },
    });
    expect(put.status).toBe(200);
    expect(sim.control.account('okx', 'k')).toMatchObject({
      passphrase: 'p',
      permissions: { trade: true, withdraw: true, ipRestricted: true },
      balances: { USDT: { free: '100', used: '0' }, BTC: { free: '1', used: '0.5' } },
    });
    expect((await call(sim, 'GET', '/__sim/accounts/okx/k')).json).toMatchObject({ apiKey: 'k' });

    const fault = await call(sim, 'POST', '/__sim/faults', { exchange: 'binance', path: '/time', times: 2, fault: { kind: 'serverError', status: 502 } });
    expect(fault).toMatchObject({ status: 201, json: { id: expect.any(String), remaining: 2 } });
    expect((await call(sim, 'GET', '/https://api.binance.com/api/v3/time')).status).toBe(502);
    expect((await call(sim, 'GET', '/__sim/faults')).json).toHaveLength(1);
    await call(sim, 'DELETE', '/__sim/faults');
    expect((await call(sim, 'GET', '/https://api.binance.com/api/v3/time')).status).toBe(200);

    await call(sim, 'PUT', '/__sim/clock-skew/binance', { ms: -5000 });
    const time = (await call(sim, 'GET', '/https://api.binance.com/api/v3/time')).json as { serverTime: number };
    expect(Date.now() - time.serverTime).toBeGreaterThanOrEqual(4_900);

    const before = (await call(sim, 'GET', '/__sim/prices')).json as Record<string, string>;
    const stepped = (await call(sim, 'POST', '/__sim/step', { steps: 3 })).json as { prices: Record<string, string> };
    expect(stepped.prices['XRP/USDT']).not.toBe(before['XRP/USDT']);

    await call(sim, 'POST', '/__sim/reset');
    expect(sim.control.account('okx', 'k')).toBeUndefined();
    expect(sim.control.clockSkew('binance')).toBe(0);
  });

  it('gives a Binance account a futures wallet apart from spot (10000 USDT unless told) and sets it over the control API; refuses one where perpetuals trade from the account', async () => {
    const sim = await start();
    await call(sim, 'PUT', '/__sim/accounts/binance', { apiKey: 'f1', secret: 's', balances: { USDT: '5' } });
    expect(sim.control.account('binance', 'f1')).toMatchObject({ balances: { USDT: { free: '5', used: '0' } }, futures: { balances: { USDT: { free: '10000', used: '0' } } } });
    await call(sim, 'PUT', '/__sim/accounts/binance', { apiKey: 'f2', secret: 's', futuresBalances: { USDT: '250', BTC: { free: '1', used: '0' } } });
    expect(sim.control.account('binance', 'f2')?.futures).toEqual({ balances: { USDT: { free: '250', used: '0' }, BTC: { free: '1', used: '0' } } });
    const set = await call(sim, 'PUT', '/__sim/accounts/binance/f2/futures-balances', { USDT: '42.5' });
    expect(set).toMatchObject({ status: 200, json: { apiKey: 'f2', futures: { balances: { USDT: { free: '42.5', used: '0' } } } } });
    expect((await call(sim, 'PUT', '/__sim/accounts/binance/nobody/futures-balances', { USDT: '1' })).status).toBe(404);
    expect((await call(sim, 'PUT', '/__sim/accounts/binance/f2/futures-balances', { USDT: '-1' })).status).toBe(400);
    // Bybit's unified account margins its perpetuals from `balances`: a second wallet would be a fiction.
    const bybit = await call(sim, 'PUT', '/__sim/accounts/bybit', { apiKey: 'b1', secret: 's', futuresBalances: { USDT: '1' } });
    expect(bybit.status).toBe(400);
    expect(JSON.stringify(bybit.json)).toContain('keeps no futures wallet apart');
    await call(sim, 'PUT', '/__sim/accounts/bybit', { apiKey: 'b1', secret: 's' });
    expect(sim.control.account('bybit', 'b1')?.futures).toBeUndefined();
  });

  it('refuses invalid control input with field errors', async () => {
    const sim = await start();
    const bad = await call(sim, 'PUT', '/__sim/accounts/binance', { apiKey: '', secret: 's', balances: { USDT: '-1' } });
    expect(bad.status).toBe(400);
    expect((bad.json as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(expect.arrayContaining(['apiKey', 'balances.USDT']));
    expect((await call(sim, 'PUT', '/__sim/accounts/ftx', { apiKey: 'a', secret: 'b' })).status).toBe(400);
    expect((await call(sim, 'POST', '/__sim/faults', { fault: { kind: 'meteor' } })).status).toBe(400);
    expect((await call(sim, 'POST', '/__sim/faults', { pathRegex: '(', fault: { kind: 'reset' } })).status).toBe(400);
    expect((await call(sim, 'POST', '/__sim/faults', '{not json')).status).toBe(400);
    expect((await call(sim, 'GET', '/__sim/nothing')).status).toBe(404);
  });

  it('close() drops requests held by a timeout fault', async () => {
    const sim = await startSimulator();
    sim.control.injectFault({ fault: { kind: 'timeout' } });
    const held = fetch(`${sim.url}https://api.binance.com/api/v3/time`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.control.requests()[0]?.outcome).toBe('timeout');
    const started = performance.now();
    await sim.close();
    expect(await held).toBe('dropped');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('steps prices by clock time when autoStepMs is set', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sim = await start({ clock, autoStepMs: 60_000, priceSource: 'random-walk', seed: 9 });
    const price = (): Promise<unknown> => call(sim, 'GET', '/https://api.binance.com/api/v3/ticker/price?symbol=BTCUSDT').then((r) => r.json);
    const first = await price();
    expect(await price()).toEqual(first);
    await clock.advance(60_000);
    expect(await price()).not.toEqual(first);
  });
});
