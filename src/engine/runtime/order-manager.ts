import type { Clock } from '../../domain/clock.js';
import {
  AuthenticationFailedError,
  InsufficientFundsError,
  OrderNotFoundError,
  OrderRejectedError,
  PermissionMissingError,
  ValidationError,
} from '../../domain/errors.js';
import { Dec, ZERO } from '../../domain/money.js';
import type { Exchange, ExchangeOrder } from '../../exchanges/exchange.port.js';
import type { PlannedOrder } from '../risk.js';
import type { StrategyOrder } from '../strategy.js';
import { FillApplier, type AppliedFill, type ForcedFillKind } from './fill-applier.js';
import type { FillEffect, Portfolio } from '../accounting/index.js';
import { type OrderStore } from './ports.js';
import { LIVE_STATUSES, type Fill, type OrderRecord, type StoredOrderStatus } from '../../domain/orders.js';

/**
 * Turns risk-approved orders into exchange orders, safely:
 *  - the client order id is generated locally and the order stored as `pending_create` BEFORE the
 *    request, so a crash or a timeout can never leave an order we do not know about;
 *  - a create whose outcome is unknown (timeout, 5xx, garbage) is never sent again: it becomes
 *    `unknown` and is resolved by looking it up by client id; not found after `settleMs` → `rejected`;
 *  - an order the exchange accepted and later no longer knows → `lost` (the lost-order policy);
 *  - every status change and fill is stored, fills applied idempotently by trade id.
 * It owns no loop: the runner calls `sync` every tick and `reconcile` at start and periodically.
 */

