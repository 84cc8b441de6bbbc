import type { MarketCache } from './market-cache.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { InvalidResponseError, NotImplementedError, OrderNotFoundError, ValidationError } from '../../domain/errors.js';
import type { ExchangeId, MarketType } from '../../domain/exchange-ids.js';
import type {
  BalanceEntry,
  Candle,
  Exchange,
  ExchangeOrder,
  Fill,
  KeyPermissions,
  Market,
  MarketTicker,
  OrderRequest,
  Ticker,
} from '../exchange.port.js';
import { getProfile, isValidClientOrderId, type ExchangeProfile } from '../profiles/index.js';
import type { RequestGate } from '../request-gate.js';
import { toBalances } from './balances.js';
import { fetchBybitOrderByLinkId } from './bybit-order-lookup.js';
import { fetchCoinbaseOrderByClientId } from './coinbase-order-lookup.js';
import { cancelCoinbaseOrder, coinbaseOrderCall, isCoinbaseOrderNotFound, type OrderCall } from './coinbase-orders.js';
import { fetchKrakenOrderByClOrdId } from './kraken-order-lookup.js';
import { fetchGateOrderByText, shapeGateOrder, type ShapedOrder } from './gate-orders.js';
import { loadCcxt, type CcxtInstance, type CcxtModules } from './ccxt-classes.js';
import { assertUsableConnection, ccxtConfig, type CcxtConnection } from './ccxt-options.js';
import { guardSigning, translateCcxtError } from './error-translation.js';
import { fetchHtxOrderByClientId, installHtxOrders } from './htx-orders.js';
import { GatedFetch, scopedParams, type CallScope } from './gated-fetch.js';
import { balanceAccountsFor, routeSymbol, symbolLessRoutes, type Route } from './market-routing.js';
import { PERMISSION_READERS, type RawCall } from './permissions.js';
import {
  isCompleteOrder,
  ourMarketType,
  parseOrThrow,
  serverTimeSchema,
  toCandles,
  toFills,
  toMarkets,
  toMarketTickers,
  toOrder,
  toTicker,
  type OrderFallback,
} from './response-schemas.js';

export interface CcxtExchangeOptions {
  readonly connection: CcxtConnection;
  /** Every HTTP request passes through it (the rate limiter; `openGate` where limits do not matter). */
  readonly gate: RequestGate;
  /** From `loadCcxt()`; loaded on demand when absent. */
  readonly ccxt?: CcxtModules;
  readonly clock?: Clock;
  /** Markets shared with other adapters of the same exchange, mode and market types. */
  readonly marketCache?: MarketCache;
}

/** Builds the adapter for a stored live/testnet connection. Throws ValidationError for an unusable connection. */
export async function createCcxtExchange(options: CcxtExchangeOptions): Promise<CcxtExchange> {
  const modules = options.ccxt ?? (await loadCcxt());
  return new CcxtExchange(options, modules);
}

type OrderRef = { symbol: string; id?: string; clientOrderId?: string };

/** ccxt `params` carrying the running call's scope (lane, symbol) for the request gate; see gated-fetch.ts. */
type Tag = (params?: Record<string, unknown>) => Record<string, unknown>;

/** ccxt's order lookups take a positional id that may be absent when the client id is passed instead. */
const NO_ID = undefined as unknown as string;

/** ccxt parameters some exchanges need on every call of a method (documented in the profiles' quirks). */
const FETCH_ORDER_PARAMS: Partial<Record<ExchangeId, Record<string, unknown>>> = { bybit: { acknowledged: true } };

/** Where ccxt's own fetch-by-client-id cannot tell "no such order" apart (see bybit-order-lookup.ts). */
type ClientIdLookup = (ex: CcxtInstance, call: RawCall, symbol: string, clientOrderId: string) => Promise<unknown>;
const CLIENT_ID_LOOKUPS: Partial<Record<ExchangeId, ClientIdLookup>> = { bybit: fetchBybitOrderByLinkId, coinbase: fetchCoinbaseOrderByClientId, htx: fetchHtxOrderByClientId, kraken: fetchKrakenOrderByClOrdId, gate: fetchGateOrderByText };

/**
 * Where an order must be sent in another form than the engine's: base-sized market buys on exchanges
 * that size them in quote become protected IOC limits (see gate-orders.ts, coinbase-orders.ts).
 */
