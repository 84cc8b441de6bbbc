import type { MarketType } from '../../domain/exchange-ids.js';

/**
 * What an exchange offers beyond plain orders, as data: resting stop orders, time-in-force options and
 * websocket limits. The start form reads `stopOrders` to say whether a stop-loss can rest on the
 * exchange (and so protect a position while CTS is down); the order manager reads the ccxt params.
 */

export type StopKind = 'stop-market' | 'stop-limit';

/** A createOrder param ccxt 4.5.84 turns into a resting stop (its value is the trigger price). */
export type StopParam = 'stopPrice' | 'triggerPrice' | 'stopLossPrice';

export interface StopOrderSupport {
  readonly kinds: readonly StopKind[];
  /** Params that place it, first the one to use; `type` is the createOrder type each kind takes. */
  readonly params: readonly StopParam[];
  /** `normal`: ccxt's fetchOpenOrders lists them with the plain orders; else the extra params it needs. */
  readonly listing: 'normal' | { readonly params: Readonly<Record<string, string | boolean>> };
  /** `normal`: cancelOrder(id, symbol) cancels them; else the extra params it needs. */
  readonly cancel: 'normal' | { readonly params: Readonly<Record<string, string | boolean>> };
  /** Absent or `normal`: fetchOrder(id, symbol) finds them; else the extra params it needs. */
  readonly fetch?: 'normal' | { readonly params: Readonly<Record<string, string | boolean>> };
  readonly notes: string;
}

export type StopOrderEntry = { readonly support: StopOrderSupport } | { readonly support: null; readonly reason: string };

export interface StopOrdersProfile {
  readonly source: string;
  readonly byMarket: Readonly<Partial<Record<MarketType, StopOrderEntry>>>;
}

export interface OrderOptionSet {
  readonly postOnly: boolean;
  readonly ioc: boolean;
  readonly fok: boolean;
  /** Derivatives only: spot and margin are always false. */
  readonly reduceOnly: boolean;
}

export interface OrderOptionsProfile {
  readonly source: string;
  readonly byMarket: Readonly<Partial<Record<MarketType, OrderOptionSet>>>;
}

/** A count per window (connection attempts per IP); null where the exchange documents none. */
export interface CountPerWindow {
  readonly count: number;
  readonly windowMs: number;
}

/** ccxt 4.5.84 pro's `has` for the streams CTS could use (checked against ccxt by a test). */
export interface CcxtProStreams {
  readonly watchOHLCV: boolean;
  readonly watchTicker: boolean;
  readonly watchTrades: boolean;
  readonly watchOrders: boolean;
  readonly watchMyTrades: boolean;
  readonly watchBalance: boolean;
}

export interface WebsocketProfile {
  readonly source: string;
  /** New connections per IP (attempts in a window); null: not documented. */
  readonly connectionsPerIp: CountPerWindow | null;
  /** Streams / channels / args one connection may hold; null: not documented (or no limit). */
  readonly subscriptionsPerConnection: number | null;
  /** Messages a client may send per second and connection; null: not documented as a fixed number. */
  readonly inboundMessagesPerSecond: number | null;
  /** The exchange closes every connection after this long; null: no documented lifetime. */
  readonly connectionLifetimeMs: number | null;
  /** How often a ping must flow (whichever side sends it) to keep the connection. */
  readonly pingIntervalMs: number | null;
  readonly notes: string;
  readonly ccxtPro: CcxtProStreams;
}

export interface ExchangeCapabilities {
  readonly stopOrders: StopOrdersProfile;
  readonly orderOptions: OrderOptionsProfile;
  readonly websocket: WebsocketProfile;
}

export const ALL_STREAMS: CcxtProStreams = Object.freeze({
  watchOHLCV: true, watchTicker: true, watchTrades: true, watchOrders: true, watchMyTrades: true, watchBalance: true,
});

export const SPOT_OPTIONS: OrderOptionSet = Object.freeze({ postOnly: true, ioc: true, fok: true, reduceOnly: false });
export const DERIVATIVE_OPTIONS: OrderOptionSet = Object.freeze({ postOnly: true, ioc: true, fok: true, reduceOnly: true });
