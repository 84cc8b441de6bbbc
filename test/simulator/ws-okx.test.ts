import { createHmac } from 'node:crypto';
import ccxt from 'ccxt';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { simulatorWsUrls } from '../../src/exchanges/ccxt/ws-urls.js';

/** OKX v5 websockets (public, business, private) through unmodified ccxt.pro.okx, and on the raw wire. */

type ProOkx = InstanceType<typeof ccxt.pro.okx>;

const KEY = 'okx-ws-key';
const SECRET = 'okx-ws-secret';
const PASSPHRASE = 'okx-ws-pass';

let sim: RunningSimulator;
const opened: ProOkx[] = [];

beforeAll(async () => {
  sim = await startSimulator({ priceSource: 'random-walk' });
  sim.control.addAccount('okx', {
    apiKey: KEY, secret: SECRET, passphrase: PASSPHRASE,
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: '100000', BTC: '1' },
  });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.control.wsFaults.clear();
  await Promise.all(opened.splice(0).map((ex) => ex.close()));
});

/** ccxt opens a plain ws:// URL only through an http agent it loads on request (Exchange.getHttpAgentIfNeeded). */
async function okx(creds: { apiKey: string; secret: string; password: string } | undefined = undefined): Promise<ProOkx> {
  const urls = simulatorWsUrls(new ccxt.pro.okx().urls, sim.url);
  const ex = new ccxt.pro.okx({
    ...creds, proxyUrl: sim.url, urls, timeout: 5_000, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, createOrder: 'privatePostTradeOrder', tgtCcy: 'base_ccy' },
  });
  ex.has['fetchCurrencies'] = false;
  opened.push(ex);
  await ex.loadHttpProxyAgent();
  await ex.loadMarkets();
  return ex;
}

const owner = { apiKey: KEY, secret: SECRET, password: PASSPHRASE };

/** Steps prices once the watch's subscription is on the wire, so its next answer is the step's. */
async function stepWhenSubscribed(ex: ProOkx): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const clients = Object.values(ex.clients as Record<string, { subscriptions: Record<string, unknown> }>);
    if (clients.some((c) => Object.keys(c.subscriptions).length > 0)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  // The ack and the subscribe-time pushes come first; step after the server has sent them.
  await new Promise((r) => setTimeout(r, 50));
  sim.control.step();
}

/** Waits until ccxt has sent the subscription behind `messageHash` (and the server has had time to ack it). */
async function subscribed(ex: ProOkx, messageHash: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const clients = Object.values(ex.clients as Record<string, { subscriptions: Record<string, unknown> }>);
    if (clients.some((c) => messageHash in c.subscriptions)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 50));
}

/** A raw socket on one OKX endpoint that collects every frame. */
async function raw(path: string): Promise<{ socket: WebSocket; frames: string[]; until(count: number): Promise<void>; json(i: number): Record<string, unknown> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${sim.port}/wss://ws.okx.com:8443${path}`);
  const frames: string[] = [];
  socket.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    async until(count) {
      for (let i = 0; i < 400 && frames.length < count; i++) await new Promise((r) => setTimeout(r, 5));
    },
    json: (i) => JSON.parse(frames[i] ?? 'null') as Record<string, unknown>,
  };
}

function loginArgs(secret: string, passphrase: string, apiKey = KEY, timestamp = String(Date.now() / 1000)): unknown {
  const sign = createHmac('sha256', secret).update(`${timestamp}GET/users/self/verify`).digest('base64');
  return { op: 'login', args: [{ apiKey, passphrase, timestamp, sign }] };
}