type OrderShaper = (ex: CcxtInstance, order: OrderRequest, params: Record<string, unknown>, tickerParams: Record<string, unknown>) => Promise<ShapedOrder>;
const ORDER_SHAPERS: Partial<Record<ExchangeId, OrderShaper>> = {
  gate: shapeGateOrder,
  coinbase: async (ex, order, params) => {
    const call: OrderCall | undefined = await coinbaseOrderCall(ex, order);
    if (call) return { type: call.type, price: call.price, params: { ...params, ...call.params } };
    return { type: order.type, price: order.price === undefined ? undefined : Number(order.price), params };
  },
};

/** Cancels by exchange id whose refusals ccxt cannot tell apart; they answer the id to read back. */
type CancelById = (call: RawCall, id: string) => Promise<string>;
const CANCELS_BY_ID: Partial<Record<ExchangeId, CancelById>> = { coinbase: cancelCoinbaseOrder };

/** Answers to a fetch by exchange id that mean "no such order" where ccxt does not raise OrderNotFound. */
const ORDER_NOT_FOUND_ANSWERS: Partial<Record<ExchangeId, (status: number, json: unknown) => boolean>> = { coinbase: isCoinbaseOrderNotFound };

/** Exchanges whose all-tickers call is sent the wanted pairs (see fetchTickers). */
const TICKERS_BY_PAIR: ReadonlySet<ExchangeId> = new Set(['kraken']);

/** Per-exchange wrappers installed on the ccxt instance (see htx-orders.ts). */
const INSTANCE_SETUP: Partial<Record<ExchangeId, (ex: CcxtInstance) => void>> = { htx: installHtxOrders };

/**
 * The one adapter from our `Exchange` port to ccxt. Every request goes through the gate, every ccxt
 * error is translated into ours, and every result is validated before it is returned.
 */
export class CcxtExchange implements Exchange {
  readonly id: ExchangeId;
  readonly #profile: ExchangeProfile;
  readonly #connection: CcxtConnection;
  readonly #modules: CcxtModules;
  readonly #clock: Clock;
  readonly #ccxt: CcxtInstance;
  readonly #hook: GatedFetch;
  readonly #marketCache: MarketCache | undefined;

