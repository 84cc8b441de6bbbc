import type { PerpSpec } from './derivatives-types.js';
import type { MarketSpec } from './types.js';

/**
 * The USDT perpetual listed beside each spot market: same id, same price path, same filters, with
 * the lowest risk tier's maximum leverage and maintenance margin rate. BTC: 0.5 % and 100× (Bybit,
 * "Risk Limit (USDT Contract)", https://www.bybit.com/en/help-center/article/Risk-Limit-USDT-Contract,
 * and GET /v5/market/risk-limit, https://bybit-exchange.github.io/docs/v5/market/risk-limit). ETH and
 * XRP: plausible values of the same table (0.5 % / 100× and 1 % / 50×), not checked against the live
 * endpoint. A symbol not in the table gets 1 % and 50×.
 */
const TIERS: Readonly<Record<string, { maxLeverage: string; maintenanceMarginRate: string }>> = {
  BTC: { maxLeverage: '100', maintenanceMarginRate: '0.005' },
  ETH: { maxLeverage: '100', maintenanceMarginRate: '0.005' },
  XRP: { maxLeverage: '50', maintenanceMarginRate: '0.01' },
};

export function perpSpecs(markets: readonly MarketSpec[]): PerpSpec[] {
  return markets
    .filter((m) => m.quote === 'USDT')
    .map((m) => ({
      symbol: m.symbol,
      base: m.base,
      settle: m.quote,
      tickSize: m.tickSize,
      stepSize: m.stepSize,
      minQty: m.minQty,
      maxQty: m.maxQty,
      minNotional: m.minNotional,
      ...(TIERS[m.base] ?? { maxLeverage: '50', maintenanceMarginRate: '0.01' }),
    }));
}
