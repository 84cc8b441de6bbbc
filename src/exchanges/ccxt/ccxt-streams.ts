import type { Candle } from '../../domain/candles.js';
import type { AccountUpdate, Ticker } from '../exchange.port.js';
import type { Fill } from '../../domain/orders.js';
import { Dec, toDecimalString } from '../../domain/money.js';
import type { ExchangeProfile } from '../profiles/index.js';
import { ccxtConfig, type CcxtConnection } from './ccxt-options.js';
import { loadCcxtPro, type CcxtInstance, type CcxtModules } from './ccxt-classes.js';
import { translateCcxtError } from './error-translation.js';
import { toCandles, toFills, toOrder, toTicker } from './response-schemas.js';
import { simulatorWsUrls } from './ws-urls.js';
import { inBase } from './contracts.js';
import { sharedWsBudget, type WsBudget } from './ws-budget.js';

/**
 * The websocket side of one connection: ccxt pro's class, loaded on the first watch, configured like
 * the REST instance (keys, options) and pointed through the same proxy as REST (the simulator takes
 * `ws://host:port/<original wss url>`, ws-urls.ts). It reuses the REST instance's markets, so a
 * stream never loads markets past the rate limiter. Every answer is validated and every failure
 * translated, like REST's. Each new socket and each new market-data subscription is counted against
 * the exchange's websocket limits first (ws-budget.ts): past them the watch fails and REST serves.
 */
export class CcxtStreams {
  readonly #connection: CcxtConnection;
  readonly #profile: ExchangeProfile;
  readonly #modules: CcxtModules;
  readonly #rest: CcxtInstance;
  readonly #now: () => number;
  #pro: Promise<CcxtInstance> | null = null;
  /** The private streams' own instance: it hands over only what changed since the last call (ccxt `newUpdates`). */
  #account: Promise<CcxtInstance> | null = null;
  /** The order and the trade watch still pending from an earlier call: the one that did not win stays for the next. */
  #ordersWatch: Promise<unknown> | null = null;
  #tradesWatch: Promise<unknown> | null = null;
  readonly #budget: WsBudget;
  /** The market-data subscriptions of the current public instance (`ohlcv:BTC/USDT:1h`, `ticker:BTC/USDT`). */
  #topics = new Set<string>();

  constructor(options: { connection: CcxtConnection; profile: ExchangeProfile; modules: CcxtModules; rest: CcxtInstance; now: () => number; budget?: WsBudget }) {
    this.#budget = options.budget ?? sharedWsBudget(options.connection.exchange, options.profile.displayName, options.profile.websocket);
    this.#now = options.now;
    this.#connection = options.connection;
    this.#profile = options.profile;
    this.#modules = options.modules;
    this.#rest = options.rest;
  }

