import { Dec } from '../../src/domain/money.js';
import type { SimCandle } from '../matching/price-path.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';

/** OKX v5 order and fill shapes for spot (`tdMode: cash`), field for field as the docs list them. */

export function instId(m: MarketSpec): string {
  return `${m.base}-${m.quote}`;
}

/** Orders placed without a clOrdId carry an internal one (a leading `_`, which OKX's format excludes); OKX shows "". */
export function shownClOrdId(o: SimOrder): string {
  return o.clientOrderId.startsWith('_') ? '' : o.clientOrderId;
}

/**
 * An algo order that fires places a plain order of its own `ordId`, which names the algo order in
 * `algoId` / `algoClOrdId` and carries no clOrdId of ours; its fills carry that ordId
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details: "algoId: There will be
 * a value when algo order is triggered"). The venue keeps one order for both: the plain one's ordId
 * is the algo id moved by this offset (venue order ids start at 1 000 001 and stay far below it).
 */
export const FIRED_ORDER_ID_OFFSET = 9_000_000_000;

/** The ordId the plain order endpoints show: the algo order's placed order for a stop, the order's own id otherwise. */
export function plainOrdId(o: SimOrder): string {
  return String(o.stop !== undefined ? o.orderId + FIRED_ORDER_ID_OFFSET : o.orderId);
}

/** The venue order a plain `ordId` names (undefined for one that cannot be an order id). */
export function venueOrderIdOf(ordId: number): { orderId: number; fired: boolean } {
  return ordId > FIRED_ORDER_ID_OFFSET ? { orderId: ordId - FIRED_ORDER_ID_OFFSET, fired: true } : { orderId: ordId, fired: false };
}

/** A market order whose remainder expired is "canceled" on OKX, like one canceled by the user. */
const STATE: Record<SimOrder['status'], string> = {
  new: 'live',
  partially_filled: 'partially_filled',
  filled: 'filled',
  canceled: 'canceled',
  expired: 'canceled',
};

/** OKX reports a charged fee as a negative number, in the currency it was taken from. */
function negated(value: Dec): string {
  return value.isZero() ? '0' : value.neg().toFixed();
}

/**
 * GET /api/v5/trade/order, /orders-pending, /orders-history(-archive)
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details). `sz` is in the unit
 * `tgtCcy` names: quote for a quote-sized spot market order, base otherwise.
 */
export function orderShape(o: SimOrder, m: MarketSpec, fills: readonly SimFill[]): Record<string, unknown> {
  const quoteSized = o.type === 'market' && o.origQuoteQty !== '0';
  const fee = fills.reduce((sum, f) => sum.add(f.fee), new Dec(0));
  const last = fills.at(-1);
  const executed = new Dec(o.executedQty);
  const ordType = o.type === 'market' ? 'market' : o.postOnly ? 'post_only' : o.timeInForce === 'IOC' ? 'ioc' : o.timeInForce === 'FOK' ? 'fok' : 'limit';
  const fired = o.stop !== undefined;
  return {
    accFillSz: o.executedQty,
    algoClOrdId: fired ? shownClOrdId(o) : '',
    algoId: fired ? String(o.orderId) : '',
    attachAlgoClOrdId: '',
    attachAlgoOrds: [],
    avgPx: executed.gt(0) ? new Dec(o.cumQuote).div(executed).toDecimalPlaces(12).toFixed() : '',
    cTime: String(o.createdAt),
    cancelSource: o.status !== 'canceled' ? '' : o.postOnly && o.executedQty === '0' && o.createdAt === o.updatedAt ? '31' : '1',
    cancelSourceReason: o.status !== 'canceled' ? '' : o.postOnly && o.createdAt === o.updatedAt ? 'POST_ONLY would take liquidity' : 'Order canceled by user',
    category: 'normal',
    ccy: '',
    clOrdId: fired ? '' : shownClOrdId(o),
    fee: negated(fee),
    feeCcy: last?.feeAsset ?? (o.side === 'buy' ? m.base : m.quote),
    fillPx: last?.price ?? '',
    fillSz: last?.qty ?? '0',
    fillTime: last ? String(last.time) : '',
    instId: instId(m),
    instType: 'SPOT',
    isTpLimit: 'false',
    lever: '',
    linkedAlgoOrd: { algoId: '' },
    ordId: plainOrdId(o),
    ordType,
    pnl: '0',
    posSide: 'net',
    px: o.type === 'limit' ? o.price : '',
    pxType: '',
    pxUsd: '',
    pxVol: '',
    quickMgnType: '',
    rebate: '0',
    rebateCcy: o.side === 'buy' ? m.quote : m.base,
    reduceOnly: 'false',
    side: o.side,
    slOrdPx: '',
    slTriggerPx: '',
    slTriggerPxType: '',
    source: '',
    state: STATE[o.status],
    stpId: '',
    stpMode: 'cancel_maker',
    sz: quoteSized ? o.origQuoteQty : o.origQty,
    tag: '',
    tdMode: 'cash',
    tgtCcy: o.type === 'market' ? (quoteSized ? 'quote_ccy' : 'base_ccy') : '',
    tpOrdPx: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tradeId: last ? String(last.tradeId) : '',
    tradeQuoteCcy: m.quote,
    uTime: String(o.updatedAt),
  };
}

/**
 * GET /api/v5/trade/fills and /fills-history
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days).
 * `fee` negative = charged; `feeCcy` the currency received by default on spot.
 */
export function fillShape(f: SimFill, o: SimOrder | undefined, m: MarketSpec, feeRate: string): Record<string, unknown> {
  return {
    instType: 'SPOT',
    instId: instId(m),
    tradeId: String(f.tradeId),
    ordId: o ? plainOrdId(o) : String(f.orderId),
    clOrdId: o && o.stop === undefined ? shownClOrdId(o) : '',
    billId: String(f.tradeId * 10 + 1),
    subType: f.side === 'buy' ? '1' : '2',
    tag: '',
    fillPx: f.price,
    fillSz: f.qty,
    fillIdxPx: f.price,
    fillPnl: '0',
    fillPxVol: '',
    fillPxUsd: '',
    fillMarkVol: '',
    fillFwdPx: '',
    fillMarkPx: '',
    side: f.side,
    posSide: 'net',
    execType: f.maker ? 'M' : 'T',
    feeCcy: f.feeAsset,
    fee: negated(new Dec(f.fee)),
    feeRate: new Dec(feeRate).neg().toFixed(),
    ts: String(f.time),
    fillTime: String(f.time),
    tradeQuoteCcy: m.quote,
  };
}

/**
 * One candle as REST /market/candles and the websocket `candle*` channels carry it:
 * [ts, o, h, l, c, vol (base), volCcy (quote), volCcyQuote, confirm] with confirm "1" once closed
 * (https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks).
 */
export function candleRow(c: SimCandle, closed: boolean): string[] {
  const quoteVol = new Dec(c.volume).mul(c.close).toFixed(8);
  return [String(c.openTime), c.open, c.high, c.low, c.close, c.volume, quoteVol, quoteVol, closed ? '1' : '0'];
}
