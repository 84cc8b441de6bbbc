import { OrderNotFoundError, OrderRejectedError, ValidationError } from '../../domain/errors.js';
import { DECIMAL_PATTERN, Dec, ZERO, toDecimalString, type DecimalString } from '../../domain/money.js';
import type { CandleReader } from '../../domain/candles.js';
import type { ExchangeOrder, Market, OrderRequest, OrderStatus } from '../exchange.port.js';
import { triggerReached, type Fill, type OrderSide, type OrderTrigger, type TimeInForce } from '../../domain/orders.js';
import { VirtualAccount } from './virtual-account.js';

/**
 * The fill model shared by backtests, replay and paper trading: a virtual account and our own orders,
 * matched against prices that arrive *after* the order was placed.
 *  - Market orders fill at the next price event: the next candle's open (± slippage), never the close
 *    the strategy already saw.
 *  - Limit orders fill only when a later candle's range touches the limit: a buy when low ≤ limit, at
 *    the limit, or at the open when the market opened through it (then as taker).
 *  - Orders fill completely (no volume model). Fees are charged per side in the base or the quote asset
 *    (`feeAssets`, the venue's own rule from its exchange profile; default quote on both sides). A base
 *    fee on a buy is taken from the amount received (the account gets amount − fee); on a sell it is
 *    taken on top of the amount sold. The fee's value is the same either way: rate × amount × price.
 *  - Stop orders (`trigger`, stop-market) rest untriggered and set nothing aside. A stop-loss sell
 *    triggers when a later candle's low reaches its price, a take-profit sell when the high does (a
 *    buy mirrors both), and fills as taker at that price, or at the open when the market opened
 *    through it (± slippage). Within one candle stop-losses are matched before take-profits, so a
 *    candle that touched both counts as the loss (the order inside a candle is unknown: the
 *    conservative reading). One that triggers without the funds is rejected.
 *  - Time in force: an IOC or FOK limit meets only the next price event (orders fill completely
 *    here, so both either fill there or expire); a post-only (PO) limit the last price already
 *    reaches is refused, and it only ever fills as maker, at its limit.
 * Sync and allocation-free when nothing is open, so a backtest pays almost nothing per candle.
 */

export interface FillSimulatorOptions {
  markets: readonly Market[];
  /** Starting balances by asset, e.g. { USDT: '10000' }. */
  balances: Readonly<Record<string, DecimalString>>;
  /** Fee rate of orders that take liquidity (market, or a limit crossed at the open). Default 0.001. */
  takerFeeRate?: DecimalString;
  /** Fee rate of resting limit orders. Default: the taker rate. */
  makerFeeRate?: DecimalString;
  /** Market orders fill this many basis points worse than the open. Default 0. */
  slippageBps?: DecimalString;
  /** The asset each side's fee is taken from. Default quote on both sides. */
  feeAssets?: FeeAssets;
  /** Let base balances go negative (derivatives/margin without a liquidation model). Default false. */
  allowShort?: boolean;
  /** Prefix of order and trade ids. Default `sim`. */
  idPrefix?: string;
  /** Time stamped on new orders; default the time of the latest price event. */
  now?: () => number;
  /**
   * Asked just before an order fills, at the price it fills at and with its fee valued in quote; false
   * rejects the fill (a margin account refuses a reduce-only order that would no longer reduce the
   * position, or an entry whose margin at a gapped fill price the wallet no longer covers). Default:
   * every fill is admitted.
   */
  admit?: (order: Readonly<{ clientOrderId: string; symbol: string; side: OrderSide; amount: Dec; price: Dec; feeQuote: Dec }>) => boolean;
  /** Told of every fill as it settles, before the next order of the same price event is matched. */
  onFill?: (fill: Fill) => void;
}

export type FeeAssets = Readonly<{ buy: 'base' | 'quote'; sell: 'base' | 'quote' }>;

const QUOTE_FEES: FeeAssets = Object.freeze({ buy: 'quote', sell: 'quote' });

