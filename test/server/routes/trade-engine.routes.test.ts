import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { Dec, ZERO } from '../../../src/domain/money.js';
import { startTempSystem, type TempSystem } from '../../support/temp-system.js';

type Json = Record<string, unknown>;

describe('trade engine API on a temp system (replay of the bundled data)', () => {
  let temp: TempSystem;
  let demoId: string;
  let otherId: string;

  const api = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await temp.system.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as Json }), headers });
    return { status: res.statusCode, json: () => res.json() as Json, text: res.body, headers: res.headers };
  };

  async function waitForState(id: string, states: string[], timeoutMs = 15_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await api('GET', `/api/trade-engine/status/${id}`)).json();
      if (states.includes(String(status.state)) || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const createReplay = async (name: string) =>
    String((await api('POST', '/api/settings/connections', { name, exchange: 'binance', marketTypes: ['spot'], mode: 'replay', enabled: true })).json().id);

  beforeAll(async () => {
    temp = await startTempSystem();
    demoId = await createReplay('Demo replay');
    otherId = await createReplay('Lifecycle replay');
  });

  afterAll(async () => {
    await temp.close();
  });

  const start = (connectionId: string, extra: Json = {}) =>
    api('POST', '/api/trade-engine/start', {
      connectionId,
      strategy: 'sma-crossover',
      params: { fast: 3, slow: 8, sizeQuote: '100' },
      symbol: 'XRP/USDT',
      risk: { maxOpenOrders: 4 },
      ...extra,
    });

  it('lists the strategies with their parameter docs', async () => {
    const res = await api('GET', '/api/trade-engine/strategies');
    expect(res.status).toBe(200);
    const items = res.json().items as { id: string; params: { name: string }[] }[];
    expect(items.map((s) => s.id)).toEqual(expect.arrayContaining(['sma-crossover', 'rsi-mean-reversion', 'grid', 'dca']));
    expect(items.find((s) => s.id === 'sma-crossover')?.params.map((p) => p.name)).toEqual(['fast', 'slow', 'sizeQuote']);
  });

  it('describes the risk limits from the schema a start is validated with, nested fields by their path', async () => {
    const res = await api('GET', '/api/trade-engine/risk-params');
    expect(res.status).toBe(200);
    const items = res.json().items as { name: string; type: string; default?: unknown; enum?: unknown[]; exclusiveMinimum?: number }[];
    expect(items.map((p) => p.name)).toEqual([
      'maxPositionBase', 'maxOpenOrders', 'stopLossPct', 'takeProfitPct', 'trailingStopPct', 'trailingStopActivationPct', 'dailyLossLimit', 'accountDailyLossLimit', 'allowShort', 'leverage', 'marginMode', 'liquidationBufferPct',
      'unfilledTimeout.entrySeconds', 'unfilledTimeout.exitSeconds', 'unfilledTimeout.action', 'unfilledTimeout.maxReprices',
    ]);
    expect(items.find((p) => p.name === 'unfilledTimeout.action')).toMatchObject({ type: 'string', default: 'cancel', enum: ['cancel', 'reprice'] });
    expect(items.find((p) => p.name === 'stopLossPct')).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
    // A start's error on a nested field names the same path the form's field has.
    const refused = await start(demoId, { risk: { unfilledTimeout: { entrySeconds: 0, action: 'reprice' } } });
    expect(refused.status).toBe(400);
    expect((refused.json().errors as { path: string }[]).map((e) => e.path)).toEqual(['risk.unfilledTimeout.entrySeconds']);
  });

  it('refuses bad start requests with 4xx and precise messages', async () => {
    expect((await start(demoId, { extra: 1 })).status).toBe(400);
    const unknown = await start(demoId, { strategy: 'moon' });
    expect(unknown.status).toBe(400);
    expect(String(unknown.json().detail)).toContain('Unknown strategy "moon"');
    const malformed = await start('01NOPE');
    expect(malformed.status).toBe(400); // as on the connection routes
    expect(malformed.json().errors).toEqual([{ path: 'connectionId', message: 'must be a connection id (26-character ULID)' }]);
    expect((await start('01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    for (const url of ['/api/trade-engine/status/nope', '/api/trade-engine/positions/nope', '/api/trade-engine/orders/nope', '/api/trade-engine/trades/nope', '/api/trade-engine/events?engineId=nope', '/api/trade-engine/status-all?connectionId=nope']) {
      expect((await api('GET', url)).status, url).toBe(400);
    }
    // Well-formed ids nobody has: the problem shape with 404.
    for (const url of ['/api/trade-engine/status/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/api/trade-engine/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/api/trade-engine/status-all?connectionId=01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      const res = await api('GET', url);
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await api('POST', '/api/trade-engine/stop', { engineId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).status).toBe(404);
    expect((await api('POST', '/api/trade-engine/pause', { engineId: 'x' })).status).toBe(400);
    expect((await api('POST', '/api/trade-engine/pause', { connectionId: demoId })).status).toBe(400); // the body names the engine now
    const badSymbol = await start(demoId, { symbol: 'DOGE/USDT' });
    expect(badSymbol.status).toBe(400);
    expect(String(badSymbol.json().detail)).toMatch(/DOGE\/USDT is not a market/);
    expect((await api('POST', '/api/trade-engine/stop', {})).status).toBe(400);
  });

  it('answers illegal transitions with 409 and changes nothing; deleting a connection with a running engine is refused', async () => {
    const started = await start(otherId, { options: { replaySpeed: 1 } });
    expect(started.status).toBe(200);
    expect(started.json()).toMatchObject({ state: 'running', connectionId: otherId, budget: null });
    const engineId = String(started.json().id);
    expect(engineId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(engineId).not.toBe(otherId);
    const twice = await start(otherId, { engineId, options: { replaySpeed: 1 } });
    expect(twice.status).toBe(409);
    expect(String(twice.json().detail)).toMatch(/Cannot start an engine that is running/);
    const beside = await start(otherId, { options: { replaySpeed: 1 }, budget: { quote: '100' } });
    expect(beside.status).toBe(409); // the running bot has no budget: it owns the whole account
    expect(String(beside.json().detail)).toMatch(/without a budget/);
    expect((await api('POST', '/api/trade-engine/resume', { engineId })).status).toBe(409);
    expect((await api('DELETE', `/api/settings/connections/${otherId}`)).status).toBe(409);
    expect((await api('POST', '/api/trade-engine/pause', { engineId })).json().state).toBe('paused');
    expect((await api('POST', '/api/trade-engine/pause', { engineId })).status).toBe(409);
    expect((await api('GET', `/api/trade-engine/status/${engineId}`)).json().state).toBe('paused');
    expect((await api('POST', '/api/trade-engine/resume', { engineId })).json().state).toBe('running');
    const stopped = await api('POST', '/api/trade-engine/stop', { engineId });
    expect(stopped.json()).toMatchObject({ state: 'stopped', resumeOnRestart: false });
    expect((await api('POST', '/api/trade-engine/stop', { engineId })).status).toBe(409);
    expect((await api('GET', `/api/trade-engine/status/${engineId}`)).json().state).toBe('stopped');
  });

  it('runs two bots with budgets on one connection and lists them per connection', async () => {
    const conn = await createReplay('Two bots replay');
    const a = await start(conn, { options: { replaySpeed: 1 }, budget: { quote: '3000' } });
    const b = await start(conn, { strategy: 'dca', params: {}, options: { replaySpeed: 1 }, budget: { sharePct: 50 } });
    expect(a.status).toBe(200);
    expect(b.status, JSON.stringify(b.json())).toBe(200);
    expect(b.json()).toMatchObject({ budget: { sharePct: 50 }, budgetQuote: '5000' });
    const over = await start(conn, { options: { replaySpeed: 1 }, budget: { quote: '2500' } });
    expect(over.status).toBe(409);
    expect(String(over.json().detail)).toMatch(/budgets would exceed the account/);
    expect((await start(conn, { budget: { sharePct: 0 } })).status).toBe(400);
    const listed = (await api('GET', `/api/trade-engine/status-all?connectionId=${conn}`)).json().items as Json[];
    expect(listed.map((s) => s.id)).toEqual([a.json().id, b.json().id]);
    for (const bot of [a, b]) expect((await api('POST', '/api/trade-engine/stop', { engineId: bot.json().id })).json().state).toBe('stopped');
  });

  it('runs the demo replay end to end: orders, fills, position and PnL change; events replay from a sequence', async () => {
    const res = await start(demoId, { options: { replaySpeed: 400 } });
    expect(res.status).toBe(200);
    const engineId = String(res.json().id);
    const final = await waitForState(engineId, ['stopped', 'error']);
    expect(final.state).toBe('stopped'); // the replay file ended

    const orders = (await api('GET', `/api/trade-engine/orders/${engineId}`)).json().items as Json[];
    const trades = (await api('GET', `/api/trade-engine/trades/${engineId}`)).json().items as Json[];
    expect(orders.length).toBeGreaterThan(1);
    expect(trades.length).toBeGreaterThan(1);
    for (const o of orders) expect(String(o.clientOrderId)).toMatch(/^c[0-9a-z]{5}-[0-9A-HJKMNP-TV-Z]{26}$/);
    const positions = (await api('GET', `/api/trade-engine/positions/${engineId}`)).json() as { positions: Json[]; pnl: Json };
    // The replay venue charges like the connection's exchange: a fee taken in the base asset (XRP)
    // never reaches the account, so the position is net of it, and its quote value is fee × price.
    const baseFee = (t: Json) => (t.feeAsset === 'XRP' ? new Dec(String(t.fee)) : ZERO);
    const quantity = trades.reduce<Dec>((q, t) => q.add(t.side === 'buy' ? new Dec(String(t.amount)).sub(baseFee(t)) : new Dec(String(t.amount)).add(baseFee(t)).neg()), ZERO);
    const fees = trades.reduce<Dec>((s, t) => s.add(t.feeAsset === 'XRP' ? new Dec(String(t.fee)).mul(String(t.price)) : String(t.fee)), ZERO);
    expect(positions.positions[0]?.quantity).toBe(quantity.toFixed());
    expect(positions.pnl.fees).toBe(fees.toFixed());
    for (const key of ['realizedPnl', 'unrealizedPnl', 'fees', 'netPnl']) expect(typeof positions.pnl[key]).toBe('string');

    const all = await api('GET', `/api/trade-engine/events?engineId=${engineId}&follow=false`);
    expect(all.headers['content-type']).toContain('text/event-stream');
    const ids = [...all.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(5);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(all.text).toContain('event: fill');
    const middle = ids[Math.floor(ids.length / 2)] as number;
    const resumed = await api('GET', `/api/trade-engine/events?engineId=${engineId}&follow=false`, undefined, { 'last-event-id': String(middle) });
    const resumedIds = [...resumed.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(resumedIds).toEqual(ids.filter((id) => id > middle));
    const since = await api('GET', `/api/trade-engine/events?since=${middle}&engineId=${engineId}&follow=false`);
    expect(since.text).toBe(resumed.text);

    const statusAll = (await api('GET', '/api/trade-engine/status-all')).json().items as Json[];
    expect(statusAll.map((s) => s.connectionId)).toEqual(expect.arrayContaining([demoId, otherId]));
    expect(statusAll.map((s) => s.id)).toContain(engineId);
  });

  it('streams live events after the catch-up over a real connection', async () => {
    const url = temp.system.url ?? (await temp.system.listen());
    const before = await api('GET', `/api/trade-engine/events?follow=false`);
    const lastId = Math.max(0, ...[...before.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
    const controller = new AbortController();
    const [lifecycleBot] = (await api('GET', `/api/trade-engine/status-all?connectionId=${otherId}`)).json().items as Json[];
    const engineId = String(lifecycleBot?.id); // the bot the lifecycle test stopped: started again below
    const response = await fetch(`${url}/api/trade-engine/events?engineId=${engineId}`, { headers: { 'last-event-id': String(lastId) }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await start(otherId, { engineId, options: { replaySpeed: 1 } });
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('"to":"running"') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('event: engine.state');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.every((id) => id > lastId)).toBe(true);
    expect((await api('POST', '/api/trade-engine/emergency-stop', { engineId, flatten: true })).json().state).toBe('stopped');
  });
});

describe('live starts that must fail answer an error status (temp system → ccxt → simulator)', () => {
  let sim: RunningSimulator;
  let temp: TempSystem;
  const secret = 'ctsroutesecret0123456789abcdef';
  let n = 0;

  const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await temp.system.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as Json }) });
    return { status: res.statusCode, headers: res.headers, json: () => res.json() as Json };
  };

  beforeAll(async () => {
    sim = await startSimulator();
    temp = await startTempSystem({ CTS_EXCHANGE_PROXY_URL: sim.url });
  });

  afterEach(() => {
    sim.control.clearFaults();
  });

  afterAll(async () => {
    await temp.close();
    await sim.close();
  });

  /** A live connection on the simulator, created and tested through the API. */
  async function connect(exchange: 'binance' | 'bybit', testFault = false): Promise<string> {
    const apiKey = `ctsroute${exchange}${Date.now().toString(36)}${n++}`;
    sim.control.addAccount(exchange, { apiKey, secret, balances: { USDT: '10000' } });
    const created = await api('POST', '/api/settings/connections', { name: `Live ${exchange} ${n}`, exchange, marketTypes: ['spot'], mode: 'live', apiKey, apiSecret: secret });
    expect(created.status, JSON.stringify(created.json())).toBe(201);
    const id = String(created.json().id);
    if (testFault) sim.control.injectFault({ exchange, fault: { kind: 'serverError', status: 503 } });
    const tested = await api('POST', `/api/settings/connections/${id}/test`);
    expect(tested.json().outcome).toBe(testFault ? 'failed' : 'ok');
    sim.control.clearFaults();
    return id;
  }

  const startLive = (connectionId: string, extra: Json = {}) =>
    api('POST', '/api/trade-engine/start', { connectionId, strategy: 'sma-crossover', params: { fast: 2, slow: 4, sizeQuote: '100' }, symbol: 'XRP/USDT', timeframe: '1h', ...extra });

  it('refuses a live start whose last test failed although health marked it degraded: 409, nothing sent', async () => {
    const id = await connect('binance', true);
    await temp.system.connections.setStatus(id, 'degraded');
    expect((await api('GET', `/api/settings/connections/${id}`)).json().status).toBe('degraded');
    sim.control.clearRequests();
    const res = await startLive(id);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(String(res.json().detail)).toMatch(/failed its last test.*needs a connection whose last test passed/);
    // Its own problem type, naming the connection: the UI offers to run the test.
    expect(res.json()).toMatchObject({ type: 'https://cts.local/problems/connection-not-tested', connectionId: id });
    expect(sim.control.requests({ exchange: 'binance' })).toEqual([]);
  });

  it('refuses 7m on Bybit with 400 naming the offered timeframes, before any request', async () => {
    const id = await connect('bybit');
    sim.control.clearRequests();
    const res = await startLive(id, { timeframe: '7m' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ path: 'timeframe', message: 'not offered by this exchange' }] });
    expect(String(res.json().detail)).toMatch(/does not offer the timeframe "7m"/);
    expect(sim.control.requests({ exchange: 'bybit' })).toEqual([]);
  });

  it('a start that meets an exchange outage runs and says the exchange is unreachable, never 200 with state error; it recovers by itself', async () => {
    const id = await connect('binance');
    sim.control.injectFault({ exchange: 'binance', path: 'openOrders', fault: { kind: 'serverError', status: 503 } });
    const res = await startLive(id);
    expect(res.status, JSON.stringify(res.json())).toBe(200);
    const engineId = String(res.json().id);
    expect(res.json().state).toBe('running');
    expect(res.json().exchange).toMatchObject({ reachable: false, lastError: expect.stringMatching(/Binance/) });
    // The exchange is back: the engine reconciles by itself (backoff of about a second) and is reachable again.
    sim.control.clearFaults();
    const reachable = (s: Json) => (s.exchange as { reachable?: boolean } | undefined)?.reachable === true;
    let status = (await api('GET', `/api/trade-engine/status/${engineId}`)).json();
    for (let i = 0; i < 60 && !reachable(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api('GET', `/api/trade-engine/status/${engineId}`)).json();
    }
    expect(status.state).toBe('running');
    expect(status.exchange).toEqual({ reachable: true, since: null, lastError: null, attempts: 0 });
    expect((await api('POST', '/api/trade-engine/stop', { engineId })).json().state).toBe('stopped');
  });
});
