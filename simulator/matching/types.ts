/** Types of the simulator's matching engine, shared by the Binance and Bybit wire formats. */

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'expired';

export interface MarketSpec {
  /** Unified symbol, e.g. BTC/USDT. Each wire format derives its own id (BTCUSDT). */
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
  /** Base quantity the simulated market absorbs per price step and side, so big orders fill partially. */
  liquidityPerStep: string;
}

export interface PlaceOrderInput {
  symbol: string;
  side: Side;
  type: OrderType;
  /** Base quantity. For market buys either this or `quoteQty`. */
  quantity?: string;
  /** Quote amount to spend (Binance quoteOrderQty, Bybit marketUnit=quoteCoin). */
  quoteQty?: string;
  price?: string;
  timeInForce?: TimeInForce;
  /** A limit that would take liquidity on arrival is refused (Binance LIMIT_MAKER, Bybit PostOnly, OKX post_only). */
  postOnly?: boolean;
  /** A post-only that would take is accepted and canceled at once (Bybit, OKX) instead of refused (Binance). */
  postOnlyCancels?: boolean;
  /**
   * Makes it a stop (trigger) order: it rests untriggered until the last price crosses this price
   * (sell: at or below, buy: at or above), then becomes a market order or a limit at `price`.
   */
  stopPrice?: string;
  /** The wire format's name for the stop's kind, kept on the order for its listings (OKX `ordType`). */
  stopKind?: string;
  clientOrderId: string;
}

/** A stop order's trigger: its price, and when it fired (absent while it still waits). */
export interface StopTrigger {
  price: string;
  kind?: string;
  triggeredAt?: number;
}

export interface SimFill {
  tradeId: number;
  orderId: number;
  symbol: string;
  side: Side;
  price: string;
  qty: string;
  quoteQty: string;
  fee: string;
  feeAsset: string;
  maker: boolean;
  time: number;
}

export interface SimOrder {
  orderId: number;
  clientOrderId: string;
  /** API key of the owning account. */
  owner: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Limit price; for market orders the string '0' as the exchanges report it. */
  price: string;
  origQty: string;
  origQuoteQty: string;
  executedQty: string;
  cumQuote: string;
  status: OrderStatus;
  postOnly?: boolean;
  /** Present on stop orders only. */
  stop?: StopTrigger;
  createdAt: number;
  updatedAt: number;
}

export type OrderRejection =
  | { kind: 'unknown_symbol' }
  | { kind: 'filter'; filter: 'LOT_SIZE' | 'PRICE_FILTER' | 'NOTIONAL' }
  | { kind: 'insufficient_balance' }
  | { kind: 'duplicate_client_id' }
  /** A post-only limit that would take liquidity. */
  | { kind: 'would_take' }
  /** A stop whose trigger price is already crossed by the last price. */
  | { kind: 'would_trigger' }
  | { kind: 'bad_request'; message: string };

export type PlaceResult = { ok: true; order: SimOrder; fills: SimFill[] } | { ok: false; rejection: OrderRejection };

export interface OrderRef {
  orderId?: number;
  clientOrderId?: string;
}

export interface BookTop {
  bid: string;
  ask: string;
  bidQty: string;
  askQty: string;
}
