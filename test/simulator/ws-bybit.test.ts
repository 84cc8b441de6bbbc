import { createHmac } from 'node:crypto';
import ccxt from 'ccxt';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { simulatorWsUrls } from '../../src/exchanges/ccxt/ws-urls.js';

type ProBybit = InstanceType<typeof ccxt.pro.bybit>;

let sim: RunningSimulator;
const opened: ProBybit[] = [];

beforeAll(async () => {
  sim = await startSimulator({ priceSource: 'random-walk' });
  sim.control.addAccount('bybit', { apiKey: 'bybitwskey1', secret: 'bybitwssecret1', balances: { USDT: '100000', BTC: '1', XRP: '1000' } });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.control.wsFaults.clear();
  sim.control.setClockSkew('bybit', 0);
  await Promise.all(opened.splice(0).map((ex) => ex.close()));
});

/** ccxt opens a plain ws:// URL only through an http agent it loads on request (Exchange.getHttpAgentIfNeeded). */
async function bybit(keys: { apiKey: string; secret: string } | undefined = undefined, types: string[] = ['spot']): Promise<ProBybit> {
  const urls = simulatorWsUrls(new ccxt.pro.bybit().urls, sim.url);
  const ex = new ccxt.pro.bybit({
    ...(keys ?? {}), proxyUrl: sim.url, urls, timeout: 5_000,
    // As CTS configures it (src/exchanges/profiles/bybit.ts): a unified account, so ccxt asks no account-type endpoints.
    options: { fetchMarkets: { types }, defaultType: 'spot', enableUnifiedAccount: true, enableUnifiedMargin: false },
  });
  opened.push(ex);
  await ex.loadHttpProxyAgent();
  await ex.loadMarkets();
  return ex;
}

/** Waits for a watch's subscription to be on the wire (and its ack and snapshot to have come back). */
async function subscribed(ex: ProBybit, topics = 1): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const clients = Object.values(ex.clients as Record<string, { subscriptions: Record<string, unknown> }>);
    const count = clients.reduce((n, c) => n + Object.keys(c.subscriptions).filter((k) => k !== 'authenticated').length, 0);
    if (count >= topics) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 50));
}

/** A raw socket on a Bybit channel, collecting every answer. */
async function rawSocket(path: string): Promise<{ socket: WebSocket; received: Record<string, unknown>[]; ask: (m: unknown) => void; until: (n: number) => Promise<void> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${sim.port}/wss://stream.bybit.com${path}`);
  const received: Record<string, unknown>[] = [];
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 400 && received.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  return { socket, received, ask: (m) => socket.send(JSON.stringify(m)), until };
}

function authArgs(apiKey: string, secret: string, expires = Date.now() + 10_000): [string, number, string] {
  return [apiKey, expires, createHmac('sha256', secret).update(`GET/realtime${expires}`).digest('hex')];
}

