import { Dec } from '../../src/domain/money.js';
import type { SimWallet } from '../types.js';
import { balanceOf, moveBalance } from './balances.js';

/**
 * Settle-coin moves of the derivatives core on the wallet holding the margin (the account's own on
 * Bybit's unified account, the futures wallet on Binance). Margin (of positions and of
 * resting opening orders) sits in the coin's `used`; PnL, fees and funding move `free`. So the
 * wallet balance (free + used) changes only by realized PnL, fees and funding, and a spot order can
 * never spend collateral.
 */

/** Moves `amount` from free to used (a lock or a position's initial margin). */
export function reserve(wallet: SimWallet, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(wallet, coin, { free: amount.neg(), used: amount });
}

/** Moves `amount` from used back to free. */
export function release(wallet: SimWallet, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(wallet, coin, { free: amount, used: amount.neg() });
}

/** Adds a signed amount to free (PnL, funding received); a loss beyond free is not taken. Returns what was booked. */
export function bookFree(wallet: SimWallet, coin: string, amount: Dec): Dec {
  if (amount.gte(0)) {
    if (!amount.isZero()) moveBalance(wallet, coin, { free: amount });
    return amount;
  }
  const taken = Dec.min(amount.neg(), balanceOf(wallet, coin).free);
  if (!taken.isZero()) moveBalance(wallet, coin, { free: taken.neg() });
  return taken.neg();
}

/** Takes `amount` out of used (margin lost to a liquidation or to funding the free coin could not pay). */
export function burnUsed(wallet: SimWallet, coin: string, amount: Dec): void {
  if (amount.isZero()) return;
  moveBalance(wallet, coin, { used: amount.neg() });
}

export function freeOf(wallet: SimWallet, coin: string): Dec {
  return balanceOf(wallet, coin).free;
}
