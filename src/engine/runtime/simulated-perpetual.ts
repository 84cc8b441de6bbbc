import type { CandleSeries } from '../../domain/candles.js';
import { InsufficientFundsError, NotImplementedError, OrderRejectedError, ValidationError } from '../../domain/errors.js';
import type { FundingPayment } from '../../domain/funding.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { Fill } from '../../domain/orders.js';
import type { BalanceEntry, DerivativesSettings, DerivativesSetup, ExchangeOrder, ExchangePosition, Market, OrderRequest } from '../../exchanges/exchange.port.js';
import { SimulatedExchange, type SimulatedExchangeOptions } from '../../exchanges/simulated/simulated-exchange.js';
import { PositionLedger } from '../accounting/position-ledger.js';
import { MarginWallet, PerpetualBook, perpetualSettings, type MarginUser } from '../backtest/perpetual.js';
import type { PerpetualData } from '../backtest/perpetual-data.js';
import { iso } from '../backtest/report-format.js';

/**
 * The simulated account of a paper or replay bot on a USDT-margined linear perpetual: the backtest's
 * own margin wallet, funding and liquidation (src/engine/backtest/perpetual.ts: `MarginWallet`,
 * `PerpetualBook`) on the venue's books (a `PositionLedger` of the account, apart from the bot's), fed
 * candle by candle, and served through the port methods a live perpetual venue answers — balances,
 * `fetchPosition`, `fetchFundingPayments`, `fetchForcedFills`, `configureDerivatives` — so the engine
 * books them with its live code (funding-book.ts, the tick's position reconciliation).
 *
 * - Margin: the quote balance is the wallet (starting balance + realized − fees + funding); a
 *   position holds |cost| ÷ leverage, an open order adding to it its notional ÷ leverage. An entry
 *   whose margin does not fit what is free is refused (InsufficientFundsError, as Binance's -2019).
 * - Shorts: a sell while flat or short opens or adds to a short; the account holds no coins.
 * - Reduce-only: refused when it would not reduce the position (OrderRejectedError, as -2022), and
 *   its fill refused when the position shrank meanwhile.
 * - Funding: at every settlement a candle's open crosses, before that candle's fills, with the
 *   position then held: −quantity × mark × rate (perpetual.ts `fund`), stamped at the settlement.
 * - Liquidation: after each candle's fills, by the mark's adverse extreme (the mark file's candles
 *   where it has them, else the candle's own high/low) against the isolated liquidation price
 *   (perpetual.ts, the live risk gate's estimate at the price step); the position is closed at that
 *   price, its margin lost, the pair's orders cancelled. The forced fill is not in the trade list
 *   (as Bybit leaves BustTrade out): `fetchForcedFills` serves it, the engine adopts it at its next
 *   position check.
 * Isolated margin only: each bot trades its own simulated account, so cross margin (collateral
 * shared by every position of the account) cannot be modelled truthfully and is refused.
 */
export interface SimulatedPerpetualOptions extends Omit<SimulatedExchangeOptions, 'markets' | 'balances' | 'allowShort' | 'feeAssets' | 'admit' | 'onFill'> {
  /** The perpetual this account trades (one per account). */
  market: Market;
  /** The candles' duration (ms): funding is priced, and the mark's extremes read, per candle. */
  timeframeMs: number;
  /** The margin wallet's starting balance, in the market's quote (settle) currency. */
  quoteBalance: DecimalString;
  /** Funding rates and mark prices (perpetual-data.ts); either may be null. */
  data: PerpetualData;
  /** Settlements strictly inside (after, before) are booked; outside it none are. */
  fundingWindow: { after: number; before: number };
  /** Whether a settlement passed with a position and no rate is reported through `fetchFundingPayments` (NotImplementedError while nothing else is due). */
  refuseMissingFunding?: boolean;
}

