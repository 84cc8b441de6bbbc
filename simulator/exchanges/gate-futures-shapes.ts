import { Dec } from '../../src/domain/money.js';
import type { DerivativesVenue } from '../matching/derivatives.js';
import type { FundingPayment, PerpFill, PerpOrder, PerpSpec } from '../matching/derivatives-types.js';
import { FUNDING_INTERVAL_MS } from '../matching/funding.js';
import { balanceOf } from '../matching/balances.js';
import { liquidationPrice } from '../matching/positions.js';
import type { SimWallet } from '../types.js';

/**
 * Gate APIv4 USDT-margined futures objects (https://www.gate.com/docs/developers/apiv4/en/#futures),
 * field by field as the API reference's models list them (Contract, FuturesTicker, Position,
 * FuturesOrder, MyFuturesTrade, FuturesAccount, FuturesAccountBook, FuturesLiquidate). Gate sizes
 * futures in contracts of `quanto_multiplier` base coins, as signed integers (negative = short / sell);
 * the core keeps base quantities, so every size here is converted at the wire.
 */

/** Contract name: BTC_USDT. */
export function contractName(spec: PerpSpec): string {
  return `${spec.base}_${spec.settle}`;
}

/** Base coins per contract (quanto_multiplier). */
export function multiplierOf(spec: PerpSpec): Dec {
  return new Dec(spec.contractSize ?? spec.stepSize);
}

/** A base quantity as a number of contracts (a whole number where the quantity is on the step). */
export function contractsOf(spec: PerpSpec, qty: string | Dec): number {
  return new Dec(qty).div(multiplierOf(spec)).toNumber();
}

/** A number of contracts as a base quantity. */
export function baseOf(spec: PerpSpec, contracts: Dec): string {
  return contracts.abs().mul(multiplierOf(spec)).toFixed();
}

const seconds = (ms: number): number => Math.floor(ms / 1000);
/** Gate's order and trade times: seconds with milliseconds as the fraction (1546569968.184). */
const fractional = (ms: number): number => ms / 1000;

/** Contract, https://www.gate.com/docs/developers/apiv4/en/#query-all-futures-contracts */
export function contractShape(d: DerivativesVenue, spec: PerpSpec, last: string): Record<string, unknown> {
  const mark = d.markPrice(spec.symbol).toFixed();
  const next = d.nextFunding(spec.symbol);
  return {
    name: contractName(spec),
    type: 'direct',
    quanto_multiplier: multiplierOf(spec).toFixed(),
    leverage_min: '1',
    leverage_max: spec.maxLeverage,
    maintenance_rate: spec.maintenanceMarginRate,
    mark_type: 'index',
    mark_price: mark,
    index_price: mark,
    last_price: last,
    maker_fee_rate: d.fees.maker,
    taker_fee_rate: d.fees.taker,
    order_price_round: spec.tickSize,
    mark_price_round: spec.tickSize,
    funding_rate: next.rate.toFixed(),
    funding_rate_indicative: next.rate.toFixed(),
    funding_interval: FUNDING_INTERVAL_MS / 1000,
    funding_next_apply: seconds(next.time),
    funding_offset: 0,
    funding_cap_ratio: '0.75',
    interest_rate: '0.0003',
    risk_limit_base: '1000000',
    risk_limit_step: '1000000',
    risk_limit_max: '8000000',
    order_size_min: 1,
    order_size_max: Math.floor(contractsOf(spec, spec.maxQty)),
    order_price_deviate: '0.5',
    ref_discount_rate: '0',
    ref_rebate_rate: '0.2',
    orderbook_id: 1,
    trade_id: 1,
    trade_size: 0,
    position_size: 0,
    config_change_time: 1_600_000_000,
    in_delisting: false,
    orders_limit: 100,
    enable_bonus: false,
    enable_credit: true,
    create_time: 1_600_000_000,
    cross_leverage_default: '10',
    status: 'trading',
  };
}

/** Leverage as Gate writes it: '0' for cross (its cross_leverage_limit carries the leverage). */
function leverageFields(d: DerivativesVenue, owner: string, spec: PerpSpec): { leverage: string; cross_leverage_limit: string } {
  const s = d.settings(owner, spec.symbol);
  return s.marginMode === 'cross' ? { leverage: '0', cross_leverage_limit: s.leverage } : { leverage: s.leverage, cross_leverage_limit: '0' };
}

