import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { FundingPayment, PerpFill, PerpOrder, PerpSpec } from '../matching/derivatives-types.js';
import type { Venue } from '../matching/engine.js';
import type { MarketSpec } from '../matching/types.js';
import type { SimAccount, SimWallet } from '../types.js';
import { balanceOf } from '../matching/balances.js';
import { dayStats, fixed8 } from './market-stats.js';

/**
 * Binance USDⓈ-M futures JSON shapes, field for field as
 * https://developers.binance.com/docs/derivatives/usds-margined-futures documents them. Where the
 * simulator's core keeps a figure differently, the comment says so (margin at the entry price, not
 * re-valued at the mark; available balance = what the venue lets an order use).
 */

export const FAPI_RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
] as const;

/** BTCUSDT's real listing date; the simulator lists every perpetual from it. */
const ONBOARD_DATE = 1569398400000;
/** What Binance sends as the delivery date of a perpetual (ccxt reads it as "no expiry"). */
const PERPETUAL_DELIVERY = 4133404800000;

export function perpId(spec: PerpSpec): string {
  return spec.base + spec.settle;
}

/** Decimal places of a tick or step size ("0.01" → 2). */
export function placesOf(step: string): number {
  return new Dec(step).decimalPlaces();
}

/** `value` with at least `places` decimals and never rounded (Binance pads its figures to the market's precision). */
export function padded(value: string | Dec, places: number): string {
  const d = new Dec(value);
  return d.decimalPlaces() > places ? d.toFixed() : d.toFixed(places);
}

/**
 * A symbol of Exchange Information (GET /fapi/v1/exchangeInfo,
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information).
 * `orderTypes` and `timeInForce` list what the simulator trades (ccxt checks an order's type against
 * the list before it sends it); STOP_MARKET and TAKE_PROFIT_MARKET go to the algo service
 * (binance-futures-algo.ts).
 */
export function futuresSymbolInfo(spec: PerpSpec): Record<string, unknown> {
  return {
    symbol: perpId(spec),
    pair: perpId(spec),
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY,
    onboardDate: ONBOARD_DATE,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: spec.base,
    quoteAsset: spec.settle,
    marginAsset: spec.settle,
    pricePrecision: placesOf(spec.tickSize),
    quantityPrecision: placesOf(spec.stepSize),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: spec.tickSize, maxPrice: '1000000', tickSize: spec.tickSize },
      { filterType: 'LOT_SIZE', maxQty: spec.maxQty, minQty: spec.minQty, stepSize: spec.stepSize },
      { filterType: 'MARKET_LOT_SIZE', maxQty: spec.maxQty, minQty: spec.minQty, stepSize: spec.stepSize },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: spec.minNotional },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP_MARKET', 'TAKE_PROFIT_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK'],
  };
}

/** 24hr Ticker Price Change Statistics: the spot ticker's figures, without book prices (fapi has none here). */
export function futuresTicker24h(venue: Venue, m: MarketSpec): Record<string, unknown> {
  const s = dayStats(venue, m);
  const change = s.last.sub(s.open);
  const tick = placesOf(m.tickSize);
  return {
    symbol: m.base + m.quote,
    priceChange: padded(change, tick),
    priceChangePercent: change.div(s.open).mul(100).toFixed(3),
    weightedAvgPrice: padded(s.volume.isZero() ? s.last : s.quoteVolume.div(s.volume).toDecimalPlaces(tick), tick),
    lastPrice: padded(s.last, tick),
    lastQty: '0',
    openPrice: padded(s.open, tick),
    highPrice: padded(s.high, tick),
    lowPrice: padded(s.low, tick),
    volume: s.volume.toFixed(),
    quoteVolume: s.quoteVolume.toFixed(),
    openTime: s.openTime,
    closeTime: s.closeTime,
    firstId: 1,
    lastId: 1000,
    count: 1000,
  };
}

