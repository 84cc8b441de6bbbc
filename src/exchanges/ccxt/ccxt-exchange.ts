import type { MarketCache } from './market-cache.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { InvalidResponseError, NotImplementedError, OrderNotFoundError, ValidationError } from '../../domain/errors.js';
import type { ExchangeId, MarketType } from '../../domain/exchange-ids.js';
import type { AccountStream, BalanceEntry, CandleStream, DerivativesSettings, DerivativesSetup, Exchange, ExchangePosition, ExchangeOrder, KeyPermissions, Market, MarketTicker, OrderRequest, Ticker } from '../exchange.port.js';
import type { Candle } from '../../domain/candles.js';
import type { Fill, OrderTrigger } from '../../domain/orders.js';
import { CcxtStreams } from './ccxt-streams.js';
import { DERIVATIVES_VERIFIED, configureDerivatives, ordersNameMarginMode } from './derivatives-settings.js';
import { FORCED_TRADE_SOURCES, liquidationOrderIds, toPosition, tradesOfSubtypes, withClearanceFees } from './positions.js';
import { fundingSupported, fundingWindowParams, toFundingPayments } from './funding.js';
import { baseToContracts, inBase } from './contracts.js';
import type { FundingPayment } from '../../domain/funding.js';
import { getProfile, isValidClientOrderId, type ExchangeProfile } from '../profiles/index.js';
import type { RequestGate } from '../../ratelimit/request-gate.js';
import { toBalances } from './balances.js';
import { loadCcxt, type CcxtInstance, type CcxtModules } from './ccxt-classes.js';
import { assertUsableConnection, ccxtConfig, type CcxtConnection } from './ccxt-options.js';
import { guardSigning, translateCcxtError } from './error-translation.js';
import { GatedFetch, scopedParams, type CallScope } from './gated-fetch.js';
import { balanceAccountsFor, routeSymbol, symbolLessRoutes, type Route } from './market-routing.js';
import { PERMISSION_READERS } from './permissions.js';
import { algoParentOf, firedAlgoOrderId, stopCalls } from './stop-orders.js';
import { VENUE_QUIRKS, type VenueQuirks } from './venue-quirks.js';
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
/** Bybit's trade history answers at most 7 days a request. */
const FUNDING_WINDOW_MS = 7 * 24 * 3_600_000;
/** Bybit's page size (ccxt's `size` is not Bybit's `limit`, so the default 50 is what comes back). */
const FUNDING_PAGE = 50;
/** A call reads at most this many pages; the next call goes on from the last payment booked. */
const FUNDING_PAGES = 20;

/**
 * The one adapter from our `Exchange` port to ccxt. Every request goes through the gate, every ccxt
 * error is translated into ours, and every result is validated before it is returned.
 */
export class CcxtExchange implements Exchange {
  readonly id: ExchangeId;
  readonly #profile: ExchangeProfile;
  readonly #quirks: VenueQuirks;
  readonly #connection: CcxtConnection;
  readonly #modules: CcxtModules;
  readonly #clock: Clock;
  readonly #ccxt: CcxtInstance;
  readonly #hook: GatedFetch;
  readonly #marketCache: MarketCache | undefined;
  readonly #streams: CcxtStreams;
  /** Ids of stop orders this adapter placed, listed or read: where stops are kept apart, their calls try the stop params first. */
  readonly #stopIds = new Set<string>();
  /** OKX: the plain order a fired algo order placed (its ordId) → that algo order, whose id and client id are our stop's. */
  readonly #algoOfOrder = new Map<string, { id: string; clientOrderId: string | null }>();
  /** Per derivatives pair, the margin mode configureDerivatives read back, where each order names it (OKX `tdMode`). */
  readonly #marginModes = new Map<string, DerivativesSettings['marginMode']>();

