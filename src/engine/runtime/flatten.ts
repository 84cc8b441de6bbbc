import type { Clock } from '../../domain/clock.js';
import { Dec, toDecimalString } from '../../domain/money.js';
import type { Exchange, Market } from '../../exchanges/exchange.port.js';
import type { Portfolio } from '../accounting/index.js';
import { isDust } from '../accounting/dust.js';
import { evaluateIntents, isDerivative, type RiskConfig } from '../risk.js';
import { describe, type OrderManager } from './order-manager.js';
import { LIVE_STATUSES, type OrderRecord } from '../../domain/orders.js';
import type { FlattenOutcome } from '../../domain/engine-status.js';

/**
 * Emergency stop with flatten (docs/engine.md, "Stop, emergency stop…"). The order matters, because
 * orders keep filling while they are being cancelled:
 *  1. cancel every live order;
 *  2. settle: poll until none of them is live and every unit they filled has its trade applied
 *     (a cancel answer can carry a partial fill; the trade list can lag), bounded in time;
 *  3. size the flatten from the position as it is NOW (never from before step 2), capped at what the
 *     account holds, fitted by the risk rules to the market's step and minimum;
 *  4. place it, and settle it the same way; a market order that expired (the book ran dry) is
 *     followed, after a pause, by another for the rest, a few times at most;
 *  5. verify: flat means |position| below the market's smallest tradable amount (dust) and no order
 *     left live. Anything else is reported as incomplete, with the remaining amount and why.
 */

export const FLATTEN_NOT_REQUESTED: FlattenOutcome = Object.freeze({ state: 'not_requested', remaining: '0', reason: null, at: null });

