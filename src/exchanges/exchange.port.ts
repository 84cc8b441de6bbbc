import type { DecimalString } from '../domain/money.js';
import type { MarketType } from '../domain/exchange-ids.js';
import type { Candle } from '../domain/candles.js';
import type { Fill, OrderSide, OrderTrigger, OrderType, TimeInForce } from '../domain/orders.js';
import type { FundingPayment } from '../domain/funding.js';

/**
 * The one port the core talks to. Every implementation (the ccxt adapter for live/testnet, the paper
 * and replay exchanges) returns these normalized, validated shapes — never ccxt's.
 * Amounts and prices are decimal strings.
 */

export type OrderStatus = 'open' | 'closed' | 'canceled' | 'rejected' | 'expired';

export interface Market {
  symbol: string; // unified, e.g. BTC/USDT
  id: string; // exchange-native id
  base: string;
  quote: string;
  type: MarketType;
  active: boolean;
  /** Smallest step of amount and price, as decimals ("0.0001"). */
  amountStep: DecimalString | null;
  priceStep: DecimalString | null;
  minAmount: DecimalString | null;
  maxAmount: DecimalString | null;
  minCost: DecimalString | null;
}

export interface Ticker {
  symbol: string;
  timestamp: number;
  bid: DecimalString | null;
  ask: DecimalString | null;
  last: DecimalString;
}

/**
 * A ticker with the exchange's rolling 24 h figures, as `fetchTickers` returns them for pair lists.
 * Each figure is null where the exchange does not report it (Coinbase has no 24 h high/low).
 */
export interface MarketTicker extends Ticker {
  high: DecimalString | null;
  low: DecimalString | null;
  /** 24 h traded amount in the base asset. */
  baseVolume: DecimalString | null;
  /** 24 h traded value in the quote asset. */
  quoteVolume: DecimalString | null;
  /** 24 h price change in percent ("-1.25"). */
  changePercent: DecimalString | null;
}

export interface BalanceEntry {
  asset: string;
  free: DecimalString;
  used: DecimalString;
  total: DecimalString;
  /**
   * The exchange account the balance is held in (`spot`, `margin`, `futures`, `unified`, …) and the
   * market types it funds. Set by the ccxt adapter; absent from implementations with one account.
   * A connection trading several types may report one asset once per account: filter by `marketTypes`.
   */
  account?: string;
  marketTypes?: MarketType[];
}

export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  type: OrderType;
  amount: DecimalString;
  price?: DecimalString;
  /** Locally generated, persisted before the request is sent; within the exchange's format. */
  clientOrderId: string;
  /** A stop order: rests untriggered until the last price reaches `trigger.price` (see OrderTrigger). */
  trigger?: OrderTrigger;
  /** Absent: GTC. IOC / FOK / PO (post-only) for limit orders. */
  timeInForce?: TimeInForce;
  /** An exit: on derivatives the exchange refuses it if it would grow the position. */
  reduceOnly?: boolean;
}

export interface ExchangeOrder {
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  price: DecimalString | null;
  amount: DecimalString;
  filled: DecimalString;
  average: DecimalString | null;
  timestamp: number;
  /** A stop order's trigger, where the implementation reports it. */
  trigger?: OrderTrigger | null;
}

export interface KeyPermissions {
  /** null when the exchange does not report it. */
  canTrade: boolean | null;
  canWithdraw: boolean | null;
  ipRestricted: boolean | null;
}

/** A websocket's view of a pair's candles: each call waits for the next update (the forming candle last). */
export interface CandleStream {
  watchCandles(params: { symbol: string; timeframe: string }): Promise<Candle[]>;
  /** The pair's next ticker update (ccxt pro `watchTicker`); absent where the venue streams no tickers. */
  watchTicker?(symbol: string): Promise<Ticker>;
  /** Drops the sockets, so the next watch connects afresh (a silent socket would otherwise stay open). */
  resetStreams(): Promise<void>;
}

/** One change to the account's orders or trades, as a websocket pushed it (every pair of the account). */
export interface AccountUpdate {
  /** Orders whose state changed (placed, filled partly or fully, cancelled), in the order they came. */
  orders: ExchangeOrder[];
  /** Trades (fills) of the account, each with the exchange's trade id (the same id REST's trade list gives). */
  trades: Fill[];
}

/** A websocket's view of the account: each call waits for the next change; nothing between two calls is lost. */
export interface AccountStream {
  watchAccount(): Promise<AccountUpdate>;
  /** Drops the sockets, so the next watch connects (and authenticates) afresh. */
  resetStreams(): Promise<void>;
}

