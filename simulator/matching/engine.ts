import type { SimAccount } from '../types.js';
import { Dec } from '../../src/domain/money.js';
import { balanceOf, moveBalance } from './balances.js';
import type { PricePath, SimCandle } from './price-path.js';
import { isWaitingStop, stopCrossed, triggerExecutionPrice, wouldTriggerNow } from './stops.js';
import type {
  Side,
  BookTop,
  MarketSpec,
  OrderRef,
  OrderRejection,
  PlaceOrderInput,
  PlaceResult,
  SimFill,
  SimOrder,
} from './types.js';

/** Which asset each side's fee is taken from (spot). */
export type FeeAssets = Readonly<{ buy: 'base' | 'quote'; sell: 'base' | 'quote' }>;

/**
 * How market orders fill. `touch` (default): at once, at the touch (close ± one tick). `next-open`:
 * they wait for the next price step and fill at that candle's open, with no spread — the fill model of
 * CTS's backtester and replay, so a live engine run against replayed candles can be compared with them.
 */
/** One order change: the order as it now is, and the fills the change made (none for a cancel). */
export interface VenueEvent {
  account: SimAccount;
  order: SimOrder;
  fills: readonly SimFill[];
}

export type TakerFill = 'touch' | 'next-open';

export interface VenueOptions {
  markets: readonly MarketSpec[];
  /** Price path per unified symbol; shared between venues so all exchanges see one market. */
  paths: ReadonlyMap<string, PricePath>;
  fees?: { maker: string; taker: string };
  /** The exchange's default fee asset per side. Default: the received asset (base on buys, quote on sells). */
  feeAssets?: FeeAssets;
  now: () => number;
  /** First order id; exchanges' ids are large numbers, and tests like them distinct per venue. */
  firstOrderId?: number;
}

interface Resting {
  order: SimOrder;
  account: SimAccount;
}

interface MarketState {
  spec: MarketSpec;
  path: PricePath;
  /** Liquidity left in the current step, per taker side. */
  liquidity: { buy: Dec; sell: Dec };
}

const OPEN: ReadonlySet<SimOrder['status']> = new Set(['new', 'partially_filled']);
const RECEIVED: FeeAssets = Object.freeze({ buy: 'base', sell: 'quote' });

/**
 * One exchange's matching engine: user orders against a price path. Takers fill at the touch (close
 * ± one tick) up to the step's liquidity; resting limit orders fill as makers, at their own price,
 * when a later candle's range reaches them. Remainders of market and IOC orders expire; a FOK order
 * that cannot fill whole at once expires unfilled; a post-only limit that would take is refused. Stop
 * orders wait outside the book until a price step crosses their trigger (see stops.ts).
 */
export class Venue {
  readonly #markets = new Map<string, MarketState>();
  readonly #orders = new Map<number, Resting>();
  readonly #fills: SimFill[] = [];
  readonly #fees: { maker: Dec; taker: Dec };
  #feeAssets: FeeAssets;
  readonly #accountFeeAssets = new Map<string, FeeAssets>();
  #takerFill: TakerFill = 'touch';
  readonly #now: () => number;
  #nextOrderId: number;
  #nextTradeId: number;
  readonly #listeners = new Set<(event: VenueEvent) => void>();

  constructor(options: VenueOptions) {
    for (const spec of options.markets) {
      const path = options.paths.get(spec.symbol);
      if (!path) throw new Error(`Expected a price path for ${spec.symbol}, got none`);
      const liquidity = new Dec(spec.liquidityPerStep);
      this.#markets.set(spec.symbol, { spec, path, liquidity: { buy: liquidity, sell: liquidity } });
    }
    this.#fees = { maker: new Dec(options.fees?.maker ?? '0.001'), taker: new Dec(options.fees?.taker ?? '0.001') };
    this.#feeAssets = options.feeAssets ?? RECEIVED;
    this.#now = options.now;
    this.#nextOrderId = options.firstOrderId ?? 1_000_001;
    this.#nextTradeId = this.#nextOrderId * 10;
  }

