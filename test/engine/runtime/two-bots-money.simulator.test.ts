import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_MARKETS } from '../../../simulator/matching/markets.js';
import type { MarketSpec } from '../../../simulator/matching/types.js';
import { RandomWalkPath, type PricePath, type SimCandle } from '../../../simulator/matching/price-path.js';
import type { RunningSimulator } from '../../../simulator/server.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { Dec } from '../../../src/domain/money.js';
import type { EngineService } from '../../../src/engine/engine.service.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import { NO_INTENTS, defineStrategy, type Intent } from '../../../src/engine/strategy.js';
import { useCcxtSimulator } from '../../support/ccxt-simulator.js';
import { connectionView } from './support.js';
import { liveEngineService, testResult, until, useSimulatorAccount, type SimulatorAccount } from './live-support.js';

/**
 * Two bots on ONE live Binance spot account and the SAME symbol (XRP/USDT), through unmodified ccxt
 * against the simulator, real SQLite and the production limiter. Each bot's intents are scripted
 * per candle, so every money path is driven on purpose.
 */

/** The simulator's candles are an hour apart: the engine's clock keeps pace, or they would close in its future. */
const CANDLE_MS = 3_600_000;

/** Intents each bot returns on its next candle, by the bot's `key` parameter. */
const script = new Map<string, Intent[]>();

const scripted = defineStrategy({
  id: 'scripted',
  name: 'Scripted',
  description: 'returns the intents the test queued for it, once',
  params: z.object({ key: z.string() }).strict(),
  warmup: () => 0,
  create: (params) => ({
    warmup: 0,
    onCandle: (): readonly Intent[] => {
      const next = script.get(params.key);
      script.delete(params.key);
      return next ?? NO_INTENTS;
    },
  }),
});

/**
 * XRP/USDT falls 0.3 % every candle, so every long round trip loses (price and both fees) and the test
 * does not hang on where a replay happens to go. Candles are an hour apart from 1 Jan 2026, all closed
 * to the engine's clock.
 */
class FallingPath implements PricePath {
  readonly intervalMs = 3_600_000;
  readonly #candles: SimCandle[];
  readonly #tick: string;

  constructor(start: string, tick: string) {
    this.#tick = tick;
    this.#candles = [{ openTime: Date.UTC(2026, 0, 1), open: start, high: start, low: start, close: start, volume: '100000' }];
    for (let i = 0; i < 100; i++) this.step();
  }

