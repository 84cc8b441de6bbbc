import { DECIMAL_PATTERN, Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import { ValidationError } from '../../domain/errors.js';
import type { Fill, OrderSide } from '../../domain/orders.js';
import type { FundingPayment } from '../../domain/funding.js';
import type { MarkSource, PositionSide, PositionSnapshot } from '../../domain/positions.js';

/**
 * One symbol's position, built only from fills, in exact decimals.
 *
 * The ledger keeps the *signed cost* of the open quantity (Σ qty × price of the open lots; negative for a
 * short) rather than an average price: adding to a position then needs no division at all, and on a
 * reduce the cost taken out is quantized to COST_SCALE decimals and subtracted, so
 *   realized + unrealized − fees = Σ cash flows (quote) + quantity × mark
 * holds to the last digit (the property tests check it). The average entry is derived on demand.
 * Fees are kept apart from realized PnL (realized is gross) so a report can show both, and so is
 * funding on a perpetual (`applyFunding`): a cash flow of the position that is neither trading PnL nor
 * a fee, signed as the account sees it (positive received, negative paid), so
 *   realized + unrealized − fees + funding = Σ cash flows + quantity × mark.
 *
 * The quantity is what the account really holds. A fee charged in the base asset (Binance spot without
 * BNB, Bybit spot buys) never reaches the account, so it is modelled as a fill of the *net* amount at
 * the fill price plus a fee worth f × price:
 *   buy q, base fee f  → the position changes by +(q − f), a lot of cost (q − f) × price;
 *   sell q, base fee f → the position changes by −(q + f) (the venue took f on top of the q sold).
 * The quote cash of the fill (q × price) is then exactly the lot's cost plus the fee's value, so the
 * identity above holds with no rounding and no second cost basis. `filledQuantity` keeps Σ bought − Σ
 * sold as filled (before base fees): the amounts a strategy asked for, which the risk gate uses to tell
 * a sell that closes what was bought (fitted down to what is held) from one that would open a short.
 */

/** Decimals kept when a partial close takes a share of the cost; far below any exchange's tick. */
const COST_SCALE = 20;
/** Decimals for the derived average entry price. */
const PRICE_SCALE = 18;

export interface LedgerFillOptions {
  /**
   * The fee's value in quote currency when it was charged in a third asset (e.g. BNB on Binance):
   * only the caller knows that rate. Not needed for quote or base fees.
   */
  feeInQuote?: DecimalString;
}

/** What one fill did, for trade lists and events. */
export interface FillEffect {
  tradeId: string;
  side: OrderSide;
  price: DecimalString;
  /** As filled (gross). */
  amount: DecimalString;
  /** What the fill changed the held quantity by, unsigned: the amount net of a base-asset fee. */
  netAmount: DecimalString;
  /** The fee in quote currency (converted at the fill price when charged in base). */
  feeQuote: DecimalString;
  /** The fee as charged, in `feeAsset` (the quote when the fill named none). */
  feeCharged: DecimalString;
  feeAsset: string;
  /** Quantity of the previous position this fill closed (0 when it only opened or added). */
  closedQuantity: DecimalString;
  /** Average entry of the part that was closed, or null when nothing closed. */
  closedEntryPrice: DecimalString | null;
  /** Gross realized PnL of this fill (fees not deducted). */
  realizedPnl: DecimalString;
  quantityBefore: DecimalString;
  quantityAfter: DecimalString;
  timestamp: number;
}

/** A funding payment as the ledger books it (domain/funding.ts FundingPayment; the symbol is checked when given). */
export type LedgerFunding = Pick<FundingPayment, 'id' | 'amount' | 'timestamp'> & { symbol?: string; rate?: DecimalString | null };

/** What the ledger cannot know itself: whether its quantity is dust on its market, and when the mark was taken. */
export interface SnapshotDetails {
  dust?: boolean;
  markTime?: string | null;
  markSource?: MarkSource;
}

/** Persistable state; `restore` rebuilds an identical ledger. */
export interface PositionLedgerState {
  symbol: string;
  base: string;
  quote: string;
  quantity: DecimalString;
  /** Σ bought − Σ sold as filled; absent in states written before base fees reduced the quantity (= quantity). */
  filledQuantity?: DecimalString;
  cost: DecimalString;
  realizedPnl: DecimalString;
  fees: DecimalString;
  baseFees: DecimalString;
  tradeIds: string[];
  /** Net funding of a perpetual (absent in states written before funding was booked, and on spot = 0). */
  funding?: DecimalString;
  fundingIds?: string[];
}

export interface SymbolAssets {
  base: string;
  quote: string;
}

/** A unified symbol with a settle currency (`XRP/USDT:USDT`) is a derivative: funding applies to it. */
export function isDerivativeSymbol(symbol: string): boolean {
  return symbol.includes(':');
}

/**
 * `BTC/USDT` → BTC, USDT; `XRP/USDT:USDT` (a linear swap settled in quote) → XRP, USDT. PnL is always
 * in quote, so inverse contracts (settled in base) are not modelled by this ledger.
 */
export function symbolAssets(symbol: string): SymbolAssets {
  const [pair = ''] = symbol.split(':');
  const [base, quote] = pair.split('/');
  if (!base || !quote) throw new ValidationError(`Expected a unified symbol like BTC/USDT, got "${symbol}"`);
  return { base, quote };
}

export class PositionLedger {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  #quantity: Dec = ZERO;
  #filled: Dec = ZERO;
  #cost: Dec = ZERO;
  #realized: Dec = ZERO;
  #fees: Dec = ZERO;
  #baseFees: Dec = ZERO;
  #funding: Dec = ZERO;
  #firstFillTime: number | null = null;
  readonly #tradeIds = new Set<string>();
  readonly #fundingIds = new Set<string>();

  constructor(symbol: string, assets: SymbolAssets = symbolAssets(symbol)) {
    this.symbol = symbol;
    this.base = assets.base;
    this.quote = assets.quote;
  }

  static restore(state: PositionLedgerState): PositionLedger {
    const ledger = new PositionLedger(state.symbol, { base: state.base, quote: state.quote });
    ledger.#quantity = parseDecimal(state.quantity, 'quantity');
    ledger.#filled = state.filledQuantity === undefined ? ledger.#quantity : parseDecimal(state.filledQuantity, 'filledQuantity');
    ledger.#cost = parseDecimal(state.cost, 'cost');
    ledger.#realized = parseDecimal(state.realizedPnl, 'realizedPnl');
    ledger.#fees = parseDecimal(state.fees, 'fees');
    ledger.#baseFees = parseDecimal(state.baseFees, 'baseFees');
    for (const id of state.tradeIds) ledger.#tradeIds.add(id);
    if (state.funding !== undefined) ledger.#funding = parseDecimal(state.funding, 'funding');
    for (const id of state.fundingIds ?? []) ledger.#fundingIds.add(id);
    return ledger;
  }

  get quantity(): Dec {
    return this.#quantity;
  }

  /** Σ bought − Σ sold as filled, before base-asset fees (see the header). */
  get filledQuantity(): Dec {
    return this.#filled;
  }

  get side(): PositionSide {
    return this.#quantity.isZero() ? 'flat' : this.#quantity.isPositive() ? 'long' : 'short';
  }

  get cost(): Dec {
    return this.#cost;
  }

  get realizedPnl(): Dec {
    return this.#realized;
  }

  get fees(): Dec {
    return this.#fees;
  }

  get baseFees(): Dec {
    return this.#baseFees;
  }

  /** Net funding booked (positive received); always 0 on spot. */
  get funding(): Dec {
    return this.#funding;
  }

  /** The earliest fill applied since this ledger was built (null: none, or restored from a state): no funding is owed before it. */
  get firstFillTime(): number | null {
    return this.#firstFillTime;
  }

  get fundingCount(): number {
    return this.#fundingIds.size;
  }

  hasFunding(id: string): boolean {
    return this.#fundingIds.has(id);
  }

  get fillCount(): number {
    return this.#tradeIds.size;
  }

  /** null when flat. Rounded to 18 decimals (the exact figure is cost / quantity). */
  get averageEntryPrice(): Dec | null {
    if (this.#quantity.isZero()) return null;
    return this.#cost.div(this.#quantity).toDecimalPlaces(PRICE_SCALE);
  }

  hasTrade(tradeId: string): boolean {
    return this.#tradeIds.has(tradeId);
  }

  unrealizedPnl(mark: Dec): Dec {
    return this.#quantity.isZero() ? ZERO : this.#quantity.mul(mark).sub(this.#cost);
  }

  /**
   * Applies a fill once. A trade id seen before changes nothing and returns null (exchanges and our own
   * reconciliation deliver the same fill more than once). Validation happens before any change.
   */
  apply(fill: Fill, options: LedgerFillOptions = {}): FillEffect | null {
    if (this.#tradeIds.has(fill.tradeId)) return null;
    const parsed = this.#parseFill(fill, options);
    const before = this.#quantity;
    // A base-asset fee never reaches the account: the position moves by the net amount (see the header).
    const signed = fill.side === 'buy' ? parsed.amount.sub(parsed.feeBase) : parsed.amount.add(parsed.feeBase).neg();
    const closing = this.#closingPart(signed);
    let realized = ZERO;
    let closedEntry: Dec | null = null;
    if (!closing.isZero()) {
      const removedCost = this.#removeCost(closing);
      realized = closing.neg().mul(parsed.price).sub(removedCost);
      closedEntry = removedCost.div(closing.neg()).abs().toDecimalPlaces(PRICE_SCALE);
      this.#quantity = this.#quantity.add(closing);
      this.#cost = this.#cost.sub(removedCost);
      this.#realized = this.#realized.add(realized);
    }
    const opening = signed.sub(closing);
    this.#quantity = this.#quantity.add(opening);
    this.#cost = this.#cost.add(opening.mul(parsed.price));
    this.#filled = this.#filled.add(fill.side === 'buy' ? parsed.amount : parsed.amount.neg());
    this.#fees = this.#fees.add(parsed.feeQuote);
    this.#baseFees = this.#baseFees.add(parsed.feeBase);
    this.#tradeIds.add(fill.tradeId);
    if (this.#firstFillTime === null || fill.timestamp < this.#firstFillTime) this.#firstFillTime = fill.timestamp;
    return {
      tradeId: fill.tradeId,
      side: fill.side,
      price: toDecimalString(parsed.price),
      amount: toDecimalString(parsed.amount),
      netAmount: toDecimalString(signed.abs()),
      feeQuote: toDecimalString(parsed.feeQuote),
      feeCharged: toDecimalString(new Dec(fill.fee)),
      feeAsset: fill.feeAsset ?? this.quote,
      closedQuantity: toDecimalString(closing.abs()),
      closedEntryPrice: closedEntry ? toDecimalString(closedEntry) : null,
      realizedPnl: toDecimalString(realized),
      quantityBefore: toDecimalString(before),
      quantityAfter: toDecimalString(this.#quantity),
      timestamp: fill.timestamp,
    };
  }

  /**
   * Books one funding payment once (false when its id was booked before). Only a derivative has
   * funding; the amount is validated before anything changes.
   */
  applyFunding(payment: LedgerFunding): boolean {
    if (!isDerivativeSymbol(this.symbol)) throw new ValidationError(`${this.symbol} is not a perpetual: it has no funding`);
    if (payment.symbol !== undefined && payment.symbol !== this.symbol) throw new ValidationError(`Funding ${payment.id} is for ${payment.symbol}, not ${this.symbol}`);
    if (this.#fundingIds.has(payment.id)) return false;
    const amount = parseDecimal(payment.amount, 'funding amount');
    this.#funding = this.#funding.add(amount);
    this.#fundingIds.add(payment.id);
    return true;
  }

  snapshot(mark?: Dec | null, details: SnapshotDetails = {}): PositionSnapshot {
    const unrealized = mark ? this.unrealizedPnl(mark) : ZERO;
    const average = this.averageEntryPrice;
    return {
      symbol: this.symbol,
      side: this.side,
      quantity: toDecimalString(this.#quantity),
      dust: (details.dust ?? false) && !this.#quantity.isZero(),
      averageEntryPrice: average ? toDecimalString(average) : null,
      cost: toDecimalString(this.#cost),
      realizedPnl: toDecimalString(this.#realized),
      unrealizedPnl: toDecimalString(unrealized),
      fees: toDecimalString(this.#fees),
      baseFees: toDecimalString(this.#baseFees),
      netPnl: toDecimalString(this.#realized.add(unrealized).sub(this.#fees).add(this.#funding)),
      markPrice: mark ? toDecimalString(mark) : null,
      markTime: mark ? (details.markTime ?? null) : null,
      ...(isDerivativeSymbol(this.symbol) ? { funding: toDecimalString(this.#funding), ...(mark && details.markSource ? { markSource: details.markSource } : {}) } : {}),
    };
  }

  toState(): PositionLedgerState {
    return {
      symbol: this.symbol,
      base: this.base,
      quote: this.quote,
      quantity: toDecimalString(this.#quantity),
      filledQuantity: toDecimalString(this.#filled),
      cost: toDecimalString(this.#cost),
      realizedPnl: toDecimalString(this.#realized),
      fees: toDecimalString(this.#fees),
      baseFees: toDecimalString(this.#baseFees),
      tradeIds: [...this.#tradeIds],
      ...(isDerivativeSymbol(this.symbol) ? { funding: toDecimalString(this.#funding), fundingIds: [...this.#fundingIds] } : {}),
    };
  }

  /** The part of a signed fill quantity that reduces the current position (same sign as the fill, or 0). */
  #closingPart(signed: Dec): Dec {
    if (this.#quantity.isZero() || this.#quantity.isPositive() === signed.isPositive()) return ZERO;
    return signed.abs().gte(this.#quantity.abs()) ? this.#quantity.neg() : signed;
  }

  /** The cost that leaves with `closing`; a full close takes all of it so nothing is left behind by rounding. */
  #removeCost(closing: Dec): Dec {
    if (closing.abs().eq(this.#quantity.abs())) return this.#cost;
    return this.#cost.mul(closing.neg()).div(this.#quantity).toDecimalPlaces(COST_SCALE);
  }

  #parseFill(fill: Fill, options: LedgerFillOptions): { price: Dec; amount: Dec; feeQuote: Dec; feeBase: Dec } {
    if (fill.symbol !== this.symbol) {
      throw new ValidationError(`Fill ${fill.tradeId} is for ${fill.symbol}, not ${this.symbol}`);
    }
    const price = parseDecimal(fill.price, 'price', fill.tradeId);
    const amount = parseDecimal(fill.amount, 'amount', fill.tradeId);
    if (!price.gt(ZERO) || !amount.gt(ZERO)) {
      throw new ValidationError(`Fill ${fill.tradeId} must have a positive price and amount, got ${fill.price} × ${fill.amount}`);
    }
    // A negative fee is a maker rebate and is kept as such.
    const fee = parseDecimal(fill.fee, 'fee', fill.tradeId);
    const asset = fill.feeAsset;
    if (asset === null || asset === this.quote || fee.isZero()) return { price, amount, feeQuote: fee, feeBase: ZERO };
    if (asset === this.base) return { price, amount, feeQuote: fee.mul(price), feeBase: fee };
    if (options.feeInQuote === undefined) {
      throw new ValidationError(
        `Fill ${fill.tradeId} charged its fee in ${asset}; pass its value in ${this.quote} (feeInQuote) to account for it`,
      );
    }
    return { price, amount, feeQuote: parseDecimal(options.feeInQuote, 'feeInQuote', fill.tradeId), feeBase: ZERO };
  }
}

function parseDecimal(value: string, field: string, tradeId?: string): Dec {
  if (!DECIMAL_PATTERN.test(value)) {
    const where = tradeId ? `fill ${tradeId}` : 'ledger state';
    throw new ValidationError(`Expected ${field} of ${where} to be a decimal string, got "${value}"`);
  }
  return new Dec(value);
}
