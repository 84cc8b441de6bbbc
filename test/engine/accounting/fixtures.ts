import type { Fill, OrderSide } from '../../../src/domain/orders.js';

let sequence = 0;

/** A fill with sensible defaults; tests pass only what the scenario is about. */
export function fill(side: OrderSide, amount: string, price: string, extra: Partial<Fill> = {}): Fill {
  sequence += 1;
  return {
    tradeId: extra.tradeId ?? `t${sequence}`,
    orderId: extra.orderId ?? `o${sequence}`,
    clientOrderId: null,
    symbol: 'BTC/USDT',
    side,
    price,
    amount,
    fee: '0',
    feeAsset: 'USDT',
    timestamp: 1_700_000_000_000 + sequence,
    ...extra,
  };
}
