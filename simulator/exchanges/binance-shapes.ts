import { Dec } from '../../src/domain/money.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';
import type { SimAccount } from '../types.js';
import { compactId } from './common.js';
import { dayStats, fixed8 } from './market-stats.js';

/** Binance spot JSON shapes, field for field as the REST API documents them. */

export const BINANCE_RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160000 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
] as const;

export const STATUS: Record<SimOrder['status'], string> = {
  new: 'NEW',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
};

export function symbolInfo(m: MarketSpec): Record<string, unknown> {
  return {
    symbol: compactId(m),
    status: 'TRADING',
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    // The simulator's subset of a real spot symbol's list (it has no take-profit orders); ccxt checks a
    // stop's type against this list before it sends it.
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fixed8(m.tickSize), maxPrice: '1000000.00000000', tickSize: fixed8(m.tickSize) },
      { filterType: 'LOT_SIZE', minQty: fixed8(m.minQty), maxQty: fixed8(m.maxQty), stepSize: fixed8(m.stepSize) },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: fixed8(m.maxQty), stepSize: '0.00000000' },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      {
        filterType: 'NOTIONAL',
        minNotional: fixed8(m.minNotional),
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

export function accountInfo(account: SimAccount, venue: Venue, now: number): Record<string, unknown> {
  const rate = venue.fees;
  return {
    makerCommission: new Dec(rate.maker).mul(10_000).toNumber(),
    takerCommission: new Dec(rate.taker).mul(10_000).toNumber(),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: fixed8(rate.maker), taker: fixed8(rate.taker), buyer: '0.00000000', seller: '0.00000000' },
    canTrade: account.permissions.trade,
    canWithdraw: account.permissions.withdraw,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: now,
    accountType: 'SPOT',
    balances: Object.entries(account.balances).map(([asset, b]) => ({ asset, free: fixed8(b.free), locked: fixed8(b.used) })),
    permissions: ['SPOT'],
    uid: 354937868,
  };
}

export function apiRestrictions(account: SimAccount): Record<string, unknown> {
  return {
    ipRestrict: account.permissions.ipRestricted,
    createTime: 1_700_000_000_000,
    enableReading: true,
    enableSpotAndMarginTrading: account.permissions.trade,
    enableWithdrawals: account.permissions.withdraw,
    enableInternalTransfer: false,
    enableMargin: false,
    enableFutures: false,
    permitsUniversalTransfer: false,
    enableVanillaOptions: false,
    enableFixApiTrade: false,
    enableFixReadOnly: false,
    enablePortfolioMarginTrading: false,
  };
}

export function ticker24h(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  const change = s.last.sub(s.open);
  return {
    symbol: compactId(m),
    priceChange: fixed8(change),
    priceChangePercent: change.div(s.open).mul(100).toFixed(3),
    weightedAvgPrice: fixed8(s.volume.isZero() ? s.last : s.quoteVolume.div(s.volume).toDecimalPlaces(8)),
    prevClosePrice: fixed8(s.prevClose),
    lastPrice: fixed8(s.last),
    lastQty: '0.00000000',
    bidPrice: fixed8(s.bid),
    bidQty: fixed8(s.bidQty),
    askPrice: fixed8(s.ask),
    askQty: fixed8(s.askQty),
    openPrice: fixed8(s.open),
    highPrice: fixed8(s.high),
    lowPrice: fixed8(s.low),
    volume: fixed8(s.volume),
    quoteVolume: fixed8(s.quoteVolume),
    openTime: s.openTime,
    closeTime: s.closeTime,
    firstId: 1,
    lastId: 1000,
    count: 1000,
  };
}

export function bookTicker(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const top = venue.top(m.symbol);
  return {
    symbol: compactId(m),
    bidPrice: fixed8(top?.bid ?? '0'),
    bidQty: fixed8(top?.bidQty ?? '0'),
    askPrice: fixed8(top?.ask ?? '0'),
    askQty: fixed8(top?.askQty ?? '0'),
  };
}

/** The order as GET /api/v3/order and openOrders return it. */
export function orderShape(o: SimOrder, m: MarketSpec): Record<string, unknown> {
  return {
    symbol: compactId(m),
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fixed8(o.price),
    origQty: fixed8(o.origQty),
    executedQty: fixed8(o.executedQty),
    cummulativeQuoteQty: fixed8(o.cumQuote),
    status: STATUS[o.status],
    timeInForce: o.timeInForce,
    type: binanceType(o),
    side: o.side.toUpperCase(),
    stopPrice: fixed8(o.stop?.price ?? '0'),
    icebergQty: '0.00000000',
    time: o.createdAt,
    updateTime: o.updatedAt,
    // A stop is not working (not in the book) until it triggers; workingTime is then its trigger time.
    isWorking: o.stop === undefined || o.stop.triggeredAt !== undefined,
    workingTime: o.stop === undefined ? o.createdAt : (o.stop.triggeredAt ?? -1),
    origQuoteOrderQty: fixed8(o.origQuoteQty),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** The order's type on the wire: what it was placed as. */
export function binanceType(o: SimOrder): string {
  if (o.stop) return o.type === 'market' ? 'STOP_LOSS' : 'STOP_LOSS_LIMIT';
  if (o.postOnly) return 'LIMIT_MAKER';
  return o.type.toUpperCase();
}

/** POST /api/v3/order answer for newOrderRespType ACK, RESULT or FULL. */
export function newOrderShape(o: SimOrder, m: MarketSpec, fills: SimFill[], respType: string): Record<string, unknown> {
  const ack = { symbol: compactId(m), orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.createdAt };
  if (respType === 'ACK') return ack;
  const full = orderShape(o, m);
  const result = {
    ...ack,
    price: full['price'],
    origQty: full['origQty'],
    executedQty: full['executedQty'],
    origQuoteOrderQty: full['origQuoteOrderQty'],
    cummulativeQuoteQty: full['cummulativeQuoteQty'],
    status: full['status'],
    timeInForce: full['timeInForce'],
    type: full['type'],
    side: full['side'],
    ...(o.stop ? { stopPrice: full['stopPrice'] } : {}),
    workingTime: full['workingTime'],
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
  if (respType === 'RESULT') return result;
  return {
    ...result,
    fills: fills.map((f) => ({
      price: fixed8(f.price),
      qty: fixed8(f.qty),
      commission: fixed8(f.fee),
      commissionAsset: f.feeAsset,
      tradeId: f.tradeId,
    })),
  };
}

export function tradeShape(f: SimFill, m: MarketSpec): Record<string, unknown> {
  return {
    symbol: compactId(m),
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: -1,
    price: fixed8(f.price),
    qty: fixed8(f.qty),
    quoteQty: fixed8(f.quoteQty),
    commission: fixed8(f.fee),
    commissionAsset: f.feeAsset,
    time: f.time,
    isBuyer: f.side === 'buy',
    isMaker: f.maker,
    isBestMatch: true,
  };
}
