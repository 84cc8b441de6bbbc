import { Dec, toDecimalString } from '../../domain/money.js';
import type { PositionSnapshot } from '../../domain/positions.js';
import { estimatedLiquidationPrice } from '../liquidation.js';
import { roundPriceToTick } from '../order-sizing.js';

/** Without the market's tick (a stopped bot's row keeps none), prices are shown to this many decimals. */
const UNKNOWN_TICK = new Dec('0.00000001');

/**
 * A derivatives position as status shows it: with the leverage the bot trades it at, the margin it
 * holds (|cost| ÷ leverage, rounded up to 8 decimals: never shown smaller than it is) and the
 * estimated liquidation price at its average entry, at the market's tick and rounded towards the entry
 * so it never looks safer than it is (null when flat or when none liquidates it).
 */
export function withDerivativesFigures(position: PositionSnapshot, leverage: Dec, priceStep: Dec | null): PositionSnapshot {
  const side = position.side === 'flat' || position.averageEntryPrice === null ? null : position.side;
  const liquidation = side === null ? null : estimatedLiquidationPrice({ side, entry: new Dec(position.averageEntryPrice as string), leverage });
  const margin = new Dec(position.cost).abs().div(leverage).toDecimalPlaces(8, Dec.ROUND_UP);
  const tick = priceStep === null || priceStep.isZero() ? UNKNOWN_TICK : priceStep;
  return {
    ...position,
    leverage: toDecimalString(leverage),
    margin: toDecimalString(margin),
    liquidationPrice: liquidation === null ? null : toDecimalString(roundPriceToTick(liquidation, tick, side === 'long' ? 'sell' : 'buy')),
  };
}