/**
 * Mark Price (GET /fapi/v1/premiumIndex): the simulator's mark and index are the candle's close;
 * `lastFundingRate` is the rate the next settlement will use, as on Binance (despite its name).
 */
export function premiumIndex(d: DerivativesVenue, spec: PerpSpec, now: number): Record<string, unknown> {
  const mark = fixed8(d.markPrice(spec.symbol));
  const next = d.nextFunding(spec.symbol);
  return {
    symbol: perpId(spec),
    markPrice: mark,
    indexPrice: mark,
    estimatedSettlePrice: mark,
    lastFundingRate: fixed8(next.rate),
    interestRate: '0.00010000',
    nextFundingTime: next.time,
    time: now,
  };
}

/** A futures account's figures in one asset, from the futures wallet and the core's positions. */
interface AssetFigures {
  wallet: Dec;
  free: Dec;
  positionIM: Dec;
  orderIM: Dec;
  maintMargin: Dec;
  upl: Dec;
  crossWallet: Dec;
  crossUpl: Dec;
}

function assetFigures(wallet: SimWallet, d: DerivativesVenue, owner: string, asset: string): AssetFigures {
  const b = balanceOf(wallet, asset);
  const { position, order } = d.marginInUse(owner, asset);
  let maintMargin = new Dec(0);
  let upl = new Dec(0);
  let isolatedWallets = new Dec(0);
  let crossUpl = new Dec(0);
  for (const spec of d.perps()) {
    if (spec.settle !== asset) continue;
    const p = d.position(owner, spec.symbol);
    const u = d.unrealizedPnl(owner, spec.symbol);
    maintMargin = maintMargin.add(d.maintenanceMargin(owner, spec.symbol));
    upl = upl.add(u);
    if (p.marginMode === 'isolated') isolatedWallets = isolatedWallets.add(p.positionMargin);
    else crossUpl = crossUpl.add(u);
  }
  const total = b.free.add(b.used);
  return { wallet: total, free: b.free, positionIM: position, orderIM: order, maintMargin, upl, crossWallet: total.sub(isolatedWallets), crossUpl };
}

/** The assets the futures wallet holds, USDT first. */
function walletAssets(wallet: SimWallet): string[] {
  const assets = Object.keys(wallet.balances);
  if (!assets.includes('USDT')) assets.unshift('USDT');
  return assets.sort((a, b) => (a === 'USDT' ? -1 : b === 'USDT' ? 1 : a.localeCompare(b)));
}

/**
 * Futures Account Balance V2/V3 (GET /fapi/v2/balance, /fapi/v3/balance,
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V2).
 * `availableBalance` and `maxWithdrawAmount` are the wallet's free part: what the simulator lets an
 * order use (Binance adds cross unrealized profit to the available balance; the simulator does not).
 */
export function futuresBalances(wallet: SimWallet, d: DerivativesVenue, owner: string, now: number): Record<string, unknown>[] {
  return walletAssets(wallet).map((asset) => {
    const f = assetFigures(wallet, d, owner, asset);
    return {
      accountAlias: 'SgsR',
      asset,
      balance: fixed8(f.wallet),
      crossWalletBalance: fixed8(f.crossWallet),
      crossUnPnl: fixed8(f.crossUpl),
      availableBalance: fixed8(f.free),
      maxWithdrawAmount: fixed8(f.free),
      marginAvailable: true,
      updateTime: now,
    };
  });
}

/**
 * One asset of Account Information V2/V3. `initialMargin` is the margin the simulator holds
 * (positions at their entry price, plus resting opening orders), not re-valued at the mark.
 */