  constructor(options: CcxtExchangeOptions, modules: CcxtModules) {
    const { connection } = options;
    this.#profile = getProfile(connection.exchange);
    assertUsableConnection(connection, this.#profile);
    this.id = connection.exchange;
    this.#connection = connection;
    this.#modules = modules;
    this.#clock = options.clock ?? systemClock;
    this.#ccxt = new modules.classes[connection.exchange](ccxtConfig(connection, this.#profile));
    Object.assign(this.#ccxt.has, this.#profile.loadMarkets.hasOverrides);
    guardSigning(this.#ccxt, modules.errors, this.#profile.displayName);
    INSTANCE_SETUP[connection.exchange]?.(this.#ccxt);
    if (connection.mode === 'testnet') this.#ccxt.setSandboxMode(true);
    this.#hook = new GatedFetch({ exchange: connection.exchange, accountKey: connection.id, gate: options.gate });
    this.#hook.install(this.#ccxt);
    this.#marketCache = options.marketCache;
    const cached = this.#marketCache?.get(connection);
    if (cached) this.#ccxt.setMarketsFromExchange(cached.source);
  }

  get profile(): ExchangeProfile {
    return this.#profile;
  }

  fetchServerTime(): Promise<number> {
    return this.#run({ lane: 'read' }, async (ex, tag) => parseOrThrow(serverTimeSchema, await ex.fetchTime(tag()), 'server time'));
  }

  loadMarkets(): Promise<Market[]> {
    return this.#run({ lane: 'read' }, async (ex) => toMarkets(await ex.loadMarkets(), this.#connection.marketTypes, this.#profile.marketTypes));
  }

  /** One fetchBalance per account the connection's market types live in (one for unified accounts). */
  fetchBalances(): Promise<BalanceEntry[]> {
    return this.#run({ lane: 'read' }, async (ex, tag) => {
      const entries: BalanceEntry[] = [];
      // Sequential: each account is a private call with its own weight; the gate paces them anyway.
      for (const account of balanceAccountsFor(this.#connection.marketTypes, this.#profile)) {
        entries.push(...toBalances(this.id, await ex.fetchBalance(tag({ ...account.params })), account));
      }
      return entries;
    });
  }

  /** Nulls where the exchange (or its testnet) does not report a permission. */
  async fetchPermissions(): Promise<KeyPermissions> {
    const probe = this.#profile.permissions;
    const reader = PERMISSION_READERS[this.id];
    const unknown: KeyPermissions = { canTrade: null, canWithdraw: null, ipRestricted: null };
    if (!probe.queryable || !reader || (probe.liveOnly && this.#connection.mode === 'testnet')) return unknown;
    const apiKey = this.#connection.credentials?.apiKey ?? '';
    return this.#run({ lane: 'read' }, (_ex, tag) => reader({ call: (method, params) => this.#rawCall(method, tag(params)), apiKey, marketTypes: this.#connection.marketTypes }));
  }

  fetchTicker(symbol: string): Promise<Ticker> {
    return this.#withMarkets({ lane: 'read', symbol }, async (ex, tag) => toTicker(await ex.fetchTicker(symbol, tag()), this.#clock.now()));
  }

  /**
   * One all-tickers request per market type the connection trades (one for spot), filtered here to
   * the connection's markets and `symbols`. Only Kraken is sent the pairs: its all-tickers answer
   * lists every pair it has (several hundred); the others answer all markets in one fixed-cost call.
   */
  fetchTickers(symbols?: readonly string[]): Promise<MarketTicker[]> {
    return this.#withMarkets({ lane: 'read' }, async (ex, tag) => {
      const wanted = symbols === undefined ? undefined : new Set(symbols.filter((s) => this.#isTradedMarket(ex, s)));
      if (wanted?.size === 0) return [];
      const pairs = TICKERS_BY_PAIR.has(this.id) && wanted ? [...wanted] : undefined;
      const bySymbol = new Map<string, MarketTicker>();
      // Margin trades the spot symbols and has no tickers of its own (ccxt's Binance refuses a margin fetchTickers).
      const types = [...new Set(this.#tradedTypes().map((t) => (t === 'margin' ? 'spot' : t)))];
      for (const params of symbolLessRoutes(types, this.#profile)) {
        for (const t of toMarketTickers(await ex.fetchTickers(pairs, tag({ ...params })), this.#clock.now())) {
          if ((wanted ? wanted.has(t.symbol) : this.#isTradedMarket(ex, t.symbol)) && !bySymbol.has(t.symbol)) bySymbol.set(t.symbol, t);
        }
      }
      // A market list without a single ticker is a broken answer (ccxt reads a wrong shape as "none").
      if (bySymbol.size === 0) throw new InvalidResponseError(`${this.#profile.displayName} answered no tickers for its listed markets`);
      return [...bySymbol.values()];
    });
  }

  fetchCandles(params: { symbol: string; timeframe: string; since?: number; limit?: number }): Promise<Candle[]> {
    return this.#withMarkets({ lane: 'read', symbol: params.symbol }, async (ex, tag) =>
      toCandles(await ex.fetchOHLCV(params.symbol, params.timeframe, params.since, params.limit, tag())),
    );
  }

  /** ccxt's `timeframes` of this exchange class: static, so checking a start sends nothing. */
  timeframes(): readonly string[] | undefined {
    const offered: unknown = this.#ccxt.timeframes;
    return typeof offered === 'object' && offered !== null ? Object.keys(offered) : undefined;
  }

  async createOrder(order: OrderRequest): Promise<ExchangeOrder> {
    if (!isValidClientOrderId(this.id, order.clientOrderId)) {
      throw new ValidationError(`Client order id "${order.clientOrderId}" does not fit ${this.#profile.displayName}'s format`, [
        { path: 'clientOrderId', message: `max ${this.#profile.clientOrderId.maxLength} chars matching ${this.#profile.clientOrderId.pattern}` },
      ]);
    }
    if (order.type === 'limit' && order.price === undefined) throw new ValidationError('A limit order needs a price', [{ path: 'price', message: 'required' }]);
    const fallback: OrderFallback = { ...order, status: 'open' };
    return this.#withMarkets({ lane: 'order', symbol: order.symbol }, async (ex, tag) => {
      const params = tag({ ...this.#route(ex, order.symbol).params, [this.#profile.clientOrderId.field]: order.clientOrderId });
      const price = order.price === undefined ? undefined : Number(order.price);
      const shaped = (await ORDER_SHAPERS[this.id]?.(ex, order, params, tag())) ?? { type: order.type, price, params };
      const raw = await ex.createOrder(order.symbol, shaped.type, order.side, Number(order.amount), shaped.price, shaped.params);
      // Terse acknowledgements (Bybit) are completed from what we sent: we know it exactly.
      return toOrder(raw, this.#clock.now(), fallback);
    });
  }

  cancelOrder(ref: OrderRef): Promise<ExchangeOrder> {
    return this.#withMarkets({ lane: 'order', symbol: ref.symbol }, async (ex, tag) => {
      const route = this.#route(ex, ref.symbol);
      const target = await this.#resolveRef(ex, tag, ref, this.#profile.clientOrderId.cancelByClientId, route);
      const cancelById = CANCELS_BY_ID[this.id];
      if (cancelById && target.id !== undefined) {
        const id = await cancelById((method, params) => this.#rawCall(method, tag(params)), target.id);
        return this.#fetchOrderRaw(ex, tag, { symbol: ref.symbol, id });
      }
      const raw = await ex.cancelOrder(target.id ?? NO_ID, ref.symbol, tag({ ...route.params, ...target.params }));
      if (isCompleteOrder(raw)) {
        const order = toOrder(raw, this.#clock.now(), { symbol: ref.symbol, status: 'canceled' });
        // Binance answers a cancel with the cancel request's own clientOrderId; ours is origClientOrderId.
        return { ...order, clientOrderId: originalClientId(raw) ?? ref.clientOrderId ?? order.clientOrderId };
      }
      // The ack carries only ids (Bybit): read the order back for its real state.
      const ackId = toOrderIdOrNull(raw) ?? target.id;
      return this.#fetchOrderRaw(ex, tag, { symbol: ref.symbol, ...(ackId ? { id: ackId } : { clientOrderId: ref.clientOrderId }) });
    });
  }

  fetchOrder(ref: OrderRef): Promise<ExchangeOrder> {
    return this.#withMarkets({ lane: 'read', symbol: ref.symbol }, (ex, tag) => this.#fetchOrderRaw(ex, tag, ref));
  }

  /** With a symbol: that market's orders. Without: every market type the connection trades, one call each. */
  fetchOpenOrders(symbol?: string): Promise<ExchangeOrder[]> {
    const scope: CallScope = symbol === undefined ? { lane: 'read' } : { lane: 'read', symbol };
    return this.#withMarkets(scope, async (ex, tag) => {
      const routes = symbol === undefined ? symbolLessRoutes(this.#connection.marketTypes, this.#profile) : [this.#route(ex, symbol).params];
      const orders: ExchangeOrder[] = [];
      for (const params of routes) orders.push(...this.#toOpenOrders(await ex.fetchOpenOrders(symbol, undefined, undefined, tag({ ...params }))));
      return orders;
    });
  }

  fetchMyTrades(params: { symbol: string; since?: number; limit?: number }): Promise<Fill[]> {
    return this.#withMarkets({ lane: 'read', symbol: params.symbol }, async (ex, tag) =>
      toFills(await ex.fetchMyTrades(params.symbol, params.since, params.limit, tag({ ...this.#route(ex, params.symbol).params }))),
    );
  }

  async close(): Promise<void> {
    await this.#ccxt.close();
  }

  async #fetchOrderRaw(ex: CcxtInstance, tag: Tag, ref: OrderRef): Promise<ExchangeOrder> {
    const route = this.#route(ex, ref.symbol);
    const lookup = CLIENT_ID_LOOKUPS[this.id];
    if (ref.id === undefined && ref.clientOrderId !== undefined && lookup) {
      const raw = await lookup(ex, (method, params) => this.#rawCall(method, tag(params)), ref.symbol, ref.clientOrderId);
      return toOrder(raw, this.#clock.now(), { symbol: ref.symbol });
    }
    const target = await this.#resolveRef(ex, tag, ref, this.#profile.clientOrderId.fetchByClientId, route);
    const extra = FETCH_ORDER_PARAMS[this.id] ?? {};
    let raw: unknown;
    try {
      raw = await ex.fetchOrder(target.id ?? NO_ID, ref.symbol, tag({ ...extra, ...route.params, ...target.params }));
    } catch (error) {
      const failure = this.#hook.failureOf(error);
      const notFound = ORDER_NOT_FOUND_ANSWERS[this.id];
      if (failure && notFound?.(failure.feedback.status, failure.json)) throw new OrderNotFoundError(`${this.#profile.displayName}: no order ${target.id ?? ''}`, { cause: error });
      throw error;
    }
    return toOrder(raw, this.#clock.now(), { symbol: ref.symbol });
  }

  /** Whether ccxt lists `symbol` as a market of a type this connection trades. */
  #isTradedMarket(ex: CcxtInstance, symbol: string): boolean {
    const markets: unknown = ex.markets;
    if (typeof markets !== 'object' || markets === null || !(symbol in markets)) return false;
    const market = ex.market(symbol);
    return ourMarketType(market.type ?? '', market.margin ?? false, this.#tradedTypes(), this.#profile.marketTypes) !== undefined;
  }

  /** A connection that lists no market type trades every type the exchange offers. */
  #tradedTypes(): readonly MarketType[] {
    return this.#connection.marketTypes.length > 0 ? this.#connection.marketTypes : this.#profile.marketTypes;
  }

  #route(ex: CcxtInstance, symbol: string): Route {
    return routeSymbol(ex, symbol, this.#connection.marketTypes, this.#profile);
  }

  #toOpenOrders(raw: unknown): ExchangeOrder[] {
    if (!Array.isArray(raw)) return [toOrder(raw, this.#clock.now())];
    return raw.map((o: unknown) => toOrder(o, this.#clock.now(), { status: 'open' }));
  }

  /**
   * By exchange id when given; by client id natively where ccxt supports it; otherwise the client id is
   * looked up among open orders (documented per exchange in the profile).
   */
  async #resolveRef(ex: CcxtInstance, tag: Tag, ref: OrderRef, nativeClientId: boolean, route: Route): Promise<{ id?: string; params: Record<string, unknown> }> {
    if (ref.id !== undefined) return { id: ref.id, params: {} };
    if (ref.clientOrderId === undefined) throw new ValidationError('Give the order id or the client order id', [{ path: 'id', message: 'required' }]);
    if (nativeClientId) return { params: { [this.#profile.clientOrderId.lookupParam]: ref.clientOrderId } };
    const open = this.#toOpenOrders(await ex.fetchOpenOrders(ref.symbol, undefined, undefined, tag({ ...route.params })));
    const match = open.find((o) => o.clientOrderId === ref.clientOrderId);
    if (!match) throw new OrderNotFoundError(`${this.#profile.displayName}: no open order with client id ${ref.clientOrderId}`);
    return { id: match.id, params: {} };
  }

  async #rawCall(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const fn: unknown = (this.#ccxt as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new NotImplementedError(`ccxt ${this.id} has no method ${method}`);
    return (fn as (p: Record<string, unknown>) => Promise<unknown>).call(this.#ccxt, params);
  }

  /** Markets are loaded (once, in the read lane) before symbol calls, so they never hold up the order lane. */
  async #withMarkets<T>(scope: CallScope, fn: (ex: CcxtInstance, tag: Tag) => Promise<T>): Promise<T> {
    await this.#run({ lane: 'read' }, (ex) => ex.loadMarkets());
    return this.#run(scope, fn);
  }

  /** Runs `fn` against the ccxt instance; `tag` labels the `params` of each ccxt call with `scope`. */
  /** Once ccxt has loaded markets (it does so lazily inside any call), other instances may reuse them. */
  #shareMarkets(): void {
    const cache = this.#marketCache;
    const markets: unknown = this.#ccxt.markets;
    if (!cache || typeof markets !== 'object' || markets === null || Object.keys(markets).length === 0) return;
    if (!cache.get(this.#connection)) cache.set(this.#connection, this.#ccxt);
  }

  async #run<T>(scope: CallScope, fn: (ex: CcxtInstance, tag: Tag) => Promise<T>): Promise<T> {
    try {
      const result = await fn(this.#ccxt, (params) => scopedParams(scope, params));
      this.#shareMarkets();
      return result;
    } catch (error) {
      const failure = this.#hook.failureOf(error);
      throw translateCcxtError(error, {
        profile: this.#profile,
        errors: this.#modules.errors,
        feedback: failure?.feedback,
        json: failure?.json,
        lane: scope.lane,
        now: this.#clock.now(),
      });
    }
  }
}

function toOrderIdOrNull(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return undefined;
  const id = raw.id;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}

function originalClientId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('info' in raw)) return undefined;
  const info = raw.info;
  if (typeof info !== 'object' || info === null || !('origClientOrderId' in info)) return undefined;
  return typeof info.origClientOrderId === 'string' && info.origClientOrderId !== '' ? info.origClientOrderId : undefined;
}