  get fees(): { maker: string; taker: string } {
    return { maker: this.#fees.maker.toFixed(), taker: this.#fees.taker.toFixed() };
  }

  /** The fee asset per side for `apiKey`'s account (its own setting, else the exchange's). */
  feeAssets(apiKey?: string): FeeAssets {
    return (apiKey === undefined ? undefined : this.#accountFeeAssets.get(apiKey)) ?? this.#feeAssets;
  }

  /** Sets the fee asset per side for the whole exchange, or for one account (`apiKey`); null clears an account's. */
  setFeeAssets(assets: FeeAssets | null, apiKey?: string): void {
    if (apiKey === undefined) {
      if (assets) this.#feeAssets = assets;
    } else if (assets) this.#accountFeeAssets.set(apiKey, assets);
    else this.#accountFeeAssets.delete(apiKey);
  }

  get takerFill(): TakerFill {
    return this.#takerFill;
  }

  set takerFill(mode: TakerFill) {
    this.#takerFill = mode;
  }

  markets(): MarketSpec[] {
    return [...this.#markets.values()].map((m) => m.spec);
  }

  market(symbol: string): MarketSpec | undefined {
    return this.#markets.get(symbol)?.spec;
  }

  candle(symbol: string): SimCandle | undefined {
    return this.#markets.get(symbol)?.path.current();
  }

  candles(symbol: string, count: number): SimCandle[] {
    return this.#markets.get(symbol)?.path.history(count) ?? [];
  }

  intervalMs(symbol: string): number {
    return this.#markets.get(symbol)?.path.intervalMs ?? 3_600_000;
  }

  top(symbol: string): BookTop | undefined {
    const m = this.#markets.get(symbol);
    if (!m) return undefined;
    const { bid, ask } = touch(m);
    return { bid: bid.toFixed(), ask: ask.toFixed(), bidQty: m.liquidity.sell.toFixed(), askQty: m.liquidity.buy.toFixed() };
  }

  /** Calls `listener` with each order change (placed, filled, cancelled); returns an unsubscribe. */
  onEvent(listener: (event: VenueEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(account: SimAccount, order: SimOrder, fills: readonly SimFill[]): void {
    for (const listener of this.#listeners) listener({ account, order: { ...order }, fills });
  }

  place(account: SimAccount, input: PlaceOrderInput): PlaceResult {
    const result = this.#place(account, input);
    if (result.ok) this.#emit(account, result.order, result.fills);
    return result;
  }

  #place(account: SimAccount, input: PlaceOrderInput): PlaceResult {
    const m = this.#markets.get(input.symbol);
    if (!m) return reject({ kind: 'unknown_symbol' });
    const checked = this.#validate(m, account, input);
    if ('kind' in checked) return reject(checked);
    const early = this.#refusal(m, input, checked.price);
    const cancelsOnTake = early?.kind === 'would_take' && input.postOnlyCancels === true;
    if (early && !cancelsOnTake) return reject(early);
    const now = this.#now();
    const order: SimOrder = {
      orderId: this.#nextOrderId++,
      clientOrderId: input.clientOrderId,
      owner: account.apiKey,
      symbol: input.symbol,
      side: input.side,
      type: input.type,
      timeInForce: input.type === 'market' ? 'GTC' : (input.timeInForce ?? 'GTC'),
      price: input.type === 'limit' ? checked.price.toFixed() : '0',
      origQty: checked.qty.toFixed(),
      origQuoteQty: input.quoteQty ?? '0',
      executedQty: '0',
      cumQuote: '0',
      status: 'new',
      ...(input.postOnly ? { postOnly: true } : {}),
      ...(input.stopPrice !== undefined ? { stop: { price: new Dec(input.stopPrice).toFixed(), ...(input.stopKind !== undefined ? { kind: input.stopKind } : {}) } } : {}),
      createdAt: now,
      updatedAt: now,
    };
    if (cancelsOnTake) {
      order.status = 'canceled';
      this.#orders.set(order.orderId, { order, account });
      return { ok: true, order: { ...order }, fills: [] };
    }
    if (order.type === 'limit' || order.stop) this.#lock(account, m.spec, order);
    this.#orders.set(order.orderId, { order, account });
    if (order.stop) return { ok: true, order: { ...order }, fills: [] };
    if (order.timeInForce === 'FOK' && !this.#fillsWholeNow(m, order)) {
      this.#unlockRemainder({ order, account }, m.spec);
      order.status = 'expired';
      return { ok: true, order: { ...order }, fills: [] };
    }
    // A next-open market order waits, unfilled, for the next price step (see TakerFill).
    if (order.type === 'market' && this.#takerFill === 'next-open') return { ok: true, order: { ...order }, fills: [] };
    const fills = this.#takeLiquidity(m, { order, account });
    if (remaining(order).gt(0) && (order.type === 'market' || order.timeInForce !== 'GTC')) {
      this.#unlockRemainder({ order, account }, m.spec);
      order.status = 'expired';
    }
    return { ok: true, order: { ...order }, fills };
  }

  cancel(owner: string, symbol: string, ref: OrderRef): SimOrder | undefined {
    const resting = this.#find(owner, ref, symbol);
    if (!resting || !OPEN.has(resting.order.status)) return undefined;
    const spec = this.#markets.get(resting.order.symbol)?.spec;
    if (spec) this.#unlockRemainder(resting, spec);
    resting.order.status = 'canceled';
    resting.order.updatedAt = this.#now();
    this.#emit(resting.account, resting.order, []);
    return { ...resting.order };
  }

  order(owner: string, ref: OrderRef, symbol?: string): SimOrder | undefined {
    const found = this.#find(owner, ref, symbol);
    return found ? { ...found.order } : undefined;
  }

  orders(owner: string, filter: { symbol?: string; open?: boolean } = {}): SimOrder[] {
    const out: SimOrder[] = [];
    for (const { order } of this.#orders.values()) {
      if (order.owner !== owner) continue;
      if (filter.symbol !== undefined && order.symbol !== filter.symbol) continue;
      if (filter.open !== undefined && OPEN.has(order.status) !== filter.open) continue;
      out.push({ ...order });
    }
    return out;
  }

  fills(owner: string, filter: { symbol?: string; orderId?: number } = {}): SimFill[] {
    return this.#fills.filter((f) => {
      const order = this.#orders.get(f.orderId)?.order;
      if (order?.owner !== owner) return false;
      if (filter.symbol !== undefined && f.symbol !== filter.symbol) return false;
      return filter.orderId === undefined || f.orderId === filter.orderId;
    });
  }

  /**
   * Called after the shared price paths moved one candle (paths are shared between venues, so the
   * caller steps them once): refreshes each market's liquidity and fills resting orders it reaches.
   */
  afterPriceStep(): SimFill[] {
    const fills: SimFill[] = [];
    for (const m of this.#markets.values()) {
      const liquidity = new Dec(m.spec.liquidityPerStep);
      m.liquidity = { buy: liquidity, sell: liquidity };
      fills.push(...this.#fillWaitingMarketOrders(m), ...this.#triggerStops(m), ...this.#fillResting(m));
    }
    const byOrder = new Map<number, SimFill[]>();
    for (const fill of fills) byOrder.set(fill.orderId, [...(byOrder.get(fill.orderId) ?? []), fill]);
    for (const [orderId, orderFills] of byOrder) {
      const resting = this.#orders.get(orderId);
      if (resting) this.#emit(resting.account, resting.order, orderFills);
    }
    return fills;
  }

  /** Next-open market orders fill at the new candle's open; a remainder beyond the step's liquidity expires. */
  #fillWaitingMarketOrders(m: MarketState): SimFill[] {
    const open = new Dec(m.path.current().open);
    const fills: SimFill[] = [];
    for (const resting of this.#orders.values()) {
      const { order } = resting;
      if (order.symbol !== m.spec.symbol || order.type !== 'market' || !OPEN.has(order.status) || isWaitingStop(order)) continue;
      const qty = Dec.min(remaining(order), m.liquidity[order.side]);
      if (qty.gt(0)) {
        m.liquidity[order.side] = m.liquidity[order.side].sub(qty);
        fills.push(this.#fill(resting, m.spec, qty, open, false));
      }
      if (remaining(order).gt(0)) order.status = 'expired';
    }
    return fills;
  }

  /**
   * Stops fire on the candle after the one they were placed in; one whose trigger the last price has
   * already crossed is refused, as the exchanges refuse it. A post-only limit that would take is refused.
   */
  #refusal(m: MarketState, input: PlaceOrderInput, price: Dec): OrderRejection | undefined {
    if (input.stopPrice !== undefined) {
      const stop = new Dec(input.stopPrice);
      if (stop.lte(0) || !isMultiple(stop, m.spec.tickSize)) return { kind: 'filter', filter: 'PRICE_FILTER' };
      if (wouldTriggerNow(input.side, stop, new Dec(m.path.current().close))) return { kind: 'would_trigger' };
      return undefined;
    }
    if (input.postOnly && input.type === 'limit' && this.#takerPrice(m, input.side, price) !== undefined) return { kind: 'would_take' };
    return undefined;
  }

  /** The touch price a new order on `side` would take at, if a limit at `limit` (or a market order) is marketable. */
  #takerPrice(m: MarketState, side: Side, limit: Dec | undefined): Dec | undefined {
    const { ask, bid } = touch(m);
    const px = side === 'buy' ? ask : bid;
    if (limit === undefined) return px;
    return (side === 'buy' ? px.lte(limit) : px.gte(limit)) ? px : undefined;
  }

  #fillsWholeNow(m: MarketState, order: SimOrder): boolean {
    const marketable = this.#takerPrice(m, order.side, order.type === 'limit' ? new Dec(order.price) : undefined) !== undefined;
    return marketable && m.liquidity[order.side].gte(remaining(order));
  }

  /**
   * Fires the waiting stops this candle crosses (oldest first) and executes them at the trigger, or
   * at the open when the candle gapped through it. A stop-market gives its lock back and fills from
   * free funds (a remainder beyond the step's liquidity or the funds expires, as a market order's
   * does); a stop-limit keeps its lock and takes only if its limit allows, else rests at its limit.
   */
  #triggerStops(m: MarketState): SimFill[] {
    const candle = m.path.current();
    const fills: SimFill[] = [];
    const waiting = [...this.#orders.values()].filter((r) => r.order.symbol === m.spec.symbol && OPEN.has(r.order.status) && isWaitingStop(r.order));
    for (const r of waiting.sort((a, b) => a.order.orderId - b.order.orderId)) {
      const { order } = r;
      const stopPrice = new Dec(order.stop?.price ?? '0');
      if (!stopCrossed(order.side, stopPrice, candle)) continue;
      const px = triggerExecutionPrice(order.side, stopPrice, candle);
      if (order.type === 'market') this.#unlockRemainder(r, m.spec);
      const now = this.#now();
      order.stop = { ...order.stop, price: stopPrice.toFixed(), triggeredAt: now };
      order.updatedAt = now;
      const marketable = order.type === 'market' || (order.side === 'buy' ? px.lte(order.price) : px.gte(order.price));
      const qty = marketable ? Dec.min(remaining(order), m.liquidity[order.side], this.#affordable(r, m.spec, px)) : new Dec(0);
      if (qty.gt(0)) {
        m.liquidity[order.side] = m.liquidity[order.side].sub(qty);
        fills.push(this.#fill(r, m.spec, qty, px, false));
      }
      if (order.type === 'market' && remaining(order).gt(0)) order.status = 'expired';
    }
    return fills;
  }

  /** How much of a triggered stop-market the account's free funds pay for at `px` (a limit is paid by its lock). */
  #affordable({ order, account }: Resting, spec: MarketSpec, px: Dec): Dec {
    if (order.type === 'limit') return remaining(order);
    const room = this.#feeRoom(account.apiKey, order.side);
    const free = balanceOf(account, order.side === 'buy' ? spec.quote : spec.base).free;
    const units = order.side === 'buy' ? free.div(px.mul(room)) : free.div(room);
    return units.toDecimalPlaces(new Dec(spec.stepSize).decimalPlaces(), Dec.ROUND_DOWN);
  }

  #validate(m: MarketState, account: SimAccount, input: PlaceOrderInput): OrderRejection | { qty: Dec; price: Dec } {
    const { spec } = m;
    const { ask, bid } = touch(m);
    if (input.type === 'limit' && input.price === undefined) return { kind: 'bad_request', message: 'price' };
    // A stop-market is sized and funded at its trigger price, the price it is expected to fill at.
    const marketPx = input.stopPrice !== undefined ? new Dec(input.stopPrice) : input.side === 'buy' ? ask : bid;
    const price = input.type === 'limit' ? new Dec(input.price ?? '0') : marketPx;
    if (price.lte(0) || (input.type === 'limit' && !isMultiple(price, spec.tickSize))) return { kind: 'filter', filter: 'PRICE_FILTER' };
    let qty: Dec;
    if (input.quantity !== undefined) qty = new Dec(input.quantity);
    else if (input.quoteQty !== undefined && input.type === 'market') {
      qty = new Dec(input.quoteQty).div(price).toDecimalPlaces(new Dec(spec.stepSize).decimalPlaces(), Dec.ROUND_DOWN);
    } else return { kind: 'bad_request', message: 'quantity' };
    if (qty.lt(spec.minQty) || qty.gt(spec.maxQty) || !isMultiple(qty, spec.stepSize)) {
      return { kind: 'filter', filter: 'LOT_SIZE' };
    }
    if (qty.mul(price).lt(spec.minNotional)) return { kind: 'filter', filter: 'NOTIONAL' };
    if (this.orders(account.apiKey, { open: true }).some((o) => o.clientOrderId === input.clientOrderId)) {
      return { kind: 'duplicate_client_id' };
    }
    // What the order may take from the account: the fee too, where it is paid from the asset spent.
    const room = this.#feeRoom(account.apiKey, input.side);
    const needed = input.side === 'buy' ? { asset: spec.quote, amount: qty.mul(price).mul(room) } : { asset: spec.base, amount: qty.mul(room) };
    if (balanceOf(account, needed.asset).free.lt(needed.amount)) return { kind: 'insufficient_balance' };
    return { qty, price };
  }

  /** 1 + the highest fee rate when the side's fee is paid from the asset it spends (quote on a buy, base on a sell), else 1. */
  #feeRoom(apiKey: string, side: Side): Dec {
    const spentAsset = side === 'buy' ? 'quote' : 'base';
    return this.feeAssets(apiKey)[side] === spentAsset ? Dec.max(this.#fees.maker, this.#fees.taker).add(1) : new Dec(1);
  }

  /**
   * What a limit or waiting stop order locks per unit of quantity: the price (buy; a stop-market's
   * trigger price) or 1 (sell: the base, as Binance spot locks it for a sell stop), times the fee room.
   */
  #lockPerUnit(order: SimOrder, apiKey: string): Dec {
    const buyPrice = order.type === 'limit' ? order.price : (order.stop?.price ?? '0');
    return (order.side === 'buy' ? new Dec(buyPrice) : new Dec(1)).mul(this.#feeRoom(apiKey, order.side));
  }

  #lock(account: SimAccount, spec: MarketSpec, order: SimOrder): void {
    const amount = new Dec(order.origQty).mul(this.#lockPerUnit(order, account.apiKey));
    const asset = order.side === 'buy' ? spec.quote : spec.base;
    moveBalance(account, asset, { free: amount.neg(), used: amount });
  }

  #unlockRemainder({ order, account }: Resting, spec: MarketSpec): void {
    if (order.type !== 'limit' && !isWaitingStop(order)) return;
    const amount = remaining(order).mul(this.#lockPerUnit(order, account.apiKey));
    moveBalance(account, order.side === 'buy' ? spec.quote : spec.base, { free: amount, used: amount.neg() });
  }

  /** Taker part of a new order: fills at the touch if marketable, up to the step's liquidity. */
  #takeLiquidity(m: MarketState, resting: Resting): SimFill[] {
    const { order } = resting;
    const { ask, bid } = touch(m);
    const px = order.side === 'buy' ? ask : bid;
    const marketable = order.type === 'market' || (order.side === 'buy' ? px.lte(order.price) : px.gte(order.price));
    if (!marketable) return [];
    const qty = Dec.min(remaining(order), m.liquidity[order.side]);
    if (qty.lte(0)) return [];
    m.liquidity[order.side] = m.liquidity[order.side].sub(qty);
    return [this.#fill(resting, m.spec, qty, px, false)];
  }

  /** Maker fills for resting orders the current candle reaches, best price first, then oldest. */
  #fillResting(m: MarketState): SimFill[] {
    const candle = m.path.current();
    const open = [...this.#orders.values()].filter(
      (r) => r.order.symbol === m.spec.symbol && r.order.type === 'limit' && OPEN.has(r.order.status) && !isWaitingStop(r.order),
    );
    const byPriority = (a: Resting, b: Resting): number => {
      const cmp = new Dec(a.order.price).cmp(b.order.price);
      const better = a.order.side === 'buy' ? -cmp : cmp;
      return better !== 0 ? better : a.order.orderId - b.order.orderId;
    };
    const fills: SimFill[] = [];
    for (const r of open.sort(byPriority)) {
      const reached = r.order.side === 'buy' ? new Dec(candle.low).lte(r.order.price) : new Dec(candle.high).gte(r.order.price);
      if (!reached) continue;
      const qty = Dec.min(remaining(r.order), m.liquidity[r.order.side]);
      if (qty.lte(0)) continue;
      m.liquidity[r.order.side] = m.liquidity[r.order.side].sub(qty);
      fills.push(this.#fill(r, m.spec, qty, new Dec(r.order.price), true));
    }
    return fills;
  }

  #fill({ order, account }: Resting, spec: MarketSpec, qty: Dec, price: Dec, maker: boolean): SimFill {
    const quoteQty = qty.mul(price);
    const rate = maker ? this.#fees.maker : this.#fees.taker;
    // The fee's asset per side is the exchange's (or the account's) setting; by default the asset the
    // order receives (Binance spot without a fee token, Bybit spot). Commission precision is 8
    // decimals on both exchanges, so balances stay at exchange precision.
    const inBase = this.feeAssets(account.apiKey)[order.side] === 'base';
    const fee = (inBase ? qty.mul(rate) : quoteQty.mul(rate)).toDecimalPlaces(8, Dec.ROUND_HALF_UP);
    const baseFee = inBase ? fee : new Dec(0);
    const quoteFee = inBase ? new Dec(0) : fee;
    // A limit order spends from what it locked (and gives back the fee room it did not need).
    const locked = order.type === 'limit' ? qty.mul(this.#lockPerUnit(order, account.apiKey)) : null;
    if (order.side === 'buy') {
      const spent = quoteQty.add(quoteFee);
      moveBalance(account, spec.quote, locked ? { used: locked.neg(), free: locked.sub(spent) } : { free: spent.neg() });
      moveBalance(account, spec.base, { free: qty.sub(baseFee) });
    } else {
      const spent = qty.add(baseFee);
      moveBalance(account, spec.base, locked ? { used: locked.neg(), free: locked.sub(spent) } : { free: spent.neg() });
      moveBalance(account, spec.quote, { free: quoteQty.sub(quoteFee) });
    }
    const now = this.#now();
    order.executedQty = new Dec(order.executedQty).add(qty).toFixed();
    order.cumQuote = new Dec(order.cumQuote).add(quoteQty).toFixed();
    order.status = remaining(order).isZero() ? 'filled' : 'partially_filled';
    order.updatedAt = now;
    const fill: SimFill = {
      tradeId: this.#nextTradeId++,
      orderId: order.orderId,
      symbol: order.symbol,
      side: order.side,
      price: price.toFixed(),
      qty: qty.toFixed(),
      quoteQty: quoteQty.toFixed(),
      fee: fee.toFixed(),
      feeAsset: inBase ? spec.base : spec.quote,
      maker,
      time: now,
    };
    this.#fills.push(fill);
    return fill;
  }

  #find(owner: string, ref: OrderRef, symbol?: string): Resting | undefined {
    let found: Resting | undefined;
    if (ref.orderId !== undefined) found = this.#orders.get(ref.orderId);
    else if (ref.clientOrderId !== undefined) {
      // The newest order with that id wins: ids are reusable once the earlier order closed.
      for (const r of this.#orders.values()) if (r.order.clientOrderId === ref.clientOrderId && r.order.owner === owner) found = r;
    }
    if (!found || found.order.owner !== owner) return undefined;
    if (symbol !== undefined && found.order.symbol !== symbol) return undefined;
    return found;
  }
}

function touch(m: MarketState): { bid: Dec; ask: Dec } {
  const mid = new Dec(m.path.current().close);
  const tick = new Dec(m.spec.tickSize);
  return { bid: Dec.max(tick, mid.sub(tick)), ask: mid.add(tick) };
}

function remaining(order: SimOrder): Dec {
  return new Dec(order.origQty).sub(order.executedQty);
}

function isMultiple(value: Dec, step: string): boolean {
  return value.mod(step).isZero();
}

function reject(rejection: OrderRejection): PlaceResult {
  return { ok: false, rejection };
}