function accountAsset(wallet: SimWallet, d: DerivativesVenue, owner: string, asset: string, now: number, v2: boolean): Record<string, unknown> {
  const f = assetFigures(wallet, d, owner, asset);
  return {
    asset,
    walletBalance: fixed8(f.wallet),
    unrealizedProfit: fixed8(f.upl),
    marginBalance: fixed8(f.wallet.add(f.upl)),
    maintMargin: fixed8(f.maintMargin),
    initialMargin: fixed8(f.positionIM.add(f.orderIM)),
    positionInitialMargin: fixed8(f.positionIM),
    openOrderInitialMargin: fixed8(f.orderIM),
    crossWalletBalance: fixed8(f.crossWallet),
    crossUnPnl: fixed8(f.crossUpl),
    availableBalance: fixed8(f.free),
    maxWithdrawAmount: fixed8(f.free),
    ...(v2 ? { marginAvailable: true } : {}),
    updateTime: now,
  };
}

/** Initial margin of a symbol's resting opening orders. */
function orderMargin(d: DerivativesVenue, owner: string, spec: PerpSpec): Dec {
  return d.orders(owner, { symbol: spec.symbol, open: true }).reduce((sum, o) => sum.add(o.locked), new Dec(0));
}

/** Whether a symbol shows in V3 account and position lists: a position or an open order. */
export function isActive(d: DerivativesVenue, owner: string, spec: PerpSpec): boolean {
  return d.position(owner, spec.symbol).size !== '0' || d.orders(owner, { symbol: spec.symbol, open: true }).length > 0;
}

/**
 * Account Information V3 (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Account-Information-V3)
 * or V2 (…/Account-Information-V2, every symbol's position with its leverage and `isolated`), single-asset mode.
 */
export function futuresAccount(account: SimAccount, wallet: SimWallet, d: DerivativesVenue, now: number, version: 'v2' | 'v3'): Record<string, unknown> {
  const owner = account.apiKey;
  const usdt = assetFigures(wallet, d, owner, 'USDT');
  const specs = version === 'v2' ? d.perps() : d.perps().filter((s) => isActive(d, owner, s));
  const positions = specs.map((spec) => {
    const p = d.position(owner, spec.symbol);
    const size = new Dec(p.size);
    const im = new Dec(p.positionMargin);
    const om = orderMargin(d, owner, spec);
    const isolated = p.marginMode === 'isolated';
    const common = {
      symbol: perpId(spec),
      positionSide: 'BOTH',
      positionAmt: padded(size, placesOf(spec.stepSize)),
      unrealizedProfit: fixed8(d.unrealizedPnl(owner, spec.symbol)),
      initialMargin: fixed8(im.add(om)),
      maintMargin: fixed8(d.maintenanceMargin(owner, spec.symbol)),
    };
    if (version === 'v3') {
      return {
        ...common,
        isolatedMargin: isolated ? fixed8(im.add(d.unrealizedPnl(owner, spec.symbol))) : '0',
        notional: fixed8(size.mul(d.markPrice(spec.symbol))),
        isolatedWallet: isolated ? fixed8(im) : '0',
        updateTime: p.updatedAt,
      };
    }
    return {
      ...common,
      positionInitialMargin: fixed8(im),
      openOrderInitialMargin: fixed8(om),
      leverage: p.leverage,
      isolated,
      entryPrice: padded(p.entryPrice, placesOf(spec.tickSize)),
      breakEvenPrice: breakEvenPrice(d, size, p.entryPrice),
      maxNotional: BRACKET_CAP,
      bidNotional: '0',
      askNotional: '0',
      positionSide: 'BOTH',
      updateTime: size.isZero() ? 0 : p.updatedAt,
    };
  });
  return {
    ...(version === 'v2'
      ? { feeTier: 0, feeBurn: false, canTrade: account.permissions.trade, canDeposit: true, canWithdraw: account.permissions.withdraw, updateTime: 0, multiAssetsMargin: false, tradeGroupId: -1 }
      : {}),
    totalInitialMargin: fixed8(usdt.positionIM.add(usdt.orderIM)),
    totalMaintMargin: fixed8(usdt.maintMargin),
    totalWalletBalance: fixed8(usdt.wallet),
    totalUnrealizedProfit: fixed8(usdt.upl),
    totalMarginBalance: fixed8(usdt.wallet.add(usdt.upl)),
    totalPositionInitialMargin: fixed8(usdt.positionIM),
    totalOpenOrderInitialMargin: fixed8(usdt.orderIM),
    totalCrossWalletBalance: fixed8(usdt.crossWallet),
    totalCrossUnPnl: fixed8(usdt.crossUpl),
    availableBalance: fixed8(usdt.free),
    maxWithdrawAmount: fixed8(usdt.free),
    assets: walletAssets(wallet).map((asset) => accountAsset(wallet, d, owner, asset, now, version === 'v2')),
    positions,
  };
}

