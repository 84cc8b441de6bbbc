import { Dec } from '../../domain/money.js';
import type { Market, MarketTicker } from '../../exchanges/exchange.port.js';
import type { Candle } from '../../domain/candles.js';
import type { Blacklist } from './blacklist.js';
import type { DynamicPairListConfig, VolatilityFilter } from '../../domain/pair-list-config.js';

/** Why a market is not on the list, as data (shown to the trader beside the list). */
export type RejectReason =
  | 'not listed'
  | 'inactive'
  | 'not spot'
  | 'other quote'
  | 'blacklisted'
  | 'no ticker'
  | 'no quote volume'
  | 'price below minimum'
  | 'quote volume below minimum'
  | 'no bid/ask'
  | 'spread too wide'
  | 'volatility out of range'
  | 'no daily candles'
  | 'below top N';

export interface Rejection {
  symbol: string;
  reason: RejectReason;
}

/** The checks every list applies, static or dynamic: an active spot market in the quote, off the blacklist. */
export function marketProblem(market: Market | undefined, quote: string, blacklist: Blacklist): RejectReason | null {
  if (!market) return 'not listed';
  if (market.type !== 'spot') return 'not spot';
  if (!market.active) return 'inactive';
  if (market.quote.toUpperCase() !== quote) return 'other quote';
  if (blacklist.has(market.symbol)) return 'blacklisted';
  return null;
}

/** The filters that read the batched 24 h ticker only (no further request). */
export function tickerProblem(ticker: MarketTicker | undefined, config: DynamicPairListConfig): RejectReason | null {
  if (!ticker) return 'no ticker';
  if (ticker.quoteVolume === null) return 'no quote volume';
  if (config.minPrice !== undefined && new Dec(ticker.last).lt(config.minPrice)) return 'price below minimum';
  if (config.minQuoteVolume !== undefined && new Dec(ticker.quoteVolume).lt(config.minQuoteVolume)) return 'quote volume below minimum';
  if (config.maxSpreadRatio !== undefined) {
    const ratio = spreadRatio(ticker);
    if (ratio === null) return 'no bid/ask';
    if (ratio.gt(config.maxSpreadRatio)) return 'spread too wide';
  }
  if (config.volatility?.source === 'range24h') {
    const range = tickerRange(ticker);
    if (range === null || !inRange(range, config.volatility)) return 'volatility out of range';
  }
  return null;
}

/** (ask − bid) / ask, as freqtrade's SpreadFilter; null without a usable bid and ask. */
export function spreadRatio(ticker: Pick<MarketTicker, 'bid' | 'ask'>): Dec | null {
  if (ticker.bid === null || ticker.ask === null) return null;
  const ask = new Dec(ticker.ask);
  const bid = new Dec(ticker.bid);
  if (!ask.gt(0) || bid.gt(ask)) return null;
  return ask.sub(bid).div(ask);
}

/** (high − low) / low of the 24 h ticker; null where the exchange reports no high/low. */
export function tickerRange(ticker: Pick<MarketTicker, 'high' | 'low'>): Dec | null {
  if (ticker.high === null || ticker.low === null || !new Dec(ticker.low).gt(0)) return null;
  return new Dec(ticker.high).sub(ticker.low).div(ticker.low);
}

/** (highest high − lowest low) / lowest low over closed daily candles (freqtrade's RangeStabilityFilter). */
export function candleRange(candles: readonly Candle[]): Dec | null {
  const first = candles[0];
  if (!first) return null;
  let high = new Dec(first.high);
  let low = new Dec(first.low);
  for (const c of candles) {
    high = Dec.max(high, c.high);
    low = Dec.min(low, c.low);
  }
  return low.gt(0) ? high.sub(low).div(low) : null;
}

export function inRange(value: Dec, bounds: Pick<VolatilityFilter, 'min' | 'max'>): boolean {
  return (bounds.min === undefined || value.gte(bounds.min)) && (bounds.max === undefined || value.lte(bounds.max));
}

/** Best quote volume first; ties by symbol so the list is the same for the same tickers. */
export function byQuoteVolume(a: MarketTicker, b: MarketTicker): number {
  const diff = new Dec(b.quoteVolume ?? '0').comparedTo(a.quoteVolume ?? '0');
  return diff !== 0 ? diff : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
}
