import { Dec, ZERO } from '../../domain/money.js';
import type { Market } from '../../exchanges/exchange.port.js';

/**
 * Dust: a remaining position too small to trade on its market. Exchanges that take their fee in the
 * base asset leave such remainders after every round trip (buy 46.9 XRP, fee 0.0469 XRP, sell 46.8:
 * 0.0531 XRP stays, and no order at the step 0.1 can sell it). Dust is reported, but it is not a
 * position to the strategy or the risk gate: a strategy that enters only when flat would otherwise
 * never trade again, and every exit of it would be refused for good.
 *
 * A quantity is dust when its absolute value is below the market's minimum amount, rounds to 0 at the
 * amount step, or — when a price is given — is worth less than the market's minimum order value.
 */

export type DustRules = Pick<Market, 'amountStep' | 'minAmount' | 'minCost'>;

export function isDust(quantity: Dec, rules: DustRules, price: Dec | null = null): boolean {
  const size = quantity.abs();
  if (size.isZero()) return false;
  const step = rules.amountStep === null ? null : new Dec(rules.amountStep);
  if (step !== null && step.gt(ZERO) && size.div(step).floor().isZero()) return true;
  if (rules.minAmount !== null && size.lt(rules.minAmount)) return true;
  return price !== null && rules.minCost !== null && size.mul(price).lt(rules.minCost);
}

/** The position as the strategy and the risk gate see it: 0 when it is dust. */
export function tradablePosition(quantity: Dec, rules: DustRules, price: Dec | null = null): Dec {
  return isDust(quantity, rules, price) ? ZERO : quantity;
}
