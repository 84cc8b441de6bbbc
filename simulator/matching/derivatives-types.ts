/**
 * Types of the simulator's venue-independent derivatives core (USDT-margined linear perpetuals).
 * Every exchange's wire format (Bybit linear today; Binance fapi, OKX SWAP, Gate, HTX later) maps its
 * own names onto these. Amounts are decimal strings, as on the wire; arithmetic is in Dec.
 */

import type { Side, TimeInForce } from './types.js';

export type MarginMode = 'isolated' | 'cross';

/** One perpetual contract. Size is in the base coin (contract size 1, as Bybit's USDT linear perpetuals). */
export interface PerpSpec {
  /** The unified symbol of the price path it follows (BTC/USDT); a wire format derives its id (BTCUSDT). */
  symbol: string;
  base: string;
  /** The settle (and margin) coin, USDT. */
  settle: string;
  tickSize: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
  maxLeverage: string;
  /** Maintenance margin rate of the lowest risk tier, e.g. 0.005. */
  maintenanceMarginRate: string;
  /**
   * Base coin per contract where the wire format sizes orders in contracts (Gate `quanto_multiplier`,
   * OKX `ctVal`; perp-markets.ts PerpContracts); absent where it sizes them in the base coin. The core
   * always counts in the base coin.
   */
  contractSize?: string;
}

/** Per account and symbol: leverage and margin mode (one-way position mode only). */
export interface PerpSettings {
  leverage: string;
  marginMode: MarginMode;
}

/** A one-way position. `size` is signed: positive long, negative short, '0' flat. */
export interface PerpPosition {
  owner: string;
  symbol: string;
  size: string;
  /** Average entry price; '0' when flat. */
  entryPrice: string;
  leverage: string;
  marginMode: MarginMode;
  /** USDT set aside for the position (its initial margin, less what funding took when free USDT fell short). */
  positionMargin: string;
  /** Realized trading PnL − fees − funding paid + funding received, since the position opened. */
  realisedPnl: string;
  createdAt: number;
  updatedAt: number;
}

export type PerpOrderStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'expired';

export interface PerpOrder {
  orderId: number;
  clientOrderId: string;
  owner: string;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  timeInForce: TimeInForce;
  /** Limit price; '0' for market orders. */
  price: string;
  qty: string;
  executedQty: string;
  cumQuote: string;
  cumFee: string;
  status: PerpOrderStatus;
  reduceOnly: boolean;
  /** `liquidation`: the venue closed the position (Bybit CreateByLiq). */
  createdBy: 'user' | 'liquidation';
  /** Settle coin locked per unit of quantity (initial margin + taker fee room) while an opening limit rests. */
  lockPerUnit: string;
  /** What the order still holds locked (0 for market and reduce-only orders). */
  locked: string;
  /** Leverage the order was placed under (its margin is taken at this leverage). */
  leverage: string;
  /** A conditional (stop-market / take-profit-market) order: absent on plain orders. */
  trigger?: PerpOrderTrigger;
  createdAt: number;
  updatedAt: number;
}

/**
 * A conditional order's trigger (stops.ts rules): it waits outside the book, open, until the last
 * price (the candle's high / low) or the mark (the close) reaches `price` in `direction`, then
 * executes as a reduce-only market order. `placesOrder`: on firing it places a plain order of its own
 * id (Binance's algo orders, `actualOrderId`), else the conditional order itself fills (Bybit).
 */
export interface PerpOrderTrigger {
  price: string;
  direction: 'rise' | 'fall';
  by: 'last' | 'mark';
  kind: 'stop' | 'take-profit';
  placesOrder: boolean;
  triggeredAt?: number;
  /** The plain order it placed on firing (placesOrder only). */
  placedOrderId?: number;
}

export interface PerpFill {
  tradeId: number;
  orderId: number;
  owner: string;
  symbol: string;
  side: Side;
  price: string;
  qty: string;
  /** qty × price. */
  value: string;
  /** Fee charged (positive), in the settle coin. */
  fee: string;
  feeRate: string;
  maker: boolean;
  /** trade: a user order; liquidation: the venue closing a position at its bankruptcy price. */
  kind: 'trade' | 'liquidation';
  /** How much of the fill reduced the position. */
  closedSize: string;
  /** Trading PnL the reducing part realized (before fees). */
  realizedPnl: string;
  markPrice: string;
  time: number;
  /**
   * A liquidation under the venue's `clearance` rule (Binance): what was left of the collateral at
   * the liquidation fill, charged as the liquidation clearance fee. Absent otherwise.
   */
  clearanceFee?: string;
}

/** One funding settlement of one position. */
export interface FundingPayment {
  id: number;
  owner: string;
  symbol: string;
  /** The funding time (a multiple of the interval, UTC). */
  time: number;
  rate: string;
  markPrice: string;
  /** Signed position size at the settlement. */
  size: string;
  /** size × mark × rate: positive is paid by the holder, negative received. */
  payment: string;
}

export type PerpRejection =
  | { kind: 'unknown_symbol' }
  | { kind: 'filter'; filter: 'LOT_SIZE' | 'PRICE_FILTER' | 'NOTIONAL' }
  /** Free settle coin does not cover the order's initial margin and fee. */
  | { kind: 'insufficient_margin' }
  /** A reduce-only order that would open, increase or flip the position. */
  | { kind: 'reduce_only_increase' }
  | { kind: 'duplicate_client_id' }
  | { kind: 'bad_request'; message: string };

export interface PerpPlaceInput {
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  quantity: string;
  price?: string;
  timeInForce?: TimeInForce;
  reduceOnly?: boolean;
  clientOrderId: string;
  /** A conditional order (type market, reduce-only): it waits for its trigger. */
  trigger?: Omit<PerpOrderTrigger, 'triggeredAt' | 'placedOrderId'>;
}

export type PerpPlaceResult = { ok: true; order: PerpOrder; fills: PerpFill[] } | { ok: false; rejection: PerpRejection };

export type SettingsRejection =
  | { kind: 'unknown_symbol' }
  | { kind: 'not_modified' }
  | { kind: 'leverage_out_of_range'; max: string }
  /** Changing leverage would need more free margin than the account has. */
  | { kind: 'insufficient_margin' }
  /** Margin mode cannot change with a position (checked first) or an open order in the symbol. */
  | { kind: 'position_or_order_open'; holds: 'position' | 'order' };