describe('OKX public and business websockets through ccxt.pro', () => {
  it('watchOHLCV gets the forming candle, then the closed one and the next, equal to fetchOHLCV', async () => {
    const ex = await okx();
    const first = await ex.watchOHLCV('BTC/USDT', '1h');
    const restBefore = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(first.at(-1)).toEqual(restBefore.at(-1));

    const next = ex.watchOHLCV('BTC/USDT', '1h');
    sim.control.step();
    let rows = await next;
    // ccxt keeps one row per candle; wait for the new forming candle after the closed one.
    for (let i = 0; i < 5 && rows.at(-1)?.[0] === first.at(-1)?.[0]; i++) rows = await ex.watchOHLCV('BTC/USDT', '1h');
    const rest = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(rows.slice(-2)).toEqual(rest.slice(-2));
    expect(rows.at(-2)?.[0]).toBe(first.at(-1)?.[0]);

    expect(sim.streamingSockets('okx')).toBe(1);
    expect(await ex.unWatchOHLCV('BTC/USDT', '1h')).toBe(true);
    expect(sim.streamingSockets('okx')).toBe(0);
  });

  it('watchTrades and watchTicker flow on price steps', async () => {
    const ex = await okx();
    const trades = ex.watchTrades('ETH/USDT');
    await stepWhenSubscribed(ex);
    const got = await trades;
    expect(got.at(-1)).toMatchObject({ symbol: 'ETH/USDT', price: Number(sim.control.price('ETH/USDT')) });

    const t0 = await ex.watchTicker('ETH/USDT'); // the push on subscribe
    expect(t0.last).toBe(Number(sim.control.price('ETH/USDT')));
    const ticker = ex.watchTicker('ETH/USDT');
    sim.control.step();
    const t = await ticker;
    expect(t.symbol).toBe('ETH/USDT');
    expect(t.last).toBe(Number(sim.control.price('ETH/USDT')));
  });

  it('on the wire: acks carry the arg and a connId, candles confirm "1" then "0" on a step, a candle on /public does not exist there, ping gets pong', async () => {
    const business = await raw('/ws/v5/business');
    business.socket.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'XRP-USDT' }] }));
    await business.until(2);
    expect(business.json(0)).toEqual({ event: 'subscribe', arg: { channel: 'candle1m', instId: 'XRP-USDT' }, connId: expect.stringMatching(/^[0-9a-f]{8}$/) });
    const forming = (business.json(1)['data'] as string[][])[0];
    expect(forming?.[8]).toBe('0');
    sim.control.step();
    await business.until(4);
    const closed = (business.json(2)['data'] as string[][])[0];
    const next = (business.json(3)['data'] as string[][])[0];
    expect(closed?.[0]).toBe(forming?.[0]);
    expect(closed?.[8]).toBe('1');
    expect(closed?.[4]).not.toBe(undefined);
    expect(next?.[8]).toBe('0');
    expect(Number(next?.[0])).toBeGreaterThan(Number(closed?.[0]));
    expect(next?.[4]).toBe(sim.control.price('XRP/USDT'));
    business.socket.send('ping');
    await business.until(5);
    expect(business.frames[4]).toBe('pong');
    business.socket.close();

    const pub = await raw('/ws/v5/public');
    pub.socket.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'candle1H', instId: 'BTC-USDT' }] }));
    pub.socket.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'tickers', instId: 'NOPE-USDT' }] }));
    pub.socket.send('{not json');
    await pub.until(3);
    pub.socket.close();
    expect(pub.json(0)).toMatchObject({ event: 'error', code: '60018', msg: expect.stringContaining('channel:candle1H,instId:BTC-USDT') });
    expect(pub.json(1)).toMatchObject({ event: 'error', code: '60018' });
    expect(pub.json(2)).toMatchObject({ event: 'error', code: '60012', msg: 'Illegal request: {not json' });

    const lost = await raw('/ws/v5/nowhere');
    const closeCode = await new Promise<number>((resolve) => lost.socket.once('close', (code: number) => resolve(code)));
    expect(closeCode).toBe(1008);
    expect(lost.json(0)).toMatchObject({ event: 'error', code: '60017' });
  });
});

