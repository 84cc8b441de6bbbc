import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RandomWalkPath, type PricePath, type SimCandle } from '../../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import type { EngineStatus } from '../../../src/domain/engine-status.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type Intent } from '../../../src/engine/strategy.js';
import { loadCcxt, type CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../../src/exchanges/exchange-gate.js';
import { connectionView, tempStore, type TestStore } from './support.js';
import { liveEngineService, testResult, until } from './live-support.js';

/**
 * Bots trading a list of pairs, through unmodified ccxt against the simulator, real SQLite and the
 * production limiter: a live bot on three pairs beside a grid bot on the SAME Binance account, each
 * with its own budget, and a paper bot on three pairs. Intents are scripted per bot and pair.
 */

const H = 3_600_000;
/** The engine's clock and the simulator's candles share this hour; orders are signed on the wall clock. */
const T0 = Math.floor(Date.now() / H) * H;
const PAIRS = ['BTC/USDT', 'ETH/USDT', 'XRP/USDT'];
const STARTS: Record<string, string> = { 'BTC/USDT': '60000', 'ETH/USDT': '3000', 'XRP/USDT': '0.6' };

/** Intents for `${bot}:${symbol}`, returned once on that pair's next candle. */
const script = new Map<string, Intent[]>();

const scripted = defineStrategy({
  id: 'scripted-pairs',
  name: 'Scripted per pair',
  description: 'returns the intents the test queued for this bot and pair, once',
  params: z.object({ key: z.string() }).strict(),
  warmup: () => 0,
  create: (params) => ({
    warmup: 0,
    onCandle: (snapshot): readonly Intent[] => {
      const key = `${params.key}:${snapshot.symbol}`;
      const next = script.get(key);
      script.delete(key);
      return next ?? NO_INTENTS;
    },
  }),
});

/** Declares an informative input, which only backtests feed: a bot must refuse it at start. */
const informativeProbe = defineStrategy({
  id: 'informative-probe',
  name: 'Informative probe',
  description: 'declares BTC/USDT on 1h as an informative input',
  params: z.object({ key: z.string() }).strict(),
  warmup: () => 0,
  informative: () => [{ symbol: 'BTC/USDT', timeframe: '1h' }],
  create: () => ({ warmup: 0, onCandle: () => NO_INTENTS }),
});

/**
 * Where the flat worlds' candles and clocks start: 01:00 UTC today, so the hours their daily loss
 * limits are tested over never cross midnight (the limit counts one UTC day).
 */
const FLAT_T0 = Math.floor(Date.now() / (24 * H)) * 24 * H + H;

/** A price that never moves (hourly candles from FLAT_T0 − 200 h): a round trip loses exactly its fees. */
class FlatPath implements PricePath {
  readonly intervalMs = H;
  readonly #candles: SimCandle[] = [];
  readonly #price: string;

  constructor(price: string) {
    this.#price = price;
    for (let t = FLAT_T0 - 200 * H; t <= FLAT_T0; t += H) this.#candles.push(this.#at(t));
  }

  #at(openTime: number): SimCandle {
    return { openTime, open: this.#price, high: this.#price, low: this.#price, close: this.#price, volume: '100000' };
  }

  current(): SimCandle {
    return this.#candles.at(-1) as SimCandle;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(-count);
  }

  step(): SimCandle {
    const next = this.#at(this.current().openTime + H);
    this.#candles.push(next);
    return next;
  }
}

let sim: RunningSimulator;
let ccxt: CcxtModules;
const limits = createExchangeGate({ clock: systemClock });

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator({
    // Hourly walks whose current candle opens at T0, so the bots' first round reads the one closed at T0.
    priceSource: (m, seed) => new RandomWalkPath({ seed, start: STARTS[m.symbol] ?? '100', tickSize: m.tickSize, intervalMs: H, startTime: T0 - 200 * H, warmup: 200 }),
  });
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

describe('bots on a list of pairs (simulator)', () => {
  let db: TestStore;
  let service: EngineService;
  const clock = new ManualClock(T0);
  const apiKey = `ctspairs${Date.now().toString(36)}`;
  const secret = 'ctsbinancepairssecret0123456789';
  const live = 'pairs-live';
  const paper = 'pairs-paper';
  const LIST = 'bot-list';
  const GRID = 'bot-grid';
  const PAPER = 'bot-paper';

  beforeAll(async () => {
    db = await tempStore();
    sim.control.addAccount('binance', { apiKey, secret, balances: { USDT: '3000' } });
    service = liveEngineService({
      db,
      clock,
      sim,
      ccxt,
      gate: limits.gate,
      connections: new Map([
        [live, connectionView({ id: live, name: 'Shared', exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })],
        [paper, connectionView({ id: paper, name: 'Paper', exchange: 'binance', mode: 'paper', status: 'ok', lastTestResult: testResult('ok') })],
      ]),
      credentials: { apiKey, apiSecret: secret },
      extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scripted, informativeProbe]), reconcileEveryMs: 24 * H },
    });
  });

  afterAll(async () => {
    await service.shutdown();
    await db.store.close();
  });

  /** Candles processed, per pair for a pair-list bot. */
  const progress = (s: EngineStatus): number[] => (s.pairs ? s.pairs.pairs.map((p) => p.candlesProcessed) : [s.candlesProcessed]);

  /** One hour for every bot: queue intents, move the price and the clock, wait until each pair of each bot processed it. */
  async function hour(intents: Record<string, Intent[]>, bots: readonly string[]): Promise<void> {
    for (const [key, list] of Object.entries(intents)) script.set(key, list);
    const before = await Promise.all(bots.map(async (id) => progress(await service.status(id))));
    sim.control.step();
    await clock.advance(H);
    // The multi-pair feed paces its requests 1.1 s apart on the engine's clock: move it on in such steps.
    for (let step = 0; step < 40; step++) {
      const done = await until(async () => {
        const now = await Promise.all(bots.map(async (id) => service.status(id)));
        return now.every((s, i) => s.state !== 'running' || progress(s).every((n, j) => n > (before[i]?.[j] ?? 0)));
      }, 150);
      if (done) break;
      await clock.advance(1_100);
    }
    const placed = await until(async () => {
      if (Object.keys(intents).some((k) => script.has(k))) return false;
      const orders = await Promise.all(bots.map(async (id) => service.orders(id)));
      return orders.flat().every((o) => o.status !== 'pending_create');
    }, 5_000);
    const states = await Promise.all(bots.map(async (id) => service.status(id)));
    expect(placed, JSON.stringify(states.map((s) => ({ id: s.id, state: s.state, progress: progress(s), lastError: s.lastError })))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }

  /** An emergency stop with flatten, the clock moving while it settles (it polls on the engine's clock). */
  async function emergencyFlatten(engineId: string): Promise<EngineStatus> {
    let done = false;
    const stopping = service.emergencyStop(engineId, { flatten: true }).finally(() => (done = true));
    while (!done) {
      await clock.advance(250);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return stopping;
  }

  const riskRejections = async (engineId: string): Promise<string[]> =>
    (await db.events.since(0, { limit: 10_000 })).filter((e) => e.engineId === engineId && e.type === 'risk.rejected').map((e) => String(e.payload.reason));
  const quantity = (s: EngineStatus, symbol: string): Dec => new Dec(s.positions.find((p) => p.symbol === symbol)?.quantity ?? '0');
  const held = (asset: string): Dec => {
    const b = sim.control.account('binance', apiKey)?.balances[asset];
    return new Dec(b?.free ?? '0').add(b?.used ?? '0');
  };

  it('a live bot on three pairs beside a grid bot on the same account: maxOpenTrades, one budget over its pairs, per-pair status, an emergency flatten of every pair that leaves the grid alone', async () => {
    const grid = await service.start({ connectionId: live, engineId: GRID, budget: { quote: '1000' }, strategy: 'grid', params: { lower: '0.3', upper: '0.9', levels: 4, sizePerLevel: '50' }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect(grid.state).toBe('running');
    const bot = await service.start({
      connectionId: live,
      engineId: LIST,
      budget: { quote: '1000' },
      strategy: 'scripted-pairs',
      params: { key: LIST },
      pairList: { kind: 'static', pairs: PAIRS, quote: 'USDT' },
      maxOpenTrades: 2,
      timeframe: '1h',
    });
    expect(bot.state).toBe('running');
    expect(bot.symbol).toBeNull();
    expect(bot.pairs?.pairs.map((p) => p.symbol)).toEqual(PAIRS);
    expect(bot.pairs?.maxOpenTrades).toBe(2);
    const bots = [LIST, GRID];
    await hour({}, bots);
    const gridOrders = (await service.orders(GRID)).filter((o) => o.status === 'open');
    expect(gridOrders.length).toBeGreaterThan(0);

    // Three entries asked for at once: two pairs take the two slots, the third is refused for it.
    const enter: Intent[] = [{ kind: 'enter', side: 'long', size: { quote: '300' } }];
    await hour({ [`${LIST}:BTC/USDT`]: enter, [`${LIST}:ETH/USDT`]: enter, [`${LIST}:XRP/USDT`]: enter }, bots);
    await hour({}, bots);
    let status = await service.status(LIST);
    expect(quantity(status, 'BTC/USDT').gt(0), JSON.stringify(status.positions)).toBe(true);
    expect(quantity(status, 'ETH/USDT').gt(0)).toBe(true);
    expect(quantity(status, 'XRP/USDT').isZero()).toBe(true);
    expect((await riskRejections(LIST)).filter((r) => r.startsWith('maxOpenTrades 2 reached'))).toHaveLength(1);
    expect(status.pairs?.openTrades).toBe(2);
    expect(status.pairs?.pairs.filter((p) => p.holdsSlot).map((p) => p.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);

    // ETH leaves: XRP may enter now, but only within what BTC's position leaves of the one budget.
    await hour({ [`${LIST}:ETH/USDT`]: [{ kind: 'exit' }] }, bots);
    await hour({}, bots);
    status = await service.status(LIST);
    expect(status.positions.find((p) => p.symbol === 'ETH/USDT')?.dust ?? quantity(status, 'ETH/USDT').isZero()).toBe(true);
    await hour({ [`${LIST}:XRP/USDT`]: [{ kind: 'enter', side: 'long', size: { quote: '800' } }] }, bots);
    const overBudget = (await riskRejections(LIST)).filter((r) => r.startsWith('Over budget'));
    expect(overBudget, JSON.stringify(await riskRejections(LIST))).toHaveLength(1);
    await hour({ [`${LIST}:XRP/USDT`]: [{ kind: 'enter', side: 'long', size: { quote: '200' } }] }, bots);
    await hour({}, bots);
    status = await service.status(LIST);
    expect(quantity(status, 'XRP/USDT').gt(0)).toBe(true);
    // The bot's PnL is over all its pairs; its XRP is its own, beside whatever the grid holds.
    const sum = status.positions.reduce((acc, p) => acc.add(p.netPnl), new Dec(0));
    expect(new Dec(status.pnl.netPnl).sub(sum).abs().lt('0.00000001')).toBe(true);
    expect(held('BTC').toFixed()).toBe(quantity(status, 'BTC/USDT').toFixed());
    const gridStatus = await service.status(GRID);
    expect(held('XRP').toFixed()).toBe(quantity(status, 'XRP/USDT').add(quantity(gridStatus, 'XRP/USDT')).toFixed());

    // Emergency stop with flatten of the pair-list bot: every one of its pairs is sold, the grid rests on.
    const restingBefore = (await service.orders(GRID)).filter((o) => o.status === 'open').map((o) => o.clientOrderId).sort();
    const stopped = await emergencyFlatten(LIST);
    expect(stopped.flatten, JSON.stringify(stopped.flatten)).toMatchObject({ state: 'flat', reason: null });
    expect(stopped.positions.every((p) => p.quantity === '0' || p.dust)).toBe(true);
    const resting = sim.control.venue('binance').orders(apiKey, { symbol: 'XRP/USDT', open: true }).map((o) => o.clientOrderId).sort();
    expect(resting).toEqual(restingBefore);
    expect((await service.status(GRID)).state).toBe('running');
    await service.stop(GRID);
  }, 180_000);

  it('an emergency flatten right after a market entry filled, its trades not read yet, sells those coins instead of calling the bot flat', async () => {
    const QUICK = 'bot-quick';
    const started = await service.start({
      connectionId: live,
      engineId: QUICK,
      budget: { quote: '500' },
      strategy: 'scripted-pairs',
      params: { key: QUICK },
      pairList: { kind: 'static', pairs: ['BTC/USDT', 'ETH/USDT'], quote: 'USDT' },
      timeframe: '1h',
    });
    expect(started.state).toBe('running');
    await hour({}, [QUICK]);
    const btcBefore = held('BTC');
    await hour({ [`${QUICK}:BTC/USDT`]: [{ kind: 'enter', side: 'long', size: { quote: '200' } }] }, [QUICK]);
    // The market entry closed in its create's answer; its trade is read on the pair's next candle.
    const entry = (await service.orders(QUICK)).find((o) => o.symbol === 'BTC/USDT');
    expect(entry?.status).toBe('closed');
    expect(held('BTC').gt(btcBefore)).toBe(true);
    const stopped = await emergencyFlatten(QUICK);
    expect(stopped.flatten, JSON.stringify(stopped.flatten)).toMatchObject({ state: 'flat', reason: null });
    // Sold: what the entry bought is gone from the account again (a base-asset fee leaves dust at most).
    expect(held('BTC').sub(btcBefore).lt('0.00001'), held('BTC').toFixed()).toBe(true);
    expect((await service.orders(QUICK)).filter((o) => o.symbol === 'BTC/USDT' && o.side === 'sell' && o.status === 'closed')).toHaveLength(1);
  }, 120_000);

  it('a paper bot on three pairs: each pair trades on the exchange’s real candles in its own simulated account, and a restart keeps every position', async () => {
    const start = () =>
      service.start({
        connectionId: paper,
        engineId: PAPER,
        budget: null,
        strategy: 'scripted-pairs',
        params: { key: PAPER },
        pairList: { kind: 'static', pairs: PAIRS, quote: 'USDT' },
        timeframe: '1h',
      });
    expect((await start()).state).toBe('running');
    const enter: Intent[] = [{ kind: 'enter', side: 'long', size: { quote: '1000' } }];
    await hour({ [`${PAPER}:BTC/USDT`]: enter, [`${PAPER}:ETH/USDT`]: enter, [`${PAPER}:XRP/USDT`]: enter }, [PAPER]);
    await hour({}, [PAPER]);
    let status = await service.status(PAPER);
    for (const symbol of PAIRS) expect(quantity(status, symbol).gt(0), `${symbol}: ${JSON.stringify(status.positions)}`).toBe(true);
    const before = Object.fromEntries(PAIRS.map((s) => [s, quantity(status, s).toFixed()]));
    await service.stop(PAPER);
    expect((await start()).state).toBe('running');
    // Exits after the restart are possible: the new simulated account starts holding each position.
    const exit: Intent[] = [{ kind: 'exit' }];
    await hour({ [`${PAPER}:BTC/USDT`]: exit, [`${PAPER}:ETH/USDT`]: exit, [`${PAPER}:XRP/USDT`]: exit }, [PAPER]);
    await hour({}, [PAPER]);
    // A pair counts as processed once its candle is read, before its fills are synced: wait for those.
    await until(async () => (await service.status(PAPER)).positions.every((p) => p.dust), 3_000);
    status = await service.status(PAPER);
    const debug = JSON.stringify({ orders: (await service.orders(PAPER)).slice(-4), events: (await db.events.since(0, { limit: 10_000 })).filter((e) => e.engineId === PAPER).slice(-12).map((e) => [e.type, e.payload]) });
    for (const symbol of PAIRS) expect(status.positions.find((p) => p.symbol === symbol)?.dust ?? true, `${symbol} was ${before[symbol]}: ${debug}`).toBe(true);
    expect(await riskRejections(PAPER)).toEqual([]);
    await service.stop(PAPER);
  }, 120_000);

  it('refuses what a pair-list bot cannot do, with a message that says what to change', async () => {
    const base = { connectionId: paper, budget: null, strategy: 'scripted-pairs', params: { key: 'x' }, timeframe: '1h' } as const;
    await expect(service.start({ ...base, symbol: 'BTC/USDT', pairList: { kind: 'static', pairs: PAIRS, quote: 'USDT' } })).rejects.toThrow(/either symbol .* or pairList/);
    await expect(service.start({ ...base })).rejects.toThrow(/symbol\) or a pair list/);
    await expect(service.start({ ...base, symbol: 'BTC/USDT', maxOpenTrades: 2 })).rejects.toThrow(/maxOpenTrades applies to a pair list/);
    await expect(service.start({ ...base, pairList: { kind: 'static', pairs: ['NOPE/USDT'], quote: 'USDT' } })).rejects.toThrow(/No pair of the list can trade \(NOPE\/USDT/);
    await expect(service.start({ ...base, timeframe: '1m', pairList: { kind: 'dynamic', topN: 54, quote: 'USDT' } })).rejects.toThrow(/at most 50 pairs/);
    await expect(service.start({ ...base, timeframe: '5m', pairList: { kind: 'static', pairs: PAIRS, quote: 'USDT' }, strategy: 'informative-probe' })).rejects.toThrow(/informative inputs \(BTC\/USDT@1h\)/);
  }, 60_000);

  /**
   * A simulator whose prices never move, with its own clock (the flat candles start at FLAT_T0, wherever the
   * tests before moved the shared one) and store; `service()` opens an engine service over them — two
   * of them are two CTS processes sharing one database.
   */
  async function flatWorld(connectionId: string) {
    const flat = await startSimulator({ priceSource: (m) => new FlatPath(STARTS[m.symbol] ?? '100') });
    const clock = new ManualClock(FLAT_T0);
    const db2 = await tempStore();
    const service = (): EngineService =>
      liveEngineService({
        db: db2,
        clock,
        sim: flat,
        ccxt,
        gate: limits.gate,
        connections: new Map([[connectionId, connectionView({ id: connectionId, name: 'Flat paper', exchange: 'binance', mode: 'paper', status: 'ok', lastTestResult: testResult('ok') })]]),
        credentials: { apiKey, apiSecret: secret },
        extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scripted]), reconcileEveryMs: 24 * H },
      });
    const close = async (): Promise<void> => {
      await db2.store.close();
      await flat.close();
    };
    return { flat, clock, db2, service, close };
  }

  it('the daily loss limit counts the whole bot: two pairs each losing less than the limit trip it together, and every pair’s orders are cancelled', async () => {
    const KILL = 'bot-kill';
    const flatPaper = 'flat-paper';
    const world = await flatWorld(flatPaper);
    const { flat, clock, db2 } = world;
    const flatService = world.service();
    try {
      const started = await flatService.start({
        connectionId: flatPaper,
        engineId: KILL,
        budget: null,
        strategy: 'scripted-pairs',
        params: { key: KILL },
        pairList: { kind: 'static', pairs: PAIRS, quote: 'USDT' },
        // A round trip of 1000 USDT pays two 0.1 % fees, 2 USDT: one pair stays inside 3, two do not.
        risk: { dailyLossLimit: '3' },
        timeframe: '1h',
      });
      expect(started.state).toBe('running');
      let before: number | undefined = (await flatService.status(KILL)).candlesProcessed;
      const step = async (intents: Record<string, Intent[]>): Promise<void> => {
        for (const [key, list] of Object.entries(intents)) script.set(key, list);
        flat.control.step();
        await clock.advance(H);
        // Every pair processed this hour (its candle read), its intents taken and sent: then the next hour.
        const target = (before ?? 0) + PAIRS.length;
        const caughtUp = async (): Promise<boolean> =>
          Object.keys(intents).every((k) => !script.has(k)) &&
          (await flatService.status(KILL)).candlesProcessed >= target &&
          (await flatService.orders(KILL)).every((o) => o.status !== 'pending_create');
        let ok = false;
        for (let i = 0; i < 60 && !ok; i++) {
          ok = await until(caughtUp, 500);
          if (!ok) await clock.advance(1_100);
        }
        const s = await flatService.status(KILL);
        expect(ok || s.state !== 'running', JSON.stringify({ state: s.state, candles: s.candlesProcessed, target, lastError: s.lastError })).toBe(true);
        before = target;
        await new Promise((resolve) => setTimeout(resolve, 50));
      };
      const enter: Intent[] = [{ kind: 'enter', side: 'long', size: { quote: '1000' } }];
      const exit: Intent[] = [{ kind: 'exit' }];
      // XRP rests a buy far below the price: the kill switch must cancel it too.
      await step({ [`${KILL}:BTC/USDT`]: enter, [`${KILL}:ETH/USDT`]: enter, [`${KILL}:XRP/USDT`]: [{ kind: 'place', side: 'buy', amount: '100', price: '0.3' }] });
      await step({});
      await step({ [`${KILL}:BTC/USDT`]: exit, [`${KILL}:ETH/USDT`]: exit });
      for (let i = 0; i < 4 && (await flatService.status(KILL)).state === 'running'; i++) await step({});
      const status = await flatService.status(KILL);
      expect(status.state, JSON.stringify({ pnl: status.pnl, lastError: status.lastError })).toBe('stopped');
      expect(status.lastError).toMatch(/^Daily loss limit hit/);
      // Each pair lost about 2 USDT, within the limit alone; together about 4.
      for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
        const p = status.positions.find((x) => x.symbol === symbol);
        expect(new Dec(p?.netPnl ?? '0').gt('-3'), JSON.stringify(p)).toBe(true);
      }
      expect(new Dec(status.pnl.netPnl).lte('-3')).toBe(true);
      const xrpOrders = (await flatService.orders(KILL)).filter((o) => o.symbol === 'XRP/USDT');
      expect(xrpOrders.map((o) => o.status)).toEqual(['canceled']);
      const kill = (await db2.events.since(0, { limit: 10_000 })).find((e) => e.engineId === KILL && e.type === 'engine.kill_switch');
      expect(kill?.payload.scope).toBe('engine');
    } finally {
      await flatService.shutdown();
      await world.close();
    }
  }, 120_000);

  it('the account daily loss limit counts the connection’s bots in another process: their stored loss today stops a bot here', async () => {
    const connection = 'flat-shared';
    const world = await flatWorld(connection);
    const { flat, clock, db2 } = world;
    // Two services over one store: two CTS processes sharing a database, each running one bot of the connection.
    const here = world.service();
    const elsewhere = world.service();
    const LOSER = 'bot-loser';
    const GUARD = 'bot-guard';
    try {
      const base = { connectionId: connection, budget: { quote: '1000' }, strategy: 'scripted-pairs', timeframe: '1h' } as const;
      expect((await elsewhere.start({ ...base, engineId: LOSER, params: { key: LOSER }, symbol: 'BTC/USDT' })).state).toBe('running');
      // The guard trades nothing itself: only the other process's bot loses (two fees of a 1000 USDT round trip, 2 USDT).
      expect((await here.start({ ...base, engineId: GUARD, params: { key: GUARD }, symbol: 'ETH/USDT', risk: { accountDailyLossLimit: '1.5' } })).state).toBe('running');
      const bots: [EngineService, string][] = [
        [elsewhere, LOSER],
        [here, GUARD],
      ];
      const step = async (intents: Record<string, Intent[]>): Promise<void> => {
        for (const [key, list] of Object.entries(intents)) script.set(key, list);
        const before = await Promise.all(bots.map(async ([service, id]) => (await service.status(id)).candlesProcessed));
        flat.control.step();
        await clock.advance(H);
        const caughtUp = async (): Promise<boolean> => {
          const now = await Promise.all(bots.map(async ([service, id]) => service.status(id)));
          return Object.keys(intents).every((k) => !script.has(k)) && now.every((st, i) => st.state !== 'running' || st.candlesProcessed > (before[i] ?? 0));
        };
        for (let i = 0; i < 40 && !(await until(caughtUp, 300)); i++) await clock.advance(1_100);
        await new Promise((resolve) => setTimeout(resolve, 50));
      };
      await step({});
      await step({ [`${LOSER}:BTC/USDT`]: [{ kind: 'enter', side: 'long', size: { quote: '1000' } }] });
      await step({});
      await step({ [`${LOSER}:BTC/USDT`]: [{ kind: 'exit' }] });
      for (let i = 0; i < 4 && (await here.status(GUARD)).state === 'running'; i++) await step({});
      const loser = await elsewhere.status(LOSER);
      expect(new Dec(loser.pnl.netPnl).lte('-1.5'), JSON.stringify(loser.pnl)).toBe(true);
      const guard = await here.status(GUARD);
      expect(guard.state, JSON.stringify({ lastError: guard.lastError, pnl: guard.pnl })).toBe('stopped');
      expect(guard.lastError).toMatch(/^Account daily loss limit hit/);
      expect(new Dec(guard.pnl.netPnl).isZero()).toBe(true);
      const kill = (await db2.events.since(0, { limit: 10_000 })).find((e) => e.engineId === GUARD && e.type === 'engine.kill_switch');
      expect(kill?.payload.scope).toBe('account');
    } finally {
      await here.shutdown();
      await elsewhere.shutdown();
      await world.close();
    }
  }, 120_000);
});
