import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { FundingPayment, PerpFill, PerpOrder, PerpSpec } from '../matching/derivatives-types.js';

/**
 * OKX v5 shapes of the USDT-margined perpetual swaps (instType SWAP), field for field as the docs
 * list them. OKX sizes swaps in contracts: `sz`, `accFillSz`, `fillSz` and `pos` are contracts of
 * `ctVal` base coin each; the derivatives core counts in the base coin, so every size is divided by
 * the contract value on the way out (and multiplied on the way in, okx-swap-trading.ts).
 */

export function swapInstId(spec: PerpSpec): string {
  return `${spec.base}-${spec.settle}-SWAP`;
}

export function swapById(d: DerivativesVenue, id: string | undefined): PerpSpec | undefined {
  return id === undefined ? undefined : d.perps().find((p) => swapInstId(p) === id);
}

function ctVal(spec: PerpSpec): Dec {
  return new Dec(spec.contractSize ?? '1');
}

/** Base coin → contracts. */
export function toContracts(spec: PerpSpec, base: string | Dec): string {
  return new Dec(base).div(ctVal(spec)).toFixed();
}

/** Contracts → base coin. */
export function toBase(spec: PerpSpec, contracts: string): string {
  return new Dec(contracts).mul(ctVal(spec)).toFixed();
}

/** GET /api/v5/public/instruments?instType=SWAP (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments). */
export function swapInstrument(spec: PerpSpec): Record<string, unknown> {
  const ct = ctVal(spec);
  return {
    instType: 'SWAP', instId: swapInstId(spec), uly: `${spec.base}-${spec.settle}`, instFamily: `${spec.base}-${spec.settle}`,
    baseCcy: '', quoteCcy: '', settleCcy: spec.settle, ctVal: ct.toFixed(), ctMult: '1', ctValCcy: spec.base, ctType: 'linear',
    optType: '', stk: '', listTime: '1611916828000', expTime: '', lever: spec.maxLeverage, tickSz: spec.tickSize,
    lotSz: new Dec(spec.stepSize).div(ct).toFixed(), minSz: new Dec(spec.minQty).div(ct).toFixed(),
    maxLmtSz: new Dec(spec.maxQty).div(ct).toFixed(), maxMktSz: new Dec(spec.maxQty).div(ct).toFixed(),
    alias: '', state: 'live', category: '1', ruleType: 'normal',
  };
}

const STATE: Record<PerpOrder['status'], string> = { new: 'live', partially_filled: 'partially_filled', filled: 'filled', canceled: 'canceled', expired: 'canceled' };

function negated(value: Dec): string {
  return value.isZero() ? '0' : value.neg().toFixed();
}

/** An order placed without a clOrdId carries an internal one (leading `_`); OKX shows "". */
export function shownSwapClOrdId(o: PerpOrder): string {
  return o.clientOrderId.startsWith('_') ? '' : o.clientOrderId;
}

/**
 * GET /api/v5/trade/order, /orders-pending, /orders-history for a swap
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details): `sz` and `accFillSz`
 * in contracts, `fee` negative when charged (in USDT), `category` `full_liquidation` for the order
 * the liquidation engine placed.
 */
export function swapOrderShape(o: PerpOrder, spec: PerpSpec, fills: readonly PerpFill[], marginMode: string): Record<string, unknown> {
  const executed = new Dec(o.executedQty);
  const last = fills.at(-1);
  const pnl = fills.reduce((sum, f) => sum.add(f.realizedPnl), new Dec(0));
  const ordType = o.type === 'market' ? 'market' : o.timeInForce === 'IOC' ? 'ioc' : o.timeInForce === 'FOK' ? 'fok' : 'limit';
  return {
    accFillSz: toContracts(spec, o.executedQty), algoClOrdId: '', algoId: '', attachAlgoClOrdId: '', attachAlgoOrds: [],
    avgPx: executed.gt(0) ? new Dec(o.cumQuote).div(executed).toDecimalPlaces(12).toFixed() : '',
    cTime: String(o.createdAt), cancelSource: o.status === 'canceled' ? '1' : '', cancelSourceReason: o.status === 'canceled' ? 'Order canceled by user' : '',
    category: o.createdBy === 'liquidation' ? 'full_liquidation' : 'normal', ccy: '', clOrdId: shownSwapClOrdId(o),
    fee: negated(new Dec(o.cumFee)), feeCcy: spec.settle, fillPx: last?.price ?? '', fillSz: last ? toContracts(spec, last.qty) : '0',
    fillTime: last ? String(last.time) : '', instId: swapInstId(spec), instType: 'SWAP', isTpLimit: 'false', lever: o.leverage,
    linkedAlgoOrd: { algoId: '' }, ordId: String(o.orderId), ordType, pnl: pnl.toFixed(), posSide: 'net',
    px: o.type === 'limit' ? o.price : '', pxType: '', pxUsd: '', pxVol: '', quickMgnType: '', rebate: '0', rebateCcy: spec.settle,
    reduceOnly: o.reduceOnly ? 'true' : 'false', side: o.side, slOrdPx: '', slTriggerPx: '', slTriggerPxType: '', source: '',
    state: STATE[o.status], stpId: '', stpMode: 'cancel_maker', sz: toContracts(spec, o.qty), tag: '', tdMode: marginMode, tgtCcy: '',
    tpOrdPx: '', tpTriggerPx: '', tpTriggerPxType: '', tradeId: last ? String(last.tradeId) : '', uTime: String(o.updatedAt),
  };
}

