import { afterEach, describe, expect, it } from 'vitest';
import { ccxtConfig, type CcxtConnection } from '../../../src/exchanges/ccxt/ccxt-options.js';
import { CcxtStreams } from '../../../src/exchanges/ccxt/ccxt-streams.js';
import { toCandles } from '../../../src/exchanges/ccxt/response-schemas.js';
import { getProfile } from '../../../src/exchanges/profiles/index.js';
import type { Candle } from '../../../src/domain/candles.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';

/**
 * Our adapter's websocket side (CcxtStreams) on an OKX connection, through unmodified ccxt.pro.okx
 * and the simulator's OKX business endpoint: live (ws.okx.com) and demo (wspap.okx.com, `?brokerId=9999`).
 * Built by hand rather than through CcxtExchange.candleStream(), which offers streams only for the
 * exchanges in its STREAMS_VERIFIED list (Binance today).
 */

const lab = useCcxtSimulator();
const profile = getProfile('okx');
const open: CcxtStreams[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.resetStreams()));
});

async function streamsFor(mode: CcxtConnection['mode']): Promise<{ streams: CcxtStreams; restCandles: () => Promise<Candle[]> }> {
  const connection: CcxtConnection = { id: `okx-stream-${mode}`, exchange: 'okx', mode, credentials: null, marketTypes: ['spot'], proxyUrl: lab.sim.url, timeoutMs: 5_000 };
  const rest = new lab.ccxt.classes.okx(ccxtConfig(connection, profile));
  Object.assign(rest.has, profile.loadMarkets.hasOverrides);
  if (mode === 'testnet') rest.setSandboxMode(true);
  await rest.loadMarkets();
  const streams = new CcxtStreams({ connection, profile, modules: lab.ccxt, rest, now: () => Date.now() });
  open.push(streams);
  return { streams, restCandles: async () => toCandles(await rest.fetchOHLCV('BTC/USDT', '1h', undefined, 3)) };
}

describe('CcxtStreams.watchCandles on an okx connection (simulator)', () => {
  for (const mode of ['live', 'testnet'] as const) {
    it(`${mode}: the forming candle first, then after a step the closed one with its final values and the next, as REST has them`, async () => {
      const { streams, restCandles } = await streamsFor(mode);
      lab.sim.control.clearRequests();
      const first = await streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
      expect(first.at(-1)).toEqual((await restCandles()).at(-1));
      const forming = first.at(-1)?.time;

      const next = streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
      lab.sim.control.step();
      let candles = await next;
      for (let i = 0; i < 5 && candles.at(-1)?.time === forming; i++) candles = await streams.watchCandles({ symbol: 'BTC/USDT', timeframe: '1h' });
      expect(candles.at(-2)?.time).toBe(forming);
      expect(candles.slice(-2)).toEqual((await restCandles()).slice(-2));
      // The candles came over the socket: the only REST candle reads are the test's own two.
      expect(lab.sim.control.requests({ exchange: 'okx' }).filter((r) => r.path === '/api/v5/market/candles')).toHaveLength(2);
    });
  }
});