describe('Bybit v5 public websockets through ccxt.pro', () => {
  it('watchOHLCV gets the forming candle, then on a step the closed one (confirm) and the next, equal to fetchOHLCV', async () => {
    const ex = await bybit();
    const first = await ex.watchOHLCV('BTC/USDT', '1h');
    const restBefore = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(first.at(-1)).toEqual(restBefore.at(-1));

    let rows = first;
    sim.control.step();
    for (let i = 0; i < 5 && rows.at(-1)?.[0] === first.at(-1)?.[0]; i++) rows = await ex.watchOHLCV('BTC/USDT', '1h');
    const rest = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(rows.slice(-2)).toEqual(rest.slice(-2));
    expect(rows.at(-2)?.[0]).toBe(first.at(-1)?.[0]);
  });

  it('sends confirm:true for the candle that just closed, then the forming one, on topic kline.60.<id>', async () => {
    const { socket, received, ask, until } = await rawSocket('/v5/public/spot');
    ask({ op: 'subscribe', req_id: 7, args: ['kline.60.ETHUSDT'] });
    await until(2);
    const forming = sim.control.venue('bybit').candle('ETH/USDT');
    sim.control.step();
    await until(4);
    socket.close();
    expect(received[0]).toMatchObject({ success: true, ret_msg: 'subscribe', req_id: '7', op: 'subscribe' });
    const klines = received.slice(1).map((m) => {
      expect(m).toMatchObject({ topic: 'kline.60.ETHUSDT', type: 'snapshot' });
      return (m['data'] as Record<string, unknown>[])[0];
    });
    expect(klines.map((k) => [k?.['start'], k?.['confirm'], k?.['interval']])).toEqual([
      [forming?.openTime, false, '60'],
      [forming?.openTime, true, '60'],
      [sim.control.venue('bybit').candle('ETH/USDT')?.openTime, false, '60'],
    ]);
  });

  it('watchTicker and watchTrades flow on price steps', async () => {
    const ex = await bybit();
    const ticker = await ex.watchTicker('ETH/USDT');
    expect(ticker).toMatchObject({ symbol: 'ETH/USDT', last: Number(sim.control.price('ETH/USDT')) });
    const next = ex.watchTicker('ETH/USDT');
    sim.control.step();
    expect((await next).last).toBe(Number(sim.control.price('ETH/USDT')));

    const trades = ex.watchTrades('ETH/USDT');
    await subscribed(ex, 2);
    sim.control.step();
    const got = await trades;
    expect(got.at(-1)).toMatchObject({ symbol: 'ETH/USDT', price: Number(sim.control.price('ETH/USDT')), side: 'buy' });
  });

  it('serves the linear perpetual channel for the same price path', async () => {
    const ex = await bybit(undefined, ['spot', 'linear']);
    const rows = await ex.watchOHLCV('BTC/USDT:USDT', '1h');
    expect(rows.at(-1)?.[4]).toBe(Number(sim.control.price('BTC/USDT')));
    const ticker = await ex.watchTicker('BTC/USDT:USDT');
    expect(ticker).toMatchObject({ symbol: 'BTC/USDT:USDT', last: Number(sim.control.price('BTC/USDT')) });
    const next = ex.watchTicker('BTC/USDT:USDT');
    sim.control.step();
    expect((await next).last).toBe(Number(sim.control.price('BTC/USDT')));
  });

  it('answers ping, unknown topics, repeated subscriptions and unsubscribe as Bybit does', async () => {
    const spot = await rawSocket('/v5/public/spot');
    spot.ask({ op: 'ping', req_id: 'p1' });
    spot.ask({ op: 'subscribe', req_id: 's1', args: ['tickers.NOSUCHUSDT'] });
    spot.ask({ op: 'subscribe', req_id: 's2', args: ['kline.7.BTCUSDT'] });
    spot.ask({ op: 'subscribe', req_id: 's3', args: ['publicTrade.BTCUSDT'] });
    spot.ask({ op: 'subscribe', req_id: 's4', args: ['publicTrade.BTCUSDT'] });
    spot.ask({ op: 'unsubscribe', req_id: 'u1', args: ['publicTrade.BTCUSDT'] });
    spot.ask({ op: 'nonsense', req_id: 'x1' });
    await spot.until(7);
    const connId = spot.received[0]?.['conn_id'];
    expect(spot.received).toEqual([
      { success: true, ret_msg: 'pong', conn_id: connId, req_id: 'p1', op: 'ping' },
      { success: false, ret_msg: 'error:handler not found,topic:tickers.NOSUCHUSDT', conn_id: connId, req_id: 's1', op: 'subscribe' },
      { success: false, ret_msg: 'error:handler not found,topic:kline.7.BTCUSDT', conn_id: connId, req_id: 's2', op: 'subscribe' },
      { success: true, ret_msg: 'subscribe', conn_id: connId, req_id: 's3', op: 'subscribe' },
      { success: false, ret_msg: 'error:already subscribed,topic:publicTrade.BTCUSDT', conn_id: connId, req_id: 's4', op: 'subscribe' },
      { success: true, ret_msg: '', conn_id: connId, req_id: 'u1', op: 'unsubscribe' },
      { success: false, ret_msg: 'error:invalid op', conn_id: connId, req_id: 'x1', op: 'nonsense' },
    ]);
    // Unsubscribed: a step pushes nothing.
    sim.control.step();
    await new Promise((r) => setTimeout(r, 50));
    expect(spot.received).toHaveLength(7);
    spot.socket.close();

    // Linear and private answer in the newer shape, with the server time.
    for (const path of ['/v5/public/linear', '/v5/private']) {
      const other = await rawSocket(path);
      const before = Date.now();
      other.ask({ op: 'ping', req_id: 'p2' });
      await other.until(1);
      other.socket.close();
      expect(other.received[0]).toMatchObject({ op: 'pong', req_id: 'p2' });
      expect(Number((other.received[0]?.['args'] as string[])[0])).toBeGreaterThanOrEqual(before);
    }
  });

  it('closes a socket on a channel it does not simulate (order entry /v5/trade)', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${sim.port}/wss://stream.bybit.com/v5/trade`);
    const code = await new Promise<number>((resolve) => socket.once('close', (c: number) => resolve(c)));
    expect(code).toBe(1008);
  });

  it('ccxt rejects a watch of a topic the exchange refuses', async () => {
    const ex = await bybit();
    // ccxt.pro.bybit sends its timeframe ids as they are: 1s is no Bybit interval, and Bybit says so.
    await expect(ex.watchOHLCV('BTC/USDT', '1s')).rejects.toThrow(/handler not found,topic:kline\.1s\.BTCUSDT/);
  });

  it("answers ccxt's keepalive ping with a pong ccxt records", async () => {
    const ex = await bybit();
    await ex.watchOHLCV('BTC/USDT', '1h');
    const client = Object.values(ex.clients as Record<string, { lastPong: number | undefined; send: (m: unknown) => Promise<void> }>)[0];
    if (!client) throw new Error('expected one client');
    const before = client.lastPong ?? 0;
    await new Promise((r) => setTimeout(r, 5));
    // What ccxt's keepalive timer sends every 18 s (options.streaming.keepAlive), sent now.
    await client.send((ex as unknown as { ping: (c: unknown) => unknown }).ping(client));
    for (let i = 0; i < 200 && (client.lastPong ?? 0) === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(client.lastPong).toBeGreaterThan(before);
  });
});

