import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { FundingPayment, PerpFill, PerpOrder, PerpSpec } from '../matching/derivatives-types.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec } from '../matching/types.js';
import type { SimAccount } from '../types.js';
import { compactId } from './common.js';
import { dayStats } from './market-stats.js';

/** Bybit v5 JSON shapes of USDT linear perpetuals (category=linear), field for field. */

function idOf(spec: PerpSpec): string {
  return spec.base + spec.settle;
}

/**
 * Get Position Info (https://bybit-exchange.github.io/docs/v5/position). A flat position is listed
 * (with its leverage) when asked by symbol, with side "" and size "0", which is what ccxt's
 * fetchLeverage reads. Bybit's liqPrice and bustPrice are "" when flat. positionBalance is the
 * position's margin; curRealisedPnl and cumRealisedPnl both carry the simulator's one running total
 * (trading PnL − fees ± funding), a simplification: Bybit resets the former per holding.
 */
export function positionShape(d: DerivativesVenue, owner: string, spec: PerpSpec): Record<string, unknown> {
  const p = d.position(owner, spec.symbol);
  const size = new Dec(p.size);
  const mark = d.markPrice(spec.symbol);
  const flat = size.isZero();
  const liq = d.liquidationPrice(owner, spec.symbol);
  const bust = d.bankruptcyPrice(owner, spec.symbol);
  return {
    positionIdx: 0,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: idOf(spec),
    side: flat ? '' : size.isPositive() ? 'Buy' : 'Sell',
    size: size.abs().toFixed(),
    avgPrice: p.entryPrice,
    positionValue: size.abs().mul(p.entryPrice).toFixed(),
    // Deprecated for unified accounts, always 0 (the margin mode is the account's, see account/info).
    tradeMode: 0,
    autoAddMargin: 0,
    positionStatus: 'Normal',
    leverage: p.leverage,
    markPrice: mark.toFixed(),
    liqPrice: liq?.toFixed() ?? '',
    bustPrice: bust?.toFixed() ?? '',
    positionIM: p.positionMargin,
    positionMM: d.maintenanceMargin(owner, spec.symbol).toFixed(),
    positionBalance: p.positionMargin,
    takeProfit: '',
    stopLoss: '',
    trailingStop: '0',
    sessionAvgPrice: '',
    delta: '',
    gamma: '',
    vega: '',
    theta: '',
    unrealisedPnl: d.unrealizedPnl(owner, spec.symbol).toFixed(),
    curRealisedPnl: p.realisedPnl,
    cumRealisedPnl: p.realisedPnl,
    adlRankIndicator: flat ? 0 : 2,
    createdTime: String(p.createdAt),
    updatedTime: String(p.updatedAt),
    seq: p.updatedAt,
    isReduceOnly: false,
    mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '',
  };
}

const STATUS: Record<PerpOrder['status'], string> = {
  new: 'New',
  partially_filled: 'PartiallyFilled',
  filled: 'Filled',
  canceled: 'Cancelled',
  expired: 'Cancelled',
};

/**
 * A conditional order's own statuses (https://bybit-exchange.github.io/docs/v5/enum#orderstatus):
 * Untriggered while it waits, Deactivated when cancelled (or expired) before its trigger; once
 * triggered it is a plain order again (Filled, or Cancelled when nothing was left to reduce).
 */
function conditionalStatus(o: PerpOrder): string | undefined {
  if (!o.trigger || o.trigger.triggeredAt !== undefined) return undefined;
  if (o.status === 'new') return 'Untriggered';
  return o.status === 'canceled' || o.status === 'expired' ? 'Deactivated' : undefined;
}

/**
 * An order of Get Open & Closed Orders (https://bybit-exchange.github.io/docs/v5/order/open-order).
 * A liquidation shows as the venue's own market order, createType CreateByLiq, with no orderLinkId
 * (https://bybit-exchange.github.io/docs/v5/enum#createtype).
 */
