import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CandleSeries } from '../../domain/candles.js';
import type { Fill } from '../../domain/orders.js';
import type { LiquidationReport } from '../../domain/backtest-report.js';
import type { Market } from '../../exchanges/exchange.port.js';
import type { PositionLedger } from '../accounting/position-ledger.js';
import { DEFAULT_MAINTENANCE_MARGIN_RATE, estimatedLiquidationPrice } from '../liquidation.js';
import { roundPriceToTick } from '../order-sizing.js';
import { leverageOf, type RiskConfig } from '../risk.js';
import { fundingEventsBetween, lowerBoundTime, priceAt, type FundingEvent, type PerpetualData } from './perpetual-data.js';
import { lastAtOrBefore } from './total-equity.js';
import { iso } from './report-format.js';

/**
 * A backtest of a USDT-margined linear perpetual: the margin wallet the run's quote balance is, the
 * funding each position pays or receives at every settlement the candles cross, and the liquidation
 * of a position whose mark reaches its liquidation price. The orders, fills, fees and risk gate are
 * the spot backtest's (pair-lane.ts, the fill simulator, risk.ts); this is what a perpetual adds.
 *
 * - Margin: a position holds |cost| ÷ leverage of the wallet, an open order its notional ÷ leverage;
 *   the wallet is the starting balance plus every pair's realized PnL − fees + funding. Entries go
 *   through the risk gate's budget check with the wallet as the budget, as a live bot's do.
 * - Funding: at settlement T, payment = −quantity × mark(T) × rate, booked on the ledger
 *   (`applyFunding`, id = T) and so on the wallet: a long pays a positive rate, a short receives it.
 * - Liquidation: isolated, at `estimatedLiquidationPrice` (the live risk gate's estimate) of the
 *   ledger's average entry and the run's leverage; cross, where the whole wallet (less the other pairs'
 *   margins) backs the position. The position is closed at that price when the candle's adverse mark
 *   extreme reaches it, and its collateral is lost: the part the price move did not take is the
 *   exchange's liquidation fee (the maintenance margin).
 */

export interface PerpetualSettings {
  leverage: Dec;
  marginMode: 'isolated' | 'cross';
  maintenanceMarginRate: Dec;
}

export function perpetualSettings(risk: RiskConfig): PerpetualSettings {
  return { leverage: leverageOf(risk), marginMode: risk.marginMode ?? 'isolated', maintenanceMarginRate: DEFAULT_MAINTENANCE_MARGIN_RATE };
}

/** Without a price step, a liquidation price is kept to 8 decimals (rounded towards the entry). */
const DEFAULT_TICK = new Dec('0.00000001');
/** Double pre-check margin (relative): far wider than double rounding, so it never hides a liquidation. */
const MARGIN = 1e-9;

/** One pair's claim on the wallet. */
export interface MarginUser {
  readonly ledger: PositionLedger;
  /** What its open orders adding to the position are worth (amount × limit, or the last price). */
  orderNotional(): Dec;
}

/** The run's quote balance as a perpetual account holds it. */
export class MarginWallet {
  readonly settings: PerpetualSettings;
  readonly #start: Dec;
  readonly #users: MarginUser[] = [];

  constructor(startingBalance: Dec, settings: PerpetualSettings) {
    this.#start = startingBalance;
    this.settings = settings;
  }

  add(user: MarginUser): void {
    this.#users.push(user);
  }