describe('OKX private websocket through ccxt.pro (login, orders, account)', () => {
  it('watchOrders, watchMyTrades and watchBalance see a REST limit order rest, then fill on a price step, then a cancel', async () => {
    const ex = await okx(owner);
    const account = sim.control.account('okx', KEY);
    const snapshot = await ex.watchBalance();
    expect(snapshot['USDT']?.free).toBe(Number(account?.balances['USDT']?.free));

    const close = Number(sim.control.price('BTC/USDT'));
    const price = Number((close - 0.1).toFixed(1));
    const placed = ex.watchOrders('BTC/USDT');
    await subscribed(ex, 'orders:BTC-USDT');
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price);
    expect((await placed).at(-1)).toMatchObject({ id: order.id, status: 'open', price, amount: 0.001, filled: 0 });

    const filled = ex.watchOrders('BTC/USDT');
    const trades = ex.watchMyTrades('BTC/USDT');
    const balance = ex.watchBalance();
    const fills = sim.control.step();
    expect(fills.map((f) => String(f.orderId))).toEqual([order.id]);
    const fill = fills[0];
    // A spot buy pays its fee in the coin bought; OKX sends it negative (charged).
    expect(fill?.feeAsset).toBe('BTC');
    expect((await filled).at(-1)).toMatchObject({ id: order.id, status: 'closed', filled: 0.001, fee: { cost: Number(fill?.fee), currency: 'BTC' } });
    const trade = (await trades).at(-1);
    expect(trade).toMatchObject({ id: String(fill?.tradeId), order: order.id, side: 'buy', amount: 0.001, price: Number(fill?.price), takerOrMaker: 'maker' });
    // ccxt's orderToTrade copies `fillFee` as is, so a charged fee comes out negative from watchMyTrades.
    expect(trade?.fee).toEqual({ cost: -Number(fill?.fee), currency: 'BTC' });
    const b = await balance;
    expect(b['USDT']).toMatchObject({ free: Number(account?.balances['USDT']?.free), used: Number(account?.balances['USDT']?.used) });
    expect(b['BTC']?.free).toBe(Number(account?.balances['BTC']?.free));

    const rests = ex.watchOrders('BTC/USDT');
    const resting = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Number((close * 0.5).toFixed(1)));
    expect((await rests).at(-1)).toMatchObject({ id: resting.id, status: 'open' });
    const afterCancel = ex.watchOrders('BTC/USDT');
    await ex.cancelOrder(String(resting.id), 'BTC/USDT');
    expect((await afterCancel).at(-1)).toMatchObject({ id: resting.id, status: 'canceled' });
  });

  it('an order filled over two steps is pushed per fill: partially filled with its first fill, then closed with the second', async () => {
    sim.control.addAccount('okx', { apiKey: 'okx-ws-big', secret: SECRET, passphrase: PASSPHRASE, balances: { USDT: '100000000' } });
    const ex = await okx({ apiKey: 'okx-ws-big', secret: SECRET, password: PASSPHRASE });
    const liquidity = Number(sim.control.venue('okx').market('BTC/USDT')?.liquidityPerStep);
    sim.control.step(); // a whole step's liquidity, none of it taken by earlier tests
    const amount = liquidity + 1;
    // Far above the market: it takes a step's liquidity at once and rests with the remainder, which the next step fills.
    const price = Number((Number(sim.control.price('BTC/USDT')) * 1.5).toFixed(1));
    const partial = ex.watchOrders('BTC/USDT');
    const trades = ex.watchMyTrades('BTC/USDT');
    await subscribed(ex, 'orders::myTrades::BTC/USDT');
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', amount, price);
    expect((await partial).at(-1)).toMatchObject({ id: order.id, status: 'open', filled: liquidity, remaining: 1 });
    const first = (await trades).at(-1);
    expect(first).toMatchObject({ order: order.id, amount: liquidity, takerOrMaker: 'taker' });

    const closed = ex.watchOrders('BTC/USDT');
    const second = ex.watchMyTrades('BTC/USDT');
    sim.control.step();
    expect((await closed).at(-1)).toMatchObject({ id: order.id, status: 'closed', filled: amount, remaining: 0 });
    const last = (await second).at(-1);
    expect(last).toMatchObject({ order: order.id, amount: 1, takerOrMaker: 'maker' });
    expect(last?.id).not.toBe(first?.id);
    const fills = sim.control.venue('okx').fills('okx-ws-big', { orderId: Number(order.id) });
    expect([first?.id, last?.id]).toEqual(fills.map((f) => String(f.tradeId)));
  });

  it('a wrong passphrase or secret is refused and ccxt raises an AuthenticationError', async () => {
    const badPass = await okx({ ...owner, password: 'not-it' });
    await expect(badPass.watchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    const badSecret = await okx({ ...owner, secret: 'not-it' });
    await expect(badSecret.watchOrders('BTC/USDT')).rejects.toThrow(ccxt.AuthenticationError);
  });

  it('on the wire: each login refusal has its OKX code; private channels need a login and the /private URL', async () => {
    const priv = await raw('/ws/v5/private');
    const send = (message: unknown): void => priv.socket.send(JSON.stringify(message));
    send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'ANY' }] });
    send(loginArgs(SECRET, PASSPHRASE, 'no-such-key'));
    send(loginArgs(SECRET, 'wrong'));
    send(loginArgs('wrong', PASSPHRASE));
    send(loginArgs(SECRET, PASSPHRASE, KEY, String(Math.floor(Date.now() / 1000) - 60)));
    send(loginArgs(SECRET, PASSPHRASE));
    send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'ANY' }] });
    await priv.until(7);
    priv.socket.close();
    const answers = priv.frames.map((f) => JSON.parse(f) as Record<string, unknown>).map(({ connId, ...rest }) => {
      expect(connId).toMatch(/^[0-9a-f]{8}$/);
      return rest;
    });
    expect(answers).toEqual([
      { event: 'error', code: '60011', msg: 'Please log in' },
      { event: 'error', code: '60005', msg: 'Invalid OK-ACCESS-KEY' },
      { event: 'error', code: '60024', msg: 'Wrong passphrase' },
      { event: 'error', code: '60007', msg: 'Invalid sign' },
      { event: 'error', code: '60006', msg: 'Timestamp request expired' },
      { event: 'login', code: '0', msg: '' },
      { event: 'subscribe', arg: { channel: 'orders', instType: 'ANY' } },
    ]);

    const pub = await raw('/ws/v5/public');
    pub.socket.send(JSON.stringify(loginArgs(SECRET, PASSPHRASE)));
    pub.socket.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'account' }] }));
    await pub.until(2);
    pub.socket.close();
    expect(pub.json(1)).toMatchObject({ event: 'error', code: '60018' });
  });
});