  current(): SimCandle {
    const last = this.#candles.at(-1);
    if (!last) throw new Error('no candle');
    return last;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(Math.max(0, this.#candles.length - count));
  }

  step(): SimCandle {
    const prev = this.current();
    const open = prev.close;
    const close = new Dec(open).mul('0.997').toDecimalPlaces(new Dec(this.#tick).decimalPlaces()).toFixed();
    const candle = { openTime: prev.openTime + this.intervalMs, open, high: open, low: close, close, volume: '100000' };
    this.#candles.push(candle);
    return candle;
  }
}

const falling = (market: MarketSpec, seed: number): PricePath =>
  market.symbol === 'XRP/USDT' ? new FallingPath('0.6', market.tickSize) : new RandomWalkPath({ seed, start: '100', tickSize: market.tickSize });

const lab = useCcxtSimulator({ limiter: true, simulator: { priceSource: falling } });

/** The engine service of the bots sharing `account` on `on`, paced by the file's limiter. */
function sharedAccountService(on: RunningSimulator, account: SimulatorAccount, clock: ManualClock, connectionId: string, name: string): EngineService {
  return liveEngineService({
    db: account.db,
    clock,
    sim: on,
    ccxt: lab.ccxt,
    gate: lab.gate,
    connections: new Map([[connectionId, connectionView({ id: connectionId, name, exchange: 'binance', mode: 'live', status: 'ok', lastTestResult: testResult('ok') })]]),
    credentials: account.credentials,
    // Reconciling every candle would spend the account's request weight twice over for nothing here.
    extra: { strategies: new StrategyRegistry([...BUILT_IN_STRATEGIES, scripted]), reconcileEveryMs: 24 * 3_600_000 },
  });
}

describe('two bots, one binance account, one symbol (simulator)', () => {
  const account = useSimulatorAccount(lab, { exchange: 'binance', balances: { USDT: '1000' }, per: 'describe' });
  let service: EngineService;
  const clock = new ManualClock(Date.now());
  const connectionId = 'money-binance';
  const A = 'bot-a-sma';
  const B = 'bot-b-grid';

  beforeAll(() => {
    service = sharedAccountService(lab.sim, account, clock, connectionId, 'Shared');
  });

  afterAll(async () => {
    await service.shutdown();
  });

  /** One candle for both bots: queue their intents, move the price, wait until both processed it. */
  async function candle(intents: { a?: Intent[]; b?: Intent[] } = {}, bots: readonly string[] = [A, B]): Promise<void> {
    if (intents.a) script.set(bots[0] ?? A, intents.a);
    if (intents.b) script.set(bots[1] ?? B, intents.b);
    const before = await Promise.all(bots.map(async (id) => (await service.status(id)).candlesProcessed));
    // The feed polls a tenth of a candle at a time: step until both bots have processed a new candle.
    for (let attempt = 0; attempt < 5; attempt++) {
      lab.sim.control.step();
      await clock.advance(CANDLE_MS);
      const caughtUp = await until(async () => {
        const now = await Promise.all(bots.map(async (id) => service.status(id)));
        return now.every((s, i) => s.candlesProcessed > (before[i] ?? 0) || s.state !== 'running');
      }, 3_000);
      if (caughtUp) {
        // A candle counts as processed when it is read, before its intents are placed: wait for those too.
        const placed = await until(async () => {
          if (bots.some((id) => script.has(id))) return false;
          const orders = await Promise.all(bots.map(async (id) => service.orders(id)));
          return orders.flat().every((o) => o.status !== 'pending_create');
        }, 5_000);
        expect(placed).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return;
      }
    }
    const stuck = await Promise.all(bots.map(async (id) => service.status(id)));
    throw new Error(`the bots did not process a new candle: ${JSON.stringify(stuck.map((s) => ({ id: s.id, state: s.state, candles: s.candlesProcessed, lastError: s.lastError, failures: s.consecutiveFailures })))}`);
  }

  const flat = async (engineId: string): Promise<boolean> => (await service.status(engineId)).positions.every((p) => p.quantity === '0' || p.dust);
  const heldXrp = (): Dec => {
    const b = lab.sim.control.account('binance', account.apiKey)?.balances['XRP'];
    return new Dec(b?.free ?? '0').add(b?.used ?? '0');
  };
  const rejectedBy = async (engineId: string): Promise<string[]> => (await service.orders(engineId)).filter((o) => o.status === 'rejected').map((o) => o.error ?? '');
  const riskRejections = async (engineId: string): Promise<string[]> =>
    (await account.db.events.since(0, { limit: 10_000 })).filter((e) => e.engineId === engineId && e.type === 'risk.rejected').map((e) => String(e.payload.reason));

  it('a bot that lost money cannot spend the other bot’s budget: its next full entry is refused, the other’s fills', async () => {
    const start = (engineId: string) =>
      service.start({ connectionId, engineId, budget: { quote: '500' }, strategy: 'scripted', params: { key: engineId }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect((await start(A)).state).toBe('running');
    expect((await start(B)).state).toBe('running');
    // A churns: every round trip pays two fees (the buy's in XRP, the sell's in USDT) and the fall.
    const netOf = async (engineId: string): Promise<Dec> => {
      const { pnl } = await service.status(engineId);
      return new Dec(pnl.realizedPnl).sub(pnl.fees);
    };
    // A market order fills at the next candle's open: enter, exit, and one candle to see the exit fill.
    for (let i = 0; i < 3; i++) {
      await candle({ a: [{ kind: 'enter', side: 'long', size: { quote: '490' } }] });
      await candle({ a: [{ kind: 'exit' }] });
      for (let wait = 0; wait < 3 && !(await flat(A)); wait++) await candle();
    }
    const lost = await netOf(A);
    expect(lost.lt(-5), `A must have lost money for this test to mean anything (net ${lost.toFixed()})`).toBe(true);
    expect((await service.status(A)).positions.every((p) => p.quantity === '0' || p.dust)).toBe(true);
    expect(await riskRejections(A)).toEqual([]);
    // A asks for (nearly) its whole nominal budget again; B does the same a candle later.
    await candle({ a: [{ kind: 'enter', side: 'long', size: { quote: '499' } }] });
    await candle({ b: [{ kind: 'enter', side: 'long', size: { quote: '499' } }] });
    await candle();
    await candle();
    // B's money was never A's to spend: B's entry is not refused by the exchange for lack of funds.
    expect(await rejectedBy(B)).toEqual([]);
    const b = await service.status(B);
    expect(b.positions.find((p) => p.symbol === 'XRP/USDT')?.side).toBe('long');
    // A's entry was refused by the risk gate as over budget (its losses came out of its budget).
    expect((await riskRejections(A)).filter((r) => r.startsWith('Over budget') && r.includes('lost'))).toHaveLength(1);
    // Each bot's fills and position are its own: the account's XRP is exactly A's dust plus B's position.
    const prefixOf = async (engineId: string): Promise<Set<string>> => new Set((await service.orders(engineId)).map((o) => o.clientOrderId));
    const [idsA, idsB] = await Promise.all([prefixOf(A), prefixOf(B)]);
    expect((await service.trades(A)).every((f) => f.clientOrderId !== null && idsA.has(f.clientOrderId))).toBe(true);
    expect((await service.trades(B)).every((f) => f.clientOrderId !== null && idsB.has(f.clientOrderId))).toBe(true);
    const quantity = async (engineId: string): Promise<Dec> => new Dec((await service.status(engineId)).positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0');
    expect(heldXrp().toFixed()).toBe((await quantity(A)).add(await quantity(B)).toFixed());
    expect((await service.status(A)).positions.every((p) => p.quantity === '0' || p.dust)).toBe(true);
    await service.stop(A);
    await service.stop(B);
  }, 60_000);
  it('an emergency stop with flatten of one bot sells only its own coins and cancels only its own orders; the other bot’s grid rests on', async () => {
    // Independent of the test before: its bots are stopped (their coins stay, as after any stop).
    for (const id of [A, B]) if ((await service.status(id).catch(() => null))?.state === 'running') await service.stop(id);
    const C = 'bot-c-sma';
    const D = 'bot-d-grid';
    const bots = [C, D];
    const start = (engineId: string) =>
      service.start({ connectionId, engineId, budget: { quote: '200' }, strategy: 'scripted', params: { key: engineId }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect((await start(C)).state).toBe('running');
    expect((await start(D)).state).toBe('running');
    const xrpAtStart = heldXrp();
    await candle({ a: [{ kind: 'enter', side: 'long', size: { quote: '100' } }], b: [{ kind: 'enter', side: 'long', size: { quote: '100' } }] }, bots);
    await candle({}, bots);
    await candle({}, bots);
    const quantityOf = async (id: string): Promise<Dec> => new Dec((await service.status(id)).positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0');
    const mark = new Dec(lab.sim.control.price('XRP/USDT') ?? '0');
    const heldByD = await quantityOf(D);
    expect(heldByD.gt(0)).toBe(true);
    expect((await quantityOf(C)).gt(0)).toBe(true);
    // D's grid: its whole holding offered above the market, and a buy resting below. C rests a buy too.
    const gridSell = heldByD.toDecimalPlaces(1, Dec.ROUND_DOWN).toFixed();
    await candle(
      {
        a: [{ kind: 'place', side: 'buy', amount: '50', price: mark.mul('0.8').toDecimalPlaces(5).toFixed() }],
        b: [
          { kind: 'place', side: 'sell', amount: gridSell, price: mark.mul('1.2').toDecimalPlaces(5).toFixed() },
          { kind: 'place', side: 'buy', amount: '50', price: mark.mul('0.85').toDecimalPlaces(5).toFixed() },
        ],
      },
      bots,
    );
    const ordersOfD = (await service.orders(D)).filter((o) => o.status === 'open');
    expect(ordersOfD, JSON.stringify({ orders: await service.orders(D), risk: await riskRejections(D) })).toHaveLength(2);
    expect((await service.orders(C)).filter((o) => o.status === 'open')).toHaveLength(1);

    let done = false;
    const stopping = service.emergencyStop(C, { flatten: true }).finally(() => (done = true));
    while (!done) {
      await clock.advance(250);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stopped = await stopping;
    expect(stopped.flatten, JSON.stringify(stopped.flatten)).toMatchObject({ state: 'flat', reason: null });
    // D's orders still rest at the exchange, untouched, and D keeps running.
    const resting = lab.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT', open: true }).map((o) => o.clientOrderId);
    expect(resting.sort()).toEqual(ordersOfD.map((o) => o.clientOrderId).sort());
    await candle({}, [D]);
    const d = await service.status(D);
    expect(d.state).toBe('running');
    expect(d.openOrders.map((o) => o.clientOrderId).sort()).toEqual(ordersOfD.map((o) => o.clientOrderId).sort());
    // The account holds exactly what the ledgers say: D's coins, C's dust, what was there before.
    const c = await service.status(C);
    const dustOfC = new Dec(c.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0');
    expect(heldXrp().toFixed()).toBe(xrpAtStart.add(heldByD).add(dustOfC).toFixed());
    expect(await rejectedBy(C)).toEqual([]);
    expect(await rejectedBy(D)).toEqual([]);
    await service.stop(D, { cancelOpenOrders: true });
  }, 60_000);
  it('the exchange goes away with both bots’ orders resting and one about to be placed; back, each bot reconciles its own, nothing is sent twice', async () => {
    for (const id of ['bot-c-sma', 'bot-d-grid']) if ((await service.status(id).catch(() => null))?.state === 'running') await service.stop(id);
    const G = 'bot-g-sma';
    const H = 'bot-h-grid';
    const bots = [G, H];
    const start = (engineId: string) =>
      service.start({ connectionId, engineId, budget: { quote: '100' }, strategy: 'scripted', params: { key: engineId }, symbol: 'XRP/USDT', timeframe: '1h' });
    expect((await start(G)).state).toBe('running');
    expect((await start(H)).state).toBe('running');
    const at = (f: string) => new Dec(lab.sim.control.price('XRP/USDT') ?? '0').mul(f).toDecimalPlaces(5).toFixed();
    await candle({ a: [{ kind: 'place', side: 'buy', amount: '50', price: at('0.8') }], b: [{ kind: 'place', side: 'buy', amount: '50', price: at('0.85') }] }, bots);
    const open = async (id: string) => (await service.orders(id)).filter((o) => o.status === 'open').map((o) => o.clientOrderId).sort();
    expect(await open(G)).toHaveLength(1);
    expect(await open(H)).toHaveLength(1);
    const simOrdersBefore = lab.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT' }).length;

    // Every request fails for a while; H's next candle asks for one more resting buy.
    const outage = lab.sim.control.injectFault({ exchange: 'binance', pathRegex: '.*', fault: { kind: 'serverError', status: 503 } });
    script.set(H, [{ kind: 'place', side: 'buy', amount: '50', price: at('0.82') }]);
    for (let i = 0; i < 4; i++) {
      lab.sim.control.step();
      await clock.advance(CANDLE_MS);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lab.sim.control.faults().find((f) => f.id === outage.id)?.hits ?? 0).toBeGreaterThan(0);
    lab.sim.control.clearFaults(outage.id);
    await candle({}, bots);
    await candle({}, bots);

    const [g, h] = await Promise.all(bots.map(async (id) => service.status(id)));
    expect(g?.state).toBe('running');
    expect(h?.state).toBe('running');
    // H placed its third order once; each bot's open orders are its own, and exactly what rests at the exchange.
    const [openG, openH] = await Promise.all([open(G), open(H)]);
    expect(openG).toHaveLength(1);
    expect(openH).toHaveLength(2);
    const resting = lab.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT', open: true }).map((o) => o.clientOrderId).sort();
    expect(resting).toEqual([...openG, ...openH].sort());
    expect(g?.openOrders.map((o) => o.clientOrderId).sort()).toEqual(openG);
    expect(h?.openOrders.map((o) => o.clientOrderId).sort()).toEqual(openH);
    // Nothing was sent twice: the exchange knows exactly one more order than before the outage.
    expect(lab.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT' }).length).toBe(simOrdersBefore + 1);
    expect(await rejectedBy(G)).toEqual([]);
    expect(await rejectedBy(H)).toEqual([]);

    // Now only order creates fail (503) while G sends one: its outcome is unknown to G for a while.
    const creates = lab.sim.control.injectFault({ exchange: 'binance', method: 'POST', path: '/api/v3/order', fault: { kind: 'serverError', status: 503 } });
    await candle({ a: [{ kind: 'place', side: 'buy', amount: '50', price: at('0.83') }] }, bots).catch(() => undefined);
    lab.sim.control.clearFaults(creates.id);
    for (let i = 0; i < 3; i++) await candle({}, bots);
    const stored = (await Promise.all(bots.map(async (id) => service.orders(id)))).flat();
    const atExchange = lab.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT' });
    const mine = new Set(stored.map((o) => o.clientOrderId));
    const sentByGH = atExchange.filter((o) => o.clientOrderId !== undefined && mine.has(o.clientOrderId));
    // Every order the exchange holds for these bots is a distinct stored order, and its state agrees.
    expect(new Set(sentByGH.map((o) => o.clientOrderId)).size).toBe(sentByGH.length);
    const restingNow = atExchange.filter((o) => o.status === 'new' || o.status === 'partially_filled').map((o) => o.clientOrderId).sort();
    const openNow = [...(await open(G)), ...(await open(H))].sort();
    expect(restingNow).toEqual(openNow);
    expect((await service.status(G)).state).toBe('running');
    // The create the exchange never took is found missing and closed as such, never sent again.
    const ofG = stored.filter((o) => o.engineId === G);
    expect(ofG.map((o) => o.status)).toEqual(['open', 'rejected']);
    expect(ofG[1]?.error).toMatch(/never placed/);
    expect(sentByGH).toHaveLength(3);
    await service.stop(G, { cancelOpenOrders: true });
    await service.stop(H, { cancelOpenOrders: true });
  }, 60_000);
});

describe('two bots, one binance account: a bot whose entry part-fills (simulator, 40 XRP of liquidity a candle)', () => {
  const thin = useCcxtSimulator({ simulator: { priceSource: falling, markets: DEFAULT_MARKETS.map((m) => (m.symbol === 'XRP/USDT' ? { ...m, liquidityPerStep: '40' } : m)) } });
  const account = useSimulatorAccount(thin, { exchange: 'binance', balances: { USDT: '1000' }, per: 'describe' });
  let service: EngineService;
  const clock = new ManualClock(Date.now());
  const connectionId = 'thin-binance';
  const P = 'bot-p-partial';
  const Q = 'bot-q-other';

  beforeAll(() => {
    service = sharedAccountService(thin.sim, account, clock, connectionId, 'Thin');
  });

  afterAll(async () => {
    await service.shutdown();
  });

  it('the filled part and the open rest both hold the budget; an emergency flatten then sells only its own coins, in several orders on a thin book', async () => {
    for (const [id, quote] of [[P, '100'], [Q, '900']] as const) {
      const started = await service.start({ connectionId, engineId: id, budget: { quote }, strategy: 'scripted', params: { key: id }, symbol: 'XRP/USDT', timeframe: '1h' });
      expect(started.state).toBe('running');
    }
    const processed = async (id: string): Promise<number> => (await service.status(id)).candlesProcessed;
    const step = async (intents?: Intent[]): Promise<void> => {
      if (intents) script.set(P, intents);
      const before = await processed(P);
      thin.sim.control.step();
      await clock.advance(CANDLE_MS);
      expect(await until(async () => (await processed(P)) > before && !script.has(P) && (await service.orders(P)).every((o) => o.status !== 'pending_create'), 5_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 30));
    };
    await step();
    const mark = new Dec(thin.sim.control.price('XRP/USDT') ?? '0');
    // 90 USDT of XRP at 1 % above the market: 40 XRP fill at once, the rest rests and fills 40 a candle.
    const limit = mark.mul('1.01').toDecimalPlaces(5);
    const amount = new Dec(90).div(limit).toDecimalPlaces(1, Dec.ROUND_DOWN);
    expect(amount.gt(120)).toBe(true);
    await step([{ kind: 'place', side: 'buy', amount: amount.toFixed(), price: limit.toFixed() }]);
    const [entry] = await service.orders(P);
    expect(entry?.status).toBe('open');
    expect(new Dec(entry?.filled ?? '0').gt(0)).toBe(true);
    expect(new Dec(entry?.filled ?? '0').lt(amount)).toBe(true);
    // Filled part (position) + open rest ≈ 90 of the 100: another 20 does not fit.
    await step([{ kind: 'enter', side: 'long', size: { quote: '20' } }]);
    const refused = (await account.db.events.since(0, { limit: 10_000 })).filter((e) => e.engineId === P && e.type === 'risk.rejected').map((e) => String(e.payload.reason));
    expect(refused.filter((r) => r.startsWith('Over budget')), JSON.stringify({ refused, orders: await service.orders(P), trades: await service.trades(P) })).toHaveLength(1);
    expect(await service.orders(P)).toHaveLength(1);
    // What P spent and reserved never passes its budget, at the exchange either.
    const spent = (await service.trades(P)).reduce((sum, f) => sum.add(new Dec(f.amount).mul(f.price)), new Dec(0));
    const order = (await service.orders(P))[0];
    const reserved = new Dec(order?.amount ?? '0').sub(order?.filled ?? '0').mul(order?.price ?? '0');
    expect(spent.add(reserved).lte('100')).toBe(true);

    // Emergency stop with flatten of P while its entry is still part-filling and Q has an order resting:
    // P cancels only its own order and sells only what it holds; Q's order rests on and Q runs on.
    script.set(Q, [{ kind: 'place', side: 'buy', amount: '50', price: mark.mul('0.8').toDecimalPlaces(5).toFixed() }]);
    await step();
    await until(async () => (await service.orders(Q)).some((o) => o.status === 'open'), 5_000);
    const ofQ = (await service.orders(Q)).filter((o) => o.status === 'open').map((o) => o.clientOrderId);
    expect(ofQ).toHaveLength(1);
    let done = false;
    const stopping = service.emergencyStop(P, { flatten: true }).finally(() => (done = true));
    for (let i = 0; !done && i < 400; i++) {
      // The flatten is a market order: it fills at the next candle's open, 40 XRP a candle.
      if (i % 8 === 7) thin.sim.control.step();
      await clock.advance(250);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stopped = await stopping;
    expect(stopped.flatten, JSON.stringify(stopped.flatten)).toMatchObject({ state: 'flat', reason: null });
    const resting = thin.sim.control.venue('binance').orders(account.apiKey, { symbol: 'XRP/USDT', open: true }).map((o) => o.clientOrderId);
    expect(resting).toEqual(ofQ);
    expect((await service.status(Q)).state).toBe('running');
    // The account's XRP is P's dust: P sold what it held, no more (Q holds none).
    const b = thin.sim.control.account('binance', account.apiKey)?.balances['XRP'];
    const held = new Dec(b?.free ?? '0').add(b?.used ?? '0');
    expect(held.toFixed()).toBe(new Dec(stopped.positions.find((p) => p.symbol === 'XRP/USDT')?.quantity ?? '0').toFixed());
    expect(held.lt('0.1')).toBe(true);
    // The book could not take the flatten whole: it took more than one order to get there.
    const partial = (await account.db.events.since(0, { limit: 10_000 })).filter((e) => e.engineId === P && e.type === 'engine.flatten_partial');
    expect(partial.length).toBeGreaterThan(0);
    await service.stop(Q, { cancelOpenOrders: true });
  }, 60_000);
});
