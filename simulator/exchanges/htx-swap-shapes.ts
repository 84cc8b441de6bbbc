import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { FundingPayment, PerpFill, PerpOrder, PerpPosition, PerpSpec } from '../matching/derivatives-types.js';
import type { SimResponse } from '../types.js';

/**
 * HTX USDT-margined swap shapes (the v5 "USDT-M multi-assets" API that ccxt 4.5.84 calls for linear
 * swaps: https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bd8 and its
 * neighbours), field for field as the docs and ccxt's recorded samples list them. HTX sizes swaps in
 * whole contracts of `contract_size` base coins (BTC-USDT 0.001 BTC); the derivatives core counts in
 * the base coin, so sizes are divided by the contract size on the way out and multiplied on the way in.
 */

export function contractCode(spec: PerpSpec): string {
  return `${spec.base}-${spec.settle}`;
}

export function specByCode(d: DerivativesVenue, code: string | undefined): PerpSpec | undefined {
  if (code === undefined) return undefined;
  return d.perps().find((p) => contractCode(p) === code.toUpperCase());
}

function size(spec: PerpSpec): Dec {
  return new Dec(spec.contractSize ?? '1');
}

export function toContracts(spec: PerpSpec, base: string | Dec): string {
  return new Dec(base).div(size(spec)).toFixed();
}

export function toBase(spec: PerpSpec, contracts: string): string {
  return new Dec(contracts).mul(size(spec)).toFixed();
}

/** The v5 envelope: `{ code: 200, message: "Success", data, ts }`. */
export function v5Ok(data: unknown, now: number): SimResponse {
  return { status: 200, body: { code: 200, message: 'Success', data, ts: now } };
}

/** A v5 refusal: HTTP 200, `code` the error code, `message` its text (ccxt maps the codes it knows). */
export function v5Fail(code: number, message: string, now: number): SimResponse {
  return { status: 200, body: { code, message, data: null, ts: now } };
}

/**
 * GET /linear-swap-api/v1/swap_contract_info (https://www.htx.com/en-us/opend/newApiPages/?id=5d51f1f9-77b6-11ed-9966-0242ac110003):
 * numbers, not strings; `delivery_date` is null for a swap (ccxt treats any value as a dated future)
 * and `business_type` present marks it linear.
 */
export function contractInfo(spec: PerpSpec): Record<string, unknown> {
  return {
    symbol: spec.base, contract_code: contractCode(spec), contract_size: Number(size(spec).toFixed()), price_tick: Number(spec.tickSize),
    delivery_date: null, delivery_time: null, create_date: '20201021', contract_status: 1, settlement_date: '', support_margin_mode: 'all',
    business_type: 'swap', pair: contractCode(spec), contract_type: 'swap', trade_partition: spec.settle,
  };
}

/**
 * GET /v5/trade/position/opens (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bd8):
 * one row per open position; in one-way mode `position_side` is `both` and `direction` (buy / sell)
 * says the side; `volume` in contracts.
 */
export function positionRow(d: DerivativesVenue, owner: string, p: PerpPosition, spec: PerpSpec): Record<string, unknown> {
  const mark = d.markPrice(spec.symbol);
  const upl = d.unrealizedPnl(owner, spec.symbol);
  const margin = new Dec(p.positionMargin);
  const contracts = toContracts(spec, new Dec(p.size).abs());
  const maintenance = d.maintenanceMargin(owner, spec.symbol);
  return {
    contract_code: contractCode(spec), position_side: 'both', direction: new Dec(p.size).gt(0) ? 'buy' : 'sell', margin_mode: p.marginMode,
    open_avg_price: p.entryPrice, volume: contracts, available: contracts, lever_rate: Number(p.leverage), adl_risk_percent: 1,
    liquidation_price: d.liquidationPrice(owner, spec.symbol)?.toFixed() ?? '', margin: margin.toFixed(), initial_margin: margin.toFixed(),
    maintenance_margin: maintenance.toFixed(), profit_unreal: upl.toFixed(), profit_rate: margin.isZero() ? '0' : upl.div(margin).toDecimalPlaces(8).toFixed(),
    margin_rate: margin.add(upl).lte(0) ? '0' : maintenance.div(margin.add(upl)).toDecimalPlaces(8).toFixed(), mark_price: mark.toFixed(), last_price: mark.toFixed(),
    margin_currency: spec.settle, contract_type: 'swap', created_time: String(p.createdAt), updated_time: String(p.updatedAt),
  };
}

const STATE: Record<PerpOrder['status'], string> = { new: 'new', partially_filled: 'partially_filled', filled: 'filled', canceled: 'canceled', expired: 'canceled' };