describe('Bybit v5 private websocket through ccxt.pro', () => {
  const keys = { apiKey: 'bybitwskey1', secret: 'bybitwssecret1' };

  it('watchOrders / watchMyTrades / watchBalance see a REST limit order rest, fill on a step (fee in the coin bought), and a cancel', async () => {
    // Spot and linear markets, as a CTS Bybit connection loads them: BTCUSDT names both, and ccxt must pick spot.
    const ex = await bybit(keys, ['spot', 'linear']);
    const close = Number(sim.control.price('BTC/USDT'));
    const price = Number((close - 0.01).toFixed(2));

    const placed = ex.watchOrders();
    await subscribed(ex);
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price);
    expect((await placed).at(-1)).toMatchObject({ id: order.id, symbol: 'BTC/USDT', status: 'open', price, amount: 0.001, filled: 0 });

    const filled = ex.watchOrders();
    const trades = ex.watchMyTrades();
    const balance = ex.watchBalance();
    await subscribed(ex, 3);
    const fills = sim.control.step();
    expect(fills.map((f) => String(f.orderId))).toEqual([order.id]);
    const fill = fills[0];
    if (!fill) throw new Error('expected a fill');
    expect(fill.feeAsset).toBe('BTC');
    expect((await filled).at(-1)).toMatchObject({
      id: order.id, status: 'closed', filled: 0.001, remaining: 0, fee: { currency: 'BTC', cost: Number(fill.fee) },
    });
    const trade = (await trades).at(-1);
    expect(trade).toMatchObject({ id: String(fill.tradeId), order: order.id, symbol: 'BTC/USDT', side: 'buy', amount: 0.001, price: Number(fill.price), takerOrMaker: fill.maker ? 'maker' : 'taker' });
    expect(trade?.fee).toMatchObject({ currency: 'BTC', cost: Number(fill.fee) });
    const account = sim.control.account('bybit', keys.apiKey);
    const b = await balance;
    expect(b['BTC']?.total).toBe(Number(account?.balances['BTC']?.free) + Number(account?.balances['BTC']?.used));
    expect(b['BTC']?.free).toBe(Number(account?.balances['BTC']?.free));
    expect(b['USDT']?.free).toBe(Number(account?.balances['USDT']?.free));

    const resting = ex.watchOrders();
    const far = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number((close * 0.5).toFixed(2)));
    await resting;
    const afterCancel = ex.watchOrders();
    await ex.cancelOrder(String(far.id), 'BTC/USDT');
    expect((await afterCancel).at(-1)).toMatchObject({ id: far.id, status: 'canceled', filled: 0 });
  });

  it("pushes only the authenticated account's changes", async () => {
    sim.control.addAccount('bybit', { apiKey: 'bybitwskey2', secret: 'bybitwssecret2', balances: { USDT: '1000' } });
    const raw = await rawSocket('/v5/private');
    raw.ask({ op: 'auth', args: authArgs('bybitwskey2', 'bybitwssecret2') });
    raw.ask({ op: 'subscribe', req_id: 'o', args: ['order', 'execution', 'wallet'] });
    await raw.until(2);
    const ex = await bybit(keys);
    const far = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number((Number(sim.control.price('BTC/USDT')) * 0.5).toFixed(2)));
    await ex.cancelOrder(String(far.id), 'BTC/USDT');
    await new Promise((r) => setTimeout(r, 100));
    expect(raw.received.map((m) => [m['op'], m['success']])).toEqual([['auth', true], ['subscribe', true]]);
    // Its own order does reach it: an order change and the wallet after it.
    const own = await bybit({ apiKey: 'bybitwskey2', secret: 'bybitwssecret2' });
    const mine = await own.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number((Number(sim.control.price('BTC/USDT')) * 0.5).toFixed(2)));
    await raw.until(4);
    raw.socket.close();
    expect(raw.received.slice(2).map((m) => m['topic'])).toEqual(['order', 'wallet']);
    expect((raw.received[2]?.['data'] as Record<string, unknown>[])[0]).toMatchObject({ category: 'spot', orderId: mine.id, orderStatus: 'New', symbol: 'BTCUSDT' });
  });

  it('refuses a wrong secret, an unknown key and an expired request; ccxt surfaces the refusal', async () => {
    const raw = await rawSocket('/v5/private');
    raw.ask({ op: 'subscribe', req_id: 'early', args: ['order'] });
    raw.ask({ op: 'auth', args: authArgs('bybitwskey1', 'notthesecret') });
    raw.ask({ op: 'auth', args: authArgs('nosuchkey', 'bybitwssecret1') });
    raw.ask({ op: 'auth', args: authArgs('bybitwskey1', 'bybitwssecret1', Date.now() - 1) });
    raw.ask({ op: 'auth', req_id: 'a', args: authArgs('bybitwskey1', 'bybitwssecret1') });
    raw.ask({ op: 'subscribe', req_id: 'late', args: ['order', 'position'] });
    await raw.until(6);
    raw.socket.close();
    const connId = raw.received[0]?.['conn_id'];
    expect(raw.received).toEqual([
      { success: false, ret_msg: 'Request not authorized', conn_id: connId, req_id: 'early', op: 'subscribe' },
      { success: false, ret_msg: 'Request not authorized', conn_id: connId, req_id: '', op: 'auth' },
      { success: false, ret_msg: 'Request not authorized', conn_id: connId, req_id: '', op: 'auth' },
      { success: false, ret_msg: 'Params Error', conn_id: connId, req_id: '', op: 'auth' },
      { success: true, ret_msg: '', conn_id: connId, req_id: 'a', op: 'auth' },
      { success: false, ret_msg: 'error:handler not found,topic:position', conn_id: connId, req_id: 'late', op: 'subscribe' },
    ]);

    // Bybit judges `expires` by its own clock: 10 s ahead (ccxt's margin) is already past on a clock 20 s ahead.
    const skewed = await rawSocket('/v5/private');
    sim.control.setClockSkew('bybit', 20_000);
    skewed.ask({ op: 'auth', args: authArgs('bybitwskey1', 'bybitwssecret1') });
    await skewed.until(1);
    sim.control.setClockSkew('bybit', 0);
    skewed.socket.close();
    expect(skewed.received[0]).toMatchObject({ success: false, ret_msg: 'Params Error', op: 'auth' });

    // Markets load over REST with the right secret; only the socket's auth then signs with a wrong one.
    const ex = await bybit(keys);
    ex.secret = 'notthesecret';
    // ccxt 4.5.84 raises AuthenticationError only for a refusal that echoes `request.op` (the v3 shape);
    // a v5 refusal carries `op` at the top level, so ccxt rejects every pending watch with ExchangeError.
    const refused = await ex.watchBalance().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(ccxt.ExchangeError);
    expect(refused).not.toBeInstanceOf(ccxt.AuthenticationError);
    expect(String(refused)).toMatch(/bybit Request not authorized/);
  });
});