export function linearOrderShape(o: PerpOrder, spec: PerpSpec): Record<string, unknown> {
  const executed = new Dec(o.executedQty);
  const open = o.status === 'new' || o.status === 'partially_filled';
  const leaves = open ? new Dec(o.qty).sub(executed) : new Dec(0);
  const status = (o.status === 'canceled' || o.status === 'expired') && executed.gt(0) ? 'PartiallyFilledCanceled' : conditionalStatus(o) ?? STATUS[o.status];
  const trigger = o.trigger;
  return {
    orderId: String(o.orderId),
    orderLinkId: o.clientOrderId,
    blockTradeId: '',
    symbol: idOf(spec),
    price: o.price,
    qty: o.qty,
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    isLeverage: '',
    positionIdx: 0,
    orderStatus: status,
    createType: o.createdBy === 'liquidation' ? 'CreateByLiq' : 'CreateByUser',
    cancelType: o.status === 'canceled' ? 'CancelByUser' : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: executed.gt(0) ? new Dec(o.cumQuote).div(executed).toDecimalPlaces(8).toFixed() : '',
    leavesQty: leaves.toFixed(),
    leavesValue: o.type === 'limit' ? leaves.mul(o.price).toFixed() : '0',
    cumExecQty: executed.toFixed(),
    cumExecValue: o.cumQuote,
    cumExecFee: o.cumFee,
    timeInForce: o.timeInForce,
    orderType: o.type === 'limit' ? 'Limit' : 'Market',
    // A conditional order placed on /v5/order/create with triggerPrice is stopOrderType Stop.
    stopOrderType: trigger ? 'Stop' : '',
    orderIv: '',
    marketUnit: '',
    triggerPrice: trigger ? trigger.price : '',
    takeProfit: '',
    stopLoss: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: trigger ? (trigger.direction === 'rise' ? 1 : 2) : 0,
    triggerBy: trigger ? (trigger.by === 'mark' ? 'MarkPrice' : 'LastPrice') : '',
    lastPriceOnCreated: '',
    reduceOnly: o.reduceOnly,
    closeOnTrigger: false,
    placeType: '',
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    createdTime: String(o.createdAt),
    updatedTime: String(o.updatedAt),
  };
}

/**
 * A trade of Get Trade History (https://bybit-exchange.github.io/docs/v5/order/execution): execType
 * Trade, or BustTrade for a liquidation (https://bybit-exchange.github.io/docs/v5/enum#exectype).
 * feeCurrency is a spot field and stays empty for linear; ccxt takes the settle coin.
 */
export function linearExecutionShape(f: PerpFill, o: PerpOrder | undefined, spec: PerpSpec): Record<string, unknown> {
  return {
    symbol: idOf(spec),
    orderId: String(f.orderId),
    orderLinkId: o?.clientOrderId ?? '',
    side: f.side === 'buy' ? 'Buy' : 'Sell',
    orderPrice: o?.price ?? '0',
    orderQty: o?.qty ?? f.qty,
    leavesQty: o && (o.status === 'new' || o.status === 'partially_filled') ? new Dec(o.qty).sub(o.executedQty).toFixed() : '0',
    createType: o?.createdBy === 'liquidation' ? 'CreateByLiq' : 'CreateByUser',
    orderType: o?.type === 'limit' ? 'Limit' : 'Market',
    stopOrderType: '',
    execFee: f.fee,
    feeCurrency: '',
    execId: String(f.tradeId),
    execPrice: f.price,
    execQty: f.qty,
    execType: f.kind === 'liquidation' ? 'BustTrade' : 'Trade',
    execValue: f.value,
    execTime: String(f.time),
    isMaker: f.maker,
    feeRate: f.feeRate,
    tradeIv: '',
    markIv: '',
    markPrice: f.markPrice,
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: f.closedSize,
    seq: f.tradeId,
  };
}

