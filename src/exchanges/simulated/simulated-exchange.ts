import { ValidationError } from '../../domain/errors.js';
import { CandleSeries, type Candle } from '../../domain/candles.js';
import type { BalanceEntry, Exchange, ExchangeOrder, Market, MarketTicker, OrderRequest, Ticker } from '../exchange.port.js';
import type { Fill, OrderTrigger } from '../../domain/orders.js';
import { tickerFromCandles } from './candle-ticker.js';
import { FillSimulator, type FillSimulatorOptions } from './fill-simulator.js';
import type { PriceEvent } from './price-feed.js';

/**
 * The `Exchange` port for paper and replay connections: the fill simulator plus the candles seen so
 * far. It never reads ahead of the feed: `fetchCandles` and `fetchTicker` answer from what `ingest`
 * delivered. Same port as the live adapter, so the engine has no `if (paper)` branch.
 */
export interface SimulatedExchangeOptions extends FillSimulatorOptions {
  /** Reported by `id` (e.g. `paper:binance`, `replay`). */
  id: string;
  /**
   * The timeframes of the candles it is fed: a replay file's own, or in paper mode those of the real
   * exchange whose public candles it trades on. Absent: not known, any is accepted.
   */
  timeframes?: readonly string[];
}

const TRIGGER_KINDS: readonly OrderTrigger['kind'][] = Object.freeze(['stop-loss', 'take-profit']);

export class SimulatedExchange implements Exchange {
  readonly id: string;
  readonly simulator: FillSimulator;
  readonly #history = new Map<string, CandleSeries>();
  readonly #timeframes: readonly string[] | undefined;
  #closed = false;

  constructor(options: SimulatedExchangeOptions) {
    this.id = options.id;
    this.#timeframes = options.timeframes;
    this.simulator = new FillSimulator(options);
  }

  /** Feeds one closed candle: records it, then fills orders placed before it. Returns the fills. */
  ingest(event: PriceEvent): readonly Fill[] {
    this.#assertOpen();
    const series = this.#series(event.symbol);
    series.append(event.candle);
    const i = series.length - 1;
    this.beforeFills(event.symbol, series, i);
    const fills = this.simulator.onCandle(event.symbol, series, i);
    this.afterFills(event.symbol, series, i);
    return fills;
  }

  /** A derivatives account's step at candle i before its orders are matched (funding settles); nothing on spot. */
  protected beforeFills(_symbol: string, _series: CandleSeries, _i: number): void {}

  /** A derivatives account's step at candle i after its fills (the liquidation check); nothing on spot. */
  protected afterFills(_symbol: string, _series: CandleSeries, _i: number): void {}

  /** A trade or ticker price between candles (paper mode): resting orders and stops fill on it. */
  ingestPrice(symbol: string, price: string, time: number): readonly Fill[] {
    this.#assertOpen();
    return this.simulator.onPrice(symbol, price, time);
  }

  /** Candles ingested so far for a symbol (empty when none). */
  history(symbol: string): CandleSeries {
    return this.#series(symbol);
  }

  async fetchServerTime(): Promise<number> {
    return this.simulator.time;
  }

  async loadMarkets(): Promise<Market[]> {
    return this.simulator.markets;
  }

  async fetchBalances(): Promise<BalanceEntry[]> {
    return this.simulator.account.balances();
  }

  async fetchTicker(symbol: string): Promise<Ticker> {
    this.simulator.market(symbol);
    const series = this.#history.get(symbol);
    if (!series || series.length === 0) throw new ValidationError(`No prices for ${symbol} yet`);
    const last = series.length - 1;
    return { symbol, timestamp: series.time(last), bid: null, ask: null, last: series.text('close', last) };
  }

  /** From the candles ingested so far, like fetchTicker: markets without candles yet are left out. */
  async fetchTickers(symbols?: readonly string[]): Promise<MarketTicker[]> {
    const listed = new Set(this.simulator.markets.map((m) => m.symbol));
    const wanted = symbols === undefined ? [...this.#history.keys()] : symbols.filter((s) => listed.has(s));
    const out: MarketTicker[] = [];
    for (const symbol of wanted) {
      const series = this.#history.get(symbol);
      const ticker = series ? tickerFromCandles(symbol, series) : null;
      if (ticker) out.push(ticker);
    }
    return out;
  }

  timeframes(): readonly string[] | undefined {
    return this.#timeframes;
  }

  async fetchCandles(params: { symbol: string; timeframe: string; since?: number; limit?: number }): Promise<Candle[]> {
    const series = this.#history.get(params.symbol);
    if (!series) return [];
    // Like exchanges: from `since` onwards (at most `limit`), otherwise the latest `limit` candles.
    const limit = params.limit ?? series.length;
    const from = params.since === undefined ? Math.max(0, series.length - limit) : firstAtOrAfter(series, params.since);
    const out: Candle[] = [];
    for (let i = from; i < series.length && out.length < limit; i++) out.push(series.candle(i));
    return out;
  }

  /** The simulated account rests stop-losses and take-profits alike (fill-simulator.ts). */
  triggerOrderKinds(): readonly OrderTrigger['kind'][] {
    return TRIGGER_KINDS;
  }

  async createOrder(order: OrderRequest): Promise<ExchangeOrder> {
    this.#assertOpen();
    return this.simulator.placeOrder(order);
  }

  async cancelOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder> {
    this.#assertOpen();
    return this.simulator.cancelOrder(params);
  }

  async fetchOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder> {
    return this.simulator.fetchOrder(params);
  }

  async fetchOpenOrders(symbol?: string): Promise<ExchangeOrder[]> {
    return this.simulator.openOrders(symbol);
  }

  async fetchMyTrades(params: { symbol: string; since?: number; limit?: number }): Promise<Fill[]> {
    return this.simulator.trades(params);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #series(symbol: string): CandleSeries {
    this.simulator.market(symbol);
    let series = this.#history.get(symbol);
    if (!series) this.#history.set(symbol, (series = new CandleSeries()));
    return series;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ValidationError(`Simulated exchange ${this.id} is closed`);
  }
}

/** Index of the first candle at or after `time` (binary search: times are strictly increasing). */
function firstAtOrAfter(series: CandleSeries, time: number): number {
  let lo = 0;
  let hi = series.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series.time(mid) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