describe('websocket faults on Bybit', () => {
  it('drop closes the socket; the next watch opens a fresh one and resubscribes', async () => {
    const ex = await bybit();
    await ex.watchOHLCV('XRP/USDT', '1h');
    const pending = ex.watchOHLCV('XRP/USDT', '1h');
    sim.control.wsFaults.inject({ kind: 'drop', exchange: 'bybit' });
    await expect(pending).rejects.toThrow();
    const rows = await ex.watchOHLCV('XRP/USDT', '1h');
    expect(rows.at(-1)?.[4]).toBe(Number(sim.control.price('XRP/USDT')));
    expect(sim.streamingSockets('bybit')).toBe(1);
  });

  it('duplicate sends every private message twice; ccxt still holds one trade and one order per change', async () => {
    const keys = { apiKey: 'bybitwskey1', secret: 'bybitwssecret1' };
    const raw = await rawSocket('/v5/private');
    raw.ask({ op: 'auth', args: authArgs(keys.apiKey, keys.secret) });
    raw.ask({ op: 'subscribe', args: ['execution'] });
    await raw.until(2);
    const ex = await bybit(keys);
    const trades = ex.watchMyTrades('XRP/USDT');
    const orders = ex.watchOrders('XRP/USDT');
    await subscribed(ex, 2);
    sim.control.wsFaults.inject({ kind: 'duplicate', exchange: 'bybit' });
    const price = Number((Number(sim.control.price('XRP/USDT')) - 0.0001).toFixed(4));
    const order = await ex.createOrder('XRP/USDT', 'limit', 'buy', 10, price);
    await orders;
    const fills = sim.control.step();
    expect(fills.map((f) => String(f.orderId))).toEqual([order.id]);
    await trades;
    await raw.until(4);
    await new Promise((r) => setTimeout(r, 100));
    raw.socket.close();
    // The fault did double the frames on the wire…
    expect(raw.received.filter((m) => m['topic'] === 'execution')).toHaveLength(2);
    // …and ccxt keys its caches by id, so one trade and one order remain.
    const cachedTrades = (ex.myTrades as unknown as { order: string }[]).filter((t) => t.order === order.id);
    const cachedOrders = (ex.orders as unknown as { id: string; status: string }[]).filter((o) => o.id === order.id);
    expect(cachedTrades).toHaveLength(1);
    expect(cachedOrders).toMatchObject([{ id: order.id, status: 'closed' }]);
  });

  it('duplicate public trades do reach ccxt twice: its public trade cache does not key by id', async () => {
    const ex = await bybit();
    const trades = ex.watchTrades('BTC/USDT');
    await subscribed(ex);
    sim.control.wsFaults.inject({ kind: 'duplicate', exchange: 'bybit' });
    sim.control.step();
    await trades;
    await new Promise((r) => setTimeout(r, 100));
    const ids = (ex.trades['BTC/USDT'] as unknown as { id: string }[]).map((t) => t.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });
});