/**
 * Break-even price: where closing the position as a taker pays back both taker fees (opening and
 * closing at the venue's taker rate); '0' when flat.
 */
function breakEvenPrice(d: DerivativesVenue, size: Dec, entry: string): string {
  if (size.isZero()) return '0.0';
  const t = new Dec(d.fees.taker);
  const one = new Dec(1);
  const be = size.isPositive() ? new Dec(entry).mul(one.add(t)).div(one.sub(t)) : new Dec(entry).mul(one.sub(t)).div(one.add(t));
  return be.toDecimalPlaces(8).toFixed();
}

/** The one bracket the simulator has covers any size: its notional cap, at every leverage. */
const BRACKET_CAP = '1000000000';

/**
 * Position Information V3 (GET /fapi/v3/positionRisk,
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V3):
 * no leverage and no margin type (ccxt tells isolated from cross by `isolatedMargin`), a symbol with
 * a position or an open order only. `isolatedMargin` is the isolated wallet plus unrealized profit.
 */
export function positionRiskV3(d: DerivativesVenue, owner: string, spec: PerpSpec): Record<string, unknown> {
  const p = d.position(owner, spec.symbol);
  const size = new Dec(p.size);
  const mark = d.markPrice(spec.symbol);
  const im = new Dec(p.positionMargin);
  const om = orderMargin(d, owner, spec);
  const upl = d.unrealizedPnl(owner, spec.symbol);
  const isolated = p.marginMode === 'isolated';
  const liq = d.liquidationPrice(owner, spec.symbol);
  return {
    symbol: perpId(spec),
    positionSide: 'BOTH',
    positionAmt: padded(size, placesOf(spec.stepSize)),
    entryPrice: padded(p.entryPrice, placesOf(spec.tickSize)),
    breakEvenPrice: breakEvenPrice(d, size, p.entryPrice),
    markPrice: fixed8(mark),
    unRealizedProfit: fixed8(upl),
    liquidationPrice: liq ? fixed8(liq) : '0',
    isolatedMargin: isolated && !size.isZero() ? fixed8(im.add(upl)) : '0',
    notional: fixed8(size.mul(mark)),
    marginAsset: spec.settle,
    isolatedWallet: isolated ? fixed8(im) : '0',
    initialMargin: fixed8(im.add(om)),
    maintMargin: fixed8(d.maintenanceMargin(owner, spec.symbol)),
    positionInitialMargin: fixed8(im),
    openOrderInitialMargin: fixed8(om),
    adl: size.isZero() ? 0 : 2,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.updatedAt,
  };
}

/**
 * Position Information V2 (GET /fapi/v2/positionRisk, …/Position-Information-V2): every symbol, flat
 * ones too, with `leverage`, `marginType` (lower case here) and `isAutoAddMargin`.
 */
