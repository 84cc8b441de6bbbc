import type { Clock } from '../../domain/clock.js';
import type { FundingPayment } from '../../domain/funding.js';
import { toDecimalString } from '../../domain/money.js';
import type { Exchange, Market } from '../../exchanges/exchange.port.js';
import type { Portfolio } from '../accounting/index.js';
import { isDerivative } from '../risk.js';
import type { OrderStore } from './ports.js';

/** While a perpetual position is held, the exchange is asked for new funding payments at most this often. */
export const FUNDING_POLL_MS = 5 * 60_000;
/**
 * A payment is listed a little after its settlement: the next ask starts this far before the last
 * one ended (payments seen already are skipped by id), never missing one posted late.
 */
const POSTING_LAG_MS = 60 * 60_000;

export interface FundingBookDeps {
  engineId: string;
  connectionId: string;
  market: Market;
  exchange: Exchange;
  store: OrderStore;
  portfolio: Portfolio;
  clock: Clock;
  emit: (type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;
}

/**
 * A perpetual pair's funding payments, booked as the bot's own ledger entries: read from the
 * exchange (`fetchFundingPayments`, signed for the account) while the bot holds a position, stored
 * first (once per payment id and account), then booked in the ledger (once per id) and reported
 * (`funding.booked`). The books hold one bot per perpetual and account (docs/derivatives.md), so
 * every payment on the pair after the bot's first fill is the bot's.
 */
export class FundingBook {
  readonly #d: FundingBookDeps;
  /** Payments settled at or after this (ms) are asked for next. */
  #cursor: number | null = null;
  #lastPoll = Number.NEGATIVE_INFINITY;
  /** Whether a position was held when the exchange was last asked: one more ask after a close books its last payment. */
  #heldAtLastPoll = false;

  constructor(deps: FundingBookDeps) {
    this.#d = deps;
  }

  /** Whether this pair has funding CTS books (a perpetual on a venue that reports it). */
  get applies(): boolean {
    return isDerivative(this.#d.market) && this.#d.exchange.fetchFundingPayments !== undefined;
  }

  /** Books what storage holds for this bot and pair (after the fills are restored: their times bound the first ask). */
  async load(): Promise<void> {
    if (!isDerivative(this.#d.market)) return;
    const { market, portfolio } = this.#d;
    const ledger = portfolio.ledger(market.symbol);
    let latest: number | null = null;
    for (const payment of await this.#d.store.listFunding(this.#d.engineId)) {
      if (payment.symbol !== market.symbol) continue;
      ledger.applyFunding(payment);
      latest = latest === null ? payment.timestamp : Math.max(latest, payment.timestamp);
    }
    this.#cursor = latest ?? ledger.firstFillTime;
  }

  /**
   * Asks for payments when due (a position is held, or was at the last ask, and FUNDING_POLL_MS
   * passed) and books the new ones; returns them. A fault propagates: the caller's fault policy
   * decides, and the next ask covers the same time again.
   */
  async pollIfDue(): Promise<FundingPayment[]> {
    if (!this.applies) return [];
    const { market, portfolio, clock } = this.#d;
    const now = clock.now();
    const held = !portfolio.ledger(market.symbol).quantity.isZero();
    if ((!held && !this.#heldAtLastPoll) || now - this.#lastPoll < FUNDING_POLL_MS) return [];
    return this.#poll(now, held);
  }

  async #poll(now: number, held: boolean): Promise<FundingPayment[]> {
    const { market, portfolio, exchange } = this.#d;
    const ledger = portfolio.ledger(market.symbol);
    // No fill and nothing booked yet (a position taken over at start): from this ask on. Never past
    // the engine's own clock: an exchange stamping fills ahead of it must not skip a settlement.
    const since = Math.min(this.#cursor ?? ledger.firstFillTime ?? now - POSTING_LAG_MS, now);
    const payments = (await exchange.fetchFundingPayments?.({ symbol: market.symbol, since, until: now })) ?? [];
    this.#lastPoll = now;
    this.#heldAtLastPoll = held;
    const booked: FundingPayment[] = [];
    for (const payment of payments) {
      if (payment.symbol !== market.symbol || ledger.hasFunding(payment.id)) continue;
      // Stored already, and not in these books: another bot of the account booked it (one perpetual per account and bot).
      if (!(await this.#d.store.insertFunding({ ...payment, engineId: this.#d.engineId, connectionId: this.#d.connectionId }))) continue;
      ledger.applyFunding(payment);
      booked.push(payment);
      await this.#d.emit('funding.booked', { symbol: market.symbol, id: payment.id, amount: payment.amount, rate: payment.rate, time: new Date(payment.timestamp).toISOString(), funding: toDecimalString(ledger.funding) });
    }
    const latest = payments.reduce((max, p) => Math.max(max, p.timestamp), since);
    this.#cursor = Math.max(latest, now - POSTING_LAG_MS, since);
    return booked;
  }
}