describe('OKX websocket faults', () => {
  it('drop closes the sockets; a fresh watch reconnects and subscribes again', async () => {
    const ex = await okx();
    await ex.watchOHLCV('XRP/USDT', '1h');
    const pending = ex.watchOHLCV('XRP/USDT', '1h');
    sim.control.wsFaults.inject({ kind: 'drop', exchange: 'okx' });
    await expect(pending).rejects.toThrow();
    expect(sim.streamingSockets('okx')).toBe(0);
    const rows = await ex.watchOHLCV('XRP/USDT', '1h');
    expect(rows.length).toBeGreaterThan(0);
    expect(sim.streamingSockets('okx')).toBe(1);
  });

  it("ccxt's text ping keeps the socket alive on pongs; silent withholds them and ccxt times the socket out", async () => {
    const ex = await okx();
    // ccxt pings OKX every 18 s; a short keepalive makes a few rounds fit in the test.
    (ex.streaming as Record<string, unknown>)['keepAlive'] = 100;
    await ex.watchOHLCV('XRP/USDT', '1h');
    const client = Object.values(ex.clients as Record<string, { lastPong?: number; isOpen(): boolean }>)[0];
    await new Promise((r) => setTimeout(r, 350));
    // Past two missed rounds ccxt would have closed it; each pong moved lastPong on.
    expect(client?.isOpen()).toBe(true);
    expect(Date.now() - (client?.lastPong ?? 0)).toBeLessThan(200);

    const pending = ex.watchOHLCV('XRP/USDT', '1h');
    sim.control.wsFaults.inject({ kind: 'silent', exchange: 'okx', ms: 5_000 });
    await expect(pending).rejects.toThrow(ccxt.RequestTimeout);
  });

  it('duplicate sends each push twice, and ccxt still holds each of its fills and orders once', async () => {
    const ex = await okx(owner);
    const trades = ex.watchMyTrades('BTC/USDT');
    await subscribed(ex, 'orders::myTrades::BTC/USDT');
    const wire = await raw('/ws/v5/public');
    wire.socket.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }] }));
    await wire.until(1);
    sim.control.wsFaults.inject({ kind: 'duplicate', exchange: 'okx' });
    const price = Number((Number(sim.control.price('BTC/USDT')) - 0.1).toFixed(1));
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price);
    expect(sim.control.step().map((f) => String(f.orderId))).toEqual([order.id]);
    expect((await trades).map((t) => t.order)).toEqual([order.id]);
    await wire.until(3);
    wire.socket.close();
    expect(wire.frames[1]).toBe(wire.frames[2]);
    // Let the second copy of the fill's push reach ccxt too.
    await new Promise((r) => setTimeout(r, 100));
    const cachedTrades = (ex.myTrades as unknown as Array<{ order: string }>).filter((t) => t.order === order.id);
    expect(cachedTrades).toHaveLength(1);
    const cachedOrders = (ex.orders as unknown as Array<{ id: string; status: string }>).filter((o) => o.id === order.id);
    expect(cachedOrders).toEqual([expect.objectContaining({ id: order.id, status: 'closed' })]);
  });
});
