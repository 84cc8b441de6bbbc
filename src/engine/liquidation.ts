import { Dec, ZERO } from '../domain/money.js';

const ONE = new Dec(1);

/**
 * The estimated liquidation price of an isolated USDT-margined linear position (Bybit, Binance USDⓈ-M,
 * OKX and Gate USDT swaps all price them so): the position's margin is entry × size / leverage, and
 * the exchange closes it when margin + unrealized PnL falls to the maintenance margin,
 * mark × size × mmr. Solved for the mark:
 *   long:  entry × (1 − 1/leverage) / (1 − mmr)
 *   short: entry × (1 + 1/leverage) / (1 + mmr)
 * Fees and the exchange's tiers move it a little; with `DEFAULT_MAINTENANCE_MARGIN_RATE` above every
 * venue's lowest tier for the majors it errs towards the entry, which is the side the risk gate wants
 * to err on. Null when no price liquidates (a 1× long: margin covers a fall to zero).
 */
export function estimatedLiquidationPrice(params: { side: 'long' | 'short'; entry: Dec; leverage: Dec; maintenanceMarginRate?: Dec }): Dec | null {
  const mmr = params.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE;
  const inverse = ONE.div(params.leverage);
  if (params.side === 'long') {
    const price = params.entry.mul(ONE.sub(inverse)).div(ONE.sub(mmr));
    return price.gt(ZERO) ? price : null;
  }
  return params.entry.mul(ONE.add(inverse)).div(ONE.add(mmr));
}

/**
 * 1 %: Bybit's and Binance's lowest tiers are 0.4–0.5 % for BTC and ETH and 1 % for most other USDT
 * perpetuals (https://www.bybit.com/en/announcement-info/transact-parameters,
 * https://www.binance.com/en/futures/trading-rules/perpetual/leverage-margin).
 */
export const DEFAULT_MAINTENANCE_MARGIN_RATE = new Dec('0.01');

/** How far the price may move against the entry before the position is liquidated, as a fraction of the entry. */
export function liquidationDistance(side: 'long' | 'short', entry: Dec, liquidation: Dec | null): Dec | null {
  if (liquidation === null) return null;
  return side === 'long' ? entry.sub(liquidation).div(entry) : liquidation.sub(entry).div(entry);
}
