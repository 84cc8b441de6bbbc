import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';
import { decimals, fixed, pairAltname, pairId, txid, unixSeconds } from './kraken-common.js';
import { bookLevels, candlesFor, dayStats } from './market-stats.js';

/** Kraken spot REST response shapes, each from the doc page named on it. */

/** What the simulator keeps per order beyond the venue's order: Kraken's own request fields. */
export interface OrderExtras {
  userref: number | null;
  /** The `oflags` as Kraken reports them: the fee-currency flag is always present (fciq by default). */
  oflags: string;
}

const STATUS: Record<SimOrder['status'], string> = {
  new: 'open',
  partially_filled: 'open',
  filled: 'closed',
  canceled: 'canceled',
  expired: 'expired',
};

function descrOrder(o: SimOrder, m: MarketSpec): string {
  const volume = fixed(o.origQty, 8);
  const pair = pairAltname(m);
  return o.type === 'limit' ? `${o.side} ${volume} ${pair} @ limit ${fixed(o.price, decimals(m.tickSize))}` : `${o.side} ${volume} ${pair} @ market`;
}

/** AddOrder's result: https://docs.kraken.com/api/docs/rest-api/add-order (descr.order and txid[]). */
export function addOrderResult(o: SimOrder, m: MarketSpec): Record<string, unknown> {
  return { descr: { order: descrOrder(o, m) }, txid: [txid('O', o.orderId)] };
}

/** AddOrder with validate=true: the description only, no txid. */
export function validatedOrderResult(o: Pick<SimOrder, 'side' | 'type' | 'origQty' | 'price'>, m: MarketSpec): Record<string, unknown> {
  return { descr: { order: descrOrder({ ...(o as SimOrder) }, m) } };
}

/**
 * One order as OpenOrders, ClosedOrders and QueryOrders report it:
 * https://docs.kraken.com/api/docs/rest-api/get-open-orders, .../get-closed-orders, .../get-orders-info.
 * `cl_ord_id` is present only on orders placed with one; `closetm` and `reason` only on closed ones;
 * `trades` only when asked with trades=true. ccxt reads the fee currency from the `fciq`/`fcib` flag.
 */
export function orderInfo(o: SimOrder, m: MarketSpec, extras: OrderExtras, fills: readonly SimFill[], withTrades: boolean): Record<string, unknown> {
  const executed = new Dec(o.executedQty);
  const average = executed.gt(0) ? new Dec(o.cumQuote).div(executed) : new Dec(0);
  const fee = fills.reduce((sum, f) => sum.add(f.fee), new Dec(0));
  const priceDecimals = decimals(m.tickSize);
  const status = STATUS[o.status];
  const closed = status !== 'open';
  return {
    refid: null,
    userref: extras.userref,
    ...(o.clientOrderId !== '' ? { cl_ord_id: o.clientOrderId } : {}),
    status,
    ...(closed ? { reason: o.status === 'canceled' ? 'User requested' : null } : {}),
    opentm: unixSeconds(o.createdAt),
    ...(closed ? { closetm: unixSeconds(o.updatedAt) } : {}),
    starttm: 0,
    expiretm: 0,
    descr: {
      pair: pairAltname(m),
      type: o.side,
      ordertype: o.type,
      price: o.type === 'limit' ? fixed(o.price, priceDecimals) : '0',
      price2: '0',
      leverage: 'none',
      order: descrOrder(o, m),
      close: '',
    },
    vol: fixed(o.origQty, 8),
    vol_exec: fixed(o.executedQty, 8),
    cost: new Dec(o.cumQuote).toFixed(),
    fee: fee.toFixed(),
    price: average.toDecimalPlaces(priceDecimals + 3).toFixed(),
    stopprice: '0.00000',
    limitprice: '0.00000',
    misc: '',
    oflags: extras.oflags,
    ...(withTrades && fills.length > 0 ? { trades: fills.map((f) => txid('T', f.tradeId)) } : {}),
  };
}

/**
 * One trade as TradesHistory and QueryTrades report it: https://docs.kraken.com/api/docs/rest-api/get-trade-history.
 * `pair` is the pair id (XXBTZUSD, XBTUSDT); the fee is in the quote currency unless the order asked
 * for fcib (https://support.kraken.com/hc/en-us/articles/203053246-Other-order-options).
 */
export function tradeInfo(f: SimFill, order: SimOrder | undefined, m: MarketSpec): Record<string, unknown> {
  return {
    ordertxid: txid('O', f.orderId),
    postxid: txid('T', f.tradeId + 1_000_000_000),
    pair: pairId(m),
    time: unixSeconds(f.time),
    type: f.side,
    ordertype: order?.type ?? 'limit',
    price: f.price,
    cost: f.quoteQty,
    fee: f.fee,
    vol: fixed(f.qty, 8),
    margin: '0.00000',
    leverage: '0',
    misc: '',
    trade_id: f.tradeId,
    maker: f.maker,
  };
}

/** Ticker: https://docs.kraken.com/api/docs/rest-api/get-ticker-information (a, b, c, v, p, t, l, h, o). */
export function tickerInfo(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  const vwap = s.volume.gt(0) ? s.quoteVolume.div(s.volume).toDecimalPlaces(decimals(m.tickSize) + 2).toFixed() : s.last.toFixed();
  return {
    a: [s.ask, '1', `${s.askQty}`],
    b: [s.bid, '1', `${s.bidQty}`],
    c: [s.last.toFixed(), m.stepSize],
    v: [s.volume.toFixed(), s.volume.toFixed()],
    p: [vwap, vwap],
    t: [1, 1],
    l: [s.low.toFixed(), s.low.toFixed()],
    h: [s.high.toFixed(), s.high.toFixed()],
    o: s.open.toFixed(),
  };
}

/** OHLC: https://docs.kraken.com/api/docs/rest-api/get-ohlc-data ([time, open, high, low, close, vwap, volume, count], last). */
export function ohlcRows(venue: Venue, m: MarketSpec, sinceSec: number | undefined): { rows: unknown[][]; last: number } {
  const candles = candlesFor(venue, m, 720, sinceSec === undefined ? undefined : sinceSec * 1000 + 1);
  const rows = candles.map((c) => [Math.floor(c.openTime / 1000), c.open, c.high, c.low, c.close, c.close, c.volume, 1]);
  const lastCandle = candles[candles.length - 1];
  return { rows, last: lastCandle ? Math.floor(lastCandle.openTime / 1000) : Math.floor((sinceSec ?? 0)) };
}

/** Depth: https://docs.kraken.com/api/docs/rest-api/get-order-book ([price, volume, timestamp] levels). */
export function depthInfo(venue: Venue, m: MarketSpec, count: number, nowMs: number): Record<string, unknown> {
  const { bids, asks } = bookLevels(venue, m, count);
  const ts = Math.floor(nowMs / 1000);
  return { asks: asks.map(([p, q]) => [p, q, ts]), bids: bids.map(([p, q]) => [p, q, ts]) };
}
