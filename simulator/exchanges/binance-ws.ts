import type { CandleMove } from '../core/control.js';
import type { SimCandle } from '../matching/price-path.js';
import type { MarketSpec } from '../matching/types.js';
import type { WsConnection, WsContext, WsExchangeHandler } from '../ws/types.js';
import { ticker24h } from './binance-shapes.js';

/**
 * Binance spot market streams on the raw `/ws` endpoint, as ccxt.pro.binance 4.5.84 uses them
 * (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams): SUBSCRIBE /
 * UNSUBSCRIBE / LIST_SUBSCRIPTIONS with an `id`, answered `{"result":null,"id":N}`; events come
 * bare (no `stream` wrapper). Streams: `<sym>@kline_<interval>`, `<sym>@trade`, `<sym>@ticker`,
 * `<sym>@miniTicker` (what watchTicker subscribes), `<sym>@bookTicker`. Like REST klines, a kline stream carries the price path's own candles
 * whatever interval is named. The forming kline is pushed on subscribe and after each step, with
 * the candle that just ended pushed first as closed (`x: true`).
 */
const SUBS = 'binance.subscriptions';

interface StreamName {
  market: MarketSpec;
  kind: 'kline' | 'trade' | 'ticker' | 'miniTicker' | 'bookTicker';
  interval?: string;
}

export const binanceWsHandler: WsExchangeHandler = {
  id: 'binance',
  hosts: ['stream.binance.com', 'stream.testnet.binance.vision', 'data-stream.binance.vision'],
  onMessage(conn, text, ctx) {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      // Binance's answer to a frame that is not JSON.
      conn.send({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
      return;
    }
    if (typeof request !== 'object' || request === null) return;
    const { method, params, id } = request as { method?: unknown; params?: unknown; id?: unknown };
    const reqId = typeof id === 'number' || typeof id === 'string' ? id : null;
    const subs = subscriptions(conn);
    if (method === 'LIST_SUBSCRIPTIONS') {
      conn.send({ result: [...subs], id: reqId });
      return;
    }
    if ((method !== 'SUBSCRIBE' && method !== 'UNSUBSCRIBE') || !Array.isArray(params) || !params.every((p) => typeof p === 'string')) {
      conn.send({ error: { code: 2, msg: 'Invalid request: unknown variant or invalid params' }, id: reqId });
      return;
    }
    const names = params as string[];
    for (const name of names) {
      if (!parseStream(name, ctx)) {
        conn.send({ error: { code: 2, msg: `Invalid request: unknown stream ${name}` }, id: reqId });
        return;
      }
    }
    for (const name of names) {
      if (method === 'SUBSCRIBE') subs.add(name);
      else subs.delete(name);
    }
    conn.setStreaming(subs.size > 0);
    conn.send({ result: null, id: reqId });
    if (method === 'SUBSCRIBE') {
      for (const name of names) {
        const stream = parseStream(name, ctx);
        if (stream?.kind === 'kline') {
          const candle = ctx.control.venue('binance').candle(stream.market.symbol);
          if (candle) conn.send(klineEvent(stream, candle, false, ctx));
        }
      }
    }
  },
  onMarketStep(conn, moves, ctx) {
    const bySymbol = new Map(moves.map((m) => [m.symbol, m]));
    for (const name of subscriptions(conn)) {
      const stream = parseStream(name, ctx);
      const move = stream ? bySymbol.get(stream.market.symbol) : undefined;
      if (!stream || !move) continue;
      for (const event of eventsFor(stream, move, ctx)) conn.send(event);
    }
  },
};

function subscriptions(conn: WsConnection): Set<string> {
  let subs = conn.state.get(SUBS);
  if (!(subs instanceof Set)) {
    subs = new Set<string>();
    conn.state.set(SUBS, subs);
  }
  return subs as Set<string>;
}

function parseStream(name: string, ctx: WsContext): StreamName | undefined {
  const match = /^([a-z0-9]+)@(kline_([0-9]+[smhdwM])|trade|ticker|miniTicker|bookTicker)$/.exec(name);
  if (!match) return undefined;
  const id = match[1]?.toUpperCase();
  const market = ctx.control.venue('binance').markets().find((m) => m.base + m.quote === id);
  if (!market) return undefined;
  const kind = match[3] !== undefined ? 'kline' : (match[2] as StreamName['kind']);
  return { market, kind, ...(match[3] !== undefined ? { interval: match[3] } : {}) };
}

let tradeIds = 1;

function eventsFor(stream: StreamName, move: CandleMove, ctx: WsContext): unknown[] {
  const venue = ctx.control.venue('binance');
  const symbol = stream.market.base + stream.market.quote;
  const now = ctx.exchangeNow();
  switch (stream.kind) {
    case 'kline':
      return [klineEvent(stream, move.closed, true, ctx), klineEvent(stream, move.current, false, ctx)];
    case 'trade': {
      // One print at the new candle's price, so watchTrades sees the market move.
      const id = tradeIds++;
      return [{ e: 'trade', E: now, s: symbol, t: id, p: move.current.close, q: stream.market.minQty, T: now, m: false, M: true }];
    }
    case 'ticker': {
      const t = ticker24h(venue, stream.market);
      return [
        {
          e: '24hrTicker', E: now, s: symbol, p: t['priceChange'], P: t['priceChangePercent'], w: t['weightedAvgPrice'],
          x: t['prevClosePrice'], c: t['lastPrice'], Q: t['lastQty'], b: t['bidPrice'], B: t['bidQty'], a: t['askPrice'],
          A: t['askQty'], o: t['openPrice'], h: t['highPrice'], l: t['lowPrice'], v: t['volume'], q: t['quoteVolume'],
          O: t['openTime'], C: t['closeTime'], F: t['firstId'], L: t['lastId'], n: t['count'],
        },
      ];
    }
    case 'miniTicker': {
      const t = ticker24h(venue, stream.market);
      return [
        {
          e: '24hrMiniTicker', E: now, s: symbol, c: t['lastPrice'], o: t['openPrice'], h: t['highPrice'], l: t['lowPrice'],
          v: t['volume'], q: t['quoteVolume'],
        },
      ];
    }
    case 'bookTicker': {
      const top = venue.top(stream.market.symbol);
      if (!top) return [];
      return [{ u: now, s: symbol, b: top.bid, B: top.bidQty, a: top.ask, A: top.askQty }];
    }
  }
}

function klineEvent(stream: StreamName, c: SimCandle, closed: boolean, ctx: WsContext): Record<string, unknown> {
  const symbol = stream.market.base + stream.market.quote;
  const interval = ctx.control.venue('binance').intervalMs(stream.market.symbol);
  return {
    e: 'kline',
    E: ctx.exchangeNow(),
    s: symbol,
    k: {
      t: c.openTime, T: c.openTime + interval - 1, s: symbol, i: stream.interval, f: 1, L: 100, o: c.open, c: c.close,
      h: c.high, l: c.low, v: c.volume, n: 100, x: closed, q: '0', V: '0', Q: '0', B: '0',
    },
  };
}