interface SimOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly market: Market;
  readonly side: OrderSide;
  readonly type: 'limit' | 'market';
  readonly price: Dec | null;
  readonly priceNumber: number;
  readonly trigger: OrderTrigger | null;
  readonly timeInForce: TimeInForce | null;
  readonly triggerPrice: Dec | null;
  readonly triggerNumber: number;
  readonly amount: Dec;
  readonly timestamp: number;
  /** The price event count when the order was placed: it may only match later events. */
  readonly placedAt: number;
  readonly reservedAsset: string;
  readonly reserved: Dec;
  status: OrderStatus;
  filled: Dec;
  average: Dec | null;
}

/** Prices of one event, as numbers for a cheap pre-check and as exact text for the fill. */
interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  text: (field: 'open' | 'high' | 'low') => DecimalString;
}

interface LastPrice {
  candles: CandleReader | null;
  index: number;
  text: DecimalString;
}

const NO_FILLS: readonly Fill[] = Object.freeze([]);
const PASSES = ['plain', 'stop-loss', 'take-profit'] as const;
const PLAIN_ONLY = ['plain'] as const;

export class FillSimulator {
  readonly account: VirtualAccount;
  readonly #markets = new Map<string, Market>();
  readonly #taker: Dec;
  readonly #maker: Dec;
  readonly #slippage: Dec;
  readonly #allowShort: boolean;
  readonly #feeAssets: FeeAssets;
  readonly #prefix: string;
  readonly #now: (() => number) | undefined;
  readonly #admit: FillSimulatorOptions['admit'];
  readonly #onFill: FillSimulatorOptions['onFill'];
  readonly #open = new Map<string, SimOrder[]>();
  readonly #orders = new Map<string, SimOrder>();
  readonly #byClientId = new Map<string, SimOrder>();
  readonly #trades = new Map<string, Fill[]>();
  /** Where each symbol's last price is; updated in place so a candle costs no allocation. */
  readonly #lastPrice = new Map<string, LastPrice>();
  #events = 0;
  #time = 0;
  #sequence = 0;

  constructor(options: FillSimulatorOptions) {
    for (const market of options.markets) this.#markets.set(market.symbol, market);
    this.account = new VirtualAccount(options.balances);
    this.#taker = rate(options.takerFeeRate ?? '0.001', 'takerFeeRate');
    this.#maker = options.makerFeeRate === undefined ? this.#taker : rate(options.makerFeeRate, 'makerFeeRate');
    this.#slippage = rate(options.slippageBps ?? '0', 'slippageBps').div(10_000);
    this.#allowShort = options.allowShort ?? false;
    this.#feeAssets = options.feeAssets ?? QUOTE_FEES;
    this.#prefix = options.idPrefix ?? 'sim';
    this.#now = options.now;
    this.#admit = options.admit;
    this.#onFill = options.onFill;
  }

  /** Time of the latest price event (ms). */
  get time(): number {
    return this.#time;
  }

  get markets(): Market[] {
    return [...this.#markets.values()];
  }

  market(symbol: string): Market {
    const market = this.#markets.get(symbol);
    if (!market) throw new OrderRejectedError(`Unknown symbol ${symbol}; markets: ${[...this.#markets.keys()].join(', ')}`);
    return market;
  }

  lastPrice(symbol: string): Dec | null {
    const last = this.#lastPrice.get(symbol);
    if (!last) return null;
    return new Dec(last.candles ? last.candles.text('close', last.index) : last.text);
  }

  hasOpenOrders(symbol: string): boolean {
    return (this.#open.get(symbol)?.length ?? 0) > 0;
  }

  /** A closed candle arrived: match open orders against it, then remember its close as the last price. */
  onCandle(symbol: string, candles: CandleReader, i: number): readonly Fill[] {
    this.#events++;
    this.#time = candles.time(i);
    this.#rememberPrice(symbol, candles, i, '');
    if (!this.hasOpenOrders(symbol)) return NO_FILLS;
    return this.#match(symbol, {
      time: candles.time(i),
      open: candles.open(i),
      high: candles.high(i),
      low: candles.low(i),
      text: (field) => candles.text(field, i),
    });
  }

  /** A trade or ticker price arrived (paper mode): a bar whose open, high and low are that price. */
  onPrice(symbol: string, price: DecimalString, time: number): readonly Fill[] {
    this.#events++;
    this.#time = time;
    this.#rememberPrice(symbol, null, 0, price);
    if (!this.hasOpenOrders(symbol)) return NO_FILLS;
    const n = Number(price);
    return this.#match(symbol, { time, open: n, high: n, low: n, text: () => price });
  }

