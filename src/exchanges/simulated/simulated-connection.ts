import type { Clock } from '../../domain/clock.js';
import { NotImplementedError } from '../../domain/errors.js';
import type { Exchange } from '../exchange.port.js';
import type { SimulatedExchange } from './simulated-exchange.js';

/**
 * What a paper or replay connection's test and health probe talk to: the simulated account for
 * everything account-side, and for paper the real exchange's public data (which paper trading depends
 * on). The simulated venue has no clock of its own, so its server time is ours.
 */
export class SimulatedConnectionExchange implements Exchange {
  readonly id: string;
  readonly #account: SimulatedExchange;
  readonly #publicData: Exchange | null;
  readonly #clock: Clock;

  constructor(options: { account: SimulatedExchange; publicData: Exchange | null; clock: Clock }) {
    this.#account = options.account;
    this.#publicData = options.publicData;
    this.#clock = options.clock;
    this.id = options.account.id;
  }

  async fetchServerTime(): Promise<number> {
    return this.#publicData ? this.#publicData.fetchServerTime() : this.#clock.now();
  }

  loadMarkets: Exchange['loadMarkets'] = () => (this.#publicData ?? this.#account).loadMarkets();
  fetchTicker: Exchange['fetchTicker'] = (symbol) => (this.#publicData ?? this.#account).fetchTicker(symbol);
  fetchTickers: NonNullable<Exchange['fetchTickers']> = async (symbols) => {
    const source = this.#publicData ?? this.#account;
    if (!source.fetchTickers) throw new NotImplementedError(`${source.id} has no batched tickers`);
    return source.fetchTickers(symbols);
  };
  fetchCandles: Exchange['fetchCandles'] = (params) => (this.#publicData ?? this.#account).fetchCandles(params);
  fetchBalances: Exchange['fetchBalances'] = () => this.#account.fetchBalances();
  createOrder: Exchange['createOrder'] = (order) => this.#account.createOrder(order);
  cancelOrder: Exchange['cancelOrder'] = (params) => this.#account.cancelOrder(params);
  fetchOrder: Exchange['fetchOrder'] = (params) => this.#account.fetchOrder(params);
  fetchOpenOrders: Exchange['fetchOpenOrders'] = (symbol) => this.#account.fetchOpenOrders(symbol);
  fetchMyTrades: Exchange['fetchMyTrades'] = (params) => this.#account.fetchMyTrades(params);

  async close(): Promise<void> {
    await this.#account.close();
    await this.#publicData?.close();
  }
}
