import { Dec, ZERO, toDecimalString } from '../domain/money.js';
import type { Market } from '../exchanges/exchange.port.js';
import type { OrderSide } from '../domain/orders.js';

/**
 * Fitting an order to a market's rules: amounts round *down* to the step (never trade more than asked),
 * limit prices round to the tick in the cautious direction (a buy never pays more, a sell never asks
 * less than the strategy said), then the market's minimums and maximums are checked with a reason a
 * person can act on.
 */

export type SizingResult = { ok: true; amount: Dec; price: Dec | null } | { ok: false; reason: string };

export function roundDownToStep(value: Dec, step: Dec | null): Dec {
  if (step === null || step.isZero()) return value;
  return value.div(step).floor().mul(step);
}

export function roundPriceToTick(price: Dec, tick: Dec | null, side: OrderSide): Dec {
  if (tick === null || tick.isZero()) return price;
  const units = price.div(tick);
  return (side === 'buy' ? units.floor() : units.ceil()).mul(tick);
}

/**
 * Rounds and checks one order against `market`. `referencePrice` values market orders for the min-cost
 * check (the order's own price is used for limits).
 */
export function fitOrderToMarket(params: {
  market: Market;
  side: OrderSide;
  amount: Dec;
  limitPrice: Dec | null;
  referencePrice: Dec;
}): SizingResult {
  const { market, side } = params;
  const unit = market.base;
  const step = decOrNull(market.amountStep);
  const amount = roundDownToStep(params.amount, step);
  const price = params.limitPrice ? roundPriceToTick(params.limitPrice, decOrNull(market.priceStep), side) : null;
  const stepNote = step && !amount.eq(params.amount) ? ` after rounding ${fmt(params.amount)} down to the step ${market.amountStep}` : '';
  if (!amount.gt(ZERO)) return { ok: false, reason: `Order amount is 0 ${unit}${stepNote}` };
  if (price !== null && !price.gt(ZERO)) return { ok: false, reason: `Limit price ${fmt(params.limitPrice ?? ZERO)} rounds to 0 at tick ${market.priceStep}` };
  const min = decOrNull(market.minAmount);
  if (min && amount.lt(min)) return { ok: false, reason: `Amount ${fmt(amount)} ${unit}${stepNote} is below the ${market.symbol} minimum of ${market.minAmount} ${unit}` };
  const max = decOrNull(market.maxAmount);
  if (max && amount.gt(max)) return { ok: false, reason: `Amount ${fmt(amount)} ${unit} is above the ${market.symbol} maximum of ${market.maxAmount} ${unit}` };
  const minCost = decOrNull(market.minCost);
  const cost = amount.mul(price ?? params.referencePrice);
  if (minCost && cost.lt(minCost)) {
    return { ok: false, reason: `Order value ${fmt(cost)} ${market.quote} is below the ${market.symbol} minimum of ${market.minCost} ${market.quote}` };
  }
  return { ok: true, amount, price };
}

function decOrNull(value: string | null): Dec | null {
  return value === null ? null : new Dec(value);
}

function fmt(value: Dec): string {
  return toDecimalString(value.toSignificantDigits(18));
}
