import { Dec } from '../../src/domain/money.js';
import type { CandleMove } from '../core/control.js';
import type { SimCandle } from '../matching/price-path.js';
import type { MarketSpec } from '../matching/types.js';
import type { WsConnection, WsContext } from '../ws/types.js';
import { topicsOf, type BybitChannel } from './bybit-ws-common.js';
import { spotTicker } from './bybit-shapes.js';
import { compactId } from './common.js';

/**
 * Bybit v5 public topics on `/v5/public/spot` and `/v5/public/linear`:
 * `kline.{interval}.{symbol}` (https://bybit-exchange.github.io/docs/v5/websocket/public/kline),
 * `tickers.{symbol}` (https://bybit-exchange.github.io/docs/v5/websocket/public/ticker) and
 * `publicTrade.{symbol}` (https://bybit-exchange.github.io/docs/v5/websocket/public/trade).
 * Like REST klines, a kline topic carries the price path's own candles whatever interval it names.
 * A kline subscription gets the forming candle at once; each price step pushes the candle that just
 * ended (`confirm: true`) then the new forming one (`confirm: false`). Tickers push a snapshot on
 * subscribe and on each step (spot always sends snapshots; linear sends deltas after the first).
 * The linear channel serves the same price path under the perpetual's id (the venue trades spot only,
 * as REST lists linear instruments for loadMarkets without trading them).
 */

const INTERVALS = new Set(['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M']);

interface Topic {
  kind: 'kline' | 'tickers' | 'publicTrade';
  market: MarketSpec;
  interval?: string;
}

function parseTopic(name: string, ctx: WsContext): Topic | undefined {
  const match = /^(?:kline\.([0-9A-Z]+)|(tickers)|(publicTrade))\.([A-Z0-9]+)$/.exec(name);
  if (!match) return undefined;
  const interval = match[1];
  if (interval !== undefined && !INTERVALS.has(interval)) return undefined;
  const market = ctx.control.venue('bybit').markets().find((m) => compactId(m) === match[4]);
  if (!market) return undefined;
  if (interval !== undefined) return { kind: 'kline', market, interval };
  return { kind: match[2] !== undefined ? 'tickers' : 'publicTrade', market };
}

export function publicTopicError(topic: string, ctx: WsContext): string | undefined {
  return parseTopic(topic, ctx) ? undefined : `error:handler not found,topic:${topic}`;
}

/** What a new subscription gets at once: the forming kline, the ticker snapshot. */
export function publicSnapshots(conn: WsConnection, channel: BybitChannel, topics: readonly string[], ctx: WsContext): void {
  const venue = ctx.control.venue('bybit');
  for (const name of topics) {
    const topic = parseTopic(name, ctx);
    if (topic?.kind === 'kline') {
      const candle = venue.candle(topic.market.symbol);
      if (candle) conn.send(klineMessage(name, [kline(topic, candle, false, ctx)], ctx));
    } else if (topic?.kind === 'tickers') {
      conn.send(tickerMessage(name, topic, channel, 'snapshot', ctx));
    }
  }
}

export function publicMarketStep(conn: WsConnection, channel: BybitChannel, moves: readonly CandleMove[], ctx: WsContext): void {
  const bySymbol = new Map(moves.map((m) => [m.symbol, m]));
  for (const name of topicsOf(conn)) {
    const topic = parseTopic(name, ctx);
    const move = topic ? bySymbol.get(topic.market.symbol) : undefined;
    if (!topic || !move) continue;
    switch (topic.kind) {
      case 'kline':
        conn.send(klineMessage(name, [kline(topic, move.closed, true, ctx)], ctx));
        conn.send(klineMessage(name, [kline(topic, move.current, false, ctx)], ctx));
        break;
      case 'tickers':
        conn.send(tickerMessage(name, topic, channel, channel === 'spot' ? 'snapshot' : 'delta', ctx));
        break;
      case 'publicTrade':
        conn.send(tradeMessage(name, topic, channel, move, ctx));
        break;
    }
  }
}

function klineMessage(name: string, data: unknown[], ctx: WsContext): Record<string, unknown> {
  return { topic: name, data, ts: ctx.exchangeNow(), type: 'snapshot' };
}

function kline(topic: Topic, c: SimCandle, confirm: boolean, ctx: WsContext): Record<string, unknown> {
  const interval = ctx.control.venue('bybit').intervalMs(topic.market.symbol);
  return {
    start: c.openTime,
    end: c.openTime + interval - 1,
    interval: topic.interval,
    open: c.open,
    close: c.close,
    high: c.high,
    low: c.low,
    volume: c.volume,
    turnover: new Dec(c.volume).mul(c.close).toDecimalPlaces(8).toFixed(),
    confirm,
    timestamp: ctx.exchangeNow(),
  };
}

let crossSequence = 1;

function tickerMessage(name: string, topic: Topic, channel: BybitChannel, type: 'snapshot' | 'delta', ctx: WsContext): Record<string, unknown> {
  const t = spotTicker(ctx.control.venue('bybit'), topic.market);
  const common = {
    symbol: t['symbol'], lastPrice: t['lastPrice'], highPrice24h: t['highPrice24h'], lowPrice24h: t['lowPrice24h'],
    prevPrice24h: t['prevPrice24h'], volume24h: t['volume24h'], turnover24h: t['turnover24h'], price24hPcnt: t['price24hPcnt'],
  };
  // The spot ticker has no book fields (its usdIndexPrice is what tells ccxt it is spot); linear adds
  // the perpetual's mark, index, funding and top of book.
  const data =
    channel === 'spot'
      ? { ...common, usdIndexPrice: t['usdIndexPrice'] }
      : {
          ...common, tickDirection: 'PlusTick', prevPrice1h: t['lastPrice'], markPrice: t['lastPrice'], indexPrice: t['lastPrice'],
          openInterest: '0', openInterestValue: '0', nextFundingTime: String(nextFunding(ctx.exchangeNow())), fundingRate: '0',
          bid1Price: t['bid1Price'], bid1Size: t['bid1Size'], ask1Price: t['ask1Price'], ask1Size: t['ask1Size'],
        };
  return { topic: name, type, data, cs: crossSequence++, ts: ctx.exchangeNow() };
}

/** Linear funding settles every 8 hours on the UTC clock. */
function nextFunding(now: number): number {
  const period = 8 * 3_600_000;
  return Math.floor(now / period) * period + period;
}

let tradeIds = 2_290_000_000_000_000_000n;

function tradeMessage(name: string, topic: Topic, channel: BybitChannel, move: CandleMove, ctx: WsContext): Record<string, unknown> {
  const now = ctx.exchangeNow();
  tradeIds += 1n;
  // One print at the new candle's price, so watchTrades sees the market move.
  const trade: Record<string, unknown> = { T: now, s: compactId(topic.market), S: 'Buy', v: topic.market.minQty, p: move.current.close, i: String(tradeIds), BT: false };
  if (channel === 'linear') trade['L'] = new Dec(move.current.close).gte(move.closed.close) ? 'PlusTick' : 'MinusTick';
  return { topic: name, type: 'snapshot', ts: now, data: [trade] };
}
