import { Dec } from '../../src/domain/money.js';
import type { MarketSpec, SimFill, SimOrder } from '../matching/types.js';

/**
 * Gate APIv4 spot order and trade shapes. Source: the "Order" and "Trade" models of the APIv4 docs
 * (https://www.gate.com/docs/developers/apiv4/en/#order, #trade; the same field lists are in Gate's
 * generated SDK docs, gateapi-python docs/Order.md and docs/Trade.md).
 */

/** The venue keys a Gate order by `text|<unique suffix>`: Gate states no uniqueness rule for `text`. */
export function textOf(order: SimOrder): string {
  return order.clientOrderId.split('|')[0] ?? 'apiv4';
}

export function pairId(m: MarketSpec): string {
  return `${m.base}_${m.quote}`;
}

function seconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/** Order.status is open / closed / cancelled; finish_as says how it ended (ccxt reads finish_as first). */
function statusOf(o: SimOrder): { status: string; finishAs: string } {
  switch (o.status) {
    case 'new':
    case 'partially_filled':
      return { status: 'open', finishAs: 'open' };
    case 'filled':
      return { status: 'closed', finishAs: 'filled' };
    case 'canceled':
      return { status: 'cancelled', finishAs: 'cancelled' };
    case 'expired':
      // A market or IOC remainder the book could not fill ("ioc: not immediately filled").
      return { status: 'cancelled', finishAs: o.timeInForce === 'FOK' ? 'fok' : 'ioc' };
  }
}

/** A market buy's `amount` and `left` are quote ("When type is market ... buy refers to quote currency"). */
function quoteSized(o: SimOrder): boolean {
  return o.type === 'market' && o.side === 'buy' && o.origQuoteQty !== '0';
}

export function orderShape(o: SimOrder, m: MarketSpec, fills: readonly SimFill[], tif: string): Record<string, unknown> {
  const { status, finishAs } = statusOf(o);
  const executed = new Dec(o.executedQty);
  const cum = new Dec(o.cumQuote);
  const fee = fills.reduce((acc, f) => acc.add(f.fee), new Dec(0));
  const feeCurrency = fills[0]?.feeAsset ?? (o.side === 'buy' ? m.base : m.quote);
  const amount = quoteSized(o) ? o.origQuoteQty : o.origQty;
  // A finished quote-sized market buy has nothing left to spend: the rest of the quote was not used.
  const left = quoteSized(o) ? (status === 'open' ? new Dec(o.origQuoteQty).sub(cum).toFixed() : '0') : new Dec(o.origQty).sub(executed).toFixed();
  const average = executed.isZero() ? '0' : cum.div(executed).toFixed();
  return {
    id: String(o.orderId),
    text: textOf(o),
    amend_text: '-',
    create_time: seconds(o.createdAt),
    update_time: seconds(o.updatedAt),
    create_time_ms: o.createdAt,
    update_time_ms: o.updatedAt,
    status,
    currency_pair: pairId(m),
    type: o.type,
    account: 'spot',
    side: o.side,
    amount,
    price: o.type === 'market' ? '0' : o.price,
    time_in_force: tif,
    iceberg: '0',
    left,
    filled_amount: executed.toFixed(),
    fill_price: cum.toFixed(),
    filled_total: cum.toFixed(),
    avg_deal_price: average,
    fee: fee.toFixed(),
    fee_currency: feeCurrency,
    point_fee: '0',
    gt_fee: '0',
    gt_maker_fee: '0',
    gt_taker_fee: '0',
    gt_discount: false,
    rebated_fee: '0',
    rebated_fee_currency: o.side === 'buy' ? m.quote : m.base,
    stp_id: 0,
    stp_act: '-',
    finish_as: finishAs,
  };
}

export function tradeShape(f: SimFill, order: SimOrder | undefined, m: MarketSpec): Record<string, unknown> {
  return {
    id: String(f.tradeId),
    create_time: seconds(f.time),
    // Gate sends milliseconds with a fractional part ("1645464610777.399200").
    create_time_ms: `${f.time}.000000`,
    currency_pair: pairId(m),
    side: f.side,
    role: f.maker ? 'maker' : 'taker',
    amount: f.qty,
    price: f.price,
    order_id: String(f.orderId),
    fee: f.fee,
    fee_currency: f.feeAsset,
    point_fee: '0',
    gt_fee: '0',
    amend_text: '-',
    sequence_id: String(f.tradeId),
    text: order ? textOf(order) : 'apiv4',
    deal: f.quoteQty,
  };
}
