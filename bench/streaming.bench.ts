import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { binanceHandler } from '../simulator/exchanges/binance.js';
import { startSimulator, type RunningSimulator } from '../simulator/server.js';
import type { ExchangeHandler } from '../simulator/types.js';
import { systemClock } from '../src/domain/clock.js';
import type { ConnectionView } from '../src/domain/connection.js';
import { NotFoundError } from '../src/domain/errors.js';
import { EngineService } from '../src/engine/engine.service.js';
import { EngineEventBus } from '../src/engine/events/event-bus.js';
import type { OrderStore } from '../src/engine/runtime/ports.js';
import { createVenueFactory } from '../src/engine/runtime/venue.js';
import { dca } from '../src/engine/strategies/dca.js';
import { StrategyRegistry } from '../src/engine/strategies/registry.js';
import type { StrategyDefinition } from '../src/engine/strategy.js';
import { loadCcxt, type CcxtModules } from '../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../src/exchanges/ccxt/ccxt-exchange.js';
import { createExchangeGate } from '../src/exchanges/exchange-gate.js';
import type { RequestGate } from '../src/ratelimit/request-gate.js';
import { openStore, type Store } from '../src/store/database.js';
import { SqlEngineRepository, SqlEventLog } from '../src/store/engine.repository.js';
import { SqlOrderRepository } from '../src/store/order.repository.js';
import { percentile, ROOT, type BenchRow } from './support.js';

/**
 * Streaming vs polling on a live engine: a real loopback simulator (Binance spot, REST and
 * websocket) and a real live engine service trading through unmodified ccxt / ccxt pro and the
 * production rate limiter, run once with candles over the websocket and once polling REST.
 *
 * Candles are 1 s long (`1s`, the shortest timeframe Binance and the engine accept) on a wall-clock
 * simulator (`wallClockMs`): candle times are real times, the simulator closes each candle at its
 * boundary, and the engine's system clock agrees that the candle closed there. Nothing is scaled or
 * simulated in the timing, so every latency is real milliseconds on this machine, and N closes take N
 * seconds. What does depend on the timeframe is the polling period, max(1 s, timeframe / 10): on 1 s
 * candles polling runs at its 1 s floor; on 1m candles it would poll every 6 s and lag up to that.
 *
 * Measured per candle: its close (the boundary) → the strategy's onCandle; the strategy's intent →
 * the order request in the simulator's request log; the fill in the simulator's matching engine →
 * the engine storing the order as filled and storing its trade. The strategy buys every candle
 * (dca, intervalCandles 1), so the REST count includes a trading bot's own requests, not only candles.
 *
 * Clocks: every timestamp is `Date.now()` in this one process (the simulator's request log stamps
 * requests with it), so the figures are whole milliseconds.
 */

const CANDLE_MS = 1_000;
const TIMEFRAME = '1s';
const SYMBOL = 'BTC/USDT';
const CLOSES = Number(process.env.BENCH_STREAM_CLOSES ?? 40);
/** Candles handed on before measuring: the feed's first candle comes from REST at start, whatever the mode. */
const SETTLE_CANDLES = 3;

type Mode = 'streaming' | 'polling';

interface Probe {
  /** Candle open time → when the strategy saw it. */
  seen: Map<number, number>;
  /** Candle open time → when the strategy returned its order intent. */
  intents: Map<number, number>;
}

interface Weighed {
  at: number;
  path: string;
  weight: number;
}

interface ModeResult {
  mode: Mode;
  closeToStrategy: number[];
  intentToRequest: number[];
  /** Fill at the simulator → the order stored as closed (from the create's own answer). */
  fillToClosed: number[];
  /** Fill at the simulator → its trade stored (streaming: the order stream pushes it; polling: read at the next tick). */
  fillToTrade: number[];
  /** Simulator step after the candle boundary (its timer); meaningful where a socket keeps the timer running. */
  stepLag: number[];
  minutes: number;
  byPath: Record<string, number>;
  requests: number;
  klineRequests: number;
  weight: number;
  klineWeight: number;
  candlesMissed: number;
}

