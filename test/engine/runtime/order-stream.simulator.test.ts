import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { ScriptedPath } from '../../support/scripted-path.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount } from './live-support.js';

/**
 * A live engine receiving its orders and fills over the simulator's Binance user data stream
 * (ws-api, through unmodified ccxt pro): a resting grid buy that fills in the middle of a 1 h candle
 * is in the books within moments, with no REST request, its fee taken in the coin bought; REST's trade
 * list, read at the close, finds it applied. A fill while the socket is down is filled in over REST
 * once the stream is back, each fill once.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const paths = new Map<string, ScriptedPath>();
const lab = useCcxtSimulator({
  simulator: {
    priceSource: (market) => paths.set(market.symbol, new ScriptedPath({ start: T0, length: 31, priceAt: (_, previous) => previous ?? '100' })).get(market.symbol) as ScriptedPath,
  },
});

/** Which REST requests read orders or trades, per exchange: the stream's fills must come without them. */
const ORDER_READS: Record<'binance' | 'bybit' | 'okx', RegExp> = {
  binance: /^\/api\/v3\/(myTrades|openOrders|order)$/,
  bybit: /^\/v5\/(execution\/list|order\/realtime|order\/history)$/,
  okx: /^\/api\/v5\/trade\/(fills|fills-history|orders-pending|order|orders-history)$/,
};