  /** The next update of a pair's recent candles (ccxt's cache: the forming candle last). */
  async watchCandles(params: { symbol: string; timeframe: string }): Promise<Candle[]> {
    try {
      const pro = await this.#instance();
      this.#subscribe(`ohlcv:${params.symbol}:${params.timeframe}`);
      return toCandles(await pro.watchOHLCV(params.symbol, params.timeframe));
    } catch (error) {
      throw translateCcxtError(error, { profile: this.#profile, errors: this.#modules.errors, feedback: undefined, lane: 'read', now: this.#now() });
    }
  }

  /** The next ticker update of a pair. */
  async watchTicker(symbol: string): Promise<Ticker> {
    try {
      const pro = await this.#instance();
      this.#subscribe(`ticker:${symbol}`);
      return toTicker(await pro.watchTicker(symbol), this.#now());
    } catch (error) {
      throw translateCcxtError(error, { profile: this.#profile, errors: this.#modules.errors, feedback: undefined, lane: 'read', now: this.#now() });
    }
  }

  /**
   * The next change to the account's orders or trades (ccxt pro watchOrders / watchMyTrades on every
   * pair): whichever of the two answers first. ccxt keeps what arrives between two calls, and with
   * `newUpdates` hands over each order change and trade once.
   */
  async watchAccount(): Promise<AccountUpdate> {
    try {
      const pro = await this.#accountInstance();
      const orders = (this.#ordersWatch ??= forgetOnFailure(pro.watchOrders(), () => (this.#ordersWatch = null)));
      const trades = (this.#tradesWatch ??= forgetOnFailure(pro.watchMyTrades(), () => (this.#tradesWatch = null)));
      const first = await Promise.race([orders.then((raw) => ({ kind: 'orders' as const, raw })), trades.then((raw) => ({ kind: 'trades' as const, raw }))]);
      const now = this.#now();
      if (first.kind === 'orders') {
        this.#ordersWatch = null;
        // Amounts in base, as the REST reads (contracts.ts).
        return { orders: asList(inBase(pro, first.raw)).map((o) => toOrder(o, now)), trades: [] };
      }
      this.#tradesWatch = null;
      // ccxt's pro instance loads the markets before it watches.
      const fills = toFills(inBase(pro, first.raw));
      return { orders: [], trades: FEE_SIGN_AS_SENT.has(this.#connection.exchange) ? fills.map(chargedFeePositive) : fills };
    } catch (error) {
      throw translateCcxtError(error, { profile: this.#profile, errors: this.#modules.errors, feedback: undefined, lane: 'read', now: this.#now() });
    }
  }

  /** Closes the sockets; the next watch opens a fresh instance (and connection). */
  async resetStreams(): Promise<void> {
    await Promise.allSettled([this.resetMarketStreams(), this.resetAccountStreams()]);
  }

  async resetMarketStreams(): Promise<void> {
    const pro = this.#pro;
    this.#pro = null;
    this.#topics = new Set();
    if (pro) await (await pro).close();
  }

  async resetAccountStreams(): Promise<void> {
    const pro = this.#account;
    this.#account = null;
    this.#ordersWatch = null;
    this.#tradesWatch = null;
    if (pro) await (await pro).close();
  }

  /** A market-data subscription not held yet is counted against the per-connection limit first. */
  #subscribe(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#budget.addSubscription(this.#topics.size);
    this.#topics.add(topic);
  }

  #instance(): Promise<CcxtInstance> {
    this.#pro ??= forgetOnFailure(this.#open(false), () => (this.#pro = null));
    return this.#pro;
  }

  #accountInstance(): Promise<CcxtInstance> {
    this.#account ??= forgetOnFailure(this.#open(true), () => (this.#account = null));
    return this.#account;
  }

  async #open(newUpdates: boolean): Promise<CcxtInstance> {
    const Pro = await loadCcxtPro(this.#connection.exchange);
    const config = ccxtConfig(this.#connection, this.#profile);
    const probe = new Pro({});
    const proxy = this.#connection.proxyUrl;
    // Candles: the whole recent cache on every update (not only what changed since the last call), so a
    // close that arrived while the engine was busy is still in the next answer. Orders and trades: only
    // what changed, each once (the order manager applies them idempotently all the same).
    const options = { ...(config['options'] as Record<string, unknown>), newUpdates };
    const pro = new Pro({ ...config, options, ...(proxy === undefined ? {} : { urls: simulatorWsUrls(probe.urls, proxy) }) });
    if (this.#connection.mode === 'testnet') pro.setSandboxMode(true);
    guardSockets(pro, this.#budget);
    // ccxt opens a plain ws:// address (the loopback simulator) only through the http agent it loads on request.
    if (proxy !== undefined) await pro.loadHttpProxyAgent();
    // Markets come from the REST instance (the adapter loads them through the limiter before a watch).
    const markets: unknown = this.#rest.markets;
    if (typeof markets === 'object' && markets !== null && Object.keys(markets).length > 0) pro.setMarketsFromExchange(this.#rest);
    return pro;
  }
}

/**
 * Where ccxt pro hands a streamed trade's fee over with the exchange's own sign: OKX's `fillFee` is
 * negative when charged and positive for a rebate (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel),
 * and ccxt 4.5.84's `orderToTrade` copies it as it is, where its REST trades are positive when
 * charged. Booked as sent, every streamed OKX fee would count as a rebate.
 */
const FEE_SIGN_AS_SENT: ReadonlySet<string> = new Set(['okx']);

function chargedFeePositive(fill: Fill): Fill {
  return { ...fill, fee: toDecimalString(new Dec(fill.fee).neg()) };
}

/**
 * Where ccxt pro makes its sockets (`client(url)`, once per url until that socket closes):
 *  - a new one is counted against the exchange's connection limit first, and not made past it (the
 *    watch that wanted it fails with StreamLimitError);
 *  - ccxt creates some futures nobody awaits (binance's `authenticate:signature:spot`, made ahead of
 *    its ws-api subscribe so concurrent callers can find it) and rejects them when the socket fails or
 *    is refused: an unhandled rejection, which ends a Node process. Every future of every socket gets
 *    a no-op handler here; whoever awaits one still sees its rejection.
 */
function guardSockets(pro: CcxtInstance, budget: WsBudget): void {
  const client = pro.client.bind(pro);
  const guarded = new WeakSet<object>();
  pro.client = (url) => {
    if (url !== undefined && (pro.clients as Record<string, unknown> | undefined)?.[url] === undefined) budget.openConnection();
    const socket = client(url);
    if (!guarded.has(socket)) {
      guarded.add(socket);
      const future = socket.future.bind(socket);
      socket.future = (messageHash: string): unknown => {
        const made: unknown = future(messageHash);
        if (made instanceof Promise) made.catch(() => undefined);
        return made;
      };
    }
    return socket;
  };
}

/** A pending request that failed is forgotten, so the next call asks again (its error reaches the awaiting caller). */
function forgetOnFailure<T>(request: Promise<T>, forget: () => void): Promise<T> {
  request.catch(forget);
  return request;
}

function asList(raw: unknown): unknown[] {
  return Array.isArray(raw) ? (raw as unknown[]) : [raw];
}