  constructor(options: CcxtExchangeOptions, modules: CcxtModules) {
    const { connection } = options;
    this.#profile = getProfile(connection.exchange);
    this.#quirks = VENUE_QUIRKS[connection.exchange];
    assertUsableConnection(connection, this.#profile);
    this.id = connection.exchange;
    this.#connection = connection;
    this.#modules = modules;
    this.#clock = options.clock ?? systemClock;
    this.#ccxt = new modules.classes[connection.exchange](ccxtConfig(connection, this.#profile));
    Object.assign(this.#ccxt.has, this.#profile.loadMarkets.hasOverrides);
    guardSigning(this.#ccxt, modules.errors, this.#profile.displayName);
    VENUE_QUIRKS[connection.exchange].setupInstance?.(this.#ccxt);
    if (connection.mode === 'testnet') this.#ccxt.setSandboxMode(true);
    this.#hook = new GatedFetch({ exchange: connection.exchange, accountKey: connection.id, gate: options.gate });
    this.#hook.install(this.#ccxt);
    this.#marketCache = options.marketCache;
    this.#streams = new CcxtStreams({ connection, profile: this.#profile, modules, rest: this.#ccxt, now: () => this.#clock.now() });
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
      const pairs = this.#quirks.tickersByPair === true && wanted ? [...wanted] : undefined;
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

  /**
   * Stop-losses rest on the exchange where its profile says ccxt can place them and CTS has made the
   * round trip through the simulator (RESTING_STOPS_VERIFIED); the profile's listing / cancel / fetch
   * params reach them where the exchange keeps them apart (stop-orders.ts). A take-profit never rests
   * beside it: a spot exchange sets the coins aside for the stop.
   */
  triggerOrderKinds(symbol: string): readonly OrderTrigger['kind'][] {
    let marketType: MarketType;
    try {
      marketType = this.#route(this.#ccxt, symbol).marketType;
    } catch {
      return []; // markets not loaded, or not a market of this connection: nothing can rest
    }
    return stopCalls(this.#profile, this.id, marketType) ? STOP_LOSS_ONLY : [];
  }

  /**
   * ccxt pro's candle stream where it implements `watchOHLCV` for this exchange and CTS has tried it
   * against the simulator (STREAMS_VERIFIED); markets are loaded through the limiter first.
   */
  candleStream(): CandleStream | null {
    const pro = this.#profile.websocket.ccxtPro;
    if (!STREAMS_VERIFIED.includes(this.id) || !pro.watchOHLCV) return null;
    return {
      watchCandles: async (params) => {
        await this.#run({ lane: 'read' }, (ex) => ex.loadMarkets());
        return this.#streams.watchCandles(params);
      },
      ...(pro.watchTicker
        ? {
            watchTicker: async (symbol: string) => {
              await this.#run({ lane: 'read' }, (ex) => ex.loadMarkets());
              return this.#streams.watchTicker(symbol);
            },
          }
        : {}),
      resetStreams: () => this.#streams.resetMarketStreams(),
    };
  }

  /**
   * ccxt pro's private order and trade streams, where it implements both for this exchange and CTS
   * has tried them against the simulator (STREAMS_VERIFIED); needs the connection's keys.
   */
  accountStream(): AccountStream | null {
    const pro = this.#profile.websocket.ccxtPro;
    if (!STREAMS_VERIFIED.includes(this.id) || !pro.watchOrders || !pro.watchMyTrades || this.#connection.credentials === null) return null;
    return {
      watchAccount: async () => {
        await this.#run({ lane: 'read' }, (ex) => ex.loadMarkets());
        return this.#streams.watchAccount();
      },
      resetStreams: () => this.#streams.resetAccountStreams(),
    };
  }

  /** ccxt's `timeframes` of this exchange class: static, so checking a start sends nothing. */
  timeframes(): readonly string[] | undefined {
    const offered: unknown = this.#ccxt.timeframes;
    return typeof offered === 'object' && offered !== null ? Object.keys(offered) : undefined;
  }

  /** Margin mode and leverage of a derivatives pair, set and read back (derivatives-settings.ts); through the order lane: it changes the account. */
  configureDerivatives(symbol: string, wanted: DerivativesSettings): Promise<DerivativesSetup> {
    return this.#withMarkets({ lane: 'order', symbol }, async (ex, tag) => {
      const configured = await configureDerivatives(ex, this.id, symbol, wanted, () => tag());
      this.#marginModes.set(symbol, configured.settings.marginMode);
      return configured;
    });
  }

  /** A derivatives pair's position as the exchange reports it (ccxt fetchPosition), on the venues CTS trades derivatives on. */
  fetchPosition(symbol: string): Promise<ExchangePosition> {
    if (!DERIVATIVES_VERIFIED.includes(this.id)) return Promise.reject(new NotImplementedError(`Derivatives positions on ${this.#profile.displayName} are not verified in CTS yet`));
    const read = this.#quirks.fetchPosition;
    return this.#withMarkets({ lane: 'read', symbol }, async (ex, tag) => toPosition(await (read ? read(ex, symbol, tag()) : ex.fetchPosition(symbol, tag())), symbol));
  }

  /**
   * Funding payments of a derivatives pair (ccxt fetchFundingHistory), signed for the account
   * (funding.ts). Asked for in windows of at most 7 days (Bybit's limit for its trade history) and
   * paged by time when a window fills a page, at most FUNDING_PAGES pages a call.
   */
  fetchFundingPayments(params: { symbol: string; since: number; until: number }): Promise<FundingPayment[]> {
    if (!DERIVATIVES_VERIFIED.includes(this.id) || !fundingSupported(this.id)) {
      return Promise.reject(new NotImplementedError(`Funding payments on ${this.#profile.displayName} are not verified in CTS yet`));
    }
    return this.#withMarkets({ lane: 'read', symbol: params.symbol }, async (ex, tag) => {
      const seen = new Map<string, FundingPayment>();
      let from = params.since;
      let pages = 0;
      while (from <= params.until && pages < FUNDING_PAGES) {
        let to = Math.min(params.until, from + FUNDING_WINDOW_MS - 1);
        // Within one window: a full page is followed by the part it did not reach (pages come newest first on Bybit).
        for (;;) {
          pages += 1;
          const raw: unknown = await ex.fetchFundingHistory(params.symbol, from, FUNDING_PAGE, { ...tag(), ...fundingWindowParams(this.id, from, to), ...this.#readMarginMode(ex, params.symbol), limit: FUNDING_PAGE });
          const page = toFundingPayments(raw, this.id, params.symbol);
          for (const p of page) seen.set(p.id, p);
          if (page.length < FUNDING_PAGE || pages >= FUNDING_PAGES) break;
          const oldest = Math.min(...page.map((p) => p.timestamp));
          const newest = Math.max(...page.map((p) => p.timestamp));
          if (oldest > from) to = oldest;
          else if (newest < to) from = newest;
          else break;
        }
        from = Math.max(from, to) + 1;
      }
      return [...seen.values()].sort((a, b) => a.timestamp - b.timestamp);
    });
  }

  /** Liquidation and ADL trades of a derivatives pair (positions.ts FORCED_TRADE_SOURCES), oldest first. */
  fetchForcedFills(params: { symbol: string; since: number }): Promise<Fill[]> {
    const source = FORCED_TRADE_SOURCES[this.id];
    if (!DERIVATIVES_VERIFIED.includes(this.id) || !source) return Promise.reject(new NotImplementedError(`Liquidation trades on ${this.#profile.displayName} are not verified in CTS yet`));
    return this.#withMarkets({ lane: 'read', symbol: params.symbol }, async (ex, tag) => {
      const routed = this.#route(ex, params.symbol).params;
      const fills: Fill[] = [];
      if (source.kind === 'trade-types') {
        for (const query of source.queries) fills.push(...toFills(inBase(ex, await ex.fetchMyTrades(params.symbol, params.since, undefined, tag({ ...routed, ...query })))));
      } else if (source.kind === 'trade-subtypes') {
        const raw: unknown = await ex.fetchMyTrades(params.symbol, params.since, undefined, tag({ ...routed }));
        fills.push(...toFills(inBase(ex, tradesOfSubtypes(raw, source.field, source.values))));
      } else {
        // From the second `since` falls in: Gate stamps a liquidation in whole seconds (ccxt drops rows before `since`);
        // the list only names orders, whose trades are then taken from `since` on.
        const orders = liquidationOrderIds(await ex.fetchMyLiquidations(params.symbol, Math.floor(params.since / 1000) * 1000, undefined, tag({ ...routed })));
        const liquidations = orders.size === 0 ? [] : toFills(inBase(ex, await ex.fetchMyTrades(params.symbol, params.since, undefined, tag({ ...routed })))).filter((f) => orders.has(f.orderId));
        if (source.clearanceIncome && liquidations.length > 0) {
          // ccxt's income reader with the clearance type in place of FUNDING_FEE: the same rows, another type.
          const incomes = await ex.fetchFundingHistory(params.symbol, params.since, undefined, tag({ ...routed, incomeType: source.clearanceIncome }));
          fills.push(...withClearanceFees(liquidations, incomes));
        } else fills.push(...liquidations);
      }
      return fills.filter((f) => f.symbol === params.symbol).sort((a, b) => a.timestamp - b.timestamp);
    });
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
      const route = this.#route(ex, order.symbol);
      const stopClientId = order.trigger && this.#quirks.stopClientIdField ? { [this.#quirks.stopClientIdField]: order.clientOrderId } : {};
      const params = tag({ ...route.params, [this.#profile.clientOrderId.field]: order.clientOrderId, ...stopClientId, ...triggerParams(order), ...optionParams(order, route.marketType), ...this.#marginModeParam(order.symbol, route.marketType) });
      const price = order.price === undefined ? undefined : Number(order.price);
      const shaped = (await this.#quirks.shapeOrder?.(ex, order, params, tag())) ?? { type: order.type, price, params };
      const raw = inBase(ex, await ex.createOrder(order.symbol, shaped.type, order.side, baseToContracts(ex, order.symbol, order.amount), shaped.price, shaped.params));
      // Terse acknowledgements (Bybit) are completed from what we sent: we know it exactly.
      const placed = toOrder(raw, this.#clock.now(), fallback);
      if (order.trigger) this.#stopIds.add(placed.id);
      return placed;
    });
  }

  /**
   * Where stops are cancelled apart (OKX cancel-algos, Bybit spot orderFilter StopOrder), a known stop
   * is cancelled with the stop params and anything else plainly; "no such order" tries the other way
   * (a stop placed before a restart is known only once listed).
   */
  cancelOrder(ref: OrderRef): Promise<ExchangeOrder> {
    return this.#withMarkets({ lane: 'order', symbol: ref.symbol }, async (ex, tag) => {
      const route = this.#route(ex, ref.symbol);
      const stopParams = stopCalls(this.#profile, this.id, route.marketType)?.cancel;
      if (!stopParams) return this.#cancelOnce(ex, tag, ref, route, {});
      return this.#eitherWay(ref, stopParams, (extra) => this.#cancelOnce(ex, tag, ref, route, extra));
    });
  }

  async #cancelOnce(ex: CcxtInstance, tag: Tag, ref: OrderRef, route: Route, extra: Readonly<Record<string, unknown>>): Promise<ExchangeOrder> {
    const target = await this.#resolveRef(ex, tag, ref, this.#profile.clientOrderId.cancelByClientId);
    const cancelById = this.#quirks.cancelById;
    if (cancelById && target.id !== undefined) {
      const id = await cancelById((method, params) => this.#rawCall(method, tag(params)), target.id);
      return this.#fetchOrderRaw(ex, tag, { symbol: ref.symbol, id });
    }
    const raw = inBase(ex, await ex.cancelOrder(target.id ?? NO_ID, ref.symbol, tag({ ...route.params, ...target.params, ...extra })));
    if (isCompleteOrder(raw)) {
      const order = toOrder(raw, this.#clock.now(), { symbol: ref.symbol, status: 'canceled' });
      // Binance answers a cancel with the cancel request's own clientOrderId; ours is origClientOrderId.
      return { ...order, clientOrderId: originalClientId(raw) ?? ref.clientOrderId ?? order.clientOrderId };
    }
    // The ack carries only ids (Bybit): read the order back for its real state.
    const ackId = toOrderIdOrNull(raw) ?? target.id;
    return this.#fetchOrderRaw(ex, tag, { symbol: ref.symbol, ...(ackId ? { id: ackId } : { clientOrderId: ref.clientOrderId }) });
  }

  /** Runs `call` with the stop params first for a known stop, plainly first otherwise; on "no such order", the other way. */
  async #eitherWay<T>(ref: OrderRef, stopParams: Readonly<Record<string, unknown>>, call: (extra: Readonly<Record<string, unknown>>) => Promise<T>): Promise<T> {
    const attempts = ref.id !== undefined && this.#stopIds.has(ref.id) ? [stopParams, {}] : [{}, stopParams];
    try {
      return await call(attempts[0] as Readonly<Record<string, unknown>>);
    } catch (error) {
      if (!this.#isNotFound(error)) throw error;
      return call(attempts[1] as Readonly<Record<string, unknown>>);
    }
  }

  #isNotFound(error: unknown): boolean {
    return error instanceof OrderNotFoundError || error instanceof this.#modules.errors.OrderNotFound;
  }

  fetchOrder(ref: OrderRef): Promise<ExchangeOrder> {
    return this.#withMarkets({ lane: 'read', symbol: ref.symbol }, (ex, tag) => this.#fetchOrderRaw(ex, tag, ref));
  }

  /**
   * With a symbol: that market's orders. Without: every market type the connection trades, one call
   * each. Where the exchange lists resting stops apart (OKX algo orders), one more call lists them.
   */
  fetchOpenOrders(symbol?: string): Promise<ExchangeOrder[]> {
    const scope: CallScope = symbol === undefined ? { lane: 'read' } : { lane: 'read', symbol };
    return this.#withMarkets(scope, (ex, tag) => this.#openOrders(ex, tag, symbol));
  }

  async #openOrders(ex: CcxtInstance, tag: Tag, symbol: string | undefined): Promise<ExchangeOrder[]> {
    const routes = symbol === undefined ? symbolLessRoutes(this.#connection.marketTypes, this.#profile) : [this.#route(ex, symbol).params];
    const orders: ExchangeOrder[] = [];
    for (const params of routes) orders.push(...this.#toOpenOrders(ex, await ex.fetchOpenOrders(symbol, undefined, undefined, tag({ ...params }))));
    for (const { params, stops } of this.#stopListings(ex, symbol)) {
      for (const stop of this.#toOpenOrders(ex, await ex.fetchOpenOrders(symbol, undefined, undefined, tag({ ...params, ...stops })))) {
        this.#stopIds.add(stop.id);
        if (!orders.some((o) => o.id === stop.id)) orders.push(stop);
      }
    }
    return orders;
  }

  /** The extra stop listings of `symbol`'s market type, or of every traded type that has one. */
  #stopListings(ex: CcxtInstance, symbol: string | undefined): { params: Readonly<Record<string, unknown>>; stops: Readonly<Record<string, unknown>> }[] {
    const types = symbol === undefined ? this.#tradedTypes() : [this.#route(ex, symbol).marketType];
    const out: { params: Readonly<Record<string, unknown>>; stops: Readonly<Record<string, unknown>> }[] = [];
    for (const type of types) {
      const stops = stopCalls(this.#profile, this.id, type)?.listing;
      if (stops) out.push({ params: symbol === undefined ? (this.#profile.routing.typeParams[type] ?? {}) : this.#route(ex, symbol).params, stops });
    }
    return out;
  }

  /** A trade of the order a fired OKX algo order placed is reported as our stop's (its id and client id). */
  fetchMyTrades(params: { symbol: string; since?: number; limit?: number }): Promise<Fill[]> {
    return this.#withMarkets({ lane: 'read', symbol: params.symbol }, async (ex, tag) =>
      toFills(inBase(ex, await ex.fetchMyTrades(params.symbol, params.since, params.limit, tag({ ...this.#route(ex, params.symbol).params })))).map((fill) => {
        const algo = this.#algoOfOrder.get(fill.orderId);
        return algo ? { ...fill, orderId: algo.id, clientOrderId: algo.clientOrderId ?? fill.clientOrderId } : fill;
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#streams.resetStreams()]);
    await this.#ccxt.close();
  }

  /**
   * Where stops are read apart (OKX order-algo), a known stop is read with the stop params first and
   * anything else plainly first, then the other way on "no such order". An OKX algo order that fired
   * is answered with the plain order it placed (its fill, its state) under the stop's own id.
   */
  async #fetchOrderRaw(ex: CcxtInstance, tag: Tag, ref: OrderRef): Promise<ExchangeOrder> {
    const route = this.#route(ex, ref.symbol);
    const stopParams = stopCalls(this.#profile, this.id, route.marketType)?.fetch;
    if (!stopParams) return (await this.#fetchOnce(ex, tag, ref, route, {})).order;
    return this.#eitherWay(ref, stopParams, async (extra) => {
      const read = await this.#fetchOnce(ex, tag, ref, route, extra);
      return extra === stopParams ? this.#readStop(ex, tag, ref.symbol, route, read) : read.order;
    });
  }

  /** A stop read apart: remembered as a stop; once fired, the plain order it placed stands in for it. */
  async #readStop(ex: CcxtInstance, tag: Tag, symbol: string, route: Route, stop: { order: ExchangeOrder; raw: unknown }): Promise<ExchangeOrder> {
    const { order } = stop;
    this.#stopIds.add(order.id);
    const placedId = firedAlgoOrderId(stop.raw);
    // ccxt calls a fired algo order closed; until the order it placed is known, nothing is filled yet.
    if (placedId === undefined) return order.status === 'closed' ? { ...order, status: 'open' } : order;
    this.#algoOfOrder.set(placedId, { id: order.id, clientOrderId: order.clientOrderId });
    let placed: ExchangeOrder;
    try {
      placed = (await this.#fetchOnce(ex, tag, { symbol, id: placedId }, route, {})).order;
    } catch (error) {
      if (!this.#isNotFound(error)) throw error;
      return { ...order, status: 'open' };
    }
    return { ...placed, id: order.id, clientOrderId: order.clientOrderId ?? placed.clientOrderId, trigger: order.trigger };
  }

  async #fetchOnce(ex: CcxtInstance, tag: Tag, ref: OrderRef, route: Route, stopParams: Readonly<Record<string, unknown>>): Promise<{ order: ExchangeOrder; raw: unknown }> {
    const lookup = this.#quirks.clientIdLookup;
    if (ref.id === undefined && ref.clientOrderId !== undefined && lookup) {
      const raw = await lookup(ex, (method, params) => this.#rawCall(method, tag(params)), ref.symbol, ref.clientOrderId, (error) => this.#hook.failureOf(error)?.json);
      return this.#read(ex, raw, ref.symbol);
    }
    const target = await this.#resolveRef(ex, tag, ref, this.#profile.clientOrderId.fetchByClientId);
    const extra = { ...(this.#quirks.fetchOrderParams ?? {}), ...stopParams };
    let raw: unknown;
    try {
      raw = await ex.fetchOrder(target.id ?? NO_ID, ref.symbol, tag({ ...extra, ...route.params, ...target.params, ...(this.#quirks.marginModeOnReads === true ? this.#marginModeParam(ref.symbol, route.marketType) : {}) }));
    } catch (error) {
      const failure = this.#hook.failureOf(error);
      const notFound = this.#quirks.isOrderNotFound;
      if (failure && notFound?.(failure.feedback.status, failure.json)) throw new OrderNotFoundError(`${this.#profile.displayName}: no order ${target.id ?? ''}`, { cause: error });
      throw error;
    }
    return this.#read(ex, raw, ref.symbol);
  }

  #read(ex: CcxtInstance, raw: unknown, symbol: string): { order: ExchangeOrder; raw: unknown } {
    this.#learnAlgoParent(raw);
    return { order: toOrder(inBase(ex, raw), this.#clock.now(), { symbol }), raw };
  }

  /** OKX: a plain order that names the algo order that placed it maps its trades to that stop. */
  #learnAlgoParent(raw: unknown): void {
    const parent = algoParentOf(raw);
    if (parent) this.#algoOfOrder.set(parent.ordId, { id: parent.algoId, clientOrderId: parent.algoClOrdId });
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

  /**
   * OKX: each derivatives order names its margin mode (ccxt `marginMode` → `tdMode`), the one the
   * start set and read back; a pair this process has not configured (every start configures first)
   * trades isolated, CTS's default.
   */
  /** The pair's margin mode for a read, where the venue needs it there too (VenueQuirks.marginModeOnReads). */
  #readMarginMode(ex: CcxtInstance, symbol: string): Record<string, string> {
    return this.#quirks.marginModeOnReads === true ? this.#marginModeParam(symbol, this.#route(ex, symbol).marketType) : {};
  }

  #marginModeParam(symbol: string, marketType: MarketType): Record<string, string> {
    if (!ordersNameMarginMode(this.id) || marketType === 'spot' || marketType === 'margin') return {};
    return { marginMode: this.#marginModes.get(symbol) ?? 'isolated' };
  }

  #route(ex: CcxtInstance, symbol: string): Route {
    return routeSymbol(ex, symbol, this.#connection.marketTypes, this.#profile);
  }

  #toOpenOrders(ex: CcxtInstance, listed: unknown): ExchangeOrder[] {
    const raw = inBase(ex, listed);
    if (!Array.isArray(raw)) return [toOrder(raw, this.#clock.now())];
    return raw.map((o: unknown) => {
      this.#learnAlgoParent(o);
      const order = toOrder(o, this.#clock.now(), { status: 'open' });
      if (order.trigger !== null) this.#stopIds.add(order.id);
      return order;
    });
  }

  /**
   * By exchange id when given; by client id natively where ccxt supports it; otherwise the client id is
   * looked up among open orders, resting stops included (documented per exchange in the profile).
   */
  async #resolveRef(ex: CcxtInstance, tag: Tag, ref: OrderRef, nativeClientId: boolean): Promise<{ id?: string; params: Record<string, unknown> }> {
    if (ref.id !== undefined) return { id: ref.id, params: {} };
    if (ref.clientOrderId === undefined) throw new ValidationError('Give the order id or the client order id', [{ path: 'id', message: 'required' }]);
    if (nativeClientId) return { params: { [this.#profile.clientOrderId.lookupParam]: ref.clientOrderId } };
    const open = await this.#openOrders(ex, tag, ref.symbol);
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

/**
 * Exchanges whose websockets (candles, tickers, the account's orders and trades, spot) have been
 * tried through unmodified ccxt pro against the simulator, by the engine's own tests
 * (test/engine/runtime/*stream*.simulator.test.ts).
 */
const STREAMS_VERIFIED: readonly ExchangeId[] = ['binance', 'bybit', 'okx'];

const STOP_LOSS_ONLY: readonly OrderTrigger['kind'][] = Object.freeze(['stop-loss']);

/**
 * ccxt's unified stop parameters (exact decimal text: ccxt rounds it to the market's precision): a
 * stop-loss or take-profit trigger; ccxt picks the exchange's order type (Binance spot STOP_LOSS).
 */
function triggerParams(order: OrderRequest): Record<string, string> {
  if (!order.trigger) return {};
  return order.trigger.kind === 'stop-loss' ? { stopLossPrice: order.trigger.price } : { takeProfitPrice: order.trigger.price };
}

/**
 * ccxt's unified order options: `timeInForce` IOC / FOK, `postOnly` for PO (ccxt maps it to the
 * exchange's own, e.g. Binance LIMIT_MAKER), and `reduceOnly` on exits where the market is a
 * derivative (spot has no such flag: an exit there cannot grow a position anyway).
 */
function optionParams(order: OrderRequest, marketType: MarketType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (order.timeInForce === 'PO') out['postOnly'] = true;
  else if (order.timeInForce === 'IOC' || order.timeInForce === 'FOK') out['timeInForce'] = order.timeInForce;
  if (order.reduceOnly && marketType !== 'spot' && marketType !== 'margin') out['reduceOnly'] = true;
  return out;
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