  placeOrder(request: OrderRequest): ExchangeOrder {
    const market = this.market(request.symbol);
    if (this.#byClientId.has(request.clientOrderId)) {
      throw new OrderRejectedError(`Duplicate clientOrderId ${request.clientOrderId}`);
    }
    const amount = positive(request.amount, 'amount');
    const price = request.type === 'limit' ? positive(request.price ?? '', 'price') : null;
    const reference = price ?? this.lastPrice(market.symbol);
    if (reference === null) throw new OrderRejectedError(`No price for ${market.symbol} yet; a market order cannot be valued`);
    const trigger = request.trigger ?? null;
    const triggerPrice = trigger ? this.#checkTrigger(request, trigger, reference) : null;
    const timeInForce = request.timeInForce === undefined || request.timeInForce === 'GTC' ? null : request.timeInForce;
    if (timeInForce === 'PO') this.#checkPostOnly(request.side, price, market.symbol);
    // A stop sets nothing aside (see the class comment): it may rest beside the position's other exit.
    const [reservedAsset, reserved] = trigger ? [market.quote, ZERO] : this.#reservation(market, request.side, amount, reference, price === null);
    this.account.reserve(reservedAsset, reserved, `${request.side} ${request.amount} ${market.symbol}`);
    const order: SimOrder = {
      id: `${this.#prefix}-o${++this.#sequence}`,
      clientOrderId: request.clientOrderId,
      market,
      side: request.side,
      type: request.type,
      price,
      priceNumber: price === null ? Number.NaN : price.toNumber(),
      trigger,
      timeInForce,
      triggerPrice,
      triggerNumber: triggerPrice === null ? Number.NaN : triggerPrice.toNumber(),
      amount,
      timestamp: this.#now ? this.#now() : this.#time,
      placedAt: this.#events,
      reservedAsset,
      reserved,
      status: 'open',
      filled: ZERO,
      average: null,
    };
    this.#orders.set(order.id, order);
    this.#byClientId.set(order.clientOrderId, order);
    this.#openList(market.symbol).push(order);
    return view(order);
  }

  cancelOrder(params: { symbol: string; id?: string; clientOrderId?: string }): ExchangeOrder {
    const order = this.#find(params);
    if (order.status !== 'open') throw new OrderNotFoundError(`Order ${order.id} is ${order.status}, not open`);
    this.#close(order, 'canceled');
    return view(order);
  }