/**
 * The fill's `subType` in net (buy/sell) mode, as the bills list it: 1 Buy, 2 Sell; a liquidation
 * 106 Liquidation buy, 107 Liquidation sell (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days,
 * "subType"; the long/short variants 3–6 and 104/105 belong to long/short mode).
 */
export function fillSubType(f: PerpFill): string {
  if (f.kind === 'liquidation') return f.side === 'buy' ? '106' : '107';
  return f.side === 'buy' ? '1' : '2';
}

/**
 * GET /api/v5/trade/fills and /fills-history for a swap
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days):
 * `fillSz` in contracts, `fee` negative when charged, `fillPnl` the realized trading PnL.
 */
export function swapFillShape(f: PerpFill, spec: PerpSpec, o: PerpOrder | undefined): Record<string, unknown> {
  return {
    instType: 'SWAP', instId: swapInstId(spec), tradeId: String(f.tradeId), ordId: String(f.orderId), clOrdId: o ? shownSwapClOrdId(o) : '',
    billId: String(f.tradeId * 10 + 1), subType: fillSubType(f), tag: '', fillPx: f.price, fillSz: toContracts(spec, f.qty),
    fillIdxPx: f.markPrice, fillPnl: f.realizedPnl, fillPxVol: '', fillPxUsd: '', fillMarkVol: '', fillFwdPx: '', fillMarkPx: f.markPrice,
    side: f.side, posSide: 'net', execType: f.maker ? 'M' : 'T', feeCcy: spec.settle, fee: negated(new Dec(f.fee)),
    feeRate: new Dec(f.feeRate).neg().toFixed(), ts: String(f.time), fillTime: String(f.time),
  };
}

/** One row of GET /api/v5/account/bills(-archive) (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days). */
export interface BillRow {
  time: number;
  row: Record<string, unknown>;
}

function bill(spec: PerpSpec, b: { id: string; type: string; subType: string; balChg: Dec; time: number; mgnMode: string; px: string; sz: string; pnl?: string; fee?: string; ordId?: string; tradeId?: string }): BillRow {
  return {
    time: b.time,
    row: {
      bal: '', balChg: b.balChg.toFixed(), billId: b.id, ccy: spec.settle, clOrdId: '', execType: '', fee: b.fee ?? '0', fillFwdPx: '', fillIdxPx: '',
      fillMarkPx: '', fillMarkVol: '', fillPxUsd: '', fillPxVol: '', fillTime: String(b.time), from: '', instId: swapInstId(spec), instType: 'SWAP',
      interest: '0', mgnMode: b.mgnMode, notes: '', ordId: b.ordId ?? '', pnl: b.pnl ?? '0', posBal: '', posBalChg: '0', px: b.px, subType: b.subType,
      sz: b.sz, tag: '', to: '', tradeId: b.tradeId ?? '', ts: String(b.time), type: b.type,
    },
  };
}

/**
 * A funding settlement as a bill: type 8, subType 173 (funding fee expense) or 174 (income), `balChg`
 * signed for the account (negative when paid) — the opposite sign of the core's payment.
 */
export function fundingBill(p: FundingPayment, spec: PerpSpec, mgnMode: string): BillRow {
  const paid = new Dec(p.payment);
  return bill(spec, { id: `8${String(p.id).padStart(9, '0')}`, type: '8', subType: paid.gt(0) ? '173' : '174', balChg: paid.neg(), time: p.time, mgnMode, px: p.markPrice, sz: toContracts(spec, new Dec(p.size).abs()) });
}

/** A fill as a bill: type 2 (trade) or 5 (liquidation), `balChg` = realized PnL − fee, `pnl` and `fee` (negative when charged) apart. */
export function fillBill(f: PerpFill, spec: PerpSpec, mgnMode: string): BillRow {
  const fee = new Dec(f.fee);
  return bill(spec, {
    id: String(f.tradeId * 10 + 1), type: f.kind === 'liquidation' ? '5' : '2', subType: fillSubType(f), balChg: new Dec(f.realizedPnl).sub(fee), time: f.time,
    mgnMode, px: f.price, sz: toContracts(spec, f.qty), pnl: f.realizedPnl, fee: negated(fee), ordId: String(f.orderId), tradeId: String(f.tradeId),
  });
}
