import { bybitError, envelope, withSymbol, type BybitEndpoint } from './bybit-common.js';
import { perpsOf } from './bybit-linear.js';
import { compactId } from './common.js';
import { candlesFor } from './market-stats.js';

/** Public market data of the USDT perpetuals: funding rate history and mark price candles. */

const MAX_FUNDING_ROWS = 200;

export const bybitLinearMarket: Record<string, BybitEndpoint> = {
  /**
   * Get Funding Rate History (https://bybit-exchange.github.io/docs/v5/market/history-fund-rate):
   * settled rates, newest first, at most 200. startTime alone is refused, as Bybit documents; endTime
   * alone, or neither, ends at the last settlement.
   */
  'GET /v5/market/funding/history': {
    security: 'none',
    run: ({ ctx, params }) =>
      withSymbol(ctx, params, (m) => {
        if (params['category'] !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
        if (params['startTime'] !== undefined && params['endTime'] === undefined) return bybitError(ctx, 10001, 'params error: endTime is required when startTime is given');
        const d = perpsOf(ctx);
        const settled = d.fundedUntil(m.symbol) ?? ctx.exchangeNow();
        const to = Math.min(settled, params['endTime'] !== undefined ? Number(params['endTime']) : settled);
        const limit = Math.min(MAX_FUNDING_ROWS, Number(params['limit'] ?? MAX_FUNDING_ROWS));
        const from = params['startTime'] !== undefined ? Number(params['startTime']) : to - limit * 8 * 3_600_000;
        const list = d
          .fundingHistory(m.symbol, from, to)
          .reverse()
          .slice(0, limit)
          .map((r) => ({ symbol: compactId(m), fundingRate: r.rate.toFixed(), fundingRateTimestamp: String(r.time) }));
        return envelope(ctx, { category: 'linear', list });
      }),
  },
  /**
   * Get Mark Price Kline (https://bybit-exchange.github.io/docs/v5/market/mark-kline): the price
   * path's candles (the simulator's mark is its close), [start, open, high, low, close], newest first.
   */
  'GET /v5/market/mark-price-kline': {
    security: 'none',
    run: ({ ctx, params }) =>
      withSymbol(ctx, params, (m) => {
        if (params['category'] !== 'linear') return bybitError(ctx, 10001, 'params error: category invalid');
        const limit = Math.min(1000, Number(params['limit'] ?? 200));
        const start = params['start'] !== undefined ? Number(params['start']) : undefined;
        const list = candlesFor(ctx.venue(), m, limit, start)
          .map((c) => [String(c.openTime), c.open, c.high, c.low, c.close])
          .reverse();
        return envelope(ctx, { category: 'linear', symbol: compactId(m), list });
      }),
  },
};
