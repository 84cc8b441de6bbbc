import type { DecimalString } from './money.js';

/** Positions and PnL as the accounting reports them (engine status, backtests, the web). */

export type PositionSide = 'long' | 'short' | 'flat';

export interface PositionSnapshot {
  symbol: string;
  side: PositionSide;
  /** Signed: positive long, negative short. What the account holds (net of base-asset fees). */
  quantity: DecimalString;
  /**
   * The quantity is too small to trade on its market (below the minimum amount, or 0 at the amount
   * step): reported, but not a position to the strategy or the risk gate. False when the market's rules
   * are not known to the caller.
   */
  dust: boolean;
  averageEntryPrice: DecimalString | null;
  /** Signed cost of the open quantity in quote. */
  cost: DecimalString;
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  /** All fees paid on this symbol, in quote. */
  fees: DecimalString;
  /** Fees that were charged in base (already included in `fees` at their fill price). */
  baseFees: DecimalString;
  /** realized + unrealized − fees + funding. */
  netPnl: DecimalString;
  markPrice: DecimalString | null;
  /** When the mark was taken (ISO 8601), or null when unknown or there is no mark. */
  markTime: string | null;
  /**
   * Derivatives: what `markPrice` is — the exchange's mark price, read from its position endpoint (the
   * price it values and liquidates positions at), or the last traded price when no newer mark was read.
   * Absent on spot, where the last price is the mark.
   */
  markSource?: MarkSource;
  /**
   * Derivatives: the leverage the bot trades the pair at, and the estimated liquidation price of the
   * open position as an isolated one (src/engine/liquidation.ts; null when flat or none liquidates).
   * Absent on spot.
   */
  leverage?: DecimalString;
  /** Derivatives: the margin the open position holds, |cost| ÷ leverage in quote ('0' when flat). Absent on spot. */
  margin?: DecimalString;
  liquidationPrice?: DecimalString | null;
  /**
   * Derivatives: net funding booked on the pair in quote (positive received, negative paid), apart
   * from realized trading PnL and fees. Absent on spot.
   */
  funding?: DecimalString;
}

/** Totals over one or more symbols, in quote, as decimal strings. */
export interface PnlSummary {
  realizedPnl: DecimalString;
  unrealizedPnl: DecimalString;
  fees: DecimalString;
  /** Net funding of the perpetuals among the symbols (positive received); absent when none is one. */
  funding?: DecimalString;
  /** realized + unrealized − fees + funding. */
  netPnl: DecimalString;
  /**
   * Symbols holding a position with no known mark: their unrealized PnL is unknown (left out of the
   * totals above), never silently 0. Empty when every open position is marked.
   */
  unpricedSymbols: string[];
}

/** Where a derivatives position's mark comes from (PositionSnapshot.markSource). */
export type MarkSource = 'mark' | 'last';