/**
 * A funding settlement as Get Trade History lists it (execType Funding). The side is the position's;
 * feeRate is the market rate for a long and its negation for a short, and execFee = execValue ×
 * feeRate, so a positive execFee is paid and a negative one received, as for trading fees (the
 * convention the transaction log documents for SETTLEMENT rows' feeRate,
 * https://bybit-exchange.github.io/docs/v5/account/transaction-log, and ccxt's recorded real row in
 * bybit.parseIncome: a short, feeRate -0.000761, execFee -0.10232512).
 */
export function fundingExecutionShape(p: FundingPayment, spec: PerpSpec): Record<string, unknown> {
  const size = new Dec(p.size);
  const long = size.isPositive();
  const value = size.abs().mul(p.markPrice);
  return {
    symbol: idOf(spec),
    orderId: fundingUuid(p.id),
    orderLinkId: '',
    side: long ? 'Buy' : 'Sell',
    orderPrice: '0',
    orderQty: '0',
    leavesQty: '0',
    createType: '',
    orderType: 'UNKNOWN',
    stopOrderType: 'UNKNOWN',
    execFee: p.payment,
    feeCurrency: '',
    execId: fundingUuid(p.id + 500_000_000),
    execPrice: p.markPrice,
    execQty: size.abs().toFixed(),
    execType: 'Funding',
    execValue: value.toFixed(),
    execTime: String(p.time),
    isMaker: false,
    feeRate: (long ? new Dec(p.rate) : new Dec(p.rate).neg()).toFixed(),
    tradeIv: '',
    markIv: '',
    markPrice: p.markPrice,
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: '0',
    marketUnit: '',
    seq: p.id,
  };
}

/** Bybit's funding rows carry uuid ids; a fixed-format one from the record's number keeps them stable. */
function fundingUuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/**
 * Get Tickers, category=linear (https://bybit-exchange.github.io/docs/v5/market/tickers): the spot
 * ticker's prices plus markPrice and indexPrice (both the price path's close, a simplification),
 * fundingRate (the rate of the next settlement) and nextFundingTime.
 */
export function linearTicker(venue: Venue, d: DerivativesVenue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  const next = d.nextFunding(m.symbol);
  const mark = d.markPrice(m.symbol).toFixed();
  return {
    symbol: compactId(m),
    lastPrice: s.last.toFixed(),
    indexPrice: mark,
    markPrice: mark,
    prevPrice24h: s.prevClose.toFixed(),
    price24hPcnt: s.last.sub(s.open).div(s.open).toDecimalPlaces(6).toFixed(),
    highPrice24h: s.high.toFixed(),
    lowPrice24h: s.low.toFixed(),
    prevPrice1h: s.prevClose.toFixed(),
    openInterest: '0',
    openInterestValue: '0',
    turnover24h: s.quoteVolume.toFixed(),
    volume24h: s.volume.toFixed(),
    fundingRate: next.rate.toFixed(),
    nextFundingTime: String(next.time),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: s.askQty,
    bid1Price: s.bid,
    ask1Price: s.ask,
    bid1Size: s.bidQty,
    basis: '',
    preOpenPrice: '',
    preQty: '',
    curPreListingPhase: '',
    fundingIntervalHour: '8',
    fundingCap: '0.00375',
  };
}

/** The perpetuals' part of a coin in Get Wallet Balance: margin in use, unrealized and realized PnL. */
export function perpCoinFigures(account: SimAccount, d: DerivativesVenue, coin: string): { positionIM: Dec; orderIM: Dec; positionMM: Dec; upl: Dec; cumRealised: Dec } {
  const { position, order } = d.marginInUse(account.apiKey, coin);
  let positionMM = new Dec(0);
  let upl = new Dec(0);
  let cumRealised = new Dec(0);
  for (const spec of d.perps()) {
    if (spec.settle !== coin) continue;
    positionMM = positionMM.add(d.maintenanceMargin(account.apiKey, spec.symbol));
    upl = upl.add(d.unrealizedPnl(account.apiKey, spec.symbol));
    cumRealised = cumRealised.add(d.position(account.apiKey, spec.symbol).realisedPnl);
  }
  return { positionIM: position, orderIM: order, positionMM, upl, cumRealised };
}
