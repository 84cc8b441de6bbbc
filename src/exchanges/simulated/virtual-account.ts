import { InsufficientFundsError } from '../../domain/errors.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { BalanceEntry } from '../exchange.port.js';

/**
 * Balances of a simulated account. Orders reserve what they may spend (`used`), fills settle the real
 * amounts, and a balance only goes negative where shorting is allowed. Exact decimals throughout.
 */
export class VirtualAccount {
  readonly #total = new Map<string, Dec>();
  readonly #used = new Map<string, Dec>();

  constructor(initial: Readonly<Record<string, DecimalString>> = {}) {
    for (const [asset, amount] of Object.entries(initial)) this.#total.set(asset, new Dec(amount));
  }

  total(asset: string): Dec {
    return this.#total.get(asset) ?? ZERO;
  }

  used(asset: string): Dec {
    return this.#used.get(asset) ?? ZERO;
  }

  free(asset: string): Dec {
    return this.total(asset).sub(this.used(asset));
  }

  /** Sets `amount` aside for an order, or throws InsufficientFundsError (nothing changes then). */
  reserve(asset: string, amount: Dec, what: string): void {
    // Nothing set aside (a sell adding to a short, where shorting is allowed) needs no funds, even
    // while the balance is below zero.
    if (amount.isZero()) return;
    if (amount.gt(this.free(asset))) {
      throw new InsufficientFundsError(
        `Insufficient ${asset} for ${what}: needs ${toDecimalString(amount)}, free ${toDecimalString(this.free(asset))}`,
      );
    }
    this.#used.set(asset, this.used(asset).add(amount));
  }

  release(asset: string, amount: Dec): void {
    this.#used.set(asset, Dec.max(ZERO, this.used(asset).sub(amount)));
  }

  /** Adds a signed amount to the total (a fill's settlement). */
  change(asset: string, delta: Dec): void {
    this.#total.set(asset, this.total(asset).add(delta));
  }

  balances(): BalanceEntry[] {
    const assets = new Set([...this.#total.keys(), ...this.#used.keys()]);
    return [...assets].sort().map((asset) => ({
      asset,
      free: toDecimalString(this.free(asset)),
      used: toDecimalString(this.used(asset)),
      total: toDecimalString(this.total(asset)),
    }));
  }
}
