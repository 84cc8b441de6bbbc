import { Dec } from '../../src/domain/money.js';
import type { SimAccount } from '../types.js';
import { balanceOf, moveBalance } from './balances.js';

/**
 * Settle-coin moves of the derivatives core on an account's balance. Margin (of positions and of
 * resting opening orders) sits in the coin's `used`; PnL, fees and funding move `free`. So the
 * wallet balance (free + used) changes only by realized PnL, fees and funding, and a spot order can
 * never spend collateral.
 */

/** Moves `amount` from free to used (a lock or a position's initial margin). */
export function reserve(account: SimAccount, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(account, coin, { free: amount.neg(), used: amount });
}

/** Moves `amount` from used back to free. */
export function release(account: SimAccount, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(account, coin, { free: amount, used: amount.neg() });
}

/** Adds a signed amount to free (PnL, funding received); a loss beyond free is not taken. Returns what was booked. */
export function bookFree(account: SimAccount, coin: string, amount: Dec): Dec {
  if (amount.gte(0)) {
    if (!amount.isZero()) moveBalance(account, coin, { free: amount });
    return amount;
  }
  const taken = Dec.min(amount.neg(), balanceOf(account, coin).free);
  if (!taken.isZero()) moveBalance(account, coin, { free: taken.neg() });
  return taken.neg();
}

/** Takes `amount` out of used (margin lost to a liquidation or to funding the free coin could not pay). */
export function burnUsed(account: SimAccount, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(account, coin, { used: amount.neg() });
}

export function freeOf(account: SimAccount, coin: string): Dec {
  return balanceOf(account, coin).free;
}