describe.each(['binance', 'bybit', 'okx'] as const)('orders and fills over the websocket on a live engine (%s spot, simulator)', (exchange) => {
  const account = useSimulatorAccount(lab, { exchange, balances: { USDT: '10000' } });
  let clock: ManualClock;
  let service: EngineService;
  const connectionId = `order-stream-${exchange}`;

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

  const restOrderReads = () => lab.sim.control.requests({ exchange }).filter((r) => ORDER_READS[exchange].test(r.path)).length;
  const fills = () => account.db.orders.listFills(connectionId);

  it('applies a fill the stream brings mid-candle at once, without REST; after a dropped socket REST fills in the gap; every fill once', async () => {
    const path = paths.get('BTC/USDT') as ScriptedPath;
    const started = await service.start({
      connectionId,
      engineId: connectionId,
      strategy: 'grid',
      params: { lower: '90', upper: '100', levels: 3, sizePerLevel: '0.1' },
      symbol: 'BTC/USDT',
      timeframe: '1h',
    });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    expect(await until(async () => lab.sim.streamingSockets(exchange) > 0, 5_000)).toBe(true);
    // The first close the grid trades: it rests its buys at 95 and 90 below the price of 100.
    await clock.advance(HOUR - 60_000);
    lab.sim.control.step();
    const placed = await until(async () => (await account.db.orders.listOrders(connectionId, { statuses: ["open"] })).length === 2, 3_000);
    expect(placed).toBe(true);
    // That tick is over (its reconcile read the orders over REST): from here on only the stream can tell.
    expect(await until(async () => (await service.status(connectionId)).lastHeartbeatAt === new Date(clock.now()).toISOString(), 3_000)).toBe(true);
    // The order stream subscribes once the bot has orders on the exchange (ws-api user data stream).
    expect(await until(async () => lab.sim.streamingSockets(exchange) > 1, 5_000)).toBe(true);

    // Mid-candle by the engine's clock, the price dips through 95: the exchange fills that buy.
    const readsBefore = restOrderReads();
    path.trade('94');
    const matched = lab.sim.control.step();
    expect(matched.map((f) => f.price)).toEqual(['95']);
    const charged = matched[0]?.fee ?? '';
    expect(await until(async () => (await fills()).length === 1, 2_000)).toBe(true);
    expect(restOrderReads()).toBe(readsBefore); // the stream alone brought it
    const [first] = await fills();
    // The fee as the exchange charged it (a positive amount, in the coin bought), whatever sign the stream's format uses.
    expect(first).toMatchObject({ side: 'buy', price: '95', amount: '0.1', feeAsset: 'BTC', fee: new Dec(charged).toFixed() });
    expect(new Dec(charged).gt(0)).toBe(true);
    const afterFirst = await service.status(connectionId);
    const held = new Dec('0.1').sub(first?.fee ?? '0');
    expect(afterFirst.positions.find((p) => p.symbol === 'BTC/USDT')?.quantity).toBe(held.toFixed());
    expect(afterFirst.openOrders.map((o) => o.price)).toEqual(['90']);
    expect(afterFirst.accountFeed).toMatchObject({ mode: 'stream', reconnects: 0 });

    // The sockets drop and stay refused; the 90 buy fills meanwhile: only REST can tell.
    lab.sim.control.wsFaults.inject({ exchange, kind: 'drop', refuseNext: 1000 });
    expect(await until(async () => {
      await clock.advance(500);
      return (await service.status(connectionId)).accountFeed?.mode === 'poll';
    }, 5_000)).toBe(true);
    path.trade('89');
    expect(lab.sim.control.step().map((f) => f.price)).toEqual(['90']);
    lab.sim.control.wsFaults.clear();
    // Back: the new subscription holds, and REST fills in what the gap missed.
    expect(await until(async () => {
      await clock.advance(1_000);
      return (await fills()).length === 2 && (await service.status(connectionId)).accountFeed?.mode === 'stream';
    }, 10_000)).toBe(true);
    const status = await service.status(connectionId);
    expect(status.accountFeed?.reconnects).toBeGreaterThanOrEqual(1);

    // The close: REST's trade list shows both trades again; neither is applied twice.
    await clock.advance(clock.now() < T0 + 32 * HOUR ? T0 + 32 * HOUR - clock.now() : 0);
    expect(await until(async () => (await service.status(connectionId)).candlesProcessed >= started.candlesProcessed + 2, 5_000)).toBe(true);
    const all = await fills();
    expect(all).toHaveLength(2);
    expect(new Set(all.map((f) => f.tradeId)).size).toBe(2);
    const total = all.reduce((sum, f) => sum.add(f.amount).sub(f.feeAsset === 'BTC' ? f.fee : '0'), new Dec(0));
    expect((await service.status(connectionId)).positions.find((p) => p.symbol === 'BTC/USDT')?.quantity).toBe(total.toFixed());
    const events = await service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.filter((e) => e.type === 'engine.order_stream_changed').map((e) => e.payload['mode'])).toEqual(['poll', 'stream']);
    expect(events.filter((e) => e.type === 'fill')).toHaveLength(2);
  });

  it('a stream that repeats every message and swaps neighbours still books each fill once, at its price and fee', async () => {
    const path = paths.get('ETH/USDT') as ScriptedPath;
    const started = await service.start({ connectionId, engineId: connectionId, strategy: 'grid', params: { lower: '90', upper: '100', levels: 3, sizePerLevel: '0.1' }, symbol: 'ETH/USDT', timeframe: '1h' });
    expect(started.state, JSON.stringify(started.lastError)).toBe('running');
    await clock.advance(HOUR - 60_000);
    lab.sim.control.step();
    expect(await until(async () => (await account.db.orders.listOrders(connectionId, { statuses: ['open'] })).length === 2, 3_000)).toBe(true);
    expect(await until(async () => (await service.status(connectionId)).lastHeartbeatAt === new Date(clock.now()).toISOString(), 3_000)).toBe(true);
    expect(await until(async () => lab.sim.streamingSockets(exchange) > 1, 5_000)).toBe(true);
    lab.sim.control.wsFaults.inject({ exchange, kind: 'duplicate' });
    lab.sim.control.wsFaults.inject({ exchange, kind: 'reorder' });
    path.trade('89'); // through both levels in one move: two fills, each pushed twice, neighbours swapped
    const matched = lab.sim.control.step();
    expect(matched.map((f) => f.price).sort()).toEqual(['90', '95']);
    expect(await until(async () => (await fills()).length === 2, 3_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the repeats arrive and change nothing
    const all = await fills();
    expect(all.map((f) => f.price).sort()).toEqual(['90', '95']);
    expect(all.every((f) => f.feeAsset === 'ETH' && f.amount === '0.1')).toBe(true);
    expect(all.map((f) => new Dec(f.fee).toFixed()).sort()).toEqual(matched.map((f) => new Dec(f.fee).toFixed()).sort());
    const events = await service.events(0, { limit: 1000, engineId: connectionId });
    expect(events.filter((e) => e.type === 'fill')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'order.closed')).toHaveLength(2);
    const held = all.reduce((sum, f) => sum.add(f.amount).sub(f.fee), new Dec(0));
    expect((await service.status(connectionId)).positions.find((p) => p.symbol === 'ETH/USDT')?.quantity).toBe(held.toFixed());
  });
});
