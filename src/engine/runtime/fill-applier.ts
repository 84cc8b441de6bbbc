import type { Fill, OrderRecord } from '../../domain/orders.js';
import type { FillEffect, Portfolio } from '../accounting/index.js';
import type { OrderStore } from './ports.js';

/**
 * Fills into storage and into the accounting (engine/accounting), exactly once each. The stored fill comes first: if the
 * process dies before the ledger sees it, the ledger is rebuilt from storage on the next start; if it
 * dies after, the ledger's own trade-id check makes the second delivery a no-op. So a fill is never
 * counted twice and never lost, whichever way the exchange repeats it.
 */

export interface AppliedFill {
  fill: Fill;
  /** What it did to the ledger; null for a fill an earlier process applied, handed again to a restarted strategy. */
  effect: FillEffect | null;
  clientOrderId: string;
  tag: string | null;
}

export interface FillApplierDeps {
  engineId: string;
  connectionId: string;
  store: OrderStore;
  portfolio: Portfolio;
  emit: (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;
}

/** Why the exchange traded a position by itself. */
export type ForcedFillKind = 'liquidation';

/** At most this many "owner unknown" verdicts are cached; an evicted one only costs a store lookup next time. */
const MAX_FOREIGN = 10_000;

export class FillApplier {
  readonly #d: FillApplierDeps;
  /**
   * Trades seen on the exchange whose owner is not known (manual trades, other bots — or an order of
   * ours whose exchange id is not known yet), trade id → exchange order id. A verdict, not a fact: it
   * is dropped by `reconsider` as soon as an order of ours turns out to have that exchange order id.
   */
  readonly #foreign = new Map<string, string>();
  readonly #tags = new Map<string, string | null>();

  constructor(deps: FillApplierDeps) {
    this.#d = deps;
  }

  /** Rebuilds the positions from every stored fill of the engine, in time order; returns those fills. */
  async restore(): Promise<Fill[]> {
    const fills = await this.#d.store.listFills(this.#d.engineId);
    for (const fill of fills) this.#applyToLedger(fill);
    return fills;
  }

  tagOf(clientOrderId: string): string | null {
    return this.#tags.get(clientOrderId) ?? null;
  }