/** Position, https://www.gate.com/docs/developers/apiv4/en/#get-single-position-information (one-way mode: `mode: single`). */
export function positionShape(d: DerivativesVenue, owner: string, spec: PerpSpec): Record<string, unknown> {
  const p = d.position(owner, spec.symbol);
  const mark = d.markPrice(spec.symbol);
  const flat = p.size === '0';
  const pending = d.orders(owner, { symbol: spec.symbol, open: true }).length;
  return {
    user: 10_406_147,
    contract: contractName(spec),
    size: contractsOf(spec, p.size),
    ...leverageFields(d, owner, spec),
    risk_limit: '1000000',
    leverage_max: spec.maxLeverage,
    maintenance_rate: spec.maintenanceMarginRate,
    value: new Dec(p.size).abs().mul(mark).toFixed(),
    margin: p.positionMargin,
    entry_price: p.entryPrice,
    liq_price: d.liquidationPrice(owner, spec.symbol)?.toFixed() ?? '0',
    mark_price: mark.toFixed(),
    initial_margin: '0',
    maintenance_margin: '0',
    unrealised_pnl: d.unrealizedPnl(owner, spec.symbol).toFixed(),
    realised_pnl: p.realisedPnl,
    history_pnl: '0',
    last_close_pnl: '0',
    realised_point: '0',
    history_point: '0',
    adl_ranking: flat ? 6 : 5,
    pending_orders: pending,
    close_order: null,
    mode: 'single',
    update_time: seconds(p.updatedAt),
    update_id: 1,
    open_time: flat ? 0 : seconds(p.createdAt),
    trade_max_size: '0',
  };
}

/** FuturesOrder.finish_as, https://www.gate.com/docs/developers/apiv4/en/#list-futures-orders */
function finishAs(o: PerpOrder): string {
  switch (o.status) {
    case 'new':
    case 'partially_filled':
      return '_new';
    case 'filled':
      return 'filled';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      // A reduce-only order with nothing left to reduce ends as reduce_only; an IOC/FOK remainder as ioc.
      return o.reduceOnly && o.timeInForce === 'GTC' ? 'reduce_only' : 'ioc';
  }
}

const TIF: Record<PerpOrder['timeInForce'], string> = { GTC: 'gtc', IOC: 'ioc', FOK: 'fok' };

/**
 * FuturesOrder, https://www.gate.com/docs/developers/apiv4/en/#futures-order-details (size and left
 * signed, in contracts). Numbers are written as strings, as in ccxt's recorded real Gate createOrder
 * answer (ccxt ts/src/test/static/response/gate.json: "id": "299207900263708423", "size": "100",
 * "left": "0", "create_time": "1768397866.662", "text": "api" for an order without a client id).
 */
export function orderShape(o: PerpOrder, spec: PerpSpec, fees: { maker: string; taker: string }, postOnly = false): Record<string, unknown> {
  const sign = o.side === 'sell' ? -1 : 1;
  const open = o.status === 'new' || o.status === 'partially_filled';
  const left = new Dec(o.qty).sub(o.executedQty);
  const executed = new Dec(o.executedQty);
  const text = o.createdBy === 'liquidation' ? 'liquidation' : o.clientOrderId !== '' ? o.clientOrderId : 'api';
  return {
    refu: '0',
    tkfr: fees.taker,
    mkfr: fees.maker,
    contract: contractName(spec),
    id: String(o.orderId),
    price: o.price,
    tif: postOnly ? 'poc' : TIF[o.timeInForce],
    iceberg: '0',
    text,
    user: '10406147',
    is_reduce_only: o.reduceOnly,
    is_close: false,
    is_liq: o.createdBy === 'liquidation',
    fill_price: executed.isZero() ? '0' : new Dec(o.cumQuote).div(executed).toDecimalPlaces(8).toFixed(),
    create_time: (o.createdAt / 1000).toFixed(3),
    update_time: (o.updatedAt / 1000).toFixed(3),
    ...(open ? {} : { finish_time: (o.updatedAt / 1000).toFixed(3) }),
    finish_as: finishAs(o),
    status: open ? 'open' : 'finished',
    left: String(contractsOf(spec, left) * sign),
    refr: '0',
    size: String(contractsOf(spec, o.qty) * sign),
    biz_info: '-',
    amend_text: '-',
    stp_act: '-',
    stp_id: '0',
    update_id: '1',
    pnl: '0',
    pnl_margin: '0',
    bbo: '-',
  };
}

