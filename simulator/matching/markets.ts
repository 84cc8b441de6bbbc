import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CandleReplayPath, RandomWalkPath, type PricePath } from './price-path.js';
import type { MarketSpec } from './types.js';

/** Replayed real candles (see data/README.md for their provenance). */
export const XRP_CANDLES_CSV = fileURLToPath(new URL('../../data/XRP_USDT_USDT-1h-futures.csv', import.meta.url));

/** Markets every simulated exchange lists; sizes are plausible spot filters, not any one exchange's. */
export const DEFAULT_MARKETS: readonly MarketSpec[] = [
  {
    symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', stepSize: '0.00001',
    minQty: '0.00001', maxQty: '9000', minNotional: '5', liquidityPerStep: '2',
  },
  {
    symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tickSize: '0.01', stepSize: '0.0001',
    minQty: '0.0001', maxQty: '9000', minNotional: '5', liquidityPerStep: '20',
  },
  {
    symbol: 'XRP/USDT', base: 'XRP', quote: 'USDT', tickSize: '0.00001', stepSize: '0.1',
    minQty: '0.1', maxQty: '9000000', minNotional: '5', liquidityPerStep: '10000',
  },
];

const WALK_STARTS: Readonly<Record<string, string>> = { 'BTC/USDT': '60000', 'ETH/USDT': '3000', 'XRP/USDT': '0.6' };

/**
 * Where prices come from: `replay` (default) replays the bundled XRP/USDT candles and walks the
 * others; `random-walk` walks every symbol; a function builds any path per market.
 */
export type PriceSourceOption = 'replay' | 'random-walk' | ((market: MarketSpec, seed: number) => PricePath);

export function buildPaths(markets: readonly MarketSpec[], source: PriceSourceOption, seed: number): Map<string, PricePath> {
  const paths = new Map<string, PricePath>();
  markets.forEach((market, i) => {
    if (typeof source === 'function') paths.set(market.symbol, source(market, seed));
    else if (source === 'replay' && market.symbol === 'XRP/USDT' && existsSync(XRP_CANDLES_CSV)) {
      // Start a little into the data so OHLCV requests have history behind the current candle.
      paths.set(market.symbol, CandleReplayPath.fromCsv(XRP_CANDLES_CSV, 49));
    } else {
      const start = WALK_STARTS[market.symbol] ?? '100';
      paths.set(market.symbol, new RandomWalkPath({ seed: seed + i * 7919, start, tickSize: market.tickSize }));
    }
  });
  return paths;
}

/**
 * Random walks on `intervalMs` candles whose current one opens at the wall clock's current interval
 * (200 candles of history behind it): candle times are real times, as on an exchange, so a feed that
 * asks by time (`since`) finds them.
 */
export function wallClockWalks(intervalMs: number, now: number): (market: MarketSpec, seed: number) => PricePath {
  const current = Math.floor(now / intervalMs) * intervalMs;
  return (market, seed) =>
    new RandomWalkPath({
      seed: seed + DEFAULT_MARKETS.findIndex((m) => m.symbol === market.symbol) * 7919,
      start: WALK_STARTS[market.symbol] ?? '100',
      tickSize: market.tickSize,
      intervalMs,
      startTime: current - 200 * intervalMs,
      warmup: 200,
    });
}
