import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { OrderSide } from '../../exchanges/exchange.port.js';
import type { FillEffect } from '../accounting/position-ledger.js';

/**
 * Turns the ledger's fill effects into round trips: a trade opens when the position leaves flat and
 * closes when it returns to flat. Adds and partial exits stay inside one trade (DCA, grid), so entry
 * and exit prices are volume-weighted averages. A fill that flips the position is split between the
 * trade it closes and the one it opens, its fee pro rata, so Σ trade PnL = the ledger's net PnL exactly.
 */

/** Decimals kept when a flip fill's fee is split; the remainder goes to the new trade, so nothing is lost. */
const SPLIT_SCALE = 20;
/** Decimals of the reported average prices (they are derived figures; PnL comes from the ledger). */
const AVERAGE_SCALE = 12;

export interface TradeFill {
  time: number;
  side: OrderSide;
  price: DecimalString;
  amount: DecimalString;
  /** Fee in quote. */
  fee: DecimalString;
  reason: string | null;
}

export interface BacktestTrade {
  id: number;
  side: 'long' | 'short';
  status: 'closed' | 'open';
  entryTime: number;
  /** Volume-weighted average of the opening fills. */
  entryPrice: DecimalString;
  exitTime: number | null;
  /** Volume-weighted average of the closing fills; null while nothing was closed. */
  exitPrice: DecimalString | null;
  /** Total quantity opened (base). */
  size: DecimalString;
  /** Realized (plus, for an open trade, unrealized at the last close) minus fees, in quote. */
  pnl: DecimalString;
  fee: DecimalString;
  entryReason: string | null;
  exitReason: string | null;
  fills: TradeFill[];
}

/** The fills of one round trip as the ledger reported them; decimal work waits until the report asks. */
interface RawTrade {
  effects: { effect: FillEffect; reason: string | null }[];
}

export class TradeList {
  readonly #trades: RawTrade[] = [];
  #open: RawTrade | null = null;

  /** Round trips so far (the open one included). */
  get count(): number {
    return this.#trades.length;
  }

  /**
   * Records one applied fill with the reason of the intent that caused it. Only string comparisons
   * here (this runs on every fill of a busy backtest); the arithmetic happens in `trades()`.
   */
  record(effect: FillEffect, reason: string | null): void {
    if (this.#open === null || effect.quantityBefore === '0') {
      this.#open = { effects: [] };
      this.#trades.push(this.#open);
    }
    this.#open.effects.push({ effect, reason });
    if (effect.quantityAfter === '0') this.#open = null;
    else if (effect.closedQuantity !== '0' && effect.closedQuantity !== effect.amount) {
      // A flip: the same fill closes this trade and opens the next one (split in `trades()`).
      this.#open = { effects: [{ effect, reason }] };
      this.#trades.push(this.#open);
    }
  }

  /**
   * All trades; the open one (if any) carries `unrealized` — the ledger's own figure at the last close,
   * so that Σ trade PnL equals the ledger's net PnL to the last digit.
   */
  trades(unrealized: Dec): BacktestTrade[] {
    return this.#trades.map((raw, k) => build(raw, k + 1, raw === this.#open ? unrealized : null));
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

function build(raw: RawTrade, id: number, unrealized: Dec | null): BacktestTrade {
  const t: Totals = { openedQty: ZERO, openedValue: ZERO, closedQty: ZERO, closedValue: ZERO, realized: ZERO, fees: ZERO, exitTime: null, exitReason: null, fills: [] };
  const first = raw.effects[0] as { effect: FillEffect; reason: string | null };
  raw.effects.forEach(({ effect, reason }, k) => addFill(t, effect, reason, part(raw, k)));
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
    pnl: toDecimalString(t.realized.add(unrealized ?? ZERO).sub(t.fees)),
    fee: toDecimalString(t.fees),
    entryReason: first.reason,
    exitReason: t.exitReason,
    fills: t.fills,
  };
}

/** Which part of the k-th fill belongs to this trade: a flip fill is the closing part of one trade and the opening part of the next. */
function part(raw: RawTrade, k: number): 'all' | 'closing' | 'opening' {
  const { effect } = raw.effects[k] as { effect: FillEffect };
  const flip = effect.closedQuantity !== '0' && effect.closedQuantity !== effect.amount && effect.quantityAfter !== '0';
  if (!flip) return 'all';
  return k === 0 && effect.quantityBefore !== '0' ? 'opening' : 'closing';
}

/** The side the first fill left the position on (a trade never changes side: a flip starts a new one). */
function openingSide(raw: RawTrade): 'long' | 'short' {
  return (raw.effects[0] as { effect: FillEffect }).effect.quantityAfter.startsWith('-') ? 'short' : 'long';
}

function addFill(t: Totals, effect: FillEffect, reason: string | null, which: 'all' | 'closing' | 'opening'): void {
  const amount = new Dec(effect.amount);
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
    t.fills.push(fillOf(effect, closing, closingFee, reason));
  }
  if (!opening.isZero()) {
    const openingFee = which === 'opening' ? fee.sub(closingFee) : fee;
    t.openedQty = t.openedQty.add(opening);
    t.openedValue = t.openedValue.add(opening.mul(price));
    t.fees = t.fees.add(openingFee);
    t.fills.push(fillOf(effect, opening, openingFee, reason));
  }
}

function fillOf(effect: FillEffect, qty: Dec, fee: Dec, reason: string | null): TradeFill {
  const whole = qty.eq(effect.amount) && fee.eq(effect.feeQuote);
  return { time: effect.timestamp, side: effect.side, price: effect.price, amount: whole ? effect.amount : toDecimalString(qty), fee: whole ? effect.feeQuote : toDecimalString(fee), reason };
}