/** MyFuturesTrade, https://www.gate.com/docs/developers/apiv4/en/#list-personal-trading-history-by-time-range */
export function tradeShape(f: PerpFill, spec: PerpSpec, text: string): Record<string, unknown> {
  const sign = f.side === 'sell' ? -1 : 1;
  return {
    id: f.tradeId,
    create_time: fractional(f.time),
    contract: contractName(spec),
    order_id: String(f.orderId),
    size: contractsOf(spec, f.qty) * sign,
    close_size: contractsOf(spec, f.closedSize) * sign,
    price: f.price,
    role: f.maker ? 'maker' : 'taker',
    text,
    fee: f.fee,
    point_fee: '0',
  };
}

/** FuturesAccount, https://www.gate.com/docs/developers/apiv4/en/#query-futures-account (classic account, one-way mode). */
export function accountShape(d: DerivativesVenue, owner: string, wallet: SimWallet, settle: string): Record<string, unknown> {
  const b = balanceOf(wallet, settle);
  const used = d.marginInUse(owner, settle);
  let unrealised = new Dec(0);
  for (const spec of d.perps()) if (spec.settle === settle) unrealised = unrealised.add(d.unrealizedPnl(owner, spec.symbol));
  return {
    user: 10_406_147,
    currency: settle,
    total: b.free.add(b.used).toFixed(),
    unrealised_pnl: unrealised.toFixed(),
    position_margin: used.position.toFixed(),
    order_margin: used.order.toFixed(),
    available: b.free.toFixed(),
    point: '0',
    bonus: '0',
    in_dual_mode: false,
    enable_credit: false,
    enable_evolved_classic: false,
    history: { dnw: '0', pnl: '0', fee: '0', refr: '0', fund: '0', point_dnw: '0', point_fee: '0', point_refr: '0', bonus_dnw: '0', bonus_offset: '0' },
  };
}

export interface BookRow {
  time: number;
  /** Sort key within one time. */
  seq: number;
  change: Dec;
  type: 'pnl' | 'fee' | 'fund';
  contract: string;
  tradeId: string;
}

/** The account book rows of a fill: its realized PnL (`pnl`) and its fee (`fee`), signed for the account. */
export function fillBookRows(f: PerpFill, spec: PerpSpec): BookRow[] {
  const rows: BookRow[] = [];
  const base = { time: f.time, contract: contractName(spec), tradeId: String(f.tradeId) };
  if (!new Dec(f.realizedPnl).isZero()) rows.push({ ...base, seq: f.tradeId * 2, change: new Dec(f.realizedPnl), type: 'pnl' });
  if (!new Dec(f.fee).isZero()) rows.push({ ...base, seq: f.tradeId * 2 + 1, change: new Dec(f.fee).neg(), type: 'fee' });
  return rows;
}

/** A funding settlement as Gate books it: `fund`, positive when received (the core's payment is positive when paid). */
export function fundingBookRow(p: FundingPayment, spec: PerpSpec): BookRow {
  return { time: p.time, seq: p.id, change: new Dec(p.payment).neg(), type: 'fund', contract: contractName(spec), tradeId: '' };
}

/** FuturesAccountBook, https://www.gate.com/docs/developers/apiv4/en/#query-account-book (`text` is the contract, as ccxt reads it). */
export function bookShape(r: BookRow, balance: Dec, id: number): Record<string, unknown> {
  return { id, time: fractional(r.time), change: r.change.toFixed(), balance: balance.toFixed(), type: r.type, text: r.contract, contract: r.contract, trade_id: r.tradeId };
}

/**
 * FuturesLiquidate, https://www.gate.com/docs/developers/apiv4/en/#list-liquidation-history: one per
 * liquidation order. The core closes a liquidated position at its bankruptcy price with the whole
 * collateral as the loss, so the position's entry and margin are read back from that fill.
 */
export function liquidateShape(o: PerpOrder, fill: PerpFill, spec: PerpSpec): Record<string, unknown> {
  const qty = new Dec(fill.qty);
  const direction = o.side === 'sell' ? 1 : -1; // the position the order closed: a sell closes a long
  const loss = new Dec(fill.realizedPnl).neg();
  const entry = new Dec(fill.price).add(loss.div(qty).mul(direction));
  const size = qty.mul(direction);
  const liq = liquidationPrice({ size, entry, margin: loss }, loss, new Dec(spec.maintenanceMarginRate), new Dec(spec.tickSize));
  return {
    time: seconds(fill.time),
    contract: contractName(spec),
    size: contractsOf(spec, size),
    order_size: contractsOf(spec, qty) * -direction,
    leverage: o.leverage,
    margin: loss.toFixed(),
    entry_price: entry.toDecimalPlaces(8).toFixed(),
    liq_price: liq?.toFixed() ?? '0',
    mark_price: fill.markPrice,
    order_id: o.orderId,
    order_price: o.price,
    fill_price: fill.price,
    left: 0,
  };
}
