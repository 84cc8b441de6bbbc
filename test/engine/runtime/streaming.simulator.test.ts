import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount } from './live-support.js';

/**
 * A live engine reading its candles over the simulator's Binance websocket through unmodified ccxt
 * pro: a candle reaches the strategy within a second of its close, without a REST candle request; a
 * dropped stream falls back to REST and comes back, each candle once.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const paths = new Map<string, ScriptedPath>();
const lab = useCcxtSimulator({
  simulator: { priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (i) => (100 + (i % 7)).toFixed(2) })).get(market.symbol) as ScriptedPath },
});

/** REST's candle request per exchange: while the stream is up there is none. */
const KLINES: Record<'binance' | 'bybit' | 'okx', string> = { binance: '/api/v3/klines', bybit: '/v5/market/kline', okx: '/api/v5/market/candles' };

describe.each(['binance', 'bybit', 'okx'] as const)('candles over the websocket on a live engine (%s spot, simulator)', (exchange) => {
  const account = useSimulatorAccount(lab, { exchange, balances: { USDT: '10000' } });
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = `stream-${exchange}`;

  beforeEach(() => {
    clock = new ManualClock((paths.get('BTC/USDT') as ScriptedPath).formingSince + 60_000);
    service = liveEngineService({
      db: account.db,
      clock,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      streams: true,
      connections: new Map([[connectionId, connectionView({ id: connectionId, exchange, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: account.credentials,
    });
  });

  afterEach(async () => {
    await service.shutdown();
  });

  const klineRequests = () => lab.sim.control.requests({ exchange }).filter((r) => r.path === KLINES[exchange]).length;
  const processed = async () => (await service.status(connectionId)).candlesProcessed;

  it('hands each close to the strategy within a second, from the stream alone; a dropped stream falls back to REST and back, no candle missed or doubled', async () => {
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'sma-crossover', params: { fast: 2, slow: 3, sizeQuote: '100' }, symbol: 'BTC/USDT', timeframe: '1h' });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    // The feed starts from REST (the latest closed candle), then subscribes.
    expect(await until(async () => lab.sim.streamingSockets(exchange) > 0, 5_000)).toBe(true);
    const base = await processed();
    const restBefore = klineRequests();
    for (let k = 1; k <= 3; k++) {
      await clock.advance(k === 1 ? HOUR - 60_000 : HOUR); // the engine's clock reaches the close…
      const at = Date.now();
      lab.sim.control.step(); // …and the exchange closes the candle: its final kline goes out on the socket
      expect(await until(async () => (await processed()) === base + k, 2_000)).toBe(true);
      expect(Date.now() - at).toBeLessThan(1_000);
    }
    expect(klineRequests()).toBe(restBefore); // no REST candle request while the stream is up
    const status = await service.status(connectionId);
    expect(status.feed).toMatchObject({ mode: 'stream', reconnects: 0 });

    // The socket drops: REST takes over for the next close, then the stream comes back.
    lab.sim.control.wsFaults.inject({ exchange, kind: 'drop', refuseNext: 1000 });
    await clock.advance(HOUR);
    lab.sim.control.step();
    await clock.advance(60_000); // REST polls while the socket is refused
    expect(await until(async () => (await processed()) === base + 4, 3_000)).toBe(true);
    // The failed socket is seen at the feed's next wait (the close may have come over REST first).
    expect(await until(async () => (await service.status(connectionId)).feed?.mode === 'poll', 3_000)).toBe(true);
    expect((await service.status(connectionId)).feed?.reconnects).toBeGreaterThanOrEqual(1);
    lab.sim.control.wsFaults.clear();
    expect(await until(async () => {
      await clock.advance(2_000);
      return (await service.status(connectionId)).feed?.mode === 'stream';
    }, 5_000)).toBe(true);
    await clock.advance(HOUR);
    lab.sim.control.step();
    expect(await until(async () => (await processed()) === base + 5, 3_000)).toBe(true);
    const events = await service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.filter((e) => e.type === 'engine.feed_changed').map((e) => e.payload['mode'])).toEqual(['poll', 'stream']);
    expect(events.some((e) => e.type === 'engine.exchange_unreachable')).toBe(false);
  });
});
