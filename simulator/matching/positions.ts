import { Dec } from '../../src/domain/money.js';

/**
 * Pure one-way position arithmetic for USDT-margined linear perpetuals: what a fill does to a
 * position (average entry, initial margin, realized PnL) and where it is liquidated. No I/O and no
 * state, so the derivatives venue and its property tests share one definition.
 */

/** Settle-coin amounts are kept at 8 decimals, the precision Bybit reports margin and PnL in. */
export const MONEY_DP = 8;

export interface PositionState {
  /** Signed size: positive long, negative short. */
  size: Dec;
  entry: Dec;
  /** Margin set aside for the position. */
  margin: Dec;
}

export interface FillEffect {
  next: PositionState;
  /** Quantity of the fill that reduced the existing position. */
  closed: Dec;
  /** Trading PnL realized by the reducing part (fees are the caller's). */
  realizedPnl: Dec;
  /** Margin given back by the reducing part. */
  released: Dec;
  /** Initial margin the opening part needs. */
  added: Dec;
}

export const FLAT: PositionState = Object.freeze({ size: new Dec(0), entry: new Dec(0), margin: new Dec(0) });

/** Initial margin of `qty` at `price` and `leverage`, rounded up so the venue never under-collects. */
export function initialMargin(qty: Dec, price: Dec, leverage: Dec): Dec {
  return qty.abs().mul(price).div(leverage).toDecimalPlaces(MONEY_DP, Dec.ROUND_UP);
}

/**
 * Applies a fill of signed quantity `signedQty` (positive buy) at `price`. The reducing part closes
 * at the average entry and releases margin in proportion (all of it when the position closes); the
 * rest opens, or flips the position, at `price` with initial margin at `leverage`.
 */
export function applyFill(pos: PositionState, signedQty: Dec, price: Dec, leverage: Dec): FillEffect {
  const sameDirection = pos.size.isZero() || pos.size.isNegative() === signedQty.isNegative();
  if (sameDirection) {
    const size = pos.size.add(signedQty);
    const entry = pos.size.abs().mul(pos.entry).add(signedQty.abs().mul(price)).div(size.abs()).toDecimalPlaces(MONEY_DP, Dec.ROUND_HALF_UP);
    const added = initialMargin(signedQty, price, leverage);
    return { next: { size, entry, margin: pos.margin.add(added) }, closed: new Dec(0), realizedPnl: new Dec(0), released: new Dec(0), added };
  }
  const closed = Dec.min(signedQty.abs(), pos.size.abs());
  const direction = pos.size.isNegative() ? -1 : 1;
  const realizedPnl = closed.mul(price.sub(pos.entry)).mul(direction).toDecimalPlaces(MONEY_DP, Dec.ROUND_HALF_UP);
  const remainingSize = pos.size.abs().sub(closed);
  const released = remainingSize.isZero() ? pos.margin : pos.margin.mul(closed).div(pos.size.abs()).toDecimalPlaces(MONEY_DP, Dec.ROUND_DOWN);
  const opening = signedQty.abs().sub(closed);
  if (opening.isZero()) {
    const next = remainingSize.isZero() ? FLAT : { size: pos.size.sub(closed.mul(direction)), entry: pos.entry, margin: pos.margin.sub(released) };
    return { next, closed, realizedPnl, released, added: new Dec(0) };
  }
  // A flip: the old position is closed whole; the remainder opens the other way at the fill price.
  const added = initialMargin(opening, price, leverage);
  const size = opening.mul(signedQty.isNegative() ? -1 : 1);
  return { next: { size, entry: price, margin: added }, closed, realizedPnl, released, added };
}

/** Unrealized PnL at `mark`. */
export function unrealizedPnl(pos: PositionState, mark: Dec): Dec {
  return pos.size.mul(mark.sub(pos.entry)).toDecimalPlaces(MONEY_DP, Dec.ROUND_HALF_UP);
}

/**
 * Maintenance margin. Simplification: on the entry value (Bybit uses the mark value), so the
 * liquidation price is a fixed number the venue and the position endpoint agree on.
 */
export function maintenanceMargin(pos: PositionState, mmr: Dec): Dec {
  return pos.size.abs().mul(pos.entry).mul(mmr).toDecimalPlaces(MONEY_DP, Dec.ROUND_UP);
}

/**
 * Where margin + unrealized PnL equals the maintenance margin, `collateral` being what backs the
 * position (its margin when isolated; plus the free settle coin when cross). Rounded to the tick
 * towards the entry, so the venue liquidates at or before the exact price. Undefined when flat.
 */
export function liquidationPrice(pos: PositionState, collateral: Dec, mmr: Dec, tick: Dec): Dec | undefined {
  if (pos.size.isZero()) return undefined;
  const distance = collateral.sub(maintenanceMargin(pos, mmr)).div(pos.size.abs());
  if (pos.size.isPositive()) {
    const px = pos.entry.sub(distance);
    return Dec.max(tick, px.div(tick).ceil().mul(tick));
  }
  return pos.entry.add(distance).div(tick).floor().mul(tick);
}

/** Where the position's collateral is gone (margin + unrealized PnL = 0), to the tick away from the entry. */
export function bankruptcyPrice(pos: PositionState, collateral: Dec, tick: Dec): Dec | undefined {
  if (pos.size.isZero()) return undefined;
  const distance = collateral.div(pos.size.abs());
  if (pos.size.isPositive()) return Dec.max(tick, pos.entry.sub(distance).div(tick).floor().mul(tick));
  return pos.entry.add(distance).div(tick).ceil().mul(tick);
}

/** Whether `mark` has reached the liquidation price (long: at or below it; short: at or above). */
export function isLiquidated(pos: PositionState, mark: Dec, liq: Dec | undefined): boolean {
  if (liq === undefined) return false;
  return pos.size.isPositive() ? mark.lte(liq) : mark.gte(liq);
}