/** Binance's REST weight of each answered request, from the simulator's own X-MBX-USED-WEIGHT-1M counter. */
function weighedBinance(log: Weighed[]): ExchangeHandler {
  let window = -1;
  let used = 0;
  return {
    ...binanceHandler,
    handle: async (req, ctx) => {
      const answer = await binanceHandler.handle(req, ctx);
      const header = answer?.headers?.['X-MBX-USED-WEIGHT-1M'];
      if (header !== undefined) {
        const now = ctx.exchangeNow();
        const minute = Math.floor(now / 60_000);
        const total = Number(header);
        // The counter is per minute window: within one it grows by each request's weight.
        log.push({ at: now, path: req.url.pathname, weight: minute === window ? total - used : total });
        window = minute;
        used = total;
      }
      return answer;
    },
  };
}

function connection(id: string): ConnectionView {
  return {
    id,
    name: id,
    exchange: 'binance',
    marketTypes: ['spot'],
    mode: 'live',
    enabled: true,
    status: 'ok',
    apiKey: null,
    hasApiSecret: true,
    hasPassphrase: false,
    rateLimitTier: null,
    lastTestAt: '2026-01-01T00:00:00.000Z',
    lastTestResult: {
      outcome: 'ok',
      summary: 'ok',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 5,
      simulated: false,
      steps: [{ name: 'reachability', outcome: 'ok', durationMs: 5, message: 'ok' }],
    },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** dca, with the moment it sees each candle and returns its order taken. */
function timedDca(probe: () => Probe): StrategyDefinition {
  return {
    ...dca,
    create: (input) => {
      const inner = dca.create(input);
      const p = probe();
      return {
        warmup: inner.warmup,
        onCandle: (snapshot) => {
          const open = snapshot.candles.time(snapshot.candles.last);
          p.seen.set(open, Date.now());
          const intents = inner.onCandle(snapshot);
          if (intents.length > 0) p.intents.set(open, Date.now());
          return intents;
        },
      };
    },
  };
}

/** The order store, noting when the engine has stored each order's fill and its closed status. */
function timedOrders(inner: SqlOrderRepository, recorded: Map<string, { fill?: number; closed?: number }>): OrderStore {
  const note = (orderId: string | null | undefined, what: 'fill' | 'closed'): void => {
    if (!orderId) return;
    recorded.set(orderId, { ...recorded.get(orderId), [what]: Date.now() });
  };
  return {
    insertOrder: async (order) => {
      await inner.insertOrder(order);
      if (order.status === 'closed') note(order.exchangeOrderId, 'closed');
    },
    updateOrder: async (order) => {
      await inner.updateOrder(order);
      if (order.status === 'closed') note(order.exchangeOrderId, 'closed');
    },
    findOrder: (id) => inner.findOrder(id),
    findByExchangeId: (c, id) => inner.findByExchangeId(c, id),
    listOrders: (engineId, options) => inner.listOrders(engineId, options),
    insertFill: async (fill) => {
      const stored = await inner.insertFill(fill);
      note(fill.orderId, 'fill');
      return stored;
    },
    listFills: (engineId, options) => inner.listFills(engineId, options),
    insertFunding: (payment) => inner.insertFunding(payment),
    listFunding: (engineId) => inner.listFunding(engineId),
  };
}

interface Lab {
  sim: RunningSimulator;
  ccxt: CcxtModules;
  gate: RequestGate;
  store: Store;
  weights: Weighed[];
  stepAt: Map<number, number>;
  /** Client order id → the exchange order id and when the matching engine filled it. */
  fillAt: Map<string, { orderId: string; at: number }>;
}

async function runMode(lab: Lab, mode: Mode, credentials: { apiKey: string; apiSecret: string }): Promise<ModeResult> {
  const id = `bench-${mode}`;
  const probe: Probe = { seen: new Map(), intents: new Map() };
  const recorded = new Map<string, { fill?: number; closed?: number }>();
  const view = connection(id);
  const service = new EngineService({
    connections: {
      get: async (wanted) => {
        if (wanted !== id) throw new NotFoundError(`No connection with id ${wanted}`);
        return view;
      },
      credentialsFor: async () => credentials,
    },
    strategies: new StrategyRegistry([timedDca(() => probe)]),
    venues: createVenueFactory({
      clock: systemClock,
      replayCsvPath: path.join(ROOT, 'data/XRP_USDT_USDT-1h-futures.csv'),
      streams: mode === 'streaming',
      openExchange: async (c, creds) =>
        createCcxtExchange({
          ccxt: lab.ccxt,
          gate: lab.gate,
          clock: systemClock,
          connection: { id: c.id, exchange: c.exchange, mode: 'live', credentials: creds ?? null, marketTypes: ['spot'], proxyUrl: lab.sim.url, timeoutMs: 5_000 },
        }),
    }),
    engines: new SqlEngineRepository(lab.store.db),
    orders: timedOrders(new SqlOrderRepository(lab.store.db), recorded),
    events: new EngineEventBus({ log: new SqlEventLog(lab.store.db) }),
    clock: systemClock,
  });
  try {
    const started = await service.start({
      connectionId: id,
      engineId: id,
      strategy: 'dca',
      params: { intervalCandles: 1, amountQuote: '10' },
      symbol: SYMBOL,
      timeframe: TIMEFRAME,
      options: { resumeOnRestart: false },
    });
    if (started.state !== 'running') throw new Error(`${mode} engine did not start: ${JSON.stringify(started.lastError)}`);
    const settle = await waitFor(() => probe.seen.size >= SETTLE_CANDLES, 20_000);
    if (!settle) throw new Error(`${mode} engine saw ${probe.seen.size} candles in 20 s`);
    const from = Date.now();
    // The measured closes: the next CLOSES candle boundaries, each after `from`.
    const first = Math.ceil(from / CANDLE_MS) * CANDLE_MS;
    const opens = Array.from({ length: CLOSES }, (_, i) => first + i * CANDLE_MS - CANDLE_MS);
    // Until the candle after the last one is seen: the engine stores a fill's trade at its next tick.
    const after = first + (CLOSES - 1) * CANDLE_MS;
    await waitFor(() => probe.seen.has(after), (CLOSES + 1) * CANDLE_MS + 15_000);
    await new Promise((r) => setTimeout(r, 300));
    const to = Date.now();
    const status = await service.status(id);
    if (mode === 'streaming' && status.feed?.mode !== 'stream') throw new Error(`streaming engine ended on ${JSON.stringify(status.feed)}`);

    const closeToStrategy = opens.flatMap((o) => {
      const seen = probe.seen.get(o);
      return seen === undefined ? [] : [seen - (o + CANDLE_MS)];
    });
    const stepLag = opens.flatMap((o) => {
      const step = lab.stepAt.get(o);
      return step === undefined ? [] : [step - (o + CANDLE_MS)];
    });
    const posts = lab.sim.control
      .requests({ exchange: 'binance' })
      .filter((r) => r.method === 'POST' && r.path === '/api/v3/order' && r.receivedAt >= from)
      .sort((a, b) => a.receivedAt - b.receivedAt);
    const intentToRequest: number[] = [];
    const fillToClosed: number[] = [];
    const fillToTrade: number[] = [];
    for (const o of opens) {
      const intentAt = probe.intents.get(o);
      if (intentAt === undefined) continue;
      const post = posts.find((r) => r.receivedAt >= intentAt);
      if (!post) continue;
      intentToRequest.push(post.receivedAt - intentAt);
      const fill = lab.fillAt.get(post.params['newClientOrderId'] ?? '');
      if (!fill) continue;
      const done = recorded.get(fill.orderId);
      if (done?.closed !== undefined) fillToClosed.push(done.closed - fill.at);
      if (done?.fill !== undefined) fillToTrade.push(done.fill - fill.at);
    }
    const rest = lab.sim.control.requests({ exchange: 'binance' }).filter((r) => r.receivedAt >= from && r.receivedAt <= to);
    const minutes = (to - from) / 60_000;
    return {
      mode,
      closeToStrategy,
      intentToRequest,
      fillToClosed,
      fillToTrade,
      stepLag,
      byPath: countBy(rest.map((r) => `${r.method} ${r.path}`)),
      minutes,
      requests: rest.length,
      klineRequests: rest.filter((r) => r.path === '/api/v3/klines').length,
      weight: sum(lab.weights.filter((w) => w.at >= from && w.at <= to)),
      klineWeight: sum(lab.weights.filter((w) => w.at >= from && w.at <= to && w.path === '/api/v3/klines')),
      candlesMissed: CLOSES - closeToStrategy.length,
    };
  } finally {
    await service.shutdown();
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

function sum(weighed: Weighed[]): number {
  return weighed.reduce((total, w) => total + w.weight, 0);
}

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function spread(values: number[]): string {
  if (values.length === 0) return 'no samples';
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50)} / p99 ${percentile(sorted, 99)} / max ${sorted.at(-1) ?? NaN} ms`;
}

export async function benchStreaming(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-bench-stream-'));
  const weights: Weighed[] = [];
  const limits = createExchangeGate({ clock: systemClock });
  const sim = await startSimulator({ wallClockMs: CANDLE_MS, handlers: [weighedBinance(weights)] });
  const stepAt = new Map<number, number>();
  const fillAt = new Map<string, { orderId: string; at: number }>();
  sim.control.onStep((moves) => {
    const move = moves.find((m) => m.symbol === SYMBOL);
    if (move) stepAt.set(move.closed.openTime, Date.now());
  });
  // By client order id (what the request log shows), with the exchange id the engine's fills carry.
  sim.control.onVenueEvent((exchange, event) => {
    if (exchange === 'binance' && event.fills.length > 0 && !fillAt.has(event.order.clientOrderId)) {
      fillAt.set(event.order.clientOrderId, { orderId: String(event.order.orderId), at: Date.now() });
    }
  });
  const store = await openStore({ dataDir });
  const apiKey = 'ctsbenchstreamkey';
  const apiSecret = 'ctsbenchstreamsecret0123456789abcdef';
  sim.control.addAccount('binance', { apiKey, secret: apiSecret, balances: { USDT: '100000' } });
  const lab: Lab = { sim, ccxt: await loadCcxt(), gate: limits.gate, store, weights, stepAt, fillAt };
  const results: ModeResult[] = [];
  try {
    for (const mode of ['streaming', 'polling'] as const) {
      process.stderr.write(`  ${mode}: ${CLOSES} closes of ${TIMEFRAME} candles…\n`);
      results.push(await runMode(lab, mode, { apiKey, apiSecret }));
    }
  } finally {
    await store.close();
    await sim.close();
    await limits.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const r of results) process.stderr.write(`  ${r.mode} REST per ${r.minutes.toFixed(2)} min: ${JSON.stringify(r.byPath)}\n`);
  const rows: BenchRow[] = [];
  const group = 'streaming';
  const each = (measure: string, note: (r: ModeResult) => string, value: (r: ModeResult) => string): void => {
    for (const r of results) rows.push({ group, name: `${r.mode}: ${measure}`, note: note(r), value: value(r) });
  };
  const perMinute = (n: number, r: ModeResult): string => `${(n / r.minutes).toFixed(0)}/min`;
  each('candle close at the simulator → the strategy sees it', (r) => `${r.closeToStrategy.length} closes of ${TIMEFRAME} candles${r.candlesMissed > 0 ? `, ${r.candlesMissed} not seen in time` : ''}`, (r) => spread(r.closeToStrategy));
  each('intent → the order request at the simulator', (r) => `${r.intentToRequest.length} market orders, production rate limiter`, (r) => spread(r.intentToRequest));
  each('fill at the simulator → order stored as filled', (r) => `${r.fillToClosed.length} fills, from the create's own answer`, (r) => spread(r.fillToClosed));
  each('fill at the simulator → its trade stored', (r) => `${r.fillToTrade.length} fills; streaming: pushed by the order stream; polling: read at the next tick, here the next candle`, (r) => spread(r.fillToTrade));
  each('REST requests and weight', (r) => `klines: ${perMinute(r.klineRequests, r)}, weight ${perMinute(r.klineWeight, r)}; the rest is the order, account and trades of a buy every candle`, (r) => `${perMinute(r.requests, r)}, weight ${perMinute(r.weight, r)}`);
  const streaming = results.find((r) => r.mode === 'streaming');
  const polling = results.find((r) => r.mode === 'polling');
  if (streaming && polling) {
    rows.push({ group, name: 'candle weight streaming saves', note: `Binance spot, ${TIMEFRAME} candles; polling runs at its 1 s floor`, value: `${(polling.klineWeight / polling.minutes - streaming.klineWeight / streaming.minutes).toFixed(0)}/min of 6000` });
    rows.push({ group, name: 'simulator: its step after the candle boundary', note: 'the websocket timer, streaming run', value: spread(streaming.stepLag) });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchStreaming());
}
