import type { ManualClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { EngineService } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory } from '../../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { PriceEvent, PriceFeed } from '../../../src/exchanges/simulated/price-feed.js';
import type { Exchange, ExchangeOrder, Market, OrderRequest } from '../../../src/exchanges/exchange.port.js';
import type { Candle } from '../../../src/domain/candles.js';
import type { Fill } from '../../../src/domain/orders.js';
import { SimulatedExchange } from '../../../src/exchanges/simulated/simulated-exchange.js';
import { SqlEngineRepository, SqlEventLog } from '../../../src/store/engine.repository.js';
import { openStore, type Store } from '../../../src/store/database.js';
import { SqlOrderRepository } from '../../../src/store/order.repository.js';
import { makeTempDir } from '../../support/temp-system.js';

export const MARKET: Market = {
  symbol: 'XRP/USDT',
  id: 'XRPUSDT',
  base: 'XRP',
  quote: 'USDT',
  type: 'spot',
  active: true,
  amountStep: '1',
  priceStep: '0.0001',
  minAmount: '1',
  maxAmount: null,
  minCost: '5',
};

export function candle(time: number, close: string, range: { low?: string; high?: string; open?: string } = {}): Candle {
  return { time, open: range.open ?? close, high: range.high ?? close, low: range.low ?? close, close, volume: '1000' };
}

export function simulated(): SimulatedExchange {
  return new SimulatedExchange({ id: 'replay', markets: [MARKET], balances: { USDT: '10000' }, takerFeeRate: '0.001' });
}

export interface TestStore {
  store: Store;
  engines: SqlEngineRepository;
  orders: SqlOrderRepository;
  events: SqlEventLog;
}

export async function tempStore(): Promise<TestStore> {
  const store = await openStore({ dataDir: makeTempDir('cts-engine-') });
  return { store, engines: new SqlEngineRepository(store.db), orders: new SqlOrderRepository(store.db), events: new SqlEventLog(store.db) };
}

type Method = 'createOrder' | 'fetchOrder' | 'cancelOrder' | 'fetchOpenOrders' | 'fetchMyTrades' | 'fetchBalances';

interface Fault {
  method: Method;
  /** before: the request never reaches the exchange; after: it is processed and the answer is lost. */
  when: 'before' | 'after';
  error: Error;
}

/**
 * A test double of the EXCHANGE (never of our order manager): the real simulated exchange, with faults
 * injected around its calls the way a network or a 5xx would hit them, and a count of every call.
 */
export class FaultyExchange implements Exchange {
  readonly id: string;
  readonly calls: { method: string; args: unknown }[] = [];
  readonly #inner: Exchange;
  readonly #faults: Fault[] = [];
  /** Extra copies of every trade fetchMyTrades returns (exchanges repeat fills). */
  duplicateTrades = false;

  constructor(inner: Exchange) {
    this.#inner = inner;
    this.id = inner.id;
  }

  inject(method: Method, when: Fault['when'], error: Error): void {
    this.#faults.push({ method, when, error });
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async #call<T>(method: Method, args: unknown, run: () => Promise<T>): Promise<T> {
    this.calls.push({ method, args });
    const at = this.#faults.findIndex((f) => f.method === method);
    const fault = at >= 0 ? this.#faults.splice(at, 1)[0] : undefined;
    if (fault?.when === 'before') throw fault.error;
    const result = await run();
    if (fault) throw fault.error;
    return result;
  }

  fetchServerTime(): Promise<number> {
    return this.#inner.fetchServerTime();
  }
  loadMarkets(): Promise<Market[]> {
    return this.#inner.loadMarkets();
  }
  fetchBalances() {
    return this.#call('fetchBalances', null, () => this.#inner.fetchBalances());
  }
  fetchTicker(symbol: string) {
    return this.#inner.fetchTicker(symbol);
  }
  fetchCandles(params: { symbol: string; timeframe: string; since?: number; limit?: number }) {
    return this.#inner.fetchCandles(params);
  }
  timeframes(): readonly string[] | undefined {
    return this.#inner.timeframes?.();
  }
  createOrder(order: OrderRequest): Promise<ExchangeOrder> {
    return this.#call('createOrder', order, () => this.#inner.createOrder(order));
  }
  cancelOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder> {
    return this.#call('cancelOrder', params, () => this.#inner.cancelOrder(params));
  }
  fetchOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder> {
    return this.#call('fetchOrder', params, () => this.#inner.fetchOrder(params));
  }
  fetchOpenOrders(symbol?: string): Promise<ExchangeOrder[]> {
    return this.#call('fetchOpenOrders', symbol, () => this.#inner.fetchOpenOrders(symbol));
  }
  fetchMyTrades(params: { symbol: string; since?: number; limit?: number }): Promise<Fill[]> {
    return this.#call('fetchMyTrades', params, async () => {
      const trades = await this.#inner.fetchMyTrades(params);
      return this.duplicateTrades ? [...trades, ...trades] : trades;
    });
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

export function connectionView(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: 'demo',
    name: 'Demo',
    exchange: 'binance',
    marketTypes: ['spot'],
    mode: 'replay',
    enabled: true,
    status: 'untested',
    apiKey: null,
    hasApiSecret: false,
    hasPassphrase: false,
    rateLimitTier: null,
    lastTestAt: null,
    lastTestResult: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A feed whose next read fails with the queued errors first (a live feed's fetchCandles failing). */
export class FaultyFeed implements PriceFeed {
  readonly errors: Error[] = [];
  readonly #inner: PriceFeed;

  constructor(inner: PriceFeed) {
    this.#inner = inner;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    const error = this.errors.shift();
    if (error) throw error;
    return this.#inner.next(signal);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/**
 * An engine service over the bundled replay data on `db`, with the given connections (by id) and a
 * venue factory that refuses live exchanges: the setup shared by the replay-mode engine tests.
 */
export function replayEngineService(options: {
  db: TestStore;
  clock: ManualClock;
  connections: ReadonlyMap<string, ConnectionView>;
  replayCsvPath: string;
}): EngineService {
  const { db, clock, connections } = options;
  return new EngineService({
    connections: {
      get: async (id) => {
        const c = connections.get(id);
        if (!c) throw new NotFoundError(`No connection with id ${id}`);
        return c;
      },
      credentialsFor: async () => undefined,
    },
    strategies: new StrategyRegistry(),
    venues: createVenueFactory({ openExchange: () => Promise.reject(new Error('no live exchange in this test')), clock, replayCsvPath: options.replayCsvPath }),
    engines: db.engines,
    orders: db.orders,
    events: new EngineEventBus({ log: db.events }),
    clock,
    random: () => 0.5,
  });
}