/** An order placed without a client_order_id carries an internal one (leading `_`); HTX shows its order id there. */
export function shownClientId(o: PerpOrder): string {
  return o.clientOrderId.startsWith('_') ? String(o.orderId) : o.clientOrderId;
}

function orderState(o: PerpOrder): string {
  if ((o.status === 'canceled' || o.status === 'expired') && new Dec(o.executedQty).gt(0)) return 'partially_canceled';
  return STATE[o.status];
}

/**
 * GET /v5/trade/order, /order/opens, /order/history (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bd9):
 * `volume` and `trade_volume` in contracts, `trade_turnover` in USDT, `fee` the fee charged (positive,
 * as ccxt's recorded v5 sample shows it), `order_source` `risk` for the liquidation engine's order.
 */
export function orderRow(o: PerpOrder, spec: PerpSpec, fills: readonly PerpFill[], marginMode: string): Record<string, unknown> {
  const executed = new Dec(o.executedQty);
  const profit = fills.reduce((sum, f) => sum.add(f.realizedPnl), new Dec(0));
  const type = o.type === 'market' ? 'market' : o.timeInForce === 'IOC' ? 'ioc' : o.timeInForce === 'FOK' ? 'fok' : 'limit';
  return {
    id: String(o.orderId), side: o.side, type, price: o.type === 'limit' ? o.price : '', volume: toContracts(spec, o.qty), state: orderState(o),
    profit: fills.length > 0 ? profit.toFixed() : null, contract_code: contractCode(spec), position_side: 'both', price_match: null,
    order_id: String(o.orderId), client_order_id: shownClientId(o), margin_mode: marginMode, lever_rate: Number(o.leverage),
    order_source: o.createdBy === 'liquidation' ? 'risk' : 'api', reduce_only: o.reduceOnly, time_in_force: o.timeInForce === 'GTC' ? 'gtc' : o.timeInForce.toLowerCase(),
    tp_trigger_price: '', tp_order_price: '', tp_type: '0', tp_trigger_price_type: '', sl_trigger_price: '', sl_order_price: '', sl_type: '0', sl_trigger_price_type: '',
    trade_avg_price: executed.gt(0) ? new Dec(o.cumQuote).div(executed).toDecimalPlaces(12).toFixed() : '0', trade_volume: toContracts(spec, executed),
    trade_turnover: new Dec(o.cumQuote).toFixed(), fee_currency: spec.settle, fee: new Dec(o.cumFee).toFixed(), price_protect: false,
    real_profit: fills.length > 0 ? profit.toFixed() : null, contract_type: 'swap', created_time: String(o.createdAt), updated_time: String(o.updatedAt),
  };
}

/**
 * GET /v5/trade/order/details (https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bda):
 * one row per trade, `trade_volume` in contracts, `trade_fee` the fee charged, `profit` the realized
 * PnL. `order_type` is the legacy one of the contract APIs (1 quotation, 3 forced liquidation, 22 ADL).
 */
export function tradeRow(f: PerpFill, spec: PerpSpec, o: PerpOrder | undefined, marginMode: string): Record<string, unknown> {
  const liquidation = f.kind === 'liquidation';
  return {
    id: `${f.tradeId}-${f.orderId}-1`, contract_code: contractCode(spec), order_id: String(f.orderId), trade_id: String(f.tradeId), side: f.side,
    position_side: 'both', order_type: liquidation ? '3' : '1', margin_mode: marginMode, type: o?.type ?? 'market', client_order_id: o ? shownClientId(o) : '',
    role: f.maker ? 'MAKER' : 'TAKER', trade_price: f.price, trade_volume: toContracts(spec, f.qty), trade_turnover: new Dec(f.value).toFixed(),
    created_time: String(f.time), updated_time: String(f.time), order_source: liquidation ? 'risk' : 'api', fee_currency: spec.settle,
    trade_fee: new Dec(f.fee).toFixed(), deduction_price: '', profit: f.realizedPnl, contract_type: 'swap',
  };
}

/**
 * A funding settlement as a v5 bill (GET /v5/account/bills,
 * https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19588463ca2): type 30 funding
 * fee income, 31 funding fee expense, `amount` signed for the account (negative when paid): the
 * opposite sign of the core's payment.
 */
export function fundingBill(p: FundingPayment, spec: PerpSpec, marginMode: string): Record<string, unknown> {
  const paid = new Dec(p.payment);
  return {
    id: String(2_000_000_000 + p.id), contract_code: contractCode(spec), margin_mode: marginMode, type: paid.gt(0) ? '31' : '30',
    currency: spec.settle, amount: paid.neg().toFixed(), created_time: String(p.time),
  };
}