/** A derivatives pair's settings on the account (leverage as the exchange takes it, a decimal). */
export interface DerivativesSettings {
  leverage: DecimalString;
  marginMode: 'isolated' | 'cross';
}

/**
 * What a derivatives start found on the account: the pair's settings as read back, the exchange's
 * refusals on the way, and the position mode (CTS trades one-way only; in hedge mode nothing is set
 * and `settings` echoes what was asked).
 */
export interface DerivativesSetup {
  settings: DerivativesSettings;
  refusals: readonly string[];
  positionMode: 'one-way' | 'hedge';
}

/** A derivatives position as the exchange reports it (its position endpoint). */
export interface ExchangePosition {
  symbol: string;
  /** Signed, in base: positive long, negative short, 0 flat. */
  quantity: DecimalString;
  entryPrice: DecimalString | null;
  markPrice: DecimalString | null;
  /** The exchange's own liquidation price; null when flat or not reported. */
  liquidationPrice: DecimalString | null;
  leverage: DecimalString | null;
}

export interface Exchange {
  readonly id: string;
  fetchServerTime(): Promise<number>;
  loadMarkets(): Promise<Market[]>;
  fetchBalances(): Promise<BalanceEntry[]>;
  fetchPermissions?(): Promise<KeyPermissions>;
  fetchTicker(symbol: string): Promise<Ticker>;
  /**
   * Tickers of many markets in as few requests as the exchange allows (one all-tickers call on every
   * supported exchange). Without `symbols`: every market the implementation lists; with: those of
   * them it has (unknown symbols are left out, never an error). Optional: wrappers that do not
   * forward it leave pair lists without market data.
   */
  fetchTickers?(symbols?: readonly string[]): Promise<MarketTicker[]>;
  fetchCandles(params: { symbol: string; timeframe: string; since?: number; limit?: number }): Promise<Candle[]>;
  /**
   * The candle timeframes the venue offers ("1m", "1h", …), known without a request; undefined when
   * the implementation cannot tell (then any timeframe is tried).
   */
  timeframes?(): readonly string[] | undefined;
  /**
   * Which stop orders (`OrderRequest.trigger`) the venue rests for this market, so a position stays
   * protected while CTS is not watching; absent or empty: none (the engine watches prices itself).
   */
  triggerOrderKinds?(symbol: string): readonly OrderTrigger['kind'][];
  /**
   * The venue's websocket stream of candles (ccxt pro), or null where it has none; absent: none.
   * REST stays the fallback (the streaming feed switches by itself).
   */
  candleStream?(): CandleStream | null;
  /**
   * The venue's private websocket of order and trade updates (ccxt pro `watchOrders` /
   * `watchMyTrades`), or null where it has none or it is not verified; absent: none. REST's order
   * sync stays the truth: a streamed update only brings what REST would show sooner.
   */
  accountStream?(): AccountStream | null;
  /**
   * Derivatives: sets the pair's margin mode and leverage on the account and answers what the
   * exchange then reports (read back, not echoed), with the exchange's refusals of the sets (a set
   * refused because nothing would change is one). Absent, or NotImplementedError: derivatives are
   * not verified on this venue, and a bot may not trade them.
   */
  configureDerivatives?(symbol: string, wanted: DerivativesSettings): Promise<DerivativesSetup>;
  /** Derivatives: the pair's position as the exchange reports it. Absent: not verified on this venue. */
  fetchPosition?(symbol: string): Promise<ExchangePosition>;
  /**
   * Derivatives: the account's funding payments on the pair settled in [since, until] (ms), signed
   * for the account (positive received). Absent, or NotImplementedError: not verified on this venue.
   */
  fetchFundingPayments?(params: { symbol: string; since: number; until: number }): Promise<FundingPayment[]>;
  /**
   * Derivatives: trades the exchange made on the account's position by itself since `since` (ms) —
   * liquidations and auto-deleveraging, which the plain trade list leaves out on some venues (Bybit
   * lists them as execType BustTrade / AdlTrade). Absent: not verified on this venue.
   */
  fetchForcedFills?(params: { symbol: string; since: number }): Promise<Fill[]>;
  createOrder(order: OrderRequest): Promise<ExchangeOrder>;
  cancelOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder>;
  fetchOrder(params: { symbol: string; id?: string; clientOrderId?: string }): Promise<ExchangeOrder>;
  fetchOpenOrders(symbol?: string): Promise<ExchangeOrder[]>;
  fetchMyTrades(params: { symbol: string; since?: number; limit?: number }): Promise<Fill[]>;
  close(): Promise<void>;
}