  fetchOrder(params: { symbol: string; id?: string; clientOrderId?: string }): ExchangeOrder {
    return view(this.#find(params));
  }

  openOrders(symbol?: string): ExchangeOrder[] {
    const lists = symbol === undefined ? [...this.#open.values()] : [this.#open.get(symbol) ?? []];
    return lists.flat().map(view);
  }

  trades(params: { symbol: string; since?: number; limit?: number }): Fill[] {
    const all = (this.#trades.get(params.symbol) ?? []).filter((t) => params.since === undefined || t.timestamp >= params.since);
    return params.limit === undefined ? all : all.slice(0, params.limit);
  }

  get feeAssets(): FeeAssets {
    return this.#feeAssets;
  }

  /**
   * What an order sets aside: quote for a buy (price × amount, plus the fee when it is paid in quote,
   * with slippage room for market orders), base for a sell (plus the fee when it is paid in base).
   */
  #reservation(market: Market, side: OrderSide, amount: Dec, reference: Dec, isMarket: boolean): [string, Dec] {
    const feeRoom = Dec.max(this.#taker, this.#maker).add(1);
    if (side === 'sell') return [market.base, this.#allowShort ? ZERO : this.#feeAssets.sell === 'base' ? amount.mul(feeRoom) : amount];
    const price = isMarket ? reference.mul(this.#slippage.add(1)) : reference;
    return [market.quote, this.#feeAssets.buy === 'base' ? amount.mul(price) : amount.mul(price).mul(feeRoom)];
  }

  /** A post-only limit must rest: one the last price already reaches would take liquidity. */
  #checkPostOnly(side: OrderSide, price: Dec | null, symbol: string): void {
    if (price === null) throw new OrderRejectedError('A post-only order needs a limit price');
    const last = this.lastPrice(symbol);
    if (last !== null && (side === 'buy' ? price.gte(last) : price.lte(last))) {
      throw new OrderRejectedError(`Post-only ${side} at ${toDecimalString(price)} would take liquidity (last price ${toDecimalString(last)}): refused`);
    }
  }

  /** A stop-market whose price the last price already reached would trigger at once: refused, as exchanges do. */
  #checkTrigger(request: OrderRequest, trigger: OrderTrigger, last: Dec): Dec {
    if (request.type !== 'market') throw new OrderRejectedError('Only stop-market orders are simulated (a trigger needs type market)');
    const price = positive(trigger.price, 'trigger price');
    if (triggerReached(request.side, trigger.kind, price, last, last)) {
      throw new OrderRejectedError(`Stop price ${trigger.price} would trigger immediately (last price ${toDecimalString(last)})`);
    }
    return price;
  }

  #rememberPrice(symbol: string, candles: CandleReader | null, index: number, text: DecimalString): void {
    const last = this.#lastPrice.get(symbol);
    if (!last) {
      this.#lastPrice.set(symbol, { candles, index, text });
      return;
    }
    last.candles = candles;
    last.index = index;
    last.text = text;
  }

  #match(symbol: string, bar: Bar): readonly Fill[] {
    const open = this.#open.get(symbol) ?? [];
    let fills: Fill[] | null = null;
    const orders = [...open];
    const stops = orders.some((o) => o.trigger !== null);
    // Plain orders first, then stop-losses, then take-profits (the conservative order inside a candle).
    for (const pass of stops ? PASSES : PLAIN_ONLY) {
      for (const order of orders) {
        if ((order.trigger?.kind ?? 'plain') !== pass) continue;
        if (order.placedAt >= this.#events || order.status !== 'open') continue; // placed during this event: it has not seen a later price
        const fill = order.trigger ? this.#tryTrigger(order, bar) : this.#tryFill(order, bar);
        if (fill) (fills ??= []).push(fill);
        // IOC / FOK: the one price event after it was placed was its chance.
        else if (order.timeInForce === 'IOC' || order.timeInForce === 'FOK') this.#close(order, 'expired');
      }
    }
    return fills ?? NO_FILLS;
  }

  /** A stop-market: triggered when the candle's range reached its price; fills there, or at the open when it gapped through. */
  #tryTrigger(order: SimOrder, bar: Bar): Fill | null {
    const buy = order.side === 'buy';
    const kind = (order.trigger as OrderTrigger).kind;
    // Which end of the candle reaches it: a sell stop-loss / buy take-profit waits for the price to fall.
    const falling = buy === (kind === 'take-profit');
    if (falling ? bar.low > order.triggerNumber : bar.high < order.triggerNumber) return null;
    const stop = order.triggerPrice as Dec;
    const open = new Dec(bar.text('open'));
    if (!triggerReached(order.side, kind, stop, new Dec(bar.text('low')), new Dec(bar.text('high')))) return null;
    const through = falling ? open.lte(stop) : open.gte(stop);
    const at = through ? open : stop;
    const price = buy ? at.mul(this.#slippage.add(1)) : at.mul(new Dec(1).sub(this.#slippage));
    return this.#settle(order, price, this.#taker, bar.time);
  }

  #tryFill(order: SimOrder, bar: Bar): Fill | null {
    const buy = order.side === 'buy';
    if (order.type === 'market') {
      const open = new Dec(bar.text('open'));
      const price = buy ? open.mul(this.#slippage.add(1)) : open.mul(new Dec(1).sub(this.#slippage));
      return this.#settle(order, price, this.#taker, bar.time);
    }
    // Cheap exact pre-check: parsing is monotonic, so a strict float inequality is also a decimal one.
    if (buy ? bar.low > order.priceNumber : bar.high < order.priceNumber) return null;
    const limit = order.price as Dec;
    const touched = buy ? new Dec(bar.text('low')).lte(limit) : new Dec(bar.text('high')).gte(limit);
    if (!touched) return null;
    const open = new Dec(bar.text('open'));
    // A post-only order rested on the book: a gap through it fills it at its limit, as maker.
    const crossedAtOpen = order.timeInForce !== 'PO' && (buy ? open.lte(limit) : open.gte(limit));
    return this.#settle(order, crossedAtOpen ? open : limit, crossedAtOpen ? this.#taker : this.#maker, bar.time);
  }

  #settle(order: SimOrder, price: Dec, feeRate: Dec, time: number): Fill | null {
    const { base, quote } = order.market;
    const buy = order.side === 'buy';
    const cost = order.amount.mul(price);
    const inBase = this.#feeAssets[order.side] === 'base';
    const fee = inBase ? order.amount.mul(feeRate) : cost.mul(feeRate);
    const feeQuote = inBase ? fee.mul(price) : fee;
    if (this.#admit && !this.#admit({ clientOrderId: order.clientOrderId, symbol: order.market.symbol, side: order.side, amount: order.amount, price, feeQuote })) {
      this.#close(order, 'rejected');
      return null;
    }
    // Signed changes of the two balances, the fee taken from the asset its side pays it in.
    const baseChange = buy ? order.amount.sub(inBase ? fee : ZERO) : order.amount.add(inBase ? fee : ZERO).neg();
    const quoteChange = buy ? cost.add(inBase ? ZERO : fee).neg() : cost.sub(inBase ? ZERO : fee);
    this.account.release(order.reservedAsset, order.reserved);
    const short = !buy && !this.#allowShort && baseChange.neg().gt(this.account.free(base));
    const broke = buy && quoteChange.neg().gt(this.account.free(quote));
    if (short || broke) {
      // The market gapped past what the reservation covered: refuse rather than overdraw.
      this.#close(order, 'rejected', false);
      return null;
    }
    this.account.change(base, baseChange);
    this.account.change(quote, quoteChange);
    order.filled = order.amount;
    order.average = price;
    this.#close(order, 'closed', false);
    const fill: Fill = {
      tradeId: `${this.#prefix}-t${++this.#sequence}`,
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      symbol: order.market.symbol,
      side: order.side,
      price: toDecimalString(price),
      amount: toDecimalString(order.amount),
      fee: toDecimalString(fee),
      feeAsset: inBase ? base : quote,
      timestamp: time,
    };
    this.#tradeList(order.market.symbol).push(fill);
    this.#onFill?.(fill);
    return fill;
  }

  #close(order: SimOrder, status: OrderStatus, release = true): void {
    if (release) this.account.release(order.reservedAsset, order.reserved);
    order.status = status;
    const list = this.#openList(order.market.symbol);
    const at = list.indexOf(order);
    if (at >= 0) list.splice(at, 1);
  }

  #find(params: { symbol: string; id?: string; clientOrderId?: string }): SimOrder {
    const order = params.id !== undefined ? this.#orders.get(params.id) : params.clientOrderId !== undefined ? this.#byClientId.get(params.clientOrderId) : undefined;
    if (!order || order.market.symbol !== params.symbol) {
      throw new OrderNotFoundError(`No order ${params.id ?? params.clientOrderId ?? '(no id given)'} on ${params.symbol}`);
    }
    return order;
  }

