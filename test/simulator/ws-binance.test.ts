import ccxt from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { simulatorWsUrls } from '../../src/exchanges/ccxt/ws-urls.js';

type ProBinance = InstanceType<typeof ccxt.pro.binance>;

let sim: RunningSimulator;
const opened: ProBinance[] = [];

beforeAll(async () => {
  sim = await startSimulator({ priceSource: 'random-walk' });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  sim.control.wsFaults.clear();
  await Promise.all(opened.splice(0).map((ex) => ex.close()));
});

/** ccxt opens a plain ws:// URL only through an http agent it loads on request (Exchange.getHttpAgentIfNeeded). */
async function binance(): Promise<ProBinance> {
  const base = new ccxt.pro.binance();
  const ex = new ccxt.pro.binance({ proxyUrl: sim.url, urls: simulatorWsUrls(base.urls, sim.url), timeout: 5_000, options: { fetchMarkets: { types: ['spot'] }, defaultType: 'spot' } });
  opened.push(ex);
  await ex.loadHttpProxyAgent();
  return ex;
}

/** Steps prices once the watch's subscription is on the wire, so its first answer is the step's. */
async function stepWhenSubscribed(ex: ProBinance, count = 1): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const clients = Object.values(ex.clients as Record<string, { subscriptions: Record<string, unknown> }>);
    if (clients.some((c) => Object.keys(c.subscriptions).length > 0)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  // The subscription ack and the subscribe-time kline come first; step after the server has them.
  await new Promise((r) => setTimeout(r, 50));
  sim.control.step(count);
}

describe('Binance spot websockets through ccxt.pro', () => {
  it('watchOHLCV gets the forming candle, then the closed one and the next, equal to fetchOHLCV', async () => {
    const ex = await binance();
    await ex.loadMarkets();
    const first = await ex.watchOHLCV('BTC/USDT', '1h');
    const restBefore = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(first.at(-1)).toEqual(restBefore.at(-1));

    const next = ex.watchOHLCV('BTC/USDT', '1h');
    sim.control.step();
    await next;
    // ccxt keeps one row per candle; wait for the new forming candle after the closed one.
    let rows = await next;
    for (let i = 0; i < 5 && rows.at(-1)?.[0] === first.at(-1)?.[0]; i++) rows = await ex.watchOHLCV('BTC/USDT', '1h');
    const rest = await ex.fetchOHLCV('BTC/USDT', '1h', undefined, 3);
    expect(rows.slice(-2)).toEqual(rest.slice(-2));
    expect(rows.at(-2)?.[0]).toBe(first.at(-1)?.[0]);
  });

  it('watchTrades and watchTicker flow on price steps', async () => {
    const ex = await binance();
    await ex.loadMarkets();
    const trades = ex.watchTrades('ETH/USDT');
    await stepWhenSubscribed(ex);
    const got = await trades;
    expect(got.at(-1)?.price).toBe(Number(sim.control.price('ETH/USDT')));

    const ticker = ex.watchTicker('ETH/USDT');
    await stepWhenSubscribed(ex);
    const t = await ticker;
    expect(t.symbol).toBe('ETH/USDT');
    expect(t.last).toBe(Number(sim.control.price('ETH/USDT')));
  });

  it('refuses an upgrade for a host no exchange answers for', async () => {
    const { WebSocket } = await import('ws');
    const status = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${sim.port}/wss://nowhere.example/ws`);
      socket.on('error', (error: Error) => resolve(error.message));
    });
    expect(status).toMatch(/502/);
  });
});

describe('websocket faults', () => {
  it('drop closes the sockets and refuses the next connection; the next watch reconnects', async () => {
    const ex = await binance();
    await ex.loadMarkets();
    await ex.watchOHLCV('XRP/USDT', '1h');
    const pending = ex.watchOHLCV('XRP/USDT', '1h');
    sim.control.wsFaults.inject({ kind: 'drop', exchange: 'binance', refuseNext: 1 });
    await expect(pending).rejects.toThrow();
    await expect(ex.watchOHLCV('XRP/USDT', '1h')).rejects.toThrow(/503/);
    const rows = await ex.watchOHLCV('XRP/USDT', '1h');
    expect(rows.length).toBeGreaterThan(0);
  });

  it('duplicate sends each message twice, reorder swaps pairs, delay holds them', async () => {
    const { WebSocket } = await import('ws');
    const received: string[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${sim.port}/wss://stream.binance.com:9443/ws`);
    socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.on('error', reject);
    });
    const until = async (count: number): Promise<void> => {
      for (let i = 0; i < 400 && received.length < count; i++) await new Promise((r) => setTimeout(r, 5));
    };
    const ask = (id: number): void => socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));

    sim.control.wsFaults.inject({ kind: 'duplicate', exchange: 'binance' });
    ask(1);
    await until(2);
    expect(received).toEqual(['{"result":[],"id":1}', '{"result":[],"id":1}']);

    received.length = 0;
    sim.control.wsFaults.clear('binance');
    sim.control.wsFaults.inject({ kind: 'reorder', exchange: 'binance' });
    ask(2);
    ask(3);
    await until(2);
    expect(received).toEqual(['{"result":[],"id":3}', '{"result":[],"id":2}']);

    received.length = 0;
    sim.control.wsFaults.clear('binance');
    sim.control.wsFaults.inject({ kind: 'delay', exchange: 'binance', ms: 150 });
    const sent = performance.now();
    ask(4);
    await until(1);
    expect(performance.now() - sent).toBeGreaterThanOrEqual(140);
    expect(received).toEqual(['{"result":[],"id":4}']);

    received.length = 0;
    sim.control.wsFaults.clear('binance');
    sim.control.wsFaults.inject({ kind: 'silent', exchange: 'binance', ms: 200 });
    const pong = new Promise<number>((resolve) => {
      const at = performance.now();
      socket.once('pong', () => resolve(performance.now() - at));
    });
    socket.ping();
    ask(5);
    await new Promise((r) => setTimeout(r, 250));
    expect(received).toEqual([]);
    ask(6);
    await until(1);
    expect(received).toEqual(['{"result":[],"id":6}']);
    socket.close();
    // A withheld pong never comes.
    const raced = await Promise.race([pong, new Promise<string>((r) => setTimeout(() => r('none'), 20))]);
    expect(raced).toBe('none');
  });
});
