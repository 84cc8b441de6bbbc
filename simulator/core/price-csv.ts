import { existsSync } from 'node:fs';
import { buildPaths, type PriceSourceOption } from '../matching/markets.js';
import { CandleReplayPath, type PricePath } from '../matching/price-path.js';
import type { MarketSpec } from '../matching/types.js';

/**
 * `--prices-csv SYMBOL=path.csv`: replays a symbol's candles from a CSV in the bundled format
 * (timestamp_ms,open,high,low,close,volume; see data/README.md) instead of its default path.
 * Symbols without a CSV keep what `base` gives them, exactly as without the flag.
 */
export function parsePriceCsvArgs(values: readonly string[], markets: readonly MarketSpec[]): Map<string, string> {
  const known = new Set(markets.map((m) => m.symbol));
  const out = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const symbol = eq > 0 ? value.slice(0, eq) : '';
    const file = eq > 0 ? value.slice(eq + 1) : '';
    if (!symbol || !file) throw new Error(`Expected --prices-csv SYMBOL=path.csv, got ${value}`);
    if (!known.has(symbol)) throw new Error(`Expected --prices-csv for a listed market (${[...known].join(', ')}), got ${symbol}`);
    if (!existsSync(file)) throw new Error(`No candle CSV at ${file} (--prices-csv ${value})`);
    out.set(symbol, file);
  }
  return out;
}

export function csvPriceSource(
  files: ReadonlyMap<string, string>,
  base: 'replay' | 'random-walk',
  markets: readonly MarketSpec[],
): PriceSourceOption {
  let defaults: Map<string, PricePath> | undefined;
  return (market, seed) => {
    const file = files.get(market.symbol);
    // Parsed here, at start, so a malformed file stops the simulator before it listens.
    if (file) return CandleReplayPath.fromCsv(file);
    defaults ??= buildPaths(markets, base, seed);
    const path = defaults.get(market.symbol);
    if (!path) throw new Error(`No default price path for ${market.symbol}`);
    return path;
  };
}
