import { ZERO, toDecimalString, type Dec, type DecimalString } from '../../domain/money.js';
import { isDust, type DustRules } from './dust.js';
import type { Fill } from '../../domain/orders.js';
import { PositionLedger, isDerivativeSymbol, symbolAssets, type FillEffect, type LedgerFillOptions, type PositionLedgerState } from './position-ledger.js';
import type { MarkSource, PositionSnapshot, PnlSummary } from '../../domain/positions.js';

/** Mark prices by symbol; a symbol without a mark contributes no unrealized PnL (and is flagged by a null mark). */
export type MarkPrices = ReadonlyMap<string, Dec>;

/** What positions are shown with besides the mark: its time and the market rules that tell dust. */
export interface PositionDetails {
  markTimes?: ReadonlyMap<string, string>;
  rules?: ReadonlyMap<string, DustRules>;
  /** Derivatives: whether each mark is the exchange's mark price or the last price. */
  markSources?: ReadonlyMap<string, MarkSource>;
}

/**
 * One engine's positions: a ledger per symbol, created on its first fill. Accounting across engines of the
 * same connection is `aggregatePortfolios`, never a shared mutable ledger, so engines stay independent.
 */
export class Portfolio {
  readonly #ledgers = new Map<string, PositionLedger>();

  static restore(states: readonly PositionLedgerState[]): Portfolio {
    const portfolio = new Portfolio();
    for (const state of states) portfolio.#ledgers.set(state.symbol, PositionLedger.restore(state));
    return portfolio;
  }

  /** Applies a fill idempotently (null when its trade id was already applied). */
  apply(fill: Fill, options?: LedgerFillOptions): FillEffect | null {
    return this.ledger(fill.symbol).apply(fill, options);
  }

  /** The symbol's ledger, created empty when missing. */
  ledger(symbol: string): PositionLedger {
    let ledger = this.#ledgers.get(symbol);
    if (!ledger) {
      ledger = new PositionLedger(symbol, symbolAssets(symbol));
      this.#ledgers.set(symbol, ledger);
    }
    return ledger;
  }

  get symbols(): string[] {
    return [...this.#ledgers.keys()];
  }

  get ledgers(): readonly PositionLedger[] {
    return [...this.#ledgers.values()];
  }

  positions(marks: MarkPrices = new Map(), details: PositionDetails = {}): PositionSnapshot[] {
    return this.ledgers.map((l) => snapshotOf(l, marks, details));
  }

  summary(marks: MarkPrices = new Map()): PnlSummary {
    return summarize(this.ledgers, marks);
  }

  toState(): PositionLedgerState[] {
    return this.ledgers.map((l) => l.toState());
  }
}

/** Per-connection view: the positions of several engines summed per symbol, and the PnL totals. */
export function aggregatePortfolios(
  portfolios: readonly Portfolio[],
  marks: MarkPrices = new Map(),
  details: PositionDetails = {},
): { positions: PositionSnapshot[]; pnl: PnlSummary } {
  const bySymbol = new Map<string, PositionLedger[]>();
  for (const ledger of portfolios.flatMap((p) => p.ledgers)) {
    const list = bySymbol.get(ledger.symbol) ?? [];
    list.push(ledger);
    bySymbol.set(ledger.symbol, list);
  }
  const positions = [...bySymbol.entries()].map(([symbol, ledgers]) => snapshotOf(mergeLedgers(symbol, ledgers), marks, details));
  return { positions, pnl: summarize(portfolios.flatMap((p) => p.ledgers), marks) };
}

/** Sums ledgers of one symbol into a fresh one (quantities and costs add; trade ids are not needed for a view). */
function mergeLedgers(symbol: string, ledgers: readonly PositionLedger[]): PositionLedger {
  const first = ledgers[0];
  const sum = (pick: (l: PositionLedger) => Dec): DecimalString => toDecimalString(ledgers.reduce((acc, l) => acc.add(pick(l)), ZERO));
  return PositionLedger.restore({
    symbol,
    base: first?.base ?? symbolAssets(symbol).base,
    quote: first?.quote ?? symbolAssets(symbol).quote,
    quantity: sum((l) => l.quantity),
    filledQuantity: sum((l) => l.filledQuantity),
    cost: sum((l) => l.cost),
    realizedPnl: sum((l) => l.realizedPnl),
    fees: sum((l) => l.fees),
    baseFees: sum((l) => l.baseFees),
    tradeIds: [],
    ...(isDerivativeSymbol(symbol) ? { funding: sum((l) => l.funding), fundingIds: [] } : {}),
  });
}

function snapshotOf(ledger: PositionLedger, marks: MarkPrices, details: PositionDetails): PositionSnapshot {
  const mark = marks.get(ledger.symbol) ?? null;
  const rules = details.rules?.get(ledger.symbol);
  const markSource = details.markSources?.get(ledger.symbol);
  return ledger.snapshot(mark, { dust: rules !== undefined && isDust(ledger.quantity, rules, mark), markTime: details.markTimes?.get(ledger.symbol) ?? null, ...(markSource ? { markSource } : {}) });
}

function summarize(ledgers: readonly PositionLedger[], marks: MarkPrices): PnlSummary {
  let realized = ZERO;
  let unrealized = ZERO;
  let fees = ZERO;
  let funding = ZERO;
  const unpriced = new Set<string>();
  for (const ledger of ledgers) {
    realized = realized.add(ledger.realizedPnl);
    fees = fees.add(ledger.fees);
    funding = funding.add(ledger.funding);
    const mark = marks.get(ledger.symbol);
    if (mark) unrealized = unrealized.add(ledger.unrealizedPnl(mark));
    else if (!ledger.quantity.isZero()) unpriced.add(ledger.symbol);
  }
  return {
    realizedPnl: toDecimalString(realized),
    unrealizedPnl: toDecimalString(unrealized),
    fees: toDecimalString(fees),
    ...(ledgers.some((l) => isDerivativeSymbol(l.symbol)) ? { funding: toDecimalString(funding) } : {}),
    netPnl: toDecimalString(realized.add(unrealized).sub(fees).add(funding)),
    unpricedSymbols: [...unpriced].sort(),
  };
}