export interface FlattenDeps {
  market: Market;
  risk: RiskConfig;
  orders: OrderManager;
  portfolio: Portfolio;
  exchange: Exchange;
  clock: Clock;
  /** Last known price (sizing only: the flatten is a market order). */
  mark: Dec | null;
  emit: (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;
  /** How long each settle step may take, clock ms. Default 10 s. */
  settleMs?: number;
  /** Pause between polls of the exchange while settling, clock ms. Default 250 ms. */
  pollMs?: number;
  /** Pause before a flatten order follows one that expired, clock ms. Default 1 s. */
  retryPauseMs?: number;
}

const DEFAULT_SETTLE_MS = 10_000;
const DEFAULT_POLL_MS = 250;

export async function flattenPosition(d: FlattenDeps, reason: string): Promise<FlattenOutcome> {
  const problems: string[] = [];
  await cancelEverything(d, reason, problems);
  for (let attempt = 1; attempt <= MAX_FLATTEN_ORDERS; attempt++) {
    const order = await placeFlatten(d, reason, problems);
    if (!order) break;
    await settle(d, [order], 'the flatten order', problems);
    if (order.status === 'closed') break;
    // A market order the book could not take whole ends expired, part-filled or not (thin
    // liquidity): after a pause the rest is sold by a new order, sized from the position as it is now.
    if (order.status !== 'expired' || attempt === MAX_FLATTEN_ORDERS) {
      problems.push(`the flatten order ended ${order.status}${order.error ? ` (${order.error})` : ''} with ${order.filled} of ${order.amount} filled`);
      break;
    }
    await d.emit('engine.flatten_partial', { clientOrderId: order.clientOrderId, filled: order.filled, amount: order.amount, attempt });
    await d.clock.sleep(d.retryPauseMs ?? DEFAULT_RETRY_PAUSE_MS);
  }
  return verify(d, problems);
}

/** Flatten orders sent at most, each after the one before expired (the book could not take it whole). */
const MAX_FLATTEN_ORDERS = 5;
const DEFAULT_RETRY_PAUSE_MS = 1_000;

/**
 * Emergency stop without flatten: cancel every live order and settle them the same way (a cancel that
 * met a transient fault is sent again until the settle time runs out). Returns what could not be done.
 */
export async function cancelAndSettle(d: FlattenDeps, reason: string): Promise<string[]> {
  const problems: string[] = [];
  await cancelEverything(d, reason, problems);
  if (d.orders.liveOrders.length === 0) return [];
  return [...problems, `${d.orders.liveOrders.length} order(s) may still be live on the exchange`];
}

/**
 * Steps 1 and 2: cancel every live order, then settle them and the orders that already ended with
 * fills not read yet (a market order closed in its create's answer a moment ago): until their trades
 * are applied, the position the flatten sizes from is not what the account holds.
 */
async function cancelEverything(d: FlattenDeps, reason: string, problems: string[]): Promise<void> {
  const cancelled = d.orders.liveOrders;
  const ended = d.orders.awaitingFillOrders;
  try {
    await d.orders.cancelAll(reason);
  } catch (error) {
    problems.push(`cancelling failed: ${describe(error)}`);
  }
  await settle(d, [...cancelled, ...ended], 'the cancelled orders', problems);
}

/** Polls the exchange until `orders` are no longer live and all their fills are applied, or time is up. */
async function settle(d: FlattenDeps, orders: readonly OrderRecord[], what: string, problems: string[]): Promise<void> {
  if (orders.length === 0) return;
  const deadline = d.clock.now() + (d.settleMs ?? DEFAULT_SETTLE_MS);
  let lastError: unknown;
  for (;;) {
    try {
      // A cancel that failed (or an uncertain create that turned out open) is cancelled again.
      for (const o of orders) if (o.status === 'open') await d.orders.cancel(o.clientOrderId, 'flatten: still open');
      await d.orders.reconcile();
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const live = orders.filter((o) => LIVE_STATUSES.includes(o.status));
    const missing = await d.orders.unappliedFills(orders);
    if (live.length === 0 && missing.length === 0 && lastError === undefined) return;
    if (d.clock.now() >= deadline) {
      const parts = [
        ...(live.length > 0 ? [`${live.length} still live (${live.map((o) => `${o.clientOrderId} ${o.status}`).join(', ')})`] : []),
        ...missing.map((m) => `${m.clientOrderId} has ${m.missing} filled without a trade yet`),
        ...(lastError !== undefined ? [`last exchange error: ${describe(lastError)}`] : []),
      ];
      problems.push(`${what} did not settle: ${parts.join('; ')}`);
      return;
    }
    await d.clock.sleep(d.pollMs ?? DEFAULT_POLL_MS);
  }
}

/** Sizes the closing order from the final position and places it; null when none is needed or possible. */
async function placeFlatten(d: FlattenDeps, reason: string, problems: string[]): Promise<OrderRecord | null> {
  const ledger = d.portfolio.ledger(d.market.symbol);
  if (isFlat(d.market, heldQuantity(d), d.mark)) return null;
  const [decision] = evaluateIntents([{ kind: 'exit', reason: `flatten: ${reason}` }], {
    market: d.market,
    price: d.mark ?? ledger.averageEntryPrice ?? ledger.quantity.abs(),
    position: await sellable(d, ledger.quantity, problems),
    openOrders: [],
    config: d.risk,
  });
  if (decision?.kind !== 'order') {
    const why = decision?.kind === 'reject' ? decision.reason : 'nothing to do';
    problems.push(`the flatten order was refused before sending: ${why}`);
    await d.emit('engine.flatten_refused', { reason: why });
    return null;
  }
  const before = new Set(d.orders.liveOrders.map((o) => o.clientOrderId));
  try {
    const order = await d.orders.place(decision.order);
    if (order.status === 'rejected') problems.push(`the exchange rejected the flatten order: ${order.error ?? 'no reason given'}`);
    return order;
  } catch (error) {
    problems.push(`placing the flatten order failed: ${describe(error)}`);
    // Its outcome is unknown: settle looks it up like any uncertain create.
    return d.orders.liveOrders.find((o) => !before.has(o.clientOrderId)) ?? null;
  }
}

/**
 * A spot long is sold at most as far as the account holds it (a base-asset fee leaves less than was
 * bought). A derivatives long holds no coin at all: the position is the contract, and spot coins on
 * the same account are no part of it, so it is closed whole (reduce-only keeps it from overshooting).
 */
async function sellable(d: FlattenDeps, quantity: Dec, problems: string[]): Promise<Dec> {
  if (!quantity.gt(0) || isDerivative(d.market)) return quantity;
  try {
    const type = d.market.type;
    const held = (await d.exchange.fetchBalances()).find((b) => b.asset === d.market.base && (b.marketTypes === undefined || b.marketTypes.includes(type)))?.total;
    return held === undefined ? quantity : Dec.min(quantity, new Dec(held));
  } catch (error) {
    problems.push(`balances unavailable, sized from the ledger: ${describe(error)}`);
    return quantity;
  }
}

async function verify(d: FlattenDeps, problems: string[]): Promise<FlattenOutcome> {
  const quantity = heldQuantity(d);
  const live = d.orders.liveOrders.length;
  const at = new Date(d.clock.now()).toISOString();
  const remaining = toDecimalString(quantity);
  if (isFlat(d.market, quantity, d.mark) && live === 0) {
    await d.emit('engine.flattened', { remaining, at });
    return { state: 'flat', remaining, reason: null, at };
  }
  const reasons = [...problems];
  if (!isFlat(d.market, quantity, d.mark)) reasons.push(`position ${remaining} ${d.market.base} remains`);
  if (live > 0) reasons.push(`${live} order(s) may still be live on the exchange`);
  const reason = reasons.join('; ');
  await d.emit('engine.flatten_incomplete', { remaining, reason, at });
  return { state: 'incomplete', remaining, reason, at };
}

/** The position as the account holds it: the ledger books base-asset fees off the quantity (position-ledger.ts). */
function heldQuantity(d: FlattenDeps): Dec {
  return d.portfolio.ledger(d.market.symbol).quantity;
}

/** Nothing left that the market would let us trade away: zero, or dust (below its step, minimum amount or minimum cost). */
export function isFlat(market: Market, quantity: Dec, mark: Dec | null): boolean {
  return quantity.isZero() || isDust(quantity, market, mark);
}
