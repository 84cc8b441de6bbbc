import type { CandleMove } from '../core/control.js';
import type { MarketSpec } from '../matching/types.js';
import type { WsContext } from '../ws/types.js';
import { tickerOf } from './okx.js';
import { candleRow, instId } from './okx-shapes.js';
import { doesNotExist, type OkxEndpoint, type OkxError, type OkxSub } from './okx-ws-common.js';

/**
 * OKX market channels on the spot instruments:
 *   `tickers` on /public (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-tickers-channel),
 *     the REST ticker's fields, pushed on subscribe and after each price step;
 *   `trades` on /public (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel),
 *     one print at the new candle's close per step, so watchTrades sees the market move;
 *   `candle<bar>` on /business (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-candlesticks-channel),
 *     `[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]`. Like REST /market/candles (and Binance's stream),
 *     a candle channel carries the price path's own candles whatever bar it names: the forming one
 *     (confirm "0") on subscribe and after each step, preceded by the one that just closed (confirm "1").
 * OKX moved candles to /business; a candle channel on /public is refused as not existing there (60018).
 */

/** The bars OKX lists for the candlesticks channel (`utc` variants align to UTC days). */
const CANDLE = /^candle(1s|1m|3m|5m|15m|30m|1H|2H|4H|6H|12H|1D|2D|3D|5D|1W|1M|3M|6M|1Y)(utc)?$/;

let tradeIds = 1;

export function parseMarketArg(arg: Record<string, string>, where: OkxEndpoint, ctx: WsContext): OkxSub | OkxError {
  const channel = arg['channel'] ?? '';
  const kind = CANDLE.test(channel) ? 'candle' : channel === 'tickers' || channel === 'trades' ? channel : undefined;
  const market = marketOf(arg['instId'], ctx);
  const home: OkxEndpoint = kind === 'candle' ? 'business' : 'public';
  if (kind === undefined || market === undefined || where !== home) return doesNotExist(arg);
  return { arg, kind, symbol: market.symbol };
}

export function marketOf(id: string | undefined, ctx: WsContext): MarketSpec | undefined {
  return ctx.control.venue('okx').markets().find((m) => instId(m) === id);
}

/** What OKX pushes right after a subscription: the forming candle, the current ticker. */
export function pushesOnSubscribe(sub: OkxSub, ctx: WsContext): unknown[] {
  const venue = ctx.control.venue('okx');
  const market = sub.symbol !== undefined ? venue.market(sub.symbol) : undefined;
  if (!market) return [];
  if (sub.kind === 'candle') {
    const candle = venue.candle(market.symbol);
    return candle ? [{ arg: sub.arg, data: [candleRow(candle, false)] }] : [];
  }
  if (sub.kind === 'tickers') return [{ arg: sub.arg, data: [tickerOf(venue, market, ctx.exchangeNow())] }];
  return [];
}

export function marketPushesOnStep(sub: OkxSub, move: CandleMove, ctx: WsContext): unknown[] {
  const venue = ctx.control.venue('okx');
  const market = venue.market(move.symbol);
  if (!market) return [];
  const now = ctx.exchangeNow();
  switch (sub.kind) {
    case 'candle':
      return [{ arg: sub.arg, data: [candleRow(move.closed, true)] }, { arg: sub.arg, data: [candleRow(move.current, false)] }];
    case 'tickers':
      return [{ arg: sub.arg, data: [tickerOf(venue, market, now)] }];
    case 'trades':
      return [
        {
          arg: sub.arg,
          data: [{ instId: instId(market), tradeId: String(tradeIds++), px: move.current.close, sz: market.minQty, side: 'buy', ts: String(now), count: '1', source: '0' }],
        },
      ];
    default:
      return [];
  }
}
