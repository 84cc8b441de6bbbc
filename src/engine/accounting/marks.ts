import { DECIMAL_PATTERN, Dec, type DecimalString } from '../../domain/money.js';
import type { DustRules } from './dust.js';
import type { MarkSource } from '../../domain/positions.js';
import type { MarkPrices, PositionDetails } from './portfolio.js';

/**
 * The last known mark price per symbol, with when it was taken. An engine keeps it on its row so the
 * unrealized PnL of an open position survives a stop and a restart (instead of dropping to 0 and
 * making the net PnL jump), and positions left from an earlier symbol keep theirs too. The market's
 * dust rule is kept beside it, so a stopped engine still tells dust from a position.
 */
export interface StoredMark {
  price: DecimalString;
  /** ISO 8601: the close time of the candle the mark comes from. */
  time: string;
  rules?: DustRules;
  /** The trailing stop's best price since the open position's entry (protection.ts), for a restart. */
  trail?: StoredTrail;
  /** Derivatives: whether `price` is the exchange's mark price or the last price (PositionSnapshot.markSource). */
  source?: MarkSource;
}

export interface StoredTrail {
  side: 'long' | 'short';
  best: DecimalString;
}

export type MarkBook = Readonly<Record<string, StoredMark>>;

/** The book with `symbol`'s mark replaced by a newer one (an older one never overwrites a newer). */
export function withMark(book: MarkBook | undefined, symbol: string, mark: StoredMark): MarkBook {
  const current = book?.[symbol];
  if (current && Date.parse(current.time) > Date.parse(mark.time)) return book;
  return { ...book, [symbol]: mark };
}

/** What the portfolio needs to value and describe its positions. */
export function markViews(book: MarkBook | undefined): { marks: MarkPrices; details: Required<PositionDetails> } {
  const marks = new Map<string, Dec>();
  const markTimes = new Map<string, string>();
  const rules = new Map<string, DustRules>();
  const markSources = new Map<string, MarkSource>();
  for (const [symbol, mark] of Object.entries(book ?? {})) {
    marks.set(symbol, new Dec(mark.price));
    markTimes.set(symbol, mark.time);
    if (mark.rules) rules.set(symbol, mark.rules);
    if (mark.source) markSources.set(symbol, mark.source);
  }
  return { marks, details: { markTimes, rules, markSources } };
}

/** Parses a stored book, keeping only well-formed entries (a damaged one is dropped, never trusted). */
export function parseMarkBook(text: string): MarkBook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const book: Record<string, StoredMark> = {};
  for (const [symbol, value] of Object.entries(raw as Record<string, unknown>)) {
    const mark = value as Partial<StoredMark> | null;
    if (!mark || typeof mark.price !== 'string' || !DECIMAL_PATTERN.test(mark.price) || typeof mark.time !== 'string' || Number.isNaN(Date.parse(mark.time))) continue;
    const source = mark.source === 'mark' || mark.source === 'last' ? { source: mark.source } : {};
    book[symbol] = { price: mark.price, time: mark.time, ...(isRules(mark.rules) ? { rules: mark.rules } : {}), ...(isTrail(mark.trail) ? { trail: mark.trail } : {}), ...source };
  }
  return book;
}

function isTrail(value: unknown): value is StoredTrail {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return (t.side === 'long' || t.side === 'short') && typeof t.best === 'string' && DECIMAL_PATTERN.test(t.best);
}

function isRules(value: unknown): value is DustRules {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const ok = (v: unknown) => v === null || (typeof v === 'string' && DECIMAL_PATTERN.test(v));
  return ok(r.amountStep) && ok(r.minAmount) && ok(r.minCost);
}
