import { Dec, ZERO, toDecimalString } from '../../domain/money.js';
import type { BacktestTrade, TradeFill } from '../../domain/backtest-report.js';
import type { FillEffect } from '../accounting/position-ledger.js';

export type { BacktestTrade, TradeFill } from '../../domain/backtest-report.js';

/**
 * Turns the ledger's fill effects into round trips: a trade opens when the position leaves flat and
 * closes when it returns to flat. Adds and partial exits stay inside one trade (DCA, grid), so entry
 * and exit prices are volume-weighted averages. A fill that flips the position is split between the
 * trade it closes and the one it opens, its fee pro rata, so Σ trade PnL = the ledger's net PnL exactly.
 * Quantities are what the position holds (net of fees taken in base). A trade also closes when only dust
 * is left (fees taken in base leave it after every exit): the dust stays with that trade — its value at
 * the end, or the part of it a later fill sells — so the sum above still holds to the last digit.
 */

/** Decimals kept when a flip fill's fee is split; the remainder goes to the new trade, so nothing is lost. */
const SPLIT_SCALE = 20;
/** Decimals of the reported average prices (they are derived figures; PnL comes from the ledger). */
const AVERAGE_SCALE = 12;

/** The fills of one round trip as the ledger reported them; decimal work waits until the report asks. */
interface RawTrade {
  effects: { effect: FillEffect; reason: string | null; liquidation?: true }[];
  /** A perpetual's funding while the trade was open (signed, as the account saw it). */
  funding: Dec;
}

export class TradeList {
  readonly #trades: RawTrade[] = [];
  readonly #derivative: boolean;
  #open: RawTrade | null = null;
  /** The last trade, closed with dust left: a later fill that sells into the dust belongs to it. */
  #dust: RawTrade | null = null;

  /** `derivative`: each trade carries the funding paid or received while it was open (in its PnL). */
  constructor(options: { derivative?: boolean } = {}) {
    this.#derivative = options.derivative ?? false;
  }

  /** Round trips so far (the open one included). */
  get count(): number {
    return this.#trades.length;
  }

  /**
   * Records one applied fill with the reason of the intent that caused it. Only string comparisons
   * here (this runs on every fill of a busy backtest); the arithmetic happens in `trades()`.
   */
  record(effect: FillEffect, reason: string | null, flatAfter = effect.quantityAfter === '0', liquidation = false): void {
    if (this.#open === null && this.#dust !== null && effect.closedQuantity !== '0') this.#open = this.#dust;
    else if (this.#open === null || effect.quantityBefore === '0') {
      this.#open = { effects: [], funding: ZERO };
      this.#trades.push(this.#open);
    }
    this.#dust = null;
    this.#open.effects.push(liquidation ? { effect, reason, liquidation: true } : { effect, reason });
    if (flatAfter) {
      if (effect.quantityAfter !== '0') this.#dust = this.#open;
      this.#open = null;
    } else if (effect.closedQuantity !== '0' && effect.closedQuantity !== effect.netAmount) {
      // A flip: the same fill closes this trade and opens the next one (split in `trades()`).
      this.#open = { effects: [{ effect, reason }], funding: ZERO };
      this.#trades.push(this.#open);
    }
  }

  /** A funding payment of the position: it belongs to the open trade (or the one whose remainder is still held). */
  addFunding(amount: Dec): void {
    const trade = this.#open ?? this.#dust;
    if (trade) trade.funding = trade.funding.add(amount);
  }