  /** Applies the trades that belong to this engine's orders and were not applied before. */
  async collect(trades: readonly Fill[], tracked: readonly OrderRecord[]): Promise<AppliedFill[]> {
    const applied: AppliedFill[] = [];
    for (const trade of [...trades].sort((a, b) => a.timestamp - b.timestamp)) {
      if (this.#foreign.has(trade.tradeId) || this.#d.portfolio.ledger(trade.symbol).hasTrade(trade.tradeId)) continue;
      const order = tracked.find((o) => matches(o, trade)) ?? (await this.#findOwner(trade));
      if (!order) {
        this.#markForeign(trade);
        continue;
      }
      const result = await this.#apply(trade, order);
      if (result) applied.push(result);
    }
    return applied;
  }

  /**
   * Trades the exchange made on the position by itself (a liquidation, ADL): no order of ours placed
   * them, yet they are this bot's position's. Stored (with no client id) and applied once each, and
   * reported as fills with their kind; returns what they did.
   */
  async adoptForced(trades: readonly Fill[], kind: ForcedFillKind): Promise<FillEffect[]> {
    const effects: FillEffect[] = [];
    for (const trade of [...trades].sort((a, b) => a.timestamp - b.timestamp)) {
      if (this.#d.portfolio.ledger(trade.symbol).hasTrade(trade.tradeId)) continue;
      const fill: Fill = { ...trade, clientOrderId: null };
      await this.#d.store.insertFill({ ...fill, engineId: this.#d.engineId, connectionId: this.#d.connectionId });
      const effect = this.#applyToLedger(fill);
      if (!effect) continue;
      effects.push(effect);
      await this.#d.emit('fill', { ...fill, tag: null, forced: kind, realizedPnl: effect.realizedPnl, positionAfter: effect.quantityAfter, feeQuote: effect.feeQuote });
    }
    return effects;
  }

  /**
   * An order of ours just got its exchange order id (a create that timed out, found by client id; an
   * adopted order): its trades may have been read before and filed as foreign — look at them again.
   * The trade list carries no client id on some exchanges (Binance myTrades), so the order id is all
   * that links a trade to its order.
   */
  reconsider(exchangeOrderId: string): void {
    for (const [tradeId, orderId] of this.#foreign) if (orderId === exchangeOrderId) this.#foreign.delete(tradeId);
  }

  #markForeign(trade: Fill): void {
    if (this.#foreign.size >= MAX_FOREIGN) {
      const oldest = this.#foreign.keys().next();
      if (!oldest.done) this.#foreign.delete(oldest.value);
    }
    this.#foreign.set(trade.tradeId, trade.orderId);
  }

  async #apply(trade: Fill, order: OrderRecord): Promise<AppliedFill | null> {
    // Stored under our client id: adopted orders may carry none, and reports group by it.
    const fill: Fill = { ...trade, clientOrderId: order.clientOrderId };
    await this.#d.store.insertFill({ ...fill, engineId: this.#d.engineId, connectionId: this.#d.connectionId });
    this.#tags.set(order.clientOrderId, order.tag);
    const effect = this.#applyToLedger(fill);
    if (!effect) return null;
    await this.#d.emit('fill', { ...fill, tag: order.tag, realizedPnl: effect.realizedPnl, positionAfter: effect.quantityAfter, feeQuote: effect.feeQuote });
    if (order.status === 'rejected' || order.status === 'lost') {
      // A fill is proof the order existed: the earlier verdict was wrong, say so rather than hide the fill.
      await this.#d.emit('order.fill_after_verdict', { clientOrderId: order.clientOrderId, status: order.status, tradeId: fill.tradeId });
    }
    return { fill, effect, clientOrderId: order.clientOrderId, tag: order.tag };
  }

  #applyToLedger(fill: Fill): FillEffect | null {
    return applyFill(this.#d.portfolio, fill, () => {
      void this.#d.emit('accounting.fee_unpriced', { tradeId: fill.tradeId, fee: fill.fee, feeAsset: fill.feeAsset });
    });
  }

  /** The trade's order, when it is this engine's: a trade of another engine on the same account is not ours. */
  async #findOwner(trade: Fill): Promise<OrderRecord | undefined> {
    const byClient = trade.clientOrderId !== null ? await this.#d.store.findOrder(trade.clientOrderId) : undefined;
    if (byClient && byClient.connectionId === this.#d.connectionId) return byClient.engineId === this.#d.engineId ? byClient : undefined;
    const byId = await this.#d.store.findByExchangeId(this.#d.connectionId, trade.orderId);
    return byId?.engineId === this.#d.engineId ? byId : undefined;
  }
}

function matches(order: OrderRecord, trade: Fill): boolean {
  return (order.exchangeOrderId !== null && order.exchangeOrderId === trade.orderId) || (trade.clientOrderId !== null && trade.clientOrderId === order.clientOrderId);
}

/**
 * Applies a fill to the accounting. A fee in a third asset (BNB) has no quote value here: it is
 * accounted as 0 in quote (and `onUnpriced` told) while storage keeps it as charged.
 */
export function applyFill(portfolio: Portfolio, fill: Fill, onUnpriced: () => void = () => undefined): FillEffect | null {
  const ledger = portfolio.ledger(fill.symbol);
  const thirdAsset = fill.feeAsset !== null && fill.feeAsset !== ledger.base && fill.feeAsset !== ledger.quote && !/^0(\.0+)?$/.test(fill.fee);
  if (!thirdAsset) return portfolio.apply(fill);
  onUnpriced();
  return portfolio.apply(fill, { feeInQuote: '0' });
}
