import path from 'node:path';
import { RandomWalkPath, seededRandom } from '../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ManualClock, systemClock } from '../../src/domain/clock.js';
import { Dec, ZERO } from '../../src/domain/money.js';
import { EngineService } from '../../src/engine/engine.service.js';
import { EngineEventBus } from '../../src/engine/events/event-bus.js';
import type { EngineEvent } from '../../src/domain/engine-events.js';
import type { OrderRecord } from '../../src/domain/orders.js';
import { createVenueFactory } from '../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../src/engine/strategies/registry.js';
import type { CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { createExchangeGate, type ExchangeGateSetup } from '../../src/exchanges/exchange-gate.js';
import type { RequestGate } from '../../src/ratelimit/request-gate.js';
import { connectionView, tempStore, type TestStore } from '../engine/runtime/support.js';
import { testResult } from '../engine/runtime/live-support.js';
import { CCXT_TIMEOUT_MS, faultSpec, PATHS, TRACED_EVENTS, type EmergencyStopRecord, type RunResult, type SimOrderView, type StepRecord } from './run-record.js';
import { describeEvent, SYMBOL, type Scenario, type SoakEvent } from './scenario.js';
import { SoakPath } from './soak-path.js';

/**
 * Runs one soak scenario in-process: EngineService instances ("CTS processes") over one SQLite store,
 * each trading live through unmodified ccxt against the loopback simulator, on a ManualClock the
 * harness moves 6 s (one live-feed poll of the 1m timeframe) per candle. The simulator steps one
 * candle per poll, so the engine sees every candle and market orders fill at that candle's price.
 *
 * A restart is a new EngineService on the same store that runs `resumeAll()`, as `main.ts` does:
 *  - SIGTERM: `shutdown()` first (what the signal handler does);
 *  - kill -9: the old service is dropped while it waits for its next poll — its clock never moves
 *    again, so it never sends or stores anything more; the store still says `running`.
 * The in-process kill -9 therefore always hits between two requests; kills in the middle of a
 * request are covered by the real-process test (process-restart.soak.test.ts, crash-safety.test.ts).
 */

export const POLL_MS = 6_000;
const CANDLE_MS = 60_000;
const CSV = path.resolve(import.meta.dirname, '../../data/XRP_USDT_USDT-1h-futures.csv');
export const START_QUOTE = '10000';

interface Cts {
  clock: ManualClock;
  gate: ExchangeGateSetup;
  service: EngineService;
  /** Exchange requests of the engine waiting in the limiter or on the wire. */
  inFlight: () => number;
}

export async function runScenario(scenario: Scenario, ccxt: CcxtModules): Promise<RunResult> {
  const market = SYMBOL[scenario.exchange];
  const soakPath = new SoakPath({ seed: scenario.seed, centre: market.centre, tickSize: market.tickSize, intervalMs: CANDLE_MS, startTime: Date.now() - 30 * 86_400_000 });
  const sim = await startSimulator({
    priceSource: (m, seed) => (m.symbol === scenario.symbol ? soakPath : new RandomWalkPath({ seed, start: m.symbol.startsWith('BTC') ? '60000' : m.symbol.startsWith('ETH') ? '3000' : '0.6', tickSize: m.tickSize })),
  });
  const db = await tempStore();
  try {
    return await new Run(scenario, ccxt, sim, db, soakPath).run();
  } finally {
    await sim.close();
  }
}

class Run {
  readonly #s: Scenario;
  readonly #ccxt: CcxtModules;
  readonly #sim: RunningSimulator;
  readonly #db: TestStore;
  readonly #path: SoakPath;
  readonly #id: string;
  readonly #apiKey: string;
  readonly #secret: string;
  readonly trace: string[] = [];
  readonly steps: StepRecord[] = [];
  readonly emergencyStops: EmergencyStopRecord[] = [];
  readonly starts: RunResult['starts'] = [];
  readonly duplicateLevels: string[] = [];
  #cts: Cts;
  readonly #abandoned: Cts[] = [];
  #pendingStart: number | null = null;
  #i = 0;
  #seenSeq = 0;

  constructor(scenario: Scenario, ccxt: CcxtModules, sim: RunningSimulator, db: TestStore, soakPath: SoakPath) {
    this.#s = scenario;
    this.#ccxt = ccxt;
    this.#sim = sim;
    this.#db = db;
    this.#path = soakPath;
    this.#id = `soak-${scenario.exchange}`;
    this.#apiKey = `ctssoak${scenario.exchange}${scenario.strategy.replace(/-/g, '')}`;
    this.#secret = `cts${scenario.exchange}soaksecret0123456789`;
    sim.control.addAccount(scenario.exchange, { apiKey: this.#apiKey, secret: this.#secret, balances: { USDT: START_QUOTE } });
    this.#cts = this.#boot(Date.now());
  }

  #boot(now: number): Cts {
    const clock = new ManualClock(now);
    // One limiter per process, on real time like production (its memory dies with the process).
    const gate = createExchangeGate({ clock: systemClock });
    // Counted, so the harness knows an engine waiting on the exchange (or on a real-time limiter
    // pause) is busy even while one of its waits sleeps on the clock (a ticker's quiet timer).
    let inFlight = 0;
    const counted: RequestGate = {
      run: async (request, send) => {
        inFlight++;
        try {
          return await gate.gate.run(request, send);
        } finally {
          inFlight--;
        }
      },
    };
    const s = this.#s;
    const service = new EngineService({
      connections: {
        get: async () => connectionView({ id: this.#id, name: `Soak ${s.exchange}`, exchange: s.exchange, mode: 'live', status: 'ok', lastTestResult: testResult('ok') }),
        credentialsFor: async () => ({ apiKey: this.#apiKey, apiSecret: this.#secret }),
      },
      strategies: new StrategyRegistry(),
      venues: createVenueFactory({
        clock,
        replayCsvPath: CSV,
        openExchange: async (connection, credentials) =>
          createCcxtExchange({
            ccxt: this.#ccxt,
            gate: counted,
            clock,
            connection: { id: connection.id, exchange: connection.exchange, mode: 'live', credentials: credentials ?? null, marketTypes: ['spot'], proxyUrl: this.#sim.url, timeoutMs: CCXT_TIMEOUT_MS },
          }),
      }),
      engines: this.#db.engines,
      orders: this.#db.orders,
      events: new EngineEventBus({ log: this.#db.events }),
      clock,
      // Seeded backoff jitter: the same seed retries at the same candles.
      random: seededRandom(this.#s.seed + this.starts.length),
    });
    return { clock, gate, service, inFlight: () => inFlight };
  }

  #log(line: string): void {
    this.trace.push(`[candle ${this.#i}] ${line}`);
    if (process.env.SOAK_LIVE) console.log(`[candle ${this.#i}] ${line}`);
  }

  async #start(): Promise<void> {
    const s = this.#s;
    try {
      const status = await this.#cts.service.start({ connectionId: this.#id, engineId: this.#id, strategy: s.strategy, params: s.params, symbol: s.symbol, timeframe: '1m' });
      this.#log(`start → ${status.state}${status.lastError ? ` (${status.lastError})` : ''}`);
    } catch (error) {
      this.#log(`start refused: ${(error as Error).message}`);
    }
    this.#markStart();
  }

  #markStart(): void {
    this.starts.push({ at: this.#i, pathIndex: this.#path.length - 1, warmupCloses: this.#path.closes() });
  }

  async run(): Promise<RunResult> {
    const s = this.#s;
    this.trace.push(`scenario ${s.name} seed ${s.seed}: ${s.strategy} ${JSON.stringify(s.params)} on ${s.symbol}, ${s.candles} candles`);
    for (const e of s.events) this.trace.push(`  plan: ${describeEvent(e)}`);
    await this.#start();
    let outage: { rule: string; until: number } | null = null;
    for (this.#i = 0; this.#i < s.candles; this.#i++) {
      if (this.#i === s.candles - s.tail) {
        // The tail is fault-free: rules that were never hit (e.g. a cancel fault with no cancel) go too.
        this.#sim.control.clearFaults();
        outage = null;
      }
      if (outage && this.#i >= outage.until) {
        this.#sim.control.clearFaults(outage.rule);
        this.#log('exchange reachable again');
        outage = null;
      }
      if (this.#pendingStart === this.#i) {
        this.#pendingStart = null;
        await this.#start();
      }
      for (const e of s.events.filter((x) => x.at === this.#i)) outage = (await this.#apply(e)) ?? outage;
      await this.#candle();
    }
    return this.#collect(await this.#finalState());
  }

  async #apply(e: SoakEvent): Promise<{ rule: string; until: number } | undefined> {
    this.#log(describeEvent(e));
    switch (e.kind) {
      case 'fault': {
        const target = PATHS[this.#s.exchange][e.target];
        this.#sim.control.injectFault({ exchange: this.#s.exchange, method: target.method, pathRegex: target.pathRegex, times: e.times, fault: faultSpec(e.fault) });
        return undefined;
      }
      case 'outage': {
        // Every request is dropped without an answer (connection reset), as when the exchange is unreachable.
        const rule = this.#sim.control.injectFault({ exchange: this.#s.exchange, fault: { kind: 'reset' } });
        return { rule: rule.id, until: this.#i + Math.ceil((e.seconds * 1000) / POLL_MS) };
      }
      case 'emergencyStop':
        await this.#emergencyStop(e);
        return undefined;
      case 'restart':
        await this.#restart(e.how);
        return undefined;
    }
  }

  async #candle(): Promise<void> {
    const before = await this.#storedOrders();
    const { base } = this.#balances();
    const openBefore = this.#simOrders().filter((o) => o.status === 'new' || o.status === 'partially_filled').length;
    const venue = this.#sim.control.venue(this.#s.exchange);
    const fillsBefore = venue.fills(this.#apiKey, { symbol: this.#s.symbol }).length;
    this.#sim.control.step();
    await this.#cts.clock.advance(POLL_MS);
    await this.#settle();
    const known = new Set(before.map((o) => o.clientOrderId));
    const created = (await this.#storedOrders())
      .filter((o) => !known.has(o.clientOrderId))
      .map((o) => ({ clientOrderId: o.clientOrderId, side: o.side, type: o.type, price: o.price, amount: o.amount, status: o.status }));
    const state = await this.#state();
    const orders = new Map(venue.orders(this.#apiKey, { symbol: this.#s.symbol }).map((o) => [o.orderId, o]));
    const fills = venue
      .fills(this.#apiKey, { symbol: this.#s.symbol })
      .slice(fillsBefore)
      .map((f) => {
        const order = orders.get(f.orderId);
        return { clientOrderId: order?.clientOrderId ?? '?', side: f.side, price: f.price, qty: f.qty, orderFilled: order?.status === 'filled' };
      });
    await this.#logEvents();
    for (const f of fills) this.#log(`exchange filled ${f.side} ${f.qty} @ ${f.price} (${f.clientOrderId}${f.orderFilled ? ', complete' : ''})`);
    this.steps.push({ i: this.#i, close: this.#path.current().close, baseBefore: base.toFixed(), openBefore, created, fills, state, pathIndex: this.#path.length - 1 });
    for (const o of created) this.#log(`engine created ${o.side} ${o.type} ${o.amount}${o.price ? ` @ ${o.price}` : ''} (${o.clientOrderId}) → ${o.status}`);
    this.#checkLevels();
  }

  /**
   * Waits until the engine is blocked on its clock (next poll or a backoff), or is not running, and
   * the simulator holds no request in a latency fault: a timed-out request the exchange processes
   * late lands before the next candle, so every run of a seed sees the same order of events.
   */
  async #settle(): Promise<void> {
    const deadline = Date.now() + 20_000;
    const busy = (): boolean =>
      (this.#cts.service.runsHere(this.#id) && (this.#cts.clock.pendingSleepers === 0 || this.#cts.inFlight() > 0)) ||
      this.#sim.control.requests({ exchange: this.#s.exchange }).some((r) => r.outcome === 'pending');
    while (busy()) {
      if (Date.now() > deadline) throw new Error(`${this.#s.name}: the engine did not come back to its clock within 20 s at candle ${this.#i}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async #emergencyStop(e: Extract<SoakEvent, { kind: 'emergencyStop' }>): Promise<void> {
    const ordersBefore = new Set((await this.#storedOrders()).map((o) => o.clientOrderId));
    const seqBefore = (await this.#events()).reduce((max, ev) => Math.max(max, ev.seq ?? 0), 0);
    const target = PATHS[this.#s.exchange].cancel;
    const held = e.fillsDuringCancel
      ? this.#sim.control.injectFault({ exchange: this.#s.exchange, method: target.method, pathRegex: target.pathRegex, fault: { kind: 'latency', ms: 400 } })
      : null;
    const stop = this.#cts.service.emergencyStop(this.#id, { flatten: e.flatten }).then(
      (status) => `answered: ${status.state}${status.lastError ? ` (${status.lastError})` : ''}`,
      (error: unknown) => `refused: ${(error as Error).message}`,
    );
    if (held) {
      // The market trades through the resting buys while their cancels are on the wire.
      // The dip reaches the two highest resting buys (as in the issue: two buys fill while being cancelled); lower ones stay.
      const prices = this.#simOrders()
        .filter((o) => o.side === 'buy' && (o.status === 'new' || o.status === 'partially_filled'))
        .map((o) => new Dec(o.price))
        .sort((a, b) => b.cmp(a));
      const lowest = prices[Math.min(1, prices.length - 1)] ?? new Dec(this.#path.current().close);
      // An engine that is not running sends no cancel (see the trace's answer); the market moves anyway.
      if (this.#cts.service.runsHere(this.#id)) await this.#firstHeldCancel(target);
      this.#path.dipNext(lowest.toFixed());
      const fills = this.#sim.control.step();
      this.#log(`price dipped to ${lowest.toFixed()} while cancels were held: ${fills.filter((f) => f.symbol === this.#s.symbol).length} fills of resting orders`);
    }
    const answer = await this.#pumpClockUntil(stop);
    this.#log(`emergency stop ${answer}`);
    for (const o of (await this.#storedOrders()).filter((x) => !ordersBefore.has(x.clientOrderId))) {
      this.#log(`emergency stop created ${o.side} ${o.type} ${o.amount} (${o.clientOrderId}) → ${o.status}${o.error ? ` (${o.error})` : ''}`);
    }
    await this.#logEvents();
    if (held) this.#sim.control.clearFaults(held.id);
    await this.#settle();
    const status = await this.#cts.service.status(this.#id);
    this.emergencyStops.push({
      at: this.#i,
      answer,
      refused: answer.startsWith('refused'),
      flatten: e.flatten,
      fillsDuringCancel: e.fillsDuringCancel,
      seqBefore,
      baseAfter: this.#balances().base.toFixed(),
      openAfter: this.#simOrders()
        .filter((o) => o.status === 'new' || o.status === 'partially_filled')
        .map((o) => ({ clientOrderId: o.clientOrderId, side: o.side, price: o.price })),
      positionAfter: status.positions.find((p) => p.symbol === this.#s.symbol)?.quantity ?? '0',
      state: status.state,
      lastError: status.lastError,
      statusFields: status as unknown as Record<string, unknown>,
    });
    this.#pendingStart = this.#i + e.restartAfter;
  }

  /**
   * An emergency stop settles its cancels and its flatten by polling on the engine's clock, against a
   * deadline on that clock: move the manual clock in small steps while it works, as time would pass
   * (bounded: 2 minutes of clock time), then wait for its answer.
   */
  async #pumpClockUntil<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => (done = true));
    for (let i = 0; i < 480 && !done; i++) {
      await new Promise((r) => setTimeout(r, 10));
      // Also while a request is on the wire: its real-time timeout passes on the engine's clock too.
      if (!done) await this.#cts.clock.advance(250);
    }
    return result;
  }

  /** Waits (bounded) until a cancel request is held at the simulator, so the dip lands while it is in flight. */
  async #firstHeldCancel(target: { method: string; pathRegex: string }): Promise<void> {
    const pattern = new RegExp(target.pathRegex);
    const deadline = Date.now() + 5_000;
    const held = (): boolean =>
      this.#sim.control.requests({ exchange: this.#s.exchange, method: target.method }).some((r) => pattern.test(r.path) && r.outcome === 'pending');
    while (!held() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    if (!held()) this.#log('no cancel reached the exchange within 5 s of the emergency stop');
  }

  async #restart(how: 'sigterm' | 'kill9'): Promise<void> {
    const old = this.#cts;
    await this.#settle();
    if (how === 'sigterm') {
      await old.service.shutdown();
      await old.gate.close();
    }
    // kill -9: `old` is abandoned as it is, waiting for a poll its clock will never reach.
    else this.#abandoned.push(old);
    this.#cts = this.#boot(old.clock.now());
    await this.#cts.service.resumeAll();
    const status = await this.#cts.service.status(this.#id);
    await this.#logEvents();
    this.#log(`CTS restarted (${how === 'kill9' ? 'kill -9' : 'SIGTERM'}): engine ${status.state}${status.lastError ? ` (${status.lastError})` : ''}`);
    if (this.#pendingStart === null) this.#markStart();
  }

  /** The engine's events that explain what it did (not fills and heartbeats, which the trace shows otherwise). */
  async #logEvents(): Promise<void> {
    for (const e of await this.#db.events.since(this.#seenSeq, { limit: 10_000, engineId: this.#id })) {
      this.#seenSeq = Math.max(this.#seenSeq, e.seq);
      if (!TRACED_EVENTS.has(e.type)) continue;
      const p = e.payload as Record<string, unknown>;
      const what = e.type === 'engine.state' ? `${String(p.from)} → ${String(p.to)} (${String(p.action)})` : JSON.stringify(p).slice(0, 220);
      this.#log(`event ${e.type}: ${what}`);
    }
  }

  #checkLevels(): void {
    if (this.#s.strategy !== 'grid') return;
    const seen = new Map<string, string[]>();
    for (const o of this.#simOrders()) {
      if (o.status !== 'new' && o.status !== 'partially_filled') continue;
      const key = `${o.side}@${o.price}`;
      seen.set(key, [...(seen.get(key) ?? []), o.clientOrderId]);
    }
    for (const [key, ids] of seen) if (ids.length > 1) this.duplicateLevels.push(`candle ${this.#i}: ${ids.length} open orders ${key} (${ids.join(', ')})`);
  }

  async #state(): Promise<string> {
    return (await this.#cts.service.status(this.#id)).state;
  }

  #storedOrders(): Promise<OrderRecord[]> {
    return this.#db.orders.listOrders(this.#id);
  }

  #events(): Promise<EngineEvent[]> {
    return this.#db.events.since(0, { limit: 1_000_000, engineId: this.#id });
  }

  #simOrders(): SimOrderView[] {
    return this.#sim.control
      .venue(this.#s.exchange)
      .orders(this.#apiKey, { symbol: this.#s.symbol })
      .map((o) => ({ clientOrderId: o.clientOrderId, orderId: String(o.orderId), side: o.side, type: o.type, price: o.price, status: o.status, executedQty: o.executedQty }));
  }

  #balances(): { base: Dec; quote: Dec } {
    const account = this.#sim.control.account(this.#s.exchange, this.#apiKey);
    const [baseAsset = '', quoteAsset = ''] = this.#s.symbol.split('/');
    const total = (asset: string): Dec => {
      const b = account?.balances[asset];
      return b ? new Dec(b.free).add(b.used) : ZERO;
    };
    return { base: total(baseAsset), quote: total(quoteAsset) };
  }

  /** The engine's state at the end of the run, before the harness winds it down. */
  async #finalState(): Promise<RunResult['final']> {
    await this.#settle();
    const status = await this.#cts.service.status(this.#id);
    return { state: status.state, lastError: status.lastError, position: status.positions.find((p) => p.symbol === this.#s.symbol)?.quantity ?? '0', status: status as unknown as Record<string, unknown> };
  }

  /**
   * What a user would do at the end: start a dead engine again (its start reconciles with the
   * exchange), then stop it with its orders cancelled; the stop's final sync fetches the last fills.
   * The ledger invariants read the state after that, so they hold CTS to its own reconciliation.
   */
  async #windDown(): Promise<void> {
    this.#i = this.#s.candles;
    if ((await this.#state()) !== 'running') {
      this.#log('user starts the engine again so that it reconciles');
      await this.#start();
    }
    try {
      const stopped = await this.#cts.service.stop(this.#id, { cancelOpenOrders: true });
      this.#log(`user stops the engine, cancelling its orders → ${stopped.state}${stopped.lastError ? ` (${stopped.lastError})` : ''}`);
    } catch (error) {
      this.#log(`user stop refused: ${(error as Error).message}`);
    }
    await this.#logEvents();
  }

  async #collect(final: RunResult['final']): Promise<RunResult> {
    await this.#windDown();
    const status = await this.#cts.service.status(this.#id);
    const venue = this.#sim.control.venue(this.#s.exchange);
    const spec = venue.market(this.#s.symbol);
    const { base, quote } = this.#balances();
    const result: RunResult = {
      scenario: this.#s,
      apiKey: this.#apiKey,
      steps: this.steps,
      trace: this.trace,
      emergencyStops: this.emergencyStops,
      starts: this.starts,
      duplicateLevels: this.duplicateLevels,
      final,
      afterStop: { state: status.state, position: status.positions.find((p) => p.symbol === this.#s.symbol)?.quantity ?? '0', status: status as unknown as Record<string, unknown> },
      exchange: {
        base: base.toFixed(),
        quote: quote.toFixed(),
        orders: this.#simOrders(),
        fills: venue
          .fills(this.#apiKey, { symbol: this.#s.symbol })
          .map((f) => ({ tradeId: String(f.tradeId), orderId: String(f.orderId), side: f.side, price: f.price, qty: f.qty, fee: f.fee, feeAsset: f.feeAsset })),
        step: spec?.stepSize ?? '0',
        minAmount: spec?.minQty ?? '0',
        minNotional: spec?.minNotional ?? '0',
      },
      stored: { orders: await this.#storedOrders(), fills: await this.#db.orders.listFills(this.#id), events: await this.#events() },
      closes: this.#path.closes(),
    };
    await this.#cts.service.shutdown();
    await this.#cts.gate.close();
    for (const dead of this.#abandoned) await dead.gate.close();
    await this.#db.store.close();
    return result;
  }
}