  /**
   * All trades; the open one (if any) carries `unrealized` — the ledger's own figure at the last close,
   * so that Σ trade PnL equals the ledger's net PnL to the last digit.
   */
  trades(unrealized: Dec): BacktestTrade[] {
    return this.#trades.map((raw, k) => build(raw, k + 1, raw === this.#open ? unrealized : null, raw === this.#dust ? unrealized : ZERO, this.#derivative));
  }
}

interface Totals {
  openedQty: Dec;
  openedValue: Dec;
  closedQty: Dec;
  closedValue: Dec;
  realized: Dec;
  fees: Dec;
  exitTime: number | null;
  exitReason: string | null;
  fills: TradeFill[];
}

/** `unrealized`: the open trade's (null when closed); `dustValue`: a closed trade's dust, valued at the end. */
function build(raw: RawTrade, id: number, unrealized: Dec | null, dustValue: Dec, derivative: boolean): BacktestTrade {
  const t: Totals = { openedQty: ZERO, openedValue: ZERO, closedQty: ZERO, closedValue: ZERO, realized: ZERO, fees: ZERO, exitTime: null, exitReason: null, fills: [] };
  const first = raw.effects[0] as { effect: FillEffect; reason: string | null };
  raw.effects.forEach(({ effect, reason, liquidation }, k) => addFill(t, effect, reason, part(raw, k), liquidation === true));
  const side = openingSide(raw);
  return {
    id,
    side,
    status: unrealized === null ? 'closed' : 'open',
    entryTime: first.effect.timestamp,
    entryPrice: t.openedQty.isZero() ? '0' : toDecimalString(t.openedValue.div(t.openedQty).toDecimalPlaces(AVERAGE_SCALE)),
    exitTime: t.exitTime,
    exitPrice: t.closedQty.isZero() ? null : toDecimalString(t.closedValue.div(t.closedQty).toDecimalPlaces(AVERAGE_SCALE)),
    size: toDecimalString(t.openedQty),
    pnl: toDecimalString(t.realized.add(unrealized ?? dustValue).sub(t.fees).add(raw.funding)),
    fee: toDecimalString(t.fees),
    ...(derivative ? { funding: toDecimalString(raw.funding) } : {}),
    entryReason: first.reason,
    exitReason: t.exitReason,
    fills: t.fills,
  };
}

/** Which part of the k-th fill belongs to this trade: a flip fill is the closing part of one trade and the opening part of the next. */
function part(raw: RawTrade, k: number): 'all' | 'closing' | 'opening' {
  const { effect } = raw.effects[k] as { effect: FillEffect };
  const flip = effect.closedQuantity !== '0' && effect.closedQuantity !== effect.netAmount && effect.quantityAfter !== '0';
  if (!flip) return 'all';
  return k === 0 && effect.quantityBefore !== '0' ? 'opening' : 'closing';
}

/** The side the first fill left the position on (a trade never changes side: a flip starts a new one). */
function openingSide(raw: RawTrade): 'long' | 'short' {
  return (raw.effects[0] as { effect: FillEffect }).effect.quantityAfter.startsWith('-') ? 'short' : 'long';
}

function addFill(t: Totals, effect: FillEffect, reason: string | null, which: 'all' | 'closing' | 'opening', liquidation: boolean): void {
  const amount = new Dec(effect.netAmount);
  const price = new Dec(effect.price);
  const fee = new Dec(effect.feeQuote);
  const closing = which === 'opening' ? ZERO : new Dec(effect.closedQuantity);
  const opening = which === 'closing' ? ZERO : amount.sub(new Dec(effect.closedQuantity));
  const closingFee = closing.eq(amount) ? fee : fee.mul(new Dec(effect.closedQuantity)).div(amount).toDecimalPlaces(SPLIT_SCALE);
  if (!closing.isZero()) {
    t.closedQty = t.closedQty.add(closing);
    t.closedValue = t.closedValue.add(closing.mul(price));
    t.realized = t.realized.add(effect.realizedPnl);
    t.fees = t.fees.add(closingFee);
    t.exitTime = effect.timestamp;
    t.exitReason = reason;
    t.fills.push(fillOf(effect, closing, closingFee, reason, liquidation));
  }
  if (!opening.isZero()) {
    const openingFee = which === 'opening' ? fee.sub(closingFee) : fee;
    t.openedQty = t.openedQty.add(opening);
    t.openedValue = t.openedValue.add(opening.mul(price));
    t.fees = t.fees.add(openingFee);
    t.fills.push(fillOf(effect, opening, openingFee, reason, false));
  }
}

function fillOf(effect: FillEffect, qty: Dec, fee: Dec, reason: string | null, liquidation: boolean): TradeFill {
  const whole = qty.eq(effect.netAmount) && fee.eq(effect.feeQuote);
  return {
    time: effect.timestamp,
    side: effect.side,
    price: effect.price,
    amount: whole ? effect.amount : toDecimalString(qty),
    fee: whole ? effect.feeQuote : toDecimalString(fee),
    // A split fill's charged fee is shared pro rata like its quote value.
    feeCharged: whole ? effect.feeCharged : toDecimalString(new Dec(effect.feeCharged).mul(qty).div(effect.netAmount).toDecimalPlaces(SPLIT_SCALE)),
    feeAsset: effect.feeAsset,
    reason,
    ...(liquidation ? { liquidation: true as const } : {}),
  };
}
