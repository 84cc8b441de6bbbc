import type { DecimalString } from '../../domain/money.js';
import type { OrderSide } from '../../domain/orders.js';
import type { StrategyOrder } from '../strategy.js';

/** One of the backtest's own orders while it rests on the simulator, with what the strategy said about it. */
export interface TrackedOrder {
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: 'limit' | 'market';
  readonly price: DecimalString | null;
  readonly amount: DecimalString;
  readonly tag: string | null;
  readonly reason: string;
}

const EMPTY: readonly StrategyOrder[] = Object.freeze([]);

/**
 * The strategy's open orders. The frozen list handed to the strategy is rebuilt only when an order is
 * added or removed, so a candle with no order activity allocates nothing here.
 */
export class OrderTracker {
  readonly #open = new Map<string, TrackedOrder>();
  #view: readonly StrategyOrder[] = EMPTY;
  #marketOrders = 0;

  get size(): number {
    return this.#open.size;
  }

  /** Market orders resolve on the next candle (filled or rejected): the runner checks them then. */
  get hasMarketOrders(): boolean {
    return this.#marketOrders > 0;
  }

  get view(): readonly StrategyOrder[] {
    return this.#view;
  }

  add(order: TrackedOrder): void {
    this.#open.set(order.clientOrderId, order);
    if (order.type === 'market') this.#marketOrders++;
    this.#rebuild();
  }

  remove(clientOrderId: string): TrackedOrder | undefined {
    const order = this.#open.get(clientOrderId);
    if (!order) return undefined;
    this.#open.delete(clientOrderId);
    if (order.type === 'market') this.#marketOrders--;
    this.#rebuild();
    return order;
  }

  openOrders(): TrackedOrder[] {
    return [...this.#open.values()];
  }

  #rebuild(): void {
    if (this.#open.size === 0) {
      this.#view = EMPTY;
      return;
    }
    this.#view = Object.freeze(
      [...this.#open.values()].map((o) =>
        Object.freeze({ clientOrderId: o.clientOrderId, side: o.side, type: o.type, price: o.price, amount: o.amount, filled: '0', tag: o.tag }),
      ),
    );
  }
}
