import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount } from './live-support.js';

/**
 * Protection between candles on a live engine, through unmodified ccxt against the simulator: the
 * engine reads the pair's price every couple of seconds while it holds a protected position, so a
 * spike through the stop-loss inside a 1 h candle exits within seconds, long before the candle closes.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const paths = new Map<string, ScriptedPath>();
const lab = useCcxtSimulator({
  simulator: {
    // Flat at 100 until a test trades it; a new candle opens at the last close.
    priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (_, previous) => previous ?? '100' })).get(market.symbol) as ScriptedPath,
  },
});

describe('protection between candles on a live engine (binance spot, simulator)', () => {
  const account = useSimulatorAccount(lab, { exchange: 'binance', balances: { USDT: '10000' } });
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = 'protect-binance';

  /** An engine service on the account, for a connection of this id and mode (a restart is a new one on the same store). */
  const engineService = (id: string, mode: 'live' | 'paper') =>
    liveEngineService({
      db: account.db,
      clock,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      connections: new Map([[id, connectionView({ id, exchange: 'binance', mode, status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: account.credentials,
    });

  beforeEach(() => {
    // Every path steps together: the engine's clock starts a minute into the forming candle.
    clock = new ManualClock((paths.get('BTC/USDT') as ScriptedPath).formingSince + 60_000);
    service = engineService(connectionId, 'live');
  });

  afterEach(async () => {
    await service.shutdown();
  });

  it('paper: the stop rests in the simulated account from the entry on, and fills there on the spike at its price', async () => {
    const path = paths.get('ETH/USDT') as ScriptedPath;
    const paperId = 'protect-paper';
    const paper = engineService(paperId, 'paper');
    try {
      const started = await paper.start({ connectionId: paperId, engineId: paperId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'ETH/USDT', timeframe: '1h', risk: { stopLossPct: 2, takeProfitPct: 10 } });
      expect(started.state, JSON.stringify(started.lastError)).toBe('running');
      lab.sim.control.step();
      await clock.advance(HOUR);
      const stopsResting = await until(async () => {
        await clock.advance(2_000);
        const open = await account.db.orders.listOrders(paperId, { statuses: ['open'] });
        return open.filter((o) => o.trigger !== null).length === 2;
      }, 5_000);
      expect(stopsResting).toBe(true);
      const open = await account.db.orders.listOrders(paperId, { statuses: ['open'] });
      expect(open.map((o) => [o.trigger?.kind, o.trigger?.price, o.side]).sort()).toEqual([
        ['stop-loss', '98', 'sell'],
        ['take-profit', '110', 'sell'],
      ]);
      path.trade('97');
      const sold = await until(async () => {
        await clock.advance(2_000);
        return (await paper.trades(paperId)).some((f) => f.side === 'sell');
      }, 5_000);
      expect(sold).toBe(true);
      const sell = (await paper.trades(paperId)).find((f) => f.side === 'sell');
      expect(sell?.price).toBe('97'); // the tick opened through the stop: filled at the tick's price
      // Flat: the take-profit beside it is cancelled.
      expect(await until(async () => {
        await clock.advance(2_000);
        return (await account.db.orders.listOrders(paperId, { statuses: ['open'] })).length === 0;
      }, 5_000)).toBe(true);
    } finally {
      await paper.shutdown();
    }
  });

  it('exits on a spike through the stop-loss seconds after it, inside the candle', async () => {
    const path = paths.get('BTC/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'BTC/USDT', timeframe: '1h', risk: { stopLossPct: 2 } });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    // Candle 30 closes: the strategy's first decision buys (DCA buys on its first candle).
    lab.sim.control.step();
    await clock.advance(HOUR);
    expect(await until(async () => (await service.trades(connectionId)).some((f) => f.side === 'buy'), 5_000)).toBe(true);
    // Quiet prices inside candle 31: nothing happens.
    for (let i = 0; i < 3; i++) await clock.advance(2_000);
    path.trade('99');
    for (let i = 0; i < 3; i++) await clock.advance(2_000);
    expect((await service.trades(connectionId)).filter((f) => f.side === 'sell')).toEqual([]);
    // The spike: 2.5 % below the entry, 20 minutes before the candle closes.
    const closesAt = path.formingSince + HOUR;
    path.trade('97.5');
    const sold = await until(async () => {
      await clock.advance(2_000);
      return (await service.trades(connectionId)).some((f) => f.side === 'sell');
      // Real time for a loaded machine: the clock is the test's, each round is a stream push and a REST
      // read (15 s was once too little with the full suite beside it).
    }, 30_000);
    expect(sold).toBe(true);
    expect(clock.now()).toBeLessThan(closesAt - 15 * 60_000);
    const status = await service.status(connectionId);
    expect(status.state).toBe('running');
    expect(status.positions.find((p) => p.symbol === 'BTC/USDT')?.quantity ?? '0').toMatch(/^0(\.0+)?$|^0\.0000\d+$/);
    const events = await service.events(0, { limit: 500, engineId: connectionId });
    const triggered = events.find((e) => e.type === 'engine.protection_triggered');
    expect(triggered?.payload).toMatchObject({ symbol: 'BTC/USDT', price: '97.5' });
    expect(String(triggered?.payload['reason'])).toMatch(/^stop-loss 2% hit/);
  });
});

/** Every cancel request, and the one a resting stop-loss takes, on each venue's wire. */
const CANCELS: Record<'binance' | 'bybit' | 'okx', RegExp> = {
  binance: /^DELETE \/api\/v3\/order /,
  bybit: /^POST \/v5\/order\/cancel /,
  okx: /^POST \/api\/v5\/trade\/(cancel-order|cancel-algos) /,
};
const STOP_CANCEL: Record<'binance' | 'bybit' | 'okx', RegExp> = {
  binance: /^DELETE \/api\/v3\/order /,
  bybit: /^POST \/v5\/order\/cancel .*"orderFilter":"StopOrder"/,
  okx: /^POST \/api\/v5\/trade\/cancel-algos /,
};

describe.each(['binance', 'bybit', 'okx'] as const)('a resting stop-loss on a live engine (%s spot, simulator)', (exchange) => {
  const venue = useSimulatorAccount(lab, { exchange, balances: { USDT: '10000' }, adapter: { connectionId: `protect-observer-${exchange}`, timeoutMs: 5_000 } });
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = `protect-${exchange}`;

  const engineService = (streams = false) =>
    liveEngineService({
      streams,
      db: venue.db,
      clock,
      sim: lab.sim,
      ccxt: lab.ccxt,
      gate: lab.gate,
      connections: new Map([[connectionId, connectionView({ id: connectionId, exchange, mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
      credentials: venue.credentials,
    });

  beforeEach(() => {
    // Every exchange trades the same scripted paths: each case starts from a fresh candle at 100.
    for (const p of paths.values()) p.trade('100');
    lab.sim.control.step();
    clock = new ManualClock((paths.get('BTC/USDT') as ScriptedPath).formingSince + 60_000);
    service = engineService();
  });

  afterEach(async () => {
    await service.shutdown();
  });

  it('the stop-loss rests on the exchange, fires there while CTS is down, and the restart reconciles its fill exactly once', async () => {
    const path = paths.get('XRP/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'XRP/USDT', timeframe: '1h', risk: { stopLossPct: 2 } });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    lab.sim.control.step();
    await clock.advance(HOUR);
    // The entry fills; at the next price the stop goes on the exchange (Binance STOP_LOSS, Bybit tpslOrder, OKX conditional algo).
    const resting = await until(async () => {
      await clock.advance(2_000);
      const open = await venue.exchange.fetchOpenOrders('XRP/USDT');
      return open.some((o) => o.trigger?.kind === 'stop-loss');
    }, 5_000);
    expect(resting).toBe(true);
    const [stop] = (await venue.exchange.fetchOpenOrders('XRP/USDT')).filter((o) => o.trigger !== null);
    const bought = (await service.trades(connectionId)).filter((f) => f.side === 'buy').reduce((sum, f) => sum + Number(f.amount) - (f.feeAsset === 'XRP' ? Number(f.fee) : 0), 0);
    expect(stop).toMatchObject({ side: 'sell', type: 'market', trigger: { kind: 'stop-loss', price: '98' } });
    expect(Number(stop?.amount)).toBeLessThanOrEqual(bought);
    // CTS goes down; its orders stay on the exchange (cancelOrdersOnShutdown is off by default).
    await service.shutdown();
    path.trade('97');
    lab.sim.control.step(); // the exchange's matching sees the price: the stop fires there
    const onExchange = await venue.exchange.fetchOrder({ symbol: 'XRP/USDT', id: stop?.id as string });
    expect(onExchange.status).toBe('closed');
    // CTS comes back: the engine resumes, reconciles, and books the stop's fill exactly once.
    service = engineService();
    await service.resumeAll();
    const reconciled = await until(async () => (await service.trades(connectionId)).some((f) => f.side === 'sell'), 5_000);
    expect(reconciled).toBe(true);
    // Later syncs read the same trade again: still booked once.
    for (let i = 0; i < 3; i++) await clock.advance(2_000);
    const sells = (await service.trades(connectionId)).filter((f) => f.side === 'sell');
    expect(sells).toHaveLength(1);
    expect(sells[0]?.clientOrderId).toBe(stop?.clientOrderId);
    expect(sells[0]?.amount).toBe(stop?.amount);
    const stored = await venue.db.orders.findOrder(stop?.clientOrderId as string);
    expect(stored).toMatchObject({ status: 'closed', trigger: { kind: 'stop-loss', price: '98' }, reduceOnly: true });
    const status = await service.status(connectionId);
    expect(status.state).toBe('running');
    expect(status.positions.find((p) => p.symbol === 'XRP/USDT')?.dust ?? true).toBe(true);
  });

  it('a trailing stop moves on the exchange: the old stop is cancelled there (the venue\'s stop params), the new one rests at the new level', async () => {
    const path = paths.get('XRP/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'XRP/USDT', timeframe: '1h', risk: { trailingStopPct: 2 } });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    lab.sim.control.step();
    await clock.advance(HOUR);
    const restingStops = async () => (await venue.exchange.fetchOpenOrders('XRP/USDT')).filter((o) => o.trigger !== null);
    expect(await until(async () => {
      await clock.advance(2_000);
      return (await restingStops()).length === 1;
    }, 5_000)).toBe(true);
    const [first] = await restingStops();
    expect(first?.trigger).toEqual({ kind: 'stop-loss', price: '98' });
    // The price climbs 10 %: the trailing level follows to 107.8, and the stop on the exchange with it.
    const since = Math.max(0, ...lab.sim.control.requests({ exchange }).map((r) => r.seq));
    path.trade('110');
    const moved = await until(async () => {
      await clock.advance(2_000);
      const open = await restingStops();
      return open.length === 1 && open[0]?.trigger?.price === '107.8';
    }, 5_000);
    expect(moved).toBe(true);
    // One cancel on the wire, the stop kind's own: a known stop is not tried as a plain order first.
    const cancels = lab.sim.control.requests({ exchange }).filter((r) => r.seq > since && CANCELS[exchange].test(`${r.method} ${r.path} ${r.body}`));
    expect(cancels.map((r) => STOP_CANCEL[exchange].test(`${r.method} ${r.path} ${r.body}`))).toEqual([true]);
    expect((await venue.exchange.fetchOrder({ symbol: 'XRP/USDT', id: first?.id as string })).status).toBe('canceled');
    expect(await venue.db.orders.findOrder(first?.clientOrderId as string)).toMatchObject({ status: 'canceled' });
    const [second] = await restingStops();
    expect(await venue.db.orders.findOrder(second?.clientOrderId as string)).toMatchObject({ status: 'open', trigger: { kind: 'stop-loss', price: '107.8' } });
    expect((await service.trades(connectionId)).filter((f) => f.side === 'sell')).toEqual([]);
  });

  it('streaming: the price falls through the resting stop while CTS runs; pushed orders and trades and REST\'s trade list book each sell once', async () => {
    await service.shutdown();
    service = engineService(true);
    const path = paths.get('XRP/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'dca', params: { intervalCandles: 1, amountQuote: '500' }, symbol: 'XRP/USDT', timeframe: '1h', risk: { stopLossPct: 2 } });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(await until(async () => lab.sim.streamingSockets(exchange) > 0, 5_000)).toBe(true);
    await clock.advance(HOUR - 60_000);
    lab.sim.control.step();
    // Watched in the store, not on the exchange: polling OKX's algo list would meet its 20 per 2 s.
    const storedStops = async () => (await venue.db.orders.listOrders(connectionId, { statuses: ['open'] })).filter((o) => o.trigger !== null && o.exchangeOrderId !== null);
    expect(await until(async () => {
      await clock.advance(2_000);
      return (await storedStops()).length > 0;
    }, 5_000)).toBe(true);
    path.trade('97');
    lab.sim.control.step();
    const sold = await until(async () => {
      await clock.advance(2_000);
      return (await service.trades(connectionId)).some((f) => f.side === 'sell');
      // Real time for a loaded machine: the clock is the test's, each round is a stream push and a REST
      // read (15 s was once too little with the full suite beside it).
    }, 30_000);
    expect(sold).toBe(true);
    for (let i = 0; i < 3; i++) await clock.advance(2_000);
    // The pushed price may reach the engine's own check before the exchange's matching fires the stop
    // (the engine then cancels the stop and sells at market), and the step may close a candle (a second
    // DCA buy, the stop replaced by a larger one): whichever order sold, each trade on the exchange is
    // booked once, to the order that made it (OKX: the stop's trade under the stop's own id).
    const booked = (await service.trades(connectionId)).filter((f) => f.side === 'sell');
    const onExchange = (await venue.exchange.fetchMyTrades({ symbol: 'XRP/USDT' })).filter((t) => t.side === 'sell');
    expect(booked.map((f) => f.tradeId).sort()).toEqual(onExchange.map((t) => t.tradeId).sort());
    for (const fill of booked) {
      const order = await venue.db.orders.findOrder(fill.clientOrderId as string);
      expect(order).toMatchObject({ status: 'closed', filled: fill.amount, exchangeOrderId: fill.orderId });
    }
  }, 60_000);
});
