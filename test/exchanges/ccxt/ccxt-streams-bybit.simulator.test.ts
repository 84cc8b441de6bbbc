import { afterEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candles.js';
import { RetryLaterError } from '../../../src/domain/errors.js';
import type { CcxtInstance } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { ccxtConfig, type CcxtConnection } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { CcxtStreams } from '../../../src/exchanges/ccxt/ccxt-streams.js';
import { WsBudget } from '../../../src/exchanges/ccxt/ws-budget.js';
import { StreamLimitError } from '../../../src/domain/errors.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';

/**
 * Our adapter's candle stream (CcxtStreams.watchCandles) on a Bybit connection, through unmodified
 * ccxt.pro.bybit and the simulator's Bybit v5 public websocket. The adapter's candleStream() does not
 * offer it for Bybit yet (STREAMS_VERIFIED in ccxt-exchange.ts lists binance only), so the streams
 * object is built here the way CcxtExchange builds it: the same config, the REST instance's markets.
 */

const lab = useCcxtSimulator();
const profile = getProfile('bybit');
const opened: CcxtStreams[] = [];

afterEach(async () => {
  lab.sim.control.wsFaults.clear();
  await Promise.all(opened.splice(0).map((s) => s.resetStreams()));
});

async function bybitStreams(budget?: WsBudget): Promise<{ streams: CcxtStreams; rest: CcxtInstance }> {
  const apiKey = `ctsbybitstream${Math.random().toString(36).slice(2, 8)}`;
  lab.sim.control.addAccount('bybit', { apiKey, secret: 'ctsbybitstreamsecret', balances: { USDT: '1000' } });
  // Spot and futures, as a Bybit connection is usually stored: BTCUSDT then names a spot and a linear market.
  const connection: CcxtConnection = {
    id: 'conn-bybit-stream', exchange: 'bybit', mode: 'live', credentials: { apiKey, apiSecret: 'ctsbybitstreamsecret' },
    marketTypes: ['spot', 'futures'], proxyUrl: lab.sim.url, timeoutMs: 5_000,
  };
  const rest = new lab.ccxt.classes.bybit(ccxtConfig(connection, profile));
  Object.assign(rest.has, profile.loadMarkets.hasOverrides);
  await rest.loadMarkets();
  const streams = new CcxtStreams({ connection, profile, modules: lab.ccxt, rest, now: () => Date.now(), ...(budget ? { budget } : {}) });
  opened.push(streams);
  return { streams, rest };
}

function restCandles(rows: (number | undefined)[][]): Candle[] {
  return rows.map(([time, open, high, low, close, volume]) => ({
    time: Number(time), open: String(open), high: String(high), low: String(low), close: String(close), volume: String(volume),
  }));
}

describe('CcxtStreams.watchCandles on a Bybit connection (simulator)', () => {
  it('gets the forming candle, then after a step the closed candle and the next, as REST has them', async () => {
    const { streams, rest } = await bybitStreams();
    const first = await streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
    const formingAt = first.at(-1)?.time;
    expect(restCandles(await rest.fetchOHLCV('BTC/USDT', '1h', undefined, 1)).at(-1)).toEqual(first.at(-1));

    lab.sim.control.step();
    let candles = first;
    for (let i = 0; i < 5 && candles.at(-1)?.time === formingAt; i++) candles = await streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
    const rest2 = restCandles(await rest.fetchOHLCV('BTC/USDT', '1h', undefined, 2));
    expect(candles.slice(-2)).toEqual(rest2);
    expect(candles.at(-2)?.time).toBe(formingAt);
    // Every row is exact decimal text, the close the simulator's own price.
    expect(candles.at(-1)?.close).toBe(String(Number(lab.sim.control.price('BTC/USDT'))));
  });

  it('a dropped socket rejects the pending watch with a translated error; after resetStreams the next watch streams again', async () => {
    const { streams } = await bybitStreams();
    await streams.watchCandles({ symbol: 'ETH/USDT', timeframe: '1h' });
    const pending = streams.watchCandles({ symbol: 'ETH/USDT', timeframe: '1h' });
    lab.sim.control.wsFaults.inject({ kind: 'drop', exchange: 'bybit' });
    const error = await pending.then(() => undefined, (e: unknown) => e);
    // ccxt rejects with NetworkError on a closed socket: a retry-later condition, not a failure of the bot.
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(String(error)).toMatch(/Bybit: network error/);
    await streams.resetStreams();
    const again = await streams.watchCandles({ symbol: 'ETH/USDT', timeframe: '1h' });
    expect(again.at(-1)?.close).toBe(String(Number(lab.sim.control.price('ETH/USDT'))));
  });

  it('opens no socket past the connection limit, and no subscription past the per-connection one: the watch fails with StreamLimitError', async () => {
    const budget = new WsBudget({ exchange: 'Bybit', profile: { connectionsPerIp: { count: 1, windowMs: 60_000 }, subscriptionsPerConnection: 1 } });
    const { streams } = await bybitStreams(budget);
    await streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
    // A second topic on that connection is one past its limit.
    await expect(streams.watchTicker('BTC/USDT')).rejects.toThrow(StreamLimitError);
    // The same topic again is no new subscription.
    const pending = streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
    lab.sim.control.step();
    expect((await pending).length).toBeGreaterThan(0);
    // A new socket (after a reset) is one connection past the window's limit: none reaches the exchange.
    await streams.resetStreams();
    const before = lab.sim.streamingSockets('bybit');
    await expect(streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow(/Bybit: 1 new websocket connections in 60 s/);
    expect(lab.sim.streamingSockets('bybit')).toBeLessThanOrEqual(before);
  });
});