export type OrderEventEmitter = (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;

export interface OrderManagerDeps {
  engineId: string;
  connectionId: string;
  symbol: string;
  exchange: Exchange;
  store: OrderStore;
  portfolio: Portfolio;
  /** A ClientOrderIdGenerator (client-order-id.ts) (or anything with `next`). */
  ids: { next(): string };
  clock: Clock;
  emit: OrderEventEmitter;
  /** How long an unacknowledged create may stay invisible on the exchange before it counts as not placed. Default 10 s. */
  settleMs?: number;
  /**
   * Who made an open order's client id (client-order-id.ts `clientOrderIdOrigin`): `engine` = this
   * engine's tag. Default: every id counts as `foreign`.
   */
  originOf?: (clientOrderId: string | null) => 'engine' | 'cts' | 'foreign';
  /**
   * Whether other engines trade on the same account. Then an open order unknown locally is adopted
   * only when its id carries this engine's tag: another engine's order, or a person's, is left alone.
   * Default: the engine is alone on its account.
   */
  sharesAccount?: () => Promise<boolean>;
}

const DEFAULT_SETTLE_MS = 10_000;
const MAX_FILL_ATTEMPTS = 5;

export class OrderManager {
  readonly #d: OrderManagerDeps;
  readonly #settleMs: number;
  readonly #fills: FillApplier;
  /** Orders that are (or may be) live on the exchange, by client id. */
  readonly #live = new Map<string, OrderRecord>();
  /**
   * Orders that ended with a fill not yet seen in the trade list (a market order is often `closed` in
   * the create's own answer): the next syncs still fetch trades for them, a bounded number of times.
   */
  readonly #awaitingFills = new Map<string, { order: OrderRecord; attempts: number; since: number }>();
  readonly #filledSeen = new Map<string, Dec>();
  /** Exchange ids of unknown open orders left alone (reported once each). */
  readonly #notAdopted = new Set<string>();
  /** Fills applied since the last `sync` answered (a reconciliation applies some too): the strategy sees each once. */
  #undelivered: AppliedFill[] = [];

  constructor(deps: OrderManagerDeps) {
    this.#d = deps;
    this.#settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
    this.#fills = new FillApplier({ engineId: deps.engineId, connectionId: deps.connectionId, store: deps.store, portfolio: deps.portfolio, emit: deps.emit });
  }

  /**
   * Loads the live orders and rebuilds the positions from every stored fill (the fills are the truth).
   * The new strategy instance takes these orders over from its predecessor (a grid's resting levels):
   * the first `sync` hands it every fill they had so far, so it knows what each of them filled.
   */
  async load(): Promise<void> {
    const stored = await this.#fills.restore();
    const live = await this.#d.store.listOrders(this.#d.engineId, { statuses: LIVE_STATUSES });
    for (const order of live) if (order.symbol === this.#d.symbol) this.#live.set(order.clientOrderId, order);
    for (const fill of stored) {
      const order = fill.clientOrderId === null ? undefined : this.#live.get(fill.clientOrderId);
      if (order) this.#undelivered.push({ fill, effect: null, clientOrderId: order.clientOrderId, tag: order.tag });
    }
  }

  /** Trades the exchange made on the position by itself (fill-applier.ts `adoptForced`). */
  adoptForced(trades: readonly Fill[], kind: ForcedFillKind): Promise<FillEffect[]> {
    return this.#fills.adoptForced(trades, kind);
  }

  get liveOrders(): OrderRecord[] {
    return [...this.#live.values()];
  }

  /** Orders that have ended with fills whose trades are not read yet (see `pendingFills`). */
  get awaitingFillOrders(): OrderRecord[] {
    return [...this.#awaitingFills.values()].map((a) => a.order);
  }

  /** When the longest-waiting of `awaitingFillOrders` ended (clock ms); null when none waits. */
  get awaitingFillsSince(): number | null {
    let oldest: number | null = null;
    for (const { since } of this.#awaitingFills.values()) if (oldest === null || since < oldest) oldest = since;
    return oldest;
  }

  /**
   * What orders that have ended filled beyond the trades applied so far (a market order is often
   * `closed` in the create's own answer, its trades read on the next sync): the position does not show
   * it yet, but the money is spent. Base amount, side, and the price (average, else limit; null: unknown).
   */
  pendingFills(): { side: OrderRecord['side']; amount: Dec; price: Dec | null }[] {
    const out: { side: OrderRecord['side']; amount: Dec; price: Dec | null }[] = [];
    for (const [id, { order }] of this.#awaitingFills) {
      const amount = new Dec(order.filled).sub(this.#filledSeen.get(id) ?? ZERO);
      if (!amount.gt(ZERO)) continue;
      const price = order.average ?? order.price;
      out.push({ side: order.side, amount, price: price === null ? null : new Dec(price) });
    }
    return out;
  }

  /** Stop orders protecting the position (protection.ts): the engine's, never the strategy's to see or count. */
  get protectiveOrders(): OrderRecord[] {
    return this.liveOrders.filter((o) => o.trigger !== null);
  }

  /** The strategy's and the risk gate's view: every order that is or may be live, but the protective stops. */
  strategyOrders(): StrategyOrder[] {
    return this.liveOrders.filter((o) => o.trigger === null).map((o) => ({
      clientOrderId: o.clientOrderId,
      side: o.side,
      type: o.type,
      price: o.price,
      amount: o.amount,
      filled: o.filled,
      tag: o.tag,
    }));
  }

  tagOf(clientOrderId: string | null): string | null {
    return clientOrderId === null ? null : (this.#live.get(clientOrderId)?.tag ?? this.#fills.tagOf(clientOrderId));
  }

  // ---- placing ----------------------------------------------------------------------------------------

  /** Stores the order, then sends it. Throws only what the runner must act on (auth, transient faults). */
  async place(planned: PlannedOrder): Promise<OrderRecord> {
    const now = this.#iso();
    const order: OrderRecord = {
      clientOrderId: this.#d.ids.next(),
      engineId: this.#d.engineId,
      connectionId: this.#d.connectionId,
      exchangeOrderId: null,
      symbol: this.#d.symbol,
      side: planned.side,
      type: planned.type,
      price: planned.price,
      amount: planned.amount,
      filled: '0',
      average: null,
      status: 'pending_create',
      adopted: false,
      reduceOnly: planned.reduceOnly,
      trigger: planned.trigger ?? null,
      timeInForce: planned.timeInForce ?? null,
      expiresAt: planned.expiresAt ?? null,
      tag: planned.tag,
      reason: planned.reason,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#d.store.insertOrder(order);
    this.#live.set(order.clientOrderId, order);
    await this.#d.emit('order.created', orderPayload(order));
    await this.#send(order);
    return order;
  }

  async #send(order: OrderRecord): Promise<void> {
    try {
      const remote = await this.#d.exchange.createOrder({
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        amount: order.amount,
        ...(order.price === null ? {} : { price: order.price }),
        clientOrderId: order.clientOrderId,
        ...(order.trigger ? { trigger: order.trigger } : {}),
        ...(order.timeInForce ? { timeInForce: order.timeInForce } : {}),
        ...(order.reduceOnly ? { reduceOnly: true } : {}),
      });
      await this.#applyRemote(order, remote, 'order.accepted');
    } catch (error) {
      if (isDefinitiveRefusal(error)) {
        await this.#finish(order, 'rejected', 'order.rejected', (error as Error).message);
        if (error instanceof AuthenticationFailedError || error instanceof PermissionMissingError) throw error;
        return;
      }
      // The request may have reached the exchange: never resend, look it up later by client id.
      await this.#setStatus(order, 'unknown', 'order.unknown', describe(error));
      throw error;
    }
  }

  // ---- cancelling ---------------------------------------------------------------------------------------

  async cancel(clientOrderId: string, reason: string): Promise<void> {
    const order = this.#live.get(clientOrderId);
    if (!order) {
      await this.#d.emit('order.cancel_ignored', { clientOrderId, reason: `${reason}: not a live order of this engine` });
      return;
    }
    try {
      const remote = await this.#d.exchange.cancelOrder({ symbol: order.symbol, ...this.#ref(order) });
      await this.#applyRemote(order, { ...remote, status: remote.status === 'open' ? 'canceled' : remote.status }, 'order.canceled');
    } catch (error) {
      if (!(error instanceof OrderNotFoundError)) throw error;
      // Already gone (filled or cancelled meanwhile): find out which.
      await this.#lookup(order);
    }
  }

  /** Cancels every live order; keeps going past failures and rethrows the first one at the end. */
  async cancelAll(reason: string): Promise<void> {
    let first: unknown;
    for (const order of this.liveOrders) {
      try {
        await this.cancel(order.clientOrderId, reason);
      } catch (error) {
        first ??= error;
        await this.#d.emit('order.cancel_failed', { clientOrderId: order.clientOrderId, reason, error: describe(error) });
      }
    }
    if (first !== undefined) throw first;
  }

  // ---- keeping up with the exchange ----------------------------------------------------------------------

  /**
   * Every tick: resolve uncertain creates (before the trade list is read, so a late-placed create's
   * trades have an owner), refresh open orders, apply new fills. Returns every fill applied since the
   * previous `sync` — also those a reconciliation applied in between (at start: fills of the previous
   * process's orders, which a restarted strategy must see to manage them).
   */
  async sync(): Promise<AppliedFill[]> {
    if (this.#live.size > 0 || this.#awaitingFills.size > 0) {
      const tracked = this.liveOrders;
      await this.#resolveUncertain();
      if ([...this.#live.values()].some((o) => o.status === 'open')) {
        const remoteOpen = await this.#d.exchange.fetchOpenOrders(this.#d.symbol);
        await this.#refreshOpen(remoteOpen);
      }
      await this.#collectFills(tracked);
    }
    const fills = this.#undelivered;
    this.#undelivered = [];
    return fills;
  }

  /**
   * Order changes and trades the exchange's websocket pushed (account-feed.ts), applied as REST's
   * answers are: an order of this engine moves on (never back: a stale update showing less filled
   * is ignored), each trade of its orders is applied once by its trade id (REST's trade list, read
   * later, finds it applied). Orders it does not know are left to the next reconcile. Returns the
   * fills applied (not handed again by `sync`).
   */
  async applyStreamed(update: { orders: readonly ExchangeOrder[]; trades: readonly Fill[] }): Promise<AppliedFill[]> {
    const tracked = [...this.liveOrders, ...this.awaitingFillOrders];
    for (const remote of update.orders) {
      if (remote.symbol !== this.#d.symbol) continue;
      const order = this.#live.get(remote.clientOrderId ?? '') ?? this.liveOrders.find((o) => o.exchangeOrderId !== null && o.exchangeOrderId === remote.id);
      if (!order || new Dec(remote.filled).lt(order.filled)) continue;
      // A create still in flight is resolved by its own answer; the stream only moves known orders on.
      if (order.status === 'pending_create') continue;
      await this.#applyRemote(order, remote, order.status === 'open' ? 'order.updated' : 'order.resolved');
    }
    const trades = update.trades.filter((t) => t.symbol === this.#d.symbol);
    if (trades.length === 0) return [];
    const applied = await this.#fills.collect(trades, tracked);
    for (const f of applied) this.#filledSeen.set(f.clientOrderId, (this.#filledSeen.get(f.clientOrderId) ?? ZERO).add(f.fill.amount));
    for (const [id, entry] of this.#awaitingFills) {
      if ((this.#filledSeen.get(id) ?? ZERO).gte(entry.order.filled)) this.#awaitingFills.delete(id);
    }
    return applied;
  }

  /**
   * Of `orders`, those whose `filled` (as the exchange last reported it) is not yet covered by stored
   * fills: the trade list lags behind the order. Read from storage, so fills applied by an earlier
   * process count too.
   */
  async unappliedFills(orders: readonly OrderRecord[]): Promise<{ clientOrderId: string; missing: Dec }[]> {
    if (!orders.some((o) => new Dec(o.filled).gt(ZERO))) return [];
    const applied = new Map<string, Dec>();
    for (const f of await this.#d.store.listFills(this.#d.engineId)) {
      if (f.clientOrderId !== null) applied.set(f.clientOrderId, (applied.get(f.clientOrderId) ?? ZERO).add(f.amount));
    }
    return orders
      .map((o) => ({ clientOrderId: o.clientOrderId, missing: new Dec(o.filled).sub(applied.get(o.clientOrderId) ?? ZERO) }))
      .filter((m) => m.missing.gt(ZERO));
  }

  async #collectFills(tracked: readonly OrderRecord[]): Promise<AppliedFill[]> {
    const awaiting = [...this.#awaitingFills.values()].map((a) => a.order);
    const trades = await this.#d.exchange.fetchMyTrades({ symbol: this.#d.symbol });
    const applied = await this.#fills.collect(trades, [...tracked, ...awaiting]);
    this.#undelivered.push(...applied);
    for (const f of applied) this.#filledSeen.set(f.clientOrderId, (this.#filledSeen.get(f.clientOrderId) ?? ZERO).add(f.fill.amount));
    for (const [id, entry] of this.#awaitingFills) {
      entry.attempts++;
      // Done when every filled unit has its trade, or after a few tries (the reconcile catches stragglers).
      if ((this.#filledSeen.get(id) ?? ZERO).gte(entry.order.filled) || entry.attempts >= MAX_FILL_ATTEMPTS) this.#awaitingFills.delete(id);
    }
    return applied;
  }

  /**
   * At start and periodically: adopt open orders we do not know, resolve ours the exchange does not
   * show, and apply every trade of ours not applied yet — also with no order live: a process that died
   * after storing an order as filled but before storing its fills (a market order is `closed` in the
   * create's own answer, its trades are fetched a tick later) finds them here, by order id.
   */
  async reconcile(): Promise<AppliedFill[]> {
    const remoteOpen = await this.#d.exchange.fetchOpenOrders(this.#d.symbol);
    for (const remote of remoteOpen) await this.#adoptIfUnknown(remote);
    const tracked = this.liveOrders;
    await this.#resolveUncertain();
    await this.#refreshOpen(remoteOpen);
    return this.#collectFills(tracked);
  }

  async #refreshOpen(remoteOpen: readonly ExchangeOrder[]): Promise<void> {
    for (const order of this.liveOrders) {
      if (order.status !== 'open') continue;
      const remote = remoteOpen.find((r) => (order.exchangeOrderId !== null && r.id === order.exchangeOrderId) || r.clientOrderId === order.clientOrderId);
      if (remote) await this.#applyRemote(order, remote, 'order.updated');
      else await this.#lookup(order);
    }
  }

  async #resolveUncertain(): Promise<void> {
    for (const order of this.liveOrders) {
      if (order.status === 'pending_create' || order.status === 'unknown') await this.#lookup(order);
    }
  }

  /** Looks one order up by id or client id and applies the answer or the lost-order policy. */
  async #lookup(order: OrderRecord): Promise<void> {
    try {
      const remote = await this.#d.exchange.fetchOrder({ symbol: order.symbol, ...this.#ref(order) });
      await this.#applyRemote(order, remote, order.status === 'open' ? 'order.updated' : 'order.resolved');
    } catch (error) {
      if (!(error instanceof OrderNotFoundError)) throw error;
      await this.#notFound(order);
    }
  }

  /** The lost-order policy (docs/engine.md). */
  async #notFound(order: OrderRecord): Promise<void> {
    if (order.status === 'open') {
      await this.#finish(order, 'lost', 'order.lost', 'The exchange no longer knows this order (not open, not in its history)');
      return;
    }
    const age = this.#d.clock.now() - Date.parse(order.createdAt);
    if (age < this.#settleMs) return; // the exchange may not show it yet: ask again next tick
    await this.#finish(order, 'rejected', 'order.not_placed', `Not found on the exchange ${Math.round(age / 1000)} s after the create: it was never placed`);
  }

  async #adoptIfUnknown(remote: ExchangeOrder): Promise<void> {
    if (remote.symbol !== this.#d.symbol) return;
    const known =
      (remote.clientOrderId !== null ? await this.#d.store.findOrder(remote.clientOrderId) : undefined) ??
      (await this.#d.store.findByExchangeId(this.#d.connectionId, remote.id));
    if (known && known.connectionId === this.#d.connectionId) {
      // Another engine's order on the same account is never touched: only its engine manages it.
      if (known.engineId === this.#d.engineId && !this.#live.has(known.clientOrderId)) {
        this.#live.set(known.clientOrderId, known);
        await this.#applyRemote(known, remote, 'order.reopened');
      }
      return;
    }
    if (!(await this.#mayAdopt(remote))) return;
    const now = this.#iso();
    const order: OrderRecord = {
      // A foreign client id may collide with another connection's: then a local key stands in.
      clientOrderId: remote.clientOrderId !== null && !known ? remote.clientOrderId : `ext-${this.#d.engineId}-${remote.id}`,
      engineId: this.#d.engineId,
      connectionId: this.#d.connectionId,
      exchangeOrderId: remote.id,
      symbol: remote.symbol,
      side: remote.side,
      type: remote.type,
      price: remote.price,
      amount: remote.amount,
      filled: remote.filled,
      average: remote.average,
      status: 'open',
      adopted: true,
      reduceOnly: false,
      trigger: remote.trigger ?? null,
      timeInForce: null,
      expiresAt: null,
      tag: null,
      reason: 'adopted: open on the exchange but unknown locally',
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#d.store.insertOrder(order);
    this.#live.set(order.clientOrderId, order);
    this.#fills.reconsider(remote.id);
    await this.#d.emit('order.adopted', orderPayload(order));
  }

  /**
   * An unknown open order is adopted when it carries this engine's tag (sent, then the process died
   * before storing it), or when no other engine shares the account (the single-engine behaviour: a
   * person's order on the engine's symbol is managed by it). Each one left alone is reported once.
   */
  async #mayAdopt(remote: ExchangeOrder): Promise<boolean> {
    const origin = this.#d.originOf?.(remote.clientOrderId) ?? 'foreign';
    if (origin === 'engine') return true;
    if (!(await (this.#d.sharesAccount?.() ?? Promise.resolve(false)))) return true;
    if (this.#notAdopted.has(remote.id)) return false;
    this.#notAdopted.add(remote.id);
    await this.#d.emit('order.not_adopted', {
      exchangeOrderId: remote.id,
      clientOrderId: remote.clientOrderId,
      symbol: remote.symbol,
      reason: origin === 'cts' ? 'placed by another engine on this account' : 'placed outside CTS, and other engines trade on this account',
    });
    return false;
  }

  // ---- state changes ---------------------------------------------------------------------------------------

  async #applyRemote(order: OrderRecord, remote: ExchangeOrder, event: string): Promise<void> {
    const status: StoredOrderStatus = remote.status;
    const changed =
      order.exchangeOrderId !== remote.id || order.status !== status || order.filled !== remote.filled || order.average !== remote.average;
    if (!changed) return;
    const learnedId = order.exchangeOrderId !== remote.id;
    Object.assign(order, {
      exchangeOrderId: remote.id,
      status,
      filled: remote.filled,
      average: remote.average,
      price: order.price ?? remote.price,
      error: status === 'open' || status === 'closed' ? null : order.error,
      updatedAt: this.#iso(),
    });
    await this.#d.store.updateOrder(order);
    // Stored first: the trade list may have been read before this order's id was known (a create that
    // timed out and was placed late); those trades get their owner checked again on the next collect.
    if (learnedId) this.#fills.reconsider(remote.id);
    if (!LIVE_STATUSES.includes(status)) {
      this.#live.delete(order.clientOrderId);
      if (new Dec(order.filled).gt(ZERO)) this.#awaitingFills.set(order.clientOrderId, { order, attempts: 0, since: this.#d.clock.now() });
    }
    await this.#d.emit(status === 'open' || event === 'order.accepted' ? event : `order.${status}`, orderPayload(order));
  }

  async #setStatus(order: OrderRecord, status: StoredOrderStatus, event: string, error: string): Promise<void> {
    Object.assign(order, { status, error, updatedAt: this.#iso() });
    await this.#d.store.updateOrder(order);
    await this.#d.emit(event, orderPayload(order));
  }

  async #finish(order: OrderRecord, status: 'rejected' | 'lost', event: string, error: string): Promise<void> {
    this.#live.delete(order.clientOrderId);
    await this.#setStatus(order, status, event, error);
  }

  #ref(order: OrderRecord): { id: string } | { clientOrderId: string } {
    return order.exchangeOrderId !== null ? { id: order.exchangeOrderId } : { clientOrderId: order.clientOrderId };
  }

  #iso(): string {
    return new Date(this.#d.clock.now()).toISOString();
  }
}

/** The exchange said no (or we never sent it): the order does not exist there. */
function isDefinitiveRefusal(error: unknown): boolean {
  return (
    error instanceof OrderRejectedError ||
    error instanceof InsufficientFundsError ||
    error instanceof ValidationError ||
    error instanceof AuthenticationFailedError ||
    error instanceof PermissionMissingError
  );
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function orderPayload(order: OrderRecord): Record<string, unknown> {
  return { ...order };
}