export function positionRiskV2(d: DerivativesVenue, owner: string, spec: PerpSpec): Record<string, unknown> {
  const p = d.position(owner, spec.symbol);
  const size = new Dec(p.size);
  const mark = d.markPrice(spec.symbol);
  const im = new Dec(p.positionMargin);
  const upl = d.unrealizedPnl(owner, spec.symbol);
  const isolated = p.marginMode === 'isolated';
  const liq = d.liquidationPrice(owner, spec.symbol);
  return {
    symbol: perpId(spec),
    positionAmt: padded(size, placesOf(spec.stepSize)),
    entryPrice: padded(p.entryPrice, placesOf(spec.tickSize)),
    breakEvenPrice: breakEvenPrice(d, size, p.entryPrice),
    markPrice: fixed8(mark),
    unRealizedProfit: fixed8(upl),
    liquidationPrice: liq ? fixed8(liq) : '0',
    leverage: p.leverage,
    maxNotionalValue: BRACKET_CAP,
    marginType: isolated ? 'isolated' : 'cross',
    isolatedMargin: isolated && !size.isZero() ? fixed8(im.add(upl)) : '0.00000000',
    isAutoAddMargin: 'false',
    positionSide: 'BOTH',
    notional: fixed8(size.mul(mark)),
    isolatedWallet: isolated ? fixed8(im) : '0',
    updateTime: size.isZero() ? 0 : p.updatedAt,
  };
}

/** Symbol Configuration (GET /fapi/v1/symbolConfig, …/account/rest-api/Symbol-Config): what ccxt's fetchLeverage(s) and fetchMarginMode read. */
export function symbolConfig(d: DerivativesVenue, owner: string, spec: PerpSpec): Record<string, unknown> {
  const s = d.settings(owner, spec.symbol);
  return {
    symbol: perpId(spec),
    marginType: s.marginMode === 'isolated' ? 'ISOLATED' : 'CROSSED',
    isAutoAddMargin: 'false',
    leverage: Number(s.leverage),
    maxNotionalValue: BRACKET_CAP,
  };
}

/**
 * Notional and Leverage Brackets (GET /fapi/v1/leverageBracket, …/Notional-and-Leverage-Brackets):
 * the simulator has one risk tier per symbol, so one bracket from 0 to the cap.
 */
export function leverageBracket(spec: PerpSpec): Record<string, unknown> {
  return {
    symbol: perpId(spec),
    brackets: [
      {
        bracket: 1,
        initialLeverage: Number(spec.maxLeverage),
        notionalCap: Number(BRACKET_CAP),
        notionalFloor: 0,
        maintMarginRatio: Number(spec.maintenanceMarginRate),
        cum: 0,
      },
    ],
  };
}

const STATUS: Record<PerpOrder['status'], string> = {
  new: 'NEW',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
};

/**
 * The client id of a liquidation order: "autoclose-" and a number, as Binance's User's Force Orders
 * show it (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Users-Force-Orders).
 */
export function clientIdOf(o: PerpOrder): string {
  return o.createdBy === 'liquidation' ? `autoclose-${o.createdAt}${String(o.orderId % 1_000_000).padStart(6, '0')}` : o.clientOrderId;
}

/**
 * An order as Query Order, All Orders, Current Open Orders, New Order and Cancel Order answer it
 * (…/trade/rest-api/Query-Order). A liquidation is the venue's IOC limit at the bankruptcy price,
 * filled at the liquidation price, with an `autoclose-` client id and `reduceOnly` false, as the
 * force-order example shows. `kind` picks the fields each answer has: `time` in queries, `cumQty` in
 * the new and cancel answers.
 */
export function futuresOrderShape(o: PerpOrder, spec: PerpSpec, kind: 'query' | 'new' | 'cancel'): Record<string, unknown> {
  const tick = placesOf(spec.tickSize);
  const step = placesOf(spec.stepSize);
  const executed = new Dec(o.executedQty);
  const liquidation = o.createdBy === 'liquidation';
  const type = liquidation || o.type === 'limit' ? 'LIMIT' : 'MARKET';
  return {
    orderId: o.orderId,
    symbol: perpId(spec),
    status: STATUS[o.status],
    clientOrderId: clientIdOf(o),
    price: o.type === 'market' && !liquidation ? '0' : padded(o.price, tick),
    avgPrice: executed.gt(0) ? padded(new Dec(o.cumQuote).div(executed).toDecimalPlaces(8), Math.max(tick, 5)) : padded('0', 5),
    origQty: padded(o.qty, step),
    executedQty: padded(executed, step),
    ...(kind === 'query' ? {} : { cumQty: padded(executed, step) }),
    cumQuote: padded(o.cumQuote, tick),
    timeInForce: o.timeInForce,
    type,
    reduceOnly: liquidation ? false : o.reduceOnly,
    closePosition: false,
    side: o.side.toUpperCase(),
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    ...(kind === 'query' ? { time: o.createdAt } : {}),
    updateTime: o.updatedAt,
  };
}

