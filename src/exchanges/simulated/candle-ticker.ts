import { toDecimalString, ZERO, type Dec } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';
import type { MarketTicker } from '../exchange.port.js';

const DAY_MS = 86_400_000;

/**
 * A 24 h ticker from candles already seen (paper and replay have no order book, so no bid or ask):
 * the last close, and high, low, volumes and change over the candles that opened within the day
 * ending with the latest one. Null for a symbol without candles.
 */
export function tickerFromCandles(symbol: string, series: CandleSeries): MarketTicker | null {
  const last = series.length - 1;
  if (last < 0) return null;
  const from = series.time(last) - DAY_MS;
  let first = last;
  while (first > 0 && series.time(first - 1) > from) first--;
  let high: Dec = series.decimal('high', first);
  let low: Dec = series.decimal('low', first);
  let baseVolume = ZERO;
  let quoteVolume = ZERO;
  for (let i = first; i <= last; i++) {
    high = high.gt(series.decimal('high', i)) ? high : series.decimal('high', i);
    low = low.lt(series.decimal('low', i)) ? low : series.decimal('low', i);
    baseVolume = baseVolume.add(series.decimal('volume', i));
    // Each candle's volume valued at its close: the usual approximation when trades are not known.
    quoteVolume = quoteVolume.add(series.decimal('volume', i).mul(series.decimal('close', i)));
  }
  const open = series.decimal('open', first);
  const close = series.decimal('close', last);
  return {
    symbol,
    timestamp: series.time(last),
    bid: null,
    ask: null,
    last: series.text('close', last),
    high: toDecimalString(high),
    low: toDecimalString(low),
    baseVolume: toDecimalString(baseVolume),
    quoteVolume: toDecimalString(quoteVolume),
    changePercent: open.isZero() ? null : toDecimalString(close.sub(open).div(open).mul(100).toDecimalPlaces(8)),
  };
}
