import type { DecimalString } from './money.js';

/**
 * One funding settlement of a perpetual position as the account saw it: a cash flow that is neither
 * trading PnL nor a fee. The amount is signed for the account — positive received, negative paid —
 * whatever sign the exchange writes it with (Bybit lists a paid funding as a positive fee).
 */
export interface FundingPayment {
  /** The exchange's id of the payment: the same payment seen twice is booked once. */
  id: string;
  symbol: string;
  amount: DecimalString;
  /** Settlement time, ms since the epoch. */
  timestamp: number;
  /** The market's funding rate of that settlement (positive: longs pay shorts), when the exchange reports it. */
  rate: DecimalString | null;
}

/** A booked payment as storage keeps it: the bot it belongs to and its account. */
export interface FundingRecord extends FundingPayment {
  engineId: string;
  connectionId: string;
}