  /** Starting balance + Σ realized − fees + funding: what the account holds before unrealized PnL. */
  balance(): Dec {
    let sum = this.#start;
    for (const { ledger } of this.#users) sum = sum.add(ledger.realizedPnl).sub(ledger.fees).add(ledger.funding);
    return sum;
  }

  /** The notional the other pairs hold in positions and orders (the risk gate divides it by the leverage). */
  heldByOthers(user: MarginUser): Dec {
    let held = ZERO;
    for (const other of this.#users) if (other !== user) held = held.add(other.ledger.cost.abs()).add(other.orderNotional());
    return held;
  }

  /** Balance less every position's and order's margin: what a new order may still put up. */
  available(): Dec {
    let held = ZERO;
    for (const user of this.#users) held = held.add(user.ledger.cost.abs()).add(user.orderNotional());
    return this.balance().sub(held.div(this.settings.leverage));
  }

  /**
   * Whether a fill still fits when it fills, at its own price: the margin of every position after it,
   * plus its fee, within the balance. The risk gate checked the order against the price it was
   * placed at; a market order filling at a gapped open, or a stop's fill, can need more, and an exchange
   * refuses what the wallet cannot cover rather than letting the margin go negative. What only closes
   * a position always fits.
   */
  fillFits(user: MarginUser, side: 'buy' | 'sell', amount: Dec, price: Dec, feeQuote: Dec): boolean {
    const quantity = user.ledger.quantity;
    const reduces = (side === 'buy' && quantity.isNegative()) || (side === 'sell' && quantity.isPositive());
    const adding = reduces ? Dec.max(ZERO, amount.sub(quantity.abs())) : amount;
    if (adding.isZero()) return true;
    let held = (reduces ? ZERO : user.ledger.cost.abs()).add(adding.mul(price));
    for (const other of this.#users) if (other !== user) held = held.add(other.ledger.cost.abs());
    return held.div(this.settings.leverage).add(feeQuote).lte(this.balance());
  }

  /** The margin `ledger`'s position holds (isolated: its collateral). */
  positionMargin(ledger: PositionLedger): Dec {
    return ledger.cost.abs().div(this.settings.leverage);
  }

  /** Cross: the wallet backs the position, less what the other pairs' positions hold. */
  crossCollateral(user: MarginUser): Dec {
    let others = ZERO;
    for (const other of this.#users) if (other !== user) others = others.add(this.positionMargin(other.ledger));
    return this.balance().sub(others);
  }

  /**
   * The quote a spot account would hold for the same positions (balance − Σ signed cost): with each
   * pair's quantity × its price it is the equity, which is how the run's equity curve is marked.
   */
  spotEquivalentQuote(): Dec {
    let quote = this.balance();
    for (const { ledger } of this.#users) quote = quote.sub(ledger.cost);
    return quote;
  }
}

/**
 * Where a cross position is liquidated: where collateral + unrealized PnL falls to the maintenance
 * margin, mark × size × mmr. With collateral = entry × size ÷ leverage it is the isolated estimate.
 *   long:  (entry − collateral/size) / (1 − mmr)      short: (entry + collateral/size) / (1 + mmr)
 */
export function crossLiquidationPrice(side: 'long' | 'short', entry: Dec, size: Dec, collateral: Dec, mmr: Dec): Dec | null {
  const perUnit = collateral.div(size);
  if (side === 'long') {
    const price = entry.sub(perUnit).div(new Dec(1).sub(mmr));
    return price.gt(ZERO) ? price : null;
  }
  return entry.add(perUnit).div(new Dec(1).add(mmr));
}

export interface FundingRecord {
  time: number;
  rate: DecimalString;
  markPrice: DecimalString;
  priceSource: 'mark' | 'last';
  /** The signed position that settled. */
  quantity: DecimalString;
  /** Signed, as the account sees it: positive received, negative paid. */
  amount: DecimalString;
}

/** A liquidation as the run keeps it: the report's entry (LiquidationReport) with its time in ms and no symbol (the lane knows it). */
export type LiquidationRecord = Omit<LiquidationReport, 'time' | 'symbol'> & { time: number };

/** A liquidation to execute: the fill closing the position, and what the report keeps of it. */
export interface Liquidation {
  fill: Fill;
  record: LiquidationRecord;
  reason: string;
}

/** What the liquidation price was computed from, so it is recomputed only when that changes. */
interface LiquidationCache {
  key: number;
  price: Dec | null;
  number: number;
  long: boolean;
}

/**
 * One pair's perpetual state in a run: its funding times (with the file's rates, or none where the
 * file has a hole), its mark prices, and the record of what was paid and liquidated.
 */
export class PerpetualBook {
  readonly payments: FundingRecord[] = [];
  readonly liquidations: LiquidationRecord[] = [];
  /** Funding times crossed with a position open. */
  fundingTimesWithPosition = 0;
  /** Of those, times the data has no rate for (nothing booked), and the first few. */
  missingWithPosition = 0;
  readonly missingSamples: number[] = [];
  /** The latest of those (a venue fed candle by candle reports it). */
  lastMissing: number | null = null;
  /** Traded candles whose liquidation check had the mark's own extremes. */
  candlesWithMark = 0;
  candlesChecked = 0;
  readonly data: PerpetualData;
  readonly #wallet: MarginWallet;
  readonly #series: CandleSeries;
  readonly #market: Market;
  readonly #tfMs: number;
  readonly #events: readonly FundingEvent[];
  readonly #tick: Dec;
  #next = 0;
  #markCursor = 0;
  /** Where the last valuation lookup found the mark (candles are valued in time order). */
  #valueCursor = 0;
  #liquidationCount = 0;
  #cache: LiquidationCache | null = null;

  /**
   * `start`/`end`: the run's traded candles of `series`, whose span the funding times are taken from.
   * A venue fed candle by candle (paper and replay, src/engine/runtime/simulated-perpetual.ts) knows
   * no candles yet and gives the span itself, `fundingWindow` (settlements strictly inside it).
   */
  constructor(params: { data: PerpetualData | undefined; wallet: MarginWallet; series: CandleSeries; market: Market; tfMs: number; start: number; end: number; fundingWindow?: { after: number; before: number } }) {
    const { series, start, end, tfMs, fundingWindow } = params;
    this.data = params.data ?? { funding: null, fundingNote: `No funding data for ${params.market.symbol}: no funding is booked.`, mark: null, markNote: 'No mark prices: the candles stand in for the mark.' };
    this.#wallet = params.wallet;
    this.#series = series;
    this.#market = params.market;
    this.#tfMs = tfMs;
    const funding = this.data.funding;
    if (funding && fundingWindow) this.#events = fundingEventsBetween(funding, fundingWindow.after, fundingWindow.before);
    else this.#events = funding && end > start ? fundingEventsBetween(funding, series.time(start), series.time(end - 1) + tfMs) : [];
    this.#tick = params.market.priceStep === null ? DEFAULT_TICK : new Dec(params.market.priceStep);
  }

  /**
   * The mark file's candle with the same open time as candle `i` of the run's series (an index of
   * `data.mark.series`), or -1 where the file has none (or there is none, or its candles are another
   * length): a position is valued at that candle's close, as the exchange
   * values it, and at the candle's own close where no mark stands in.
   */
  markIndex(i: number): number {
    const mark = this.data.mark?.timeframeMs === this.#tfMs ? this.data.mark.series : null;
    if (mark === null || i < 0 || i >= this.#series.length) return -1;
    const time = this.#series.time(i);
    let c = this.#valueCursor;
    if (c >= mark.length || (c > 0 && mark.time(c - 1) >= time)) c = lowerBoundTime(mark, time);
    while (c < mark.length && mark.time(c) < time) c++;
    this.#valueCursor = c;
    return c < mark.length && mark.time(c) === time ? c : -1;
  }

  /**
   * Books the funding of every settlement up to `until` (inclusive; all that are left with
   * `Infinity`) on the position as it stands. Returns the net amount booked, or null when nothing was.
   */
  fund(ledger: PositionLedger, until: number): Dec | null {
    const events = this.#events;
    let booked: Dec | null = null;
    while (this.#next < events.length && (events[this.#next] as FundingEvent).time <= until) {
      const event = events[this.#next++] as FundingEvent;
      const quantity = ledger.quantity;
      if (quantity.isZero()) continue;
      this.fundingTimesWithPosition++;
      if (event.rate === null) {
        this.missingWithPosition++;
        this.lastMissing = event.time;
        if (this.missingSamples.length < 20) this.missingSamples.push(event.time);
        continue;
      }
      const { price, source } = this.#priceAt(event.time);
      const amount = quantity.mul(price).mul(event.rate).neg();
      ledger.applyFunding({ id: iso(event.time), amount: toDecimalString(amount), timestamp: event.time, rate: event.rate });
      this.payments.push({ time: event.time, rate: event.rate, markPrice: toDecimalString(price), priceSource: source, quantity: toDecimalString(quantity), amount: toDecimalString(amount) });
      booked = (booked ?? ZERO).add(amount);
    }
    return booked;
  }

  /** The mark at a settlement; the traded candles' price where the mark file has none. */
  #priceAt(time: number): { price: Dec; source: 'mark' | 'last' } {
    const mark = this.data.mark;
    const fromMark = mark ? priceAt(mark.series, mark.timeframeMs, time) : null;
    if (fromMark) return { price: fromMark, source: 'mark' };
    const fromCandles = priceAt(this.#series, this.#tfMs, time);
    if (fromCandles) return { price: fromCandles, source: 'last' };
    // Inside a candle (a settlement within a 1d candle): the latest close before it.
    const before = lastAtOrBefore(this.#series, time - this.#tfMs);
    return { price: this.#series.decimal('close', Math.max(0, before)), source: 'last' };
  }

  /**
   * Candle i's liquidation check, after its fills: the position's liquidation price against the
   * adverse extreme of the mark over the candle (its low for a long, its high for a short), the
   * candle's own when the mark has no candles for it. `version` changes with the wallet (cross).
   */
  check(ledger: PositionLedger, user: MarginUser, i: number, version: number): Liquidation | null {
    const extremes = this.#markExtremes(i);
    this.candlesChecked++;
    if (extremes) this.candlesWithMark++;
    const quantity = ledger.quantity;
    if (quantity.isZero()) return null;
    const cache = this.#liquidationPrice(ledger, user, version);
    if (cache.price === null) return null;
    const long = cache.long;
    const extremeNumber = extremes ? (long ? extremes.low : extremes.high) : long ? this.#series.low(i) : this.#series.high(i);
    if (long ? extremeNumber > cache.number * (1 + MARGIN) : extremeNumber < cache.number * (1 - MARGIN)) return null;
    const extreme = extremes ? extremes.series.decimal(long ? 'low' : 'high', long ? extremes.lowAt : extremes.highAt) : this.#series.decimal(long ? 'low' : 'high', i);
    const price = cache.price;
    if (long ? extreme.gt(price) : extreme.lt(price)) return null;
    return this.#liquidate(ledger, user, i, price, extreme, extremes ? 'mark' : 'last');
  }

  /** The settlement time of the next funding event not booked yet (with or without a rate); null when none is left. */
  get nextFundingTime(): number | null {
    return this.#events[this.#next]?.time ?? null;
  }

  /**
   * Where the position of `ledger` is liquidated (at the price step, towards the entry), as `check`
   * sets it against the mark; null when flat or when no price liquidates it.
   */
  liquidationPrice(ledger: PositionLedger, user: MarginUser, version: number): Dec | null {
    if (ledger.quantity.isZero()) return null;
    return this.#liquidationPrice(ledger, user, version).price;
  }

  #liquidationPrice(ledger: PositionLedger, user: MarginUser, version: number): LiquidationCache {
    const cross = this.#wallet.settings.marginMode === 'cross';
    // Isolated: a function of the position alone, which only a fill changes.
    const key = cross ? version : ledger.fillCount;
    if (this.#cache !== null && this.#cache.key === key) return this.#cache;
    const long = ledger.side === 'long';
    const entry = ledger.averageEntryPrice as Dec;
    const { leverage, maintenanceMarginRate } = this.#wallet.settings;
    const side = long ? 'long' : 'short';
    const exact = cross
      ? crossLiquidationPrice(side, entry, ledger.quantity.abs(), this.#wallet.crossCollateral(user), maintenanceMarginRate)
      : estimatedLiquidationPrice({ side, entry, leverage, maintenanceMarginRate });
    // At the tick, towards the entry: never later than the estimate (live status rounds it so too).
    const price = exact === null ? null : roundPriceToTick(exact, this.#tick, long ? 'sell' : 'buy');
    this.#cache = { key, price: price !== null && price.gt(ZERO) ? price : null, number: price === null ? Number.NaN : price.toNumber(), long };
    return this.#cache;
  }

  #liquidate(ledger: PositionLedger, user: MarginUser, i: number, price: Dec, extreme: Dec, markSource: 'mark' | 'last'): Liquidation {
    const cross = this.#wallet.settings.marginMode === 'cross';
    const quantity = ledger.quantity;
    const long = quantity.isPositive();
    const collateral = cross ? this.#wallet.crossCollateral(user) : this.#wallet.positionMargin(ledger);
    const realized = quantity.mul(price).sub(ledger.cost);
    // The collateral is lost: what the move to the liquidation price did not take goes to the exchange.
    const fee = Dec.max(ZERO, collateral.add(realized));
    const id = `liq-${this.#market.symbol}-${++this.#liquidationCount}`;
    const time = this.#series.time(i);
    const entry = ledger.averageEntryPrice as Dec;
    const record: LiquidationRecord = {
      time,
      side: long ? 'long' : 'short',
      quantity: toDecimalString(quantity.abs()),
      entryPrice: toDecimalString(entry),
      liquidationPrice: toDecimalString(price),
      markExtreme: toDecimalString(extreme),
      markSource,
      realizedPnl: toDecimalString(realized),
      fee: toDecimalString(fee),
      loss: toDecimalString(fee.sub(realized)),
    };
    this.liquidations.push(record);
    this.#cache = null;
    const { leverage } = this.#wallet.settings;
    const where = markSource === 'mark' ? 'the mark' : "the candle's price (no mark)";
    const reason = `liquidation: ${where} reached ${toDecimalString(extreme)}, past the ${cross ? 'cross' : 'isolated'} liquidation price ${toDecimalString(price)} of the ${long ? 'long' : 'short'} from ${toDecimalString(entry.toSignificantDigits(12))} at ${leverage.toString()}×`;
    const fill: Fill = {
      tradeId: id,
      orderId: id,
      clientOrderId: null,
      symbol: this.#market.symbol,
      side: long ? 'sell' : 'buy',
      price: toDecimalString(price),
      amount: toDecimalString(quantity.abs()),
      fee: toDecimalString(fee),
      feeAsset: this.#market.quote,
      timestamp: time,
    };
    return { fill, record, reason };
  }

  /** The mark's low and high over candle i (and the candles holding them), when the mark has every candle inside it; else null. */
  #markExtremes(i: number): { low: number; high: number; lowAt: number; highAt: number; series: CandleSeries } | null {
    const mark = this.data.mark;
    if (mark === null) return null;
    const from = this.#series.time(i);
    const series = mark.series;
    // Candle times only move forward: a cursor (a binary search only if it ever had to go back).
    let c = this.#markCursor;
    if (c > 0 && series.time(c - 1) >= from) c = lowerBoundTime(series, from);
    while (c < series.length && series.time(c) < from) c++;
    this.#markCursor = c;
    const count = this.#tfMs / mark.timeframeMs;
    if (c + count > series.length) return null;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    let lowAt = c;
    let highAt = c;
    for (let k = 0; k < count; k++) {
      if (series.time(c + k) !== from + k * mark.timeframeMs) return null;
      if (series.low(c + k) < low) [low, lowAt] = [series.low(c + k), c + k];
      if (series.high(c + k) > high) [high, highAt] = [series.high(c + k), c + k];
    }
    return { low, high, lowAt, highAt, series };
  }
}
