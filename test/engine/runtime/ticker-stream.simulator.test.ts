import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount } from './live-support.js';

/**
 * Prices between candles over the simulator's Binance ticker stream (unmodified ccxt pro): a
 * take-profit the engine watches itself fires on the pushed price in the middle of a 1 h candle,
 * without a REST ticker request, and the exit's fill comes over the order stream.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const paths = new Map<string, ScriptedPath>();
const lab = useCcxtSimulator({
  simulator: {
    priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (_, previous) => previous ?? '100' })).get(market.symbol) as ScriptedPath,
  },
});

/** REST's ticker and trade-list requests per exchange: the pushed price and the streamed fill come without them. */
const REST: Record<'binance' | 'bybit' | 'okx', { tickers: RegExp; trades: RegExp }> = {
  binance: { tickers: /^\/api\/v3\/ticker/, trades: /^\/api\/v3\/myTrades$/ },
  bybit: { tickers: /^\/v5\/market\/tickers$/, trades: /^\/v5\/execution\/list$/ },
  okx: { tickers: /^\/api\/v5\/market\/tickers?$/, trades: /^\/api\/v5\/trade\/fills(-history)?$/ },
};

describe.each(['binance', 'bybit', 'okx'] as const)('ticks over the websocket on a live engine (%s spot, simulator)', (exchange) => {
  const account = useSimulatorAccount(lab, { exchange, balances: { USDT: '10000' } });
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = `ticker-stream-${exchange}`;

  beforeEach(() => {
    // Every exchange trades the same scripted paths: each test starts from a fresh candle at 100.
    for (const p of paths.values()) p.trade('100');
    lab.sim.control.step();
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

  const restTickers = () => lab.sim.control.requests({ exchange }).filter((r) => REST[exchange].tickers.test(r.path)).length;
  const restTrades = () => lab.sim.control.requests({ exchange }).filter((r) => REST[exchange].trades.test(r.path)).length;

  it('exits on a pushed price through the take-profit mid-candle, with no REST ticker request', async () => {
    const path = paths.get('BTC/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'BTC/USDT', timeframe: '1h', risk: { takeProfitPct: 2 } });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await clock.advance(HOUR - 60_000);
    lab.sim.control.step();
    expect(await until(async () => (await service.trades(connectionId)).some((f) => f.side === 'buy'), 3_000)).toBe(true);
    // That tick is over; holding a protected position, the engine now watches the pair's ticker stream.
    expect(await until(async () => (await service.status(connectionId)).lastHeartbeatAt === new Date(clock.now()).toISOString(), 3_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = restTickers();
    const syncsBefore = restTrades();
    path.trade('103');
    lab.sim.control.step(); // the exchange pushes the new price
    // Its fill comes over the order stream (subscribed since the start): no order sync needed either.
    expect(await until(async () => (await service.trades(connectionId)).some((f) => f.side === 'sell'), 3_000)).toBe(true);
    expect(restTickers()).toBe(before);
    expect(restTrades()).toBe(syncsBefore);
    const events = await service.events(0, { limit: 500, engineId: connectionId });
    expect(events.find((e) => e.type === 'engine.protection_triggered')?.payload).toMatchObject({ price: expect.stringMatching(/^103(\.0*)?$/), reason: expect.stringMatching(/take.profit/i) });
  });
});