  #openList(symbol: string): SimOrder[] {
    let list = this.#open.get(symbol);
    if (!list) this.#open.set(symbol, (list = []));
    return list;
  }

  #tradeList(symbol: string): Fill[] {
    let list = this.#trades.get(symbol);
    if (!list) this.#trades.set(symbol, (list = []));
    return list;
  }
}

function view(order: SimOrder): ExchangeOrder {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    symbol: order.market.symbol,
    side: order.side,
    type: order.type,
    status: order.status,
    price: order.price ? toDecimalString(order.price) : null,
    amount: toDecimalString(order.amount),
    filled: toDecimalString(order.filled),
    average: order.average ? toDecimalString(order.average) : null,
    timestamp: order.timestamp,
    trigger: order.trigger,
  };
}

function positive(value: string, field: string): Dec {
  if (!DECIMAL_PATTERN.test(value) || !new Dec(value).gt(ZERO)) {
    throw new OrderRejectedError(`Order ${field} must be a positive decimal, got "${value}"`);
  }
  return new Dec(value);
}

function rate(value: string, field: string): Dec {
  if (!DECIMAL_PATTERN.test(value) || new Dec(value).isNegative()) {
    throw new ValidationError(`Expected ${field} to be a decimal >= 0, got "${value}"`, [{ path: field, message: 'decimal >= 0' }]);
  }
  return new Dec(value);
}
