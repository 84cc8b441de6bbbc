import { Dec } from '../../../src/domain/money.js';
import type { MarketSpec, SimFill, SimOrder } from '../../matching/types.js';
import { isoMicros, orderUuid, productId, tradeUuid, USER_ID } from './common.js';

/**
 * Response shapes of Advanced Trade orders and fills.
 * Order: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/get-order
 * (`{ order: {...} }`; list-orders returns `{ orders, sequence, has_next, cursor }`), fields as in
 * ccxt's recorded real traffic (ts/src/test/static/response/coinbase.json, fetchClosedOrders).
 * Fill: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/list-fills
 * (`{ fills, cursor }`, recorded fetchMyTrades): `commission` is in the quote currency.
 */

/** What the create request asked for, shown back as `order_configuration`. */
export type OrderConfiguration =
  | { market_market_ioc: { base_size: string } | { quote_size: string } }
  | { limit_limit_gtc: { base_size: string; limit_price: string; post_only: boolean } }
  | { sor_limit_ioc: { base_size: string; limit_price: string } };

function status(order: SimOrder): string {
  if (order.status === 'new' || order.status === 'partially_filled') return 'OPEN';
  if (order.status === 'filled') return 'FILLED';
  // An IOC remainder (market, sor_limit_ioc) is canceled by the venue, like a user cancel.
  return 'CANCELLED';
}

export function orderShape(order: SimOrder, market: MarketSpec, config: OrderConfiguration, fills: readonly SimFill[]): Record<string, unknown> {
  const filled = new Dec(order.executedQty);
  const filledValue = new Dec(order.cumQuote);
  const fees = fills.reduce((acc, f) => acc.add(f.fee), new Dec(0));
  const quoteSized = 'market_market_ioc' in config && 'quote_size' in config.market_market_ioc;
  const ordered = new Dec(order.origQty);
  const last = fills.at(-1);
  const ioc = order.type === 'market' || order.timeInForce === 'IOC';
  return {
    order_id: orderUuid(order.orderId),
    product_id: productId(market),
    user_id: USER_ID,
    order_configuration: config,
    side: order.side === 'buy' ? 'BUY' : 'SELL',
    client_order_id: order.clientOrderId,
    status: status(order),
    time_in_force: ioc ? 'IMMEDIATE_OR_CANCEL' : 'GOOD_UNTIL_CANCELLED',
    created_time: isoMicros(order.createdAt),
    completion_percentage: ordered.isZero() ? '0' : filled.div(ordered).mul(100).toDecimalPlaces(2).toFixed(2),
    filled_size: filled.toFixed(),
    average_filled_price: filled.isZero() ? '0' : filledValue.div(filled).toSignificantDigits(20).toFixed(),
    fee: '',
    number_of_fills: String(fills.length),
    filled_value: filledValue.toFixed(),
    pending_cancel: false,
    size_in_quote: quoteSized,
    total_fees: fees.toFixed(),
    // Quote-sized market buys spend quote_size including the fee (recorded fetchOrders: 6.36 = value + fees).
    size_inclusive_of_fees: quoteSized,
    total_value_after_fees: (order.side === 'buy' ? filledValue.add(fees) : filledValue.sub(fees)).toFixed(),
    trigger_status: 'INVALID_ORDER_TYPE',
    order_type: order.type === 'market' ? 'MARKET' : 'LIMIT',
    reject_reason: 'REJECT_REASON_UNSPECIFIED',
    settled: order.status !== 'new' && order.status !== 'partially_filled',
    product_type: 'SPOT',
    reject_message: '',
    cancel_message: order.status === 'canceled' ? 'User requested cancel' : order.status === 'expired' ? 'IOC order not fully filled' : '',
    order_placement_source: 'RETAIL_ADVANCED',
    outstanding_hold_amount: outstandingHold(order),
    is_liquidation: false,
    last_fill_time: last === undefined ? null : isoMicros(last.time),
    edit_history: [],
    leverage: '',
    margin_type: 'UNKNOWN_MARGIN_TYPE',
    retail_portfolio_id: '8fd0d8a8-7a5c-4f3d-9b1b-2a4f1c3e5d60',
  };
}

function outstandingHold(order: SimOrder): string {
  if (order.type !== 'limit' || (order.status !== 'new' && order.status !== 'partially_filled')) return '0';
  const rest = new Dec(order.origQty).sub(order.executedQty);
  return (order.side === 'buy' ? rest.mul(order.price) : rest).toFixed();
}

export function fillShape(fill: SimFill, market: MarketSpec): Record<string, unknown> {
  return {
    entry_id: `${String(fill.tradeId).padStart(16, '0')}${'0'.repeat(48)}`,
    trade_id: tradeUuid(fill.tradeId),
    order_id: orderUuid(fill.orderId),
    trade_time: new Date(fill.time).toISOString(),
    trade_type: 'FILL',
    price: fill.price,
    size: fill.qty,
    commission: fill.fee,
    product_id: productId(market),
    sequence_timestamp: isoMicros(fill.time),
    liquidity_indicator: fill.maker ? 'MAKER' : 'TAKER',
    size_in_quote: false,
    user_id: USER_ID,
    side: fill.side === 'buy' ? 'BUY' : 'SELL',
    retail_portfolio_id: '8fd0d8a8-7a5c-4f3d-9b1b-2a4f1c3e5d60',
  };
}
