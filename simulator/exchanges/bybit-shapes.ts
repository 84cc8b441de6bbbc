import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';
import type { SimAccount } from '../types.js';
import { perpCoinFigures } from './bybit-linear-shapes.js';
import { compactId } from './common.js';
import { dayStats } from './market-stats.js';

/** Bybit v5 JSON shapes (https://bybit-exchange.github.io/docs/v5/intro), field for field. */

export function spotInstrument(m: MarketSpec): Record<string, unknown> {
  return {
    symbol: compactId(m),
    baseCoin: m.base,
    quoteCoin: m.quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: 'none',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: m.stepSize,
      quotePrecision: '0.00000001',
      minOrderQty: m.minQty,
      maxOrderQty: m.maxQty,
      minOrderAmt: m.minNotional,
      maxOrderAmt: '2000000',
    },
    priceFilter: { tickSize: m.tickSize },
    riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
  };
}

/**
 * A USDT perpetual of Get Instruments Info (https://bybit-exchange.github.io/docs/v5/market/instrument),
 * traded by simulator/exchanges/bybit-linear.ts; its leverage filter is the perpetual's own maximum.
 */
export function linearInstrument(m: MarketSpec, maxLeverage = '100'): Record<string, unknown> {
  return {
    symbol: compactId(m),
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: m.base,
    quoteCoin: m.quote,
    settleCoin: m.quote,
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(new Dec(m.tickSize).decimalPlaces()),
    leverageFilter: { minLeverage: '1', maxLeverage: new Dec(maxLeverage).toFixed(2), leverageStep: '0.01' },
    priceFilter: { minPrice: m.tickSize, maxPrice: '1999999.80', tickSize: m.tickSize },
    lotSizeFilter: {
      maxOrderQty: m.maxQty,
      minOrderQty: m.minQty,
      qtyStep: m.stepSize,
      postOnlyMaxOrderQty: m.maxQty,
      maxMktOrderQty: m.maxQty,
      minNotionalValue: m.minNotional,
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
  };
}

export function spotTicker(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  return {
    symbol: compactId(m),
    bid1Price: s.bid,
    bid1Size: s.bidQty,
    ask1Price: s.ask,
    ask1Size: s.askQty,
    lastPrice: s.last.toFixed(),
    prevPrice24h: s.prevClose.toFixed(),
    price24hPcnt: s.last.sub(s.open).div(s.open).toDecimalPlaces(4).toFixed(),
    highPrice24h: s.high.toFixed(),
    lowPrice24h: s.low.toFixed(),
    turnover24h: s.quoteVolume.toFixed(),
    volume24h: s.volume.toFixed(),
    usdIndexPrice: s.last.toFixed(),
  };
}

/**
 * Get Wallet Balance (https://bybit-exchange.github.io/docs/v5/account/wallet-balance). With
 * perpetuals, the margin of positions and of resting opening orders is part of the coin's `used`
 * balance and reported apart as totalPositionIM / totalOrderIM (so `locked` stays what spot orders
 * hold); equity adds the unrealized PnL at the mark.
 */
export function walletBalance(account: SimAccount, venue: Venue, perps?: DerivativesVenue): Record<string, unknown> {
  let totalUsd = new Dec(0);
  let uplUsd = new Dec(0);
  let imUsd = new Dec(0);
  let mmUsd = new Dec(0);
  const coin = Object.entries(account.balances).map(([asset, b]) => {
    const wallet = new Dec(b.free).add(b.used);
    const price = usdPrice(venue, asset);
    const usd = wallet.mul(price).toDecimalPlaces(8);
    const p = perps ? perpCoinFigures(account, perps, asset) : ZERO_FIGURES;
    totalUsd = totalUsd.add(usd);
    uplUsd = uplUsd.add(p.upl.mul(price));
    imUsd = imUsd.add(p.positionIM.add(p.orderIM).mul(price));
    mmUsd = mmUsd.add(p.positionMM.mul(price));
    return {
      coin: asset,
      equity: wallet.add(p.upl).toFixed(),
      usdValue: usd.toFixed(),
      walletBalance: wallet.toFixed(),
      locked: new Dec(b.used).sub(p.positionIM).sub(p.orderIM).toFixed(),
      spotHedgingQty: '0',
      borrowAmount: '0',
      accruedInterest: '0',
      totalOrderIM: p.orderIM.toFixed(),
      totalPositionIM: p.positionIM.toFixed(),
      totalPositionMM: p.positionMM.toFixed(),
      unrealisedPnl: p.upl.toFixed(),
      cumRealisedPnl: p.cumRealised.toFixed(),
      bonus: '0',
      marginCollateral: true,
      collateralSwitch: true,
      // Deprecated for unified accounts and sent empty (Get Wallet Balance,
      // https://bybit-exchange.github.io/docs/v5/account/wallet-balance; ccxt's recorded real answer
      // of 2025-01-14 has both as ""). ccxt then derives free from walletBalance − locked − IM, as live.
      availableToWithdraw: '',
      availableToBorrow: '',
    };
  });
  const total = totalUsd.toFixed();
  const equity = totalUsd.add(uplUsd).toDecimalPlaces(8);
  return {
    list: [
      {
        accountType: 'UNIFIED',
        accountIMRate: '0',
        accountMMRate: '0',
        accountLTV: '0',
        totalEquity: equity.toFixed(),
        totalWalletBalance: total,
        totalMarginBalance: equity.toFixed(),
        totalAvailableBalance: equity.sub(imUsd).toDecimalPlaces(8).toFixed(),
        totalPerpUPL: uplUsd.toDecimalPlaces(8).toFixed(),
        totalInitialMargin: imUsd.toDecimalPlaces(8).toFixed(),
        totalMaintenanceMargin: mmUsd.toDecimalPlaces(8).toFixed(),
        coin,
      },
    ],
  };
}

const ZERO_FIGURES = { positionIM: new Dec(0), orderIM: new Dec(0), positionMM: new Dec(0), upl: new Dec(0), cumRealised: new Dec(0) };

function usdPrice(venue: Venue, asset: string): Dec {
  if (asset === 'USDT' || asset === 'USDC' || asset === 'USD') return new Dec(1);
  const m = venue.markets().find((x) => x.base === asset && x.quote === 'USDT');
  return new Dec((m && venue.candle(m.symbol)?.close) ?? 0);
}

export function apiKeyInfo(account: SimAccount, now: number): Record<string, unknown> {
  const { trade, withdraw, ipRestricted } = account.permissions;
  return {
    id: '13770661',
    note: 'cts-simulator',
    apiKey: account.apiKey,
    readOnly: trade ? 0 : 1,
    secret: '',
    permissions: {
      ContractTrade: trade ? ['Order', 'Position'] : [],
      Spot: trade ? ['SpotTrade'] : [],
      Wallet: withdraw ? ['AccountTransfer', 'SubMemberTransfer', 'Withdraw'] : ['AccountTransfer', 'SubMemberTransfer'],
      Options: trade ? ['OptionsTrade'] : [],
      Derivatives: [],
      CopyTrading: [],
      BlockTrade: [],
      Exchange: [],
      NFT: [],
      Affiliate: [],
      Earn: [],
    },
    ips: ipRestricted ? ['127.0.0.1'] : ['*'],
    type: 1,
    // Bybit expires keys without an IP whitelist after 90 days; bound keys do not expire.
    deadlineDay: ipRestricted ? -1 : 90,
    expiredAt: ipRestricted ? '' : new Date(now + 90 * 86_400_000).toISOString(),
    createdAt: '2026-01-01T00:00:00Z',
    unified: 0,
    uta: 1,
    userID: 24600000,
    inviterID: 0,
    vipLevel: 'No VIP',
    mktMakerLevel: '0',
    affiliateID: 0,
    rsaPublicKey: '',
    isMaster: true,
    parentUid: '0',
    kycLevel: 'LEVEL_DEFAULT',
    kycRegion: '',
  };
}

const STATUS: Record<SimOrder['status'], string> = {
  new: 'New',
  partially_filled: 'PartiallyFilled',
  filled: 'Filled',
  canceled: 'Cancelled',
  expired: 'Cancelled',
};

export function orderShape(o: SimOrder, m: MarketSpec, fills: SimFill[]): Record<string, unknown> {
  const executed = new Dec(o.executedQty);
  const leaves = o.status === 'new' || o.status === 'partially_filled' ? new Dec(o.origQty).sub(executed) : new Dec(0);
  // Spot orders closed after a partial fill report their own status on Bybit.
  const status = orderStatus(o, executed);
  const fee = fills.reduce((sum, f) => sum.add(f.fee), new Dec(0));
  return {
    orderId: String(o.orderId),
    orderLinkId: o.clientOrderId,
    blockTradeId: '',
    symbol: compactId(m),
    price: o.type === 'limit' ? o.price : '0',
    qty: o.origQty,
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    isLeverage: '0',
    positionIdx: 0,
    orderStatus: status,
    cancelType: o.status === 'canceled' ? 'CancelByUser' : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: executed.gt(0) ? new Dec(o.cumQuote).div(executed).toDecimalPlaces(8).toFixed() : '',
    leavesQty: leaves.toFixed(),
    leavesValue: o.type === 'limit' ? leaves.mul(o.price).toFixed() : '0',
    cumExecQty: executed.toFixed(),
    cumExecValue: o.cumQuote,
    cumExecFee: fee.toFixed(),
    timeInForce: o.type === 'market' ? 'IOC' : o.timeInForce,
    orderType: o.type === 'limit' ? 'Limit' : 'Market',
    stopOrderType: o.stop ? 'Stop' : '',
    orderIv: '',
    marketUnit: o.type === 'market' ? (o.origQuoteQty !== '0' ? 'quoteCoin' : 'baseCoin') : '',
    triggerPrice: o.stop?.price ?? '0.00',
    takeProfit: '0.00',
    stopLoss: '0.00',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: o.stop ? (o.side === 'sell' ? 2 : 1) : 0,
    triggerBy: o.stop ? 'LastPrice' : '',
    lastPriceOnCreated: '',
    reduceOnly: false,
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
 * Conditional orders wait as Untriggered and, cancelled before they fired, end Deactivated
 * (https://bybit-exchange.github.io/docs/v5/enum#orderstatus).
 */
function orderStatus(o: SimOrder, executed: Dec): string {
  if (o.stop && o.stop.triggeredAt === undefined) return o.status === 'canceled' ? 'Deactivated' : 'Untriggered';
  return (o.status === 'canceled' || o.status === 'expired') && executed.gt(0) ? 'PartiallyFilledCanceled' : STATUS[o.status];
}

export function executionShape(f: SimFill, o: SimOrder | undefined, m: MarketSpec, feeRate: string): Record<string, unknown> {
  return {
    symbol: compactId(m),
    orderId: String(f.orderId),
    orderLinkId: o?.clientOrderId ?? '',
    side: f.side === 'buy' ? 'Buy' : 'Sell',
    orderPrice: o?.price ?? '0',
    orderQty: o?.origQty ?? f.qty,
    leavesQty: o ? new Dec(o.origQty).sub(o.executedQty).toFixed() : '0',
    createType: 'CreateByUser',
    orderType: o?.type === 'market' ? 'Market' : 'Limit',
    stopOrderType: o?.stop ? 'Stop' : '',
    execFee: f.fee,
    feeCurrency: f.feeAsset,
    execId: String(f.tradeId),
    execPrice: f.price,
    execQty: f.qty,
    execType: 'Trade',
    execValue: f.quoteQty,
    execTime: String(f.time),
    isMaker: f.maker,
    feeRate,
    tradeIv: '',
    markIv: '',
    markPrice: f.price,
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: '',
    seq: f.tradeId,
  };
}