export class SimulatedPerpetualExchange extends SimulatedExchange {
  readonly market: Market;
  /** The account's own books of the position (the venue's, not the bot's). */
  readonly ledger: PositionLedger;
  readonly #start: Dec;
  readonly #options: SimulatedPerpetualOptions;
  readonly #user: MarginUser;
  #wallet: MarginWallet;
  #book: PerpetualBook;
  #settings: DerivativesSettings = { leverage: '1', marginMode: 'isolated' };
  readonly #reduceOnly = new Set<string>();
  readonly #forced: Fill[] = [];
  readonly #payments: FundingPayment[] = [];
  /** Settlements crossed with a position and no rate in the file (nothing booked). */
  readonly missedSettlements: number[] = [];
  #liquidations = 0;
  #carried = false;
  readonly #prefix: string;

  constructor(options: SimulatedPerpetualOptions) {
    const self: { account?: SimulatedPerpetualExchange } = {};
    super({
      ...options,
      markets: [options.market],
      // The margin wallet below is the account; the simulator only matches orders and charges fees
      // (in the settle currency), as in a backtest (multi-runner.ts).
      balances: { [options.market.quote]: 'Infinity' },
      allowShort: true,
      feeAssets: { buy: 'quote', sell: 'quote' },
      admit: (order) => (self.account === undefined ? true : self.account.#admit(order)),
      onFill: (fill) => {
        if (self.account !== undefined) self.account.#onFill(fill);
      },
    });
    self.account = this;
    this.market = options.market;
    this.#options = options;
    this.#prefix = options.idPrefix ?? 'sim';
    this.#start = new Dec(options.quoteBalance);
    this.ledger = new PositionLedger(options.market.symbol);
    this.#user = { ledger: this.ledger, orderNotional: () => this.#orderNotional() };
    [this.#wallet, this.#book] = this.#margin(new Dec(1));
  }

  /** The liquidation price of the position now (null when flat). */
  get liquidationPrice(): Dec | null {
    return this.#book.liquidationPrice(this.ledger, this.#user, this.ledger.fillCount);
  }

  /** Wallet balance: starting balance + realized − fees + funding. */
  get walletBalance(): Dec {
    return this.#wallet.balance();
  }

  /** What is not held as margin by the position and the orders adding to it. */
  get availableMargin(): Dec {
    return this.#wallet.available();
  }

  get fundingPayments(): readonly FundingPayment[] {
    return this.#payments;
  }

  get forcedFills(): readonly Fill[] {
    return this.#forced;
  }

  /**
   * A bot restarted with a position (its books, from the stored fills): the new account starts
   * holding it at the books' average entry, so its exits stay possible and the position check agrees
   * (as a spot account starts holding the coins, venue.ts). Not a trade: nothing is charged or listed.
   */
  carryPosition(quantity: Dec, entryPrice: Dec): void {
    if (quantity.isZero()) return;
    if (this.ledger.fillCount > 0) throw new ValidationError('A position is carried into a fresh simulated account only');
    const id = `${this.#prefix}-carried`;
    this.#carried = true;
    this.ledger.apply({ tradeId: id, orderId: id, clientOrderId: null, symbol: this.market.symbol, side: quantity.isPositive() ? 'buy' : 'sell', price: toDecimalString(entryPrice), amount: toDecimalString(quantity.abs()), fee: '0', feeAsset: this.market.quote, timestamp: 0 });
  }

  async configureDerivatives(symbol: string, wanted: DerivativesSettings): Promise<DerivativesSetup> {
    this.simulator.market(symbol);
    const refusals: string[] = [];
    const leverage = new Dec(wanted.leverage);
    if (wanted.marginMode === 'cross') {
      refusals.push('cross margin is not simulated in paper and replay (each bot trades its own simulated account, so no collateral is shared across positions or bots): use isolated');
    } else if (!leverage.gte(1) || !leverage.isFinite()) {
      refusals.push(`leverage ${wanted.leverage} is not at least 1`);
    } else if (!leverage.eq(this.#settings.leverage)) {
      // A position carried over from the bot's books (nothing traded here yet) takes the bot's leverage.
      const carriedOnly = this.#carried && this.ledger.fillCount === 1;
      if ((!this.ledger.quantity.isZero() && !carriedOnly) || this.simulator.hasOpenOrders(symbol)) refusals.push('the leverage cannot change while a position or an order is open');
      else {
        [this.#wallet, this.#book] = this.#margin(leverage);
        this.#settings = { leverage: toDecimalString(leverage), marginMode: 'isolated' };
      }
    }
    return { settings: { ...this.#settings }, refusals, positionMode: 'one-way' };
  }

  override async fetchBalances(): Promise<BalanceEntry[]> {
    const total = this.#wallet.balance();
    const free = Dec.max(ZERO, this.#wallet.available());
    return [{ asset: this.market.quote, free: toDecimalString(free), used: toDecimalString(total.sub(free)), total: toDecimalString(total) }];
  }

  async fetchPosition(symbol: string): Promise<ExchangePosition> {
    this.simulator.market(symbol);
    const quantity = this.ledger.quantity;
    const entry = this.ledger.averageEntryPrice;
    const last = this.simulator.lastPrice(symbol);
    const liquidation = this.liquidationPrice;
    // As an exchange reports it: the mark — the mark file's close of the latest candle where it has
    // one (the backtest values the position the same way, pair-lane.ts valuationDecimal) — else the last price.
    const series = this.history(symbol);
    const at = this.#book.markIndex(series.length - 1);
    const mark = at >= 0 && this.#book.data.mark ? this.#book.data.mark.series.decimal('close', at) : last;
    return {
      symbol,
      quantity: toDecimalString(quantity),
      entryPrice: entry === null || quantity.isZero() ? null : toDecimalString(entry),
      markPrice: mark === null ? null : toDecimalString(mark),
      liquidationPrice: liquidation === null ? null : toDecimalString(liquidation),
      leverage: this.#settings.leverage,
    };
  }

  /**
   * The account's payments settled in [since, until]. Where a settlement passed with a position held
   * and the file had no rate (before its first row, a gap, after its last), and nothing else is due, the read is refused
   * (NotImplementedError): the engine reports `funding.unavailable` once and trades on.
   */
  async fetchFundingPayments(params: { symbol: string; since: number; until: number }): Promise<FundingPayment[]> {
    this.simulator.market(params.symbol);
    const due = this.#payments.filter((p) => p.timestamp >= params.since && p.timestamp <= params.until);
    if (due.length === 0 && this.#options.refuseMissingFunding) {
      const missed = this.missedSettlements.find((t) => t >= params.since && t <= params.until);
      const source = this.#options.data.funding?.source ?? 'no funding-rate file';
      if (missed !== undefined) throw new NotImplementedError(`No funding rate for the settlement at ${iso(missed)} in ${source}: nothing was booked for it`);
    }
    return due;
  }

  async fetchForcedFills(params: { symbol: string; since: number }): Promise<Fill[]> {
    this.simulator.market(params.symbol);
    return this.#forced.filter((f) => f.timestamp >= params.since);
  }

  override async createOrder(order: OrderRequest): Promise<ExchangeOrder> {
    if (order.symbol === this.market.symbol) this.#checkMargin(order);
    const placed = await super.createOrder(order);
    if (order.reduceOnly) this.#reduceOnly.add(order.clientOrderId);
    return placed;
  }

  protected override beforeFills(symbol: string, series: CandleSeries, i: number): void {
    if (symbol !== this.market.symbol) return;
    const before = this.#book.payments.length;
    const missingBefore = this.#book.missingWithPosition;
    this.#book.fund(this.ledger, series.time(i));
    for (const record of this.#book.payments.slice(before)) {
      this.#payments.push({ id: `${this.#prefix}-funding-${record.time}`, symbol, amount: record.amount, timestamp: record.time, rate: record.rate });
    }
    if (this.#book.missingWithPosition > missingBefore && this.#book.lastMissing !== null) this.missedSettlements.push(this.#book.lastMissing);
  }

  protected override afterFills(symbol: string, series: CandleSeries, i: number): void {
    if (symbol !== this.market.symbol) return;
    const liquidation = this.#book.check(this.ledger, this.#user, i, this.ledger.fillCount);
    if (!liquidation) return;
    // The exchange cancels the pair's orders (as Bybit and Binance do), then closes the position.
    for (const order of this.simulator.openOrders(symbol)) this.simulator.cancelOrder({ symbol, id: order.id });
    this.#reduceOnly.clear();
    const id = `${this.#prefix}-liq${++this.#liquidations}`;
    const fill: Fill = { ...liquidation.fill, tradeId: id, orderId: id };
    this.ledger.apply(fill);
    this.#forced.push(fill);
  }

  /** A new wallet and book at `leverage` over the same books (only while flat: the position's margin depends on it). */
  #margin(leverage: Dec): [MarginWallet, PerpetualBook] {
    // The backtest's settings (perpetual.ts): isolated, its maintenance margin rate; the leverage set.
    const wallet = new MarginWallet(this.#start, perpetualSettings({ maxOpenOrders: 1, allowShort: true, leverage: toDecimalString(leverage), marginMode: 'isolated' }));
    wallet.add(this.#user);
    const { data, fundingWindow, market } = this.#options;
    const series = this.history(market.symbol);
    const book = new PerpetualBook({ data, wallet, series, market, tfMs: this.#options.timeframeMs, start: 0, end: 0, fundingWindow });
    return [wallet, book];
  }

  /** What the open orders adding to the position are worth (reduce-only ones free margin, never take it). */
  #orderNotional(): Dec {
    const side = this.ledger.side;
    const last = this.simulator.lastPrice(this.market.symbol);
    let sum = ZERO;
    for (const o of this.simulator.openOrders(this.market.symbol)) {
      if (o.trigger || (o.clientOrderId !== null && this.#reduceOnly.has(o.clientOrderId))) continue;
      if ((side === 'long' && o.side === 'sell') || (side === 'short' && o.side === 'buy')) continue;
      const price = o.price ?? (last === null ? null : toDecimalString(last));
      if (price !== null) sum = sum.add(new Dec(o.amount).sub(o.filled).mul(price));
    }
    return sum;
  }

  #checkMargin(order: OrderRequest): void {
    const quantity = this.ledger.quantity;
    const amount = new Dec(order.amount);
    const reduces = (order.side === 'buy' && quantity.isNegative()) || (order.side === 'sell' && quantity.isPositive());
    if (order.reduceOnly) {
      if (!reduces || amount.gt(quantity.abs())) {
        throw new OrderRejectedError(`ReduceOnly order rejected: ${order.side} ${order.amount} ${order.symbol} would not reduce the position of ${toDecimalString(quantity)}`);
      }
      return;
    }
    if (order.trigger) return;
    // Only what goes beyond the position it closes adds exposure (one-way mode).
    const adding = reduces ? Dec.max(ZERO, amount.sub(quantity.abs())) : amount;
    if (adding.isZero()) return;
    const price = order.price !== undefined ? new Dec(order.price) : this.simulator.lastPrice(order.symbol);
    if (price === null) throw new OrderRejectedError(`No price for ${order.symbol} yet; a market order cannot be valued`);
    const margin = adding.mul(price).div(this.#wallet.settings.leverage);
    const available = this.#wallet.available();
    if (margin.gt(available)) {
      throw new InsufficientFundsError(
        `Margin is insufficient: ${order.side} ${order.amount} ${order.symbol} at ${this.#settings.leverage}× needs ${toDecimalString(margin)} ${this.market.quote}, available ${toDecimalString(Dec.max(ZERO, available))}`,
      );
    }
  }

  /**
   * A reduce-only order fills only while it still reduces the position (an exchange cancels it
   * otherwise); any other only while the wallet covers its margin at the price it fills at.
   */
  #admit(order: Readonly<{ clientOrderId: string; side: 'buy' | 'sell'; amount: Dec; price: Dec; feeQuote: Dec }>): boolean {
    const { clientOrderId, side, amount } = order;
    if (!this.#reduceOnly.has(clientOrderId)) return this.#wallet.fillFits(this.#user, side, amount, order.price, order.feeQuote);
    const quantity = this.ledger.quantity;
    const reduces = (side === 'buy' && quantity.isNegative()) || (side === 'sell' && quantity.isPositive());
    const ok = reduces && amount.lte(quantity.abs());
    if (!ok) this.#reduceOnly.delete(clientOrderId);
    return ok;
  }

  #onFill(fill: Fill): void {
    if (fill.symbol !== this.market.symbol) return;
    if (fill.clientOrderId !== null) this.#reduceOnly.delete(fill.clientOrderId);
    this.ledger.apply(fill);
  }
}
