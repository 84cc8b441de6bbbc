import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { SimCandle } from '../matching/price-path.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';
import { SPOT_ACCOUNT_ID } from './htx-common.js';
import { dayStats } from './market-stats.js';

/** HTX spot response shapes built from the venue's orders, fills and prices. */

/** HTX order states (https://huobiapi.github.io/docs/spot/v1/en/#get-the-order-detail-of-an-order). */
export function orderState(o: SimOrder): string {
  switch (o.status) {
    case 'new': return 'submitted';
    case 'partially_filled': return 'partial-filled';
    case 'filled': return 'filled';
    // An IOC remainder or a canceled order: HTX names it by whether anything filled.
    case 'canceled':
    case 'expired': return new Dec(o.executedQty).gt(0) ? 'partial-canceled' : 'canceled';
  }
}

export function orderType(o: SimOrder): string {
  const kind = o.type === 'market' ? 'market' : o.timeInForce === 'IOC' ? 'ioc' : o.timeInForce === 'FOK' ? 'limit-fok' : 'limit';
  return `${o.side}-${kind}`;
}

/** A buy-market order's `amount` is the quote to spend; every other order's is base. */
function orderAmount(o: SimOrder): string {
  return o.type === 'market' && o.side === 'buy' && o.origQuoteQty !== '0' ? o.origQuoteQty : o.origQty;
}

function feesOf(fills: readonly SimFill[]): string {
  return fills.reduce((acc, f) => acc.add(f.fee), new Dec(0)).toFixed();
}

function finished(o: SimOrder): boolean {
  return o.status === 'filled' || o.status === 'canceled' || o.status === 'expired';
}

/**
 * GET /v1/order/orders/{order-id} and /getClientOrder (https://huobiapi.github.io/docs/spot/v1/en/#get-the-order-detail-of-an-order):
 * the `field-*` names are HTX's own spelling of filled amount, cash amount and fees.
 */
export function orderDetail(o: SimOrder, fills: readonly SimFill[]): Record<string, unknown> {
  const done = finished(o);
  return {
    id: o.orderId, symbol: symbolOf(o), 'account-id': SPOT_ACCOUNT_ID, 'client-order-id': o.clientOrderId,
    amount: orderAmount(o), price: o.price, 'created-at': o.createdAt, type: orderType(o),
    'field-amount': o.executedQty, 'field-cash-amount': o.cumQuote, 'field-fees': feesOf(fills),
    'finished-at': done ? o.updatedAt : 0, 'updated-at': o.updatedAt, source: 'spot-api', state: orderState(o),
    'canceled-at': o.status === 'canceled' || o.status === 'expired' ? o.updatedAt : 0,
  };
}

/** GET /v1/order/openOrders and /v1/order/orders (https://huobiapi.github.io/docs/spot/v1/en/#get-all-open-orders): `filled-*` names. */
export function orderListEntry(o: SimOrder, fills: readonly SimFill[]): Record<string, unknown> {
  return {
    id: o.orderId, 'client-order-id': o.clientOrderId, symbol: symbolOf(o), price: o.price, 'created-at': o.createdAt,
    type: orderType(o), 'filled-amount': o.executedQty, 'filled-cash-amount': o.cumQuote, 'filled-fees': feesOf(fills),
    source: 'spot-api', state: orderState(o), 'account-id': SPOT_ACCOUNT_ID, amount: orderAmount(o),
    'finished-at': finished(o) ? o.updatedAt : 0, 'canceled-at': o.status === 'canceled' || o.status === 'expired' ? o.updatedAt : 0,
  };
}

/**
 * GET /v1/order/matchresults and /v1/order/orders/{order-id}/matchresults
 * (https://huobiapi.github.io/docs/spot/v1/en/#search-match-results). `fee-currency` is the asset
 * the fee came from (the received one by default); `filled-points` is the HT/point deduction, zero here.
 */
export function matchResult(f: SimFill, order: SimOrder | undefined): Record<string, unknown> {
  return {
    id: f.tradeId, symbol: symbolOf(order ?? { symbol: f.symbol }), 'order-id': f.orderId, 'match-id': f.tradeId,
    'trade-id': f.tradeId, price: f.price, 'created-at': f.time, type: order ? orderType(order) : `${f.side}-limit`,
    'filled-amount': f.qty, 'filled-fees': f.fee, 'fee-currency': f.feeAsset.toLowerCase(), source: 'spot-api',
    role: f.maker ? 'maker' : 'taker', 'filled-points': '0.0', 'fee-deduct-currency': '', 'fee-deduct-state': 'done',
  };
}

function symbolOf(o: { symbol: string }): string {
  return o.symbol.replace('/', '').toLowerCase();
}

/** GET /market/detail/merged (https://huobiapi.github.io/docs/spot/v1/en/#get-latest-aggregated-ticker). */
export function mergedTicker(venue: Venue, m: MarketSpec, now: number): Record<string, unknown> {
  const s = dayStats(venue, m);
  return {
    id: now, version: now, open: Number(s.open.toFixed()), close: Number(s.last.toFixed()), low: Number(s.low.toFixed()),
    high: Number(s.high.toFixed()), amount: Number(s.volume.toFixed()), vol: Number(s.quoteVolume.toFixed()), count: 1000,
    bid: [Number(s.bid), Number(s.bidQty)], ask: [Number(s.ask), Number(s.askQty)],
  };
}

/**
 * One entry of GET /market/tickers (https://huobiapi.github.io/docs/spot/v1/en/#get-latest-tickers-for-all-pairs):
 * the day's open/high/low/close, `amount` (base) and `vol` (quote) volumes, best bid/ask with sizes.
 */
export function allPairsTicker(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  return {
    symbol: m.symbol.replace('/', '').toLowerCase(), open: Number(s.open.toFixed()), high: Number(s.high.toFixed()),
    low: Number(s.low.toFixed()), close: Number(s.last.toFixed()), amount: Number(s.volume.toFixed()), vol: Number(s.quoteVolume.toFixed()),
    count: 1000, bid: Number(s.bid), bidSize: Number(s.bidQty), ask: Number(s.ask), askSize: Number(s.askQty),
  };
}

/** GET /market/history/kline (https://huobiapi.github.io/docs/spot/v1/en/#get-klines-candles): newest first, `id` in seconds. */
export function klines(candles: readonly SimCandle[]): unknown[] {
  return candles
    .map((c) => ({ id: Math.floor(c.openTime / 1000), open: Number(c.open), close: Number(c.close), low: Number(c.low), high: Number(c.high), amount: Number(c.volume), vol: Number(new Dec(c.volume).mul(c.close).toFixed()), count: 100 }))
    .reverse();
}

