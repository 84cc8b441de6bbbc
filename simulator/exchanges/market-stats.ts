import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { SimCandle } from '../matching/price-path.js';
import type { MarketSpec } from '../matching/types.js';

/** Market data derived from a venue's price path, shared by the Binance and Bybit formats. */

export interface DayStats {
  open: Dec;
  high: Dec;
  low: Dec;
  last: Dec;
  prevClose: Dec;
  volume: Dec;
  quoteVolume: Dec;
  openTime: number;
  closeTime: number;
  bid: string;
  ask: string;
  bidQty: string;
  askQty: string;
}

const DAY_MS = 86_400_000;

/** Rolling 24 h statistics over the path's candles, ending with the current one. */
export function dayStats(venue: Venue, market: MarketSpec): DayStats {
  const interval = venue.intervalMs(market.symbol);
  const candles = venue.candles(market.symbol, Math.max(1, Math.ceil(DAY_MS / interval)));
  const first = candles[0];
  const last = candles[candles.length - 1];
  const top = venue.top(market.symbol);
  if (!first || !last || !top) throw new Error(`No price data for ${market.symbol}`);
  let high = new Dec(first.high);
  let low = new Dec(first.low);
  let volume = new Dec(0);
  let quoteVolume = new Dec(0);
  for (const c of candles) {
    high = Dec.max(high, c.high);
    low = Dec.min(low, c.low);
    volume = volume.add(c.volume);
    quoteVolume = quoteVolume.add(new Dec(c.volume).mul(c.close));
  }
  return {
    open: new Dec(first.open),
    high,
    low,
    last: new Dec(last.close),
    prevClose: new Dec(first.open),
    volume,
    quoteVolume: quoteVolume.toDecimalPlaces(8),
    openTime: first.openTime,
    closeTime: last.openTime + interval - 1,
    ...top,
  };
}

/** A synthetic order book around the touch: `depth` levels a tick apart, the step's liquidity spread over them. */
export function bookLevels(venue: Venue, market: MarketSpec, depth: number): { bids: [string, string][]; asks: [string, string][] } {
  const top = venue.top(market.symbol);
  if (!top) return { bids: [], asks: [] };
  const tick = new Dec(market.tickSize);
  const step = new Dec(market.stepSize);
  const levels = Math.max(1, Math.min(depth, 50));
  const perLevel = (qty: string): string => {
    const q = new Dec(qty).div(levels).toDecimalPlaces(step.decimalPlaces(), Dec.ROUND_DOWN);
    return (q.gt(0) ? q : step).toFixed();
  };
  const bids: [string, string][] = [];
  const asks: [string, string][] = [];
  for (let i = 0; i < levels; i++) {
    const bidPrice = new Dec(top.bid).sub(tick.mul(i));
    if (bidPrice.gt(0)) bids.push([bidPrice.toFixed(), perLevel(top.bidQty)]);
    asks.push([new Dec(top.ask).add(tick.mul(i)).toFixed(), perLevel(top.askQty)]);
  }
  return { bids, asks };
}

/** Candles for an OHLCV request: the path's own interval (no resampling), optionally from `startTime`. */
export function candlesFor(venue: Venue, market: MarketSpec, limit: number, startTime?: number): SimCandle[] {
  const all = venue.candles(market.symbol, 1000);
  const from = startTime === undefined ? all : all.filter((c) => c.openTime >= startTime);
  return startTime === undefined ? from.slice(-limit) : from.slice(0, limit);
}

export function fixed8(value: string | Dec): string {
  return new Dec(value).toFixed(8);
}