/**
 * Account Trade List (GET /fapi/v1/userTrades, …/Account-Trade-List): `commission` is the fee charged,
 * in USDT; `realizedPnl` the trading PnL of the part that closed. A liquidation's fill is listed too,
 * under the liquidation order, with no commission (its clearance fee is an INSURANCE_CLEAR income).
 */
export function futuresTradeShape(f: PerpFill, spec: PerpSpec): Record<string, unknown> {
  return {
    symbol: perpId(spec),
    id: f.tradeId,
    orderId: f.orderId,
    side: f.side.toUpperCase(),
    price: padded(f.price, placesOf(spec.tickSize)),
    qty: padded(f.qty, placesOf(spec.stepSize)),
    realizedPnl: fixed8(f.realizedPnl),
    marginAsset: spec.settle,
    quoteQty: f.value,
    commission: fixed8(f.fee),
    commissionAsset: spec.settle,
    time: f.time,
    positionSide: 'BOTH',
    buyer: f.side === 'buy',
    maker: f.maker,
  };
}

export type IncomeType = 'REALIZED_PNL' | 'FUNDING_FEE' | 'COMMISSION' | 'INSURANCE_CLEAR';

export interface IncomeRow {
  time: number;
  tranId: number;
  type: IncomeType;
  row: Record<string, unknown>;
}

/**
 * Income History rows (GET /fapi/v1/income, …/account/rest-api/Get-Income-History): `income` is
 * positive when the wallet receives it and negative when it pays, for every type. A fill gives a
 * COMMISSION row (the fee, negative) and, when it closed part of a position, a REALIZED_PNL row; a
 * liquidation under the clearance rule an INSURANCE_CLEAR row (the clearance fee, negative).
 */
export function fillIncome(f: PerpFill, spec: PerpSpec): IncomeRow[] {
  const rows: IncomeRow[] = [];
  const row = (type: IncomeType, n: number, income: Dec): IncomeRow => {
    const tranId = f.tradeId * 10 + n;
    return {
      time: f.time,
      tranId,
      type,
      row: { symbol: perpId(spec), incomeType: type, income: fixed8(income), asset: spec.settle, info: type, time: f.time, tranId, tradeId: String(f.tradeId) },
    };
  };
  if (!new Dec(f.closedSize).isZero()) rows.push(row('REALIZED_PNL', 1, new Dec(f.realizedPnl)));
  if (!new Dec(f.fee).isZero()) rows.push(row('COMMISSION', 2, new Dec(f.fee).neg()));
  if (f.clearanceFee !== undefined && !new Dec(f.clearanceFee).isZero()) rows.push(row('INSURANCE_CLEAR', 3, new Dec(f.clearanceFee).neg()));
  return rows;
}

/** A funding settlement as a FUNDING_FEE row: the core's payment is positive when paid, so the income is its negation. */
export function fundingIncome(p: FundingPayment, spec: PerpSpec): IncomeRow {
  const tranId = 9_000_000_000 + p.id;
  return {
    time: p.time,
    tranId,
    type: 'FUNDING_FEE',
    row: { symbol: perpId(spec), incomeType: 'FUNDING_FEE', income: fixed8(new Dec(p.payment).neg()), asset: spec.settle, info: 'FUNDING_FEE', time: p.time, tranId, tradeId: '' },
  };
}
