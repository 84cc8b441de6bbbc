import { z } from 'zod';
import { displayDecimal } from '../domain/decimal-display.js';
import { decimalString } from '../domain/decimal-schema.js';
import { ValidationError } from '../domain/errors.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../domain/money.js';
import type { Market } from '../exchanges/exchange.port.js';
import { triggerReached, type OrderSide, type OrderTrigger, type OrderType, type TimeInForce } from '../domain/orders.js';
import { isDust, type DustRules } from './accounting/dust.js';
import { fitOrderToMarket, roundPriceToTick } from './order-sizing.js';
import { estimatedLiquidationPrice, liquidationDistance } from './liquidation.js';
import type { ExitIntent, Intent, OrderSize, StrategyOrder } from './strategy.js';

/**
 * Risk is a pure gate between intents and orders: every intent is turned into a concrete order (or a
 * refusal with a reason) here, before anything reaches the order manager. It also produces the
 * protective exits (stop-loss, take-profit) and the kill decision of the daily loss limit.
 */

/** A computed amount (a PnL, an average, a cost) in a reason a person reads; the decision keeps it exact. */
const shown = (value: Dec): string => displayDecimal(toDecimalString(value));

const positiveDecimal = (what: string) => decimalString({ what, greaterThan: '0' });

export const riskConfigSchema = z
  .object({
    maxPositionBase: positiveDecimal('maxPositionBase').optional().describe('Largest absolute position per symbol, in base'),
    maxOpenOrders: z.number().int().min(1).max(1000).default(10).describe('Most open orders at once (exits are always allowed)'),
    stopLossPct: z.number().gt(0).lt(100).optional().describe('Exit when the price moves this many % against the average entry'),
    takeProfitPct: z.number().gt(0).max(10_000).optional().describe('Exit when the price moves this many % in favour of the average entry'),
    trailingStopPct: z.number().gt(0).lt(100).optional().describe('Trailing stop: exit when the price falls this many % from the best price since the entry (rises, for a short)'),
    trailingStopActivationPct: z
      .number()
      .min(0)
      .max(10_000)
      .optional()
      .describe('The trailing stop starts once the best price is this many % in favour of the average entry (default 0: at once)'),
    dailyLossLimit: positiveDecimal('dailyLossLimit').optional().describe('Kill switch: net PnL since 00:00 UTC at or below −this (quote)'),
    accountDailyLossLimit: positiveDecimal('accountDailyLossLimit')
      .optional()
      .describe('Account kill switch: the net PnL since 00:00 UTC of every bot of the connection together at or below −this (quote) stops them all'),
    allowShort: z.boolean().default(false).describe('Allow selling below zero (margin and derivatives only)'),
    leverage: decimalString({ what: 'leverage', min: '1', max: '125', example: '5' })
      .optional()
      .describe('Derivatives: leverage set on the exchange for the pair before the first order and read back (default 1)'),
    marginMode: z.enum(['isolated', 'cross']).optional().describe('Derivatives: margin mode set on the exchange before the first order and read back (default isolated)'),
    liquidationBufferPct: z
      .number()
      .min(0)
      .lt(100)
      .optional()
      .describe("Derivatives: refuse an entry whose estimated liquidation price is within this many % of the entry (and always one inside its stop-loss)"),
    unfilledTimeout: z
      .object({
        entrySeconds: z.number().int().min(1).max(604_800).optional().describe('An entry limit still unfilled after this many seconds is cancelled (or re-priced)'),
        exitSeconds: z.number().int().min(1).max(604_800).optional().describe('An exit limit still unfilled after this many seconds is cancelled (or re-priced)'),
        action: z.enum(['cancel', 'reprice']).default('cancel').describe('cancel: drop the rest; reprice: cancel and place the rest again at the last price'),
        maxReprices: z.number().int().min(1).max(100).default(3).describe('With reprice: times one order is placed again before the rest is only cancelled'),
      })
      .strict()
      .optional()
      .describe("Unfilled limit entries and exits (not a strategy's resting `place` orders): cancel or re-price after a while"),
  })
  .strict();

export type RiskConfig = z.output<typeof riskConfigSchema>;

/** Parses risk settings; throws ValidationError with a field error per problem. */
export function parseRiskConfig(input: unknown): RiskConfig {
  const result = riskConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ path: ['risk', ...i.path.map(String)].join('.'), message: i.message }));
  throw new ValidationError(`Invalid risk settings: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

// ---- Unfilled limits (unfilledTimeout) -------------------------------------------------------------

/**
 * When an order placed for `intent` is cancelled (or re-priced) if still unfilled, in ms; null when it
 * rests: only an entry's or exit's limit times out (a strategy's resting `place` orders and stops
 * never do; IOC and FOK end on their own). The live engine and backtests share this rule.
 */
export function unfilledExpiry(intent: Intent, order: PlannedOrder, now: number, config: RiskConfig): number | null {
  const timeout = config.unfilledTimeout;
  if (!timeout || order.type !== 'limit' || order.trigger !== undefined || (intent.kind !== 'enter' && intent.kind !== 'exit')) return null;
  const seconds = intent.kind === 'enter' ? timeout.entrySeconds : timeout.exitSeconds;
  if (seconds === undefined || order.timeInForce === 'IOC' || order.timeInForce === 'FOK') return null;
  return now + seconds * 1_000;
}

/**
 * What replaces a limit cancelled for its timeout, or null when nothing does (`cancel`, the re-prices
 * spent, nothing left, no price): the rest at `price` through the risk gate again — an exit for the
 * whole position not yet exiting, an entry for the amount left.
 */
export function repriceIntent(params: {
  config: RiskConfig;
  /** Re-prices made before in this order's line. */
  reprices: number;
  order: { side: OrderSide; reduceOnly: boolean; price: DecimalString | null; timeInForce?: TimeInForce | null };
  left: Dec;
  price: Dec | null;
}): Intent | null {
  const timeout = params.config.unfilledTimeout;
  if (!timeout || timeout.action !== 'reprice' || params.reprices >= timeout.maxReprices || !params.left.gt(ZERO) || params.price === null) return null;
  const { order } = params;
  const price = toDecimalString(params.price);
  const reason = `re-priced: unfilled at ${order.price ?? 'market'} (unfilledTimeout)`;
  const tif = order.timeInForce ? { timeInForce: order.timeInForce } : {};
  return order.reduceOnly
    ? { kind: 'exit', price, reason, ...tif }
    : { kind: 'enter', side: order.side === 'buy' ? 'long' : 'short', size: { base: toDecimalString(params.left) }, price, reason, ...tif };
}

// ---- Intent → order ---------------------------------------------------------------------------------

export interface RiskContext {
  market: Market;
  /** Reference price for market orders and quote sizing (last close or ticker). */
  price: Dec;
  /** Signed position in base: what the account holds (net of base-asset fees), dust included. */
  position: Dec;
  /**
   * Σ bought − Σ sold as filled (the ledger's `filledQuantity`), which exceeds `position` by the fees
   * taken in base. A sell up to it closes what was bought and is fitted down to what is held; beyond
   * it the sell would open a short. Default: `position`.
   */
  filledPosition?: Dec;
  openOrders: readonly StrategyOrder[];
  config: RiskConfig;
  /**
   * The bot's budget in quote (engine budget, resolved at start); absent: the whole account. An order
   * that adds exposure must fit in it together with what the position and the open orders hold.
   */
  budgetQuote?: Dec;
  /** What the position cost (|quantity| × average entry), in quote; counted against the budget. Default |position| × price. */
  positionCost?: Dec;
  /**
   * What the bot lost since its budget was set (−(realized − fees) when negative, else 0), in quote:
   * that money left the account, so the budget holds that much less (another bot's money is not there
   * to spend again). Default 0.
   */
  budgetLoss?: Dec;
}

export interface PlannedOrder {
  side: OrderSide;
  type: OrderType;
  amount: DecimalString;
  price: DecimalString | null;
  /** True for exits: the order may only shrink the position. */
  reduceOnly: boolean;
  tag: string | null;
  reason: string;
  /** A protective stop order (protection.ts): rests on the venue until the price reaches it. */
  trigger?: OrderTrigger;
  /** The intent's time in force; absent: GTC. */
  timeInForce?: TimeInForce;
  /** Cancelled (or re-priced) when still unfilled at this time (`unfilledTimeout`); absent: rests. */
  expiresAt?: string;
}

export type RiskDecision =
  | { kind: 'order'; intent: Intent; order: PlannedOrder }
  | { kind: 'cancel'; intent: Intent; clientOrderId: string }
  | { kind: 'reject'; intent: Intent; reason: string };

/**
 * Evaluates intents in order. Each accepted order counts against the limits of the ones after it, so a
 * batch cannot exceed together what each respects alone.
 */
export function evaluateIntents(intents: readonly Intent[], context: RiskContext): RiskDecision[] {
  const state = { openOrders: [...context.openOrders], cancelled: new Set<string>() };
  return intents.map((intent) => {
    const decision = evaluateOne(intent, context, state.openOrders.filter((o) => !state.cancelled.has(o.clientOrderId)));
    if (decision.kind === 'cancel') state.cancelled.add(decision.clientOrderId);
    if (decision.kind === 'order') state.openOrders.push(asOpenOrder(decision.order));
    return decision;
  });
}

function evaluateOne(intent: Intent, context: RiskContext, open: readonly StrategyOrder[]): RiskDecision {
  switch (intent.kind) {
    case 'cancel':
      return { kind: 'cancel', intent, clientOrderId: intent.clientOrderId };
    case 'exit':
      return planExit(intent, context, open);
    case 'enter':
      return planIncrease(intent, intent.side === 'long' ? 'buy' : 'sell', sizeToBase(intent.size, priceOf(intent.price, context)), intent.price ?? null, context, open);
    case 'place':
      return planIncrease(intent, intent.side, new Dec(intent.amount), intent.price, context, open);
  }
}

/** The position the gate reasons about: dust (too small to trade on the market) counts as flat. */
function tradable(context: RiskContext): Dec {
  return isDust(context.position, context.market, context.price) ? ZERO : context.position;
}

function planIncrease(
  intent: Intent,
  side: OrderSide,
  amount: Dec,
  limit: DecimalString | null,
  context: RiskContext,
  open: readonly StrategyOrder[],
): RiskDecision {
  const reject = (reason: string): RiskDecision => ({ kind: 'reject', intent, reason });
  if (open.length >= context.config.maxOpenOrders) return reject(`Max open orders reached (${open.length} of ${context.config.maxOpenOrders})`);
  const position = tradable(context);
  if (intent.kind === 'enter' && !position.isZero() && position.isPositive() !== (side === 'buy')) {
    return reject(`Cannot enter ${intent.side} while ${position.isPositive() ? 'long' : 'short'} ${toDecimalString(position.abs())}: exit first`);
  }
  const limitPrice = limit ? new Dec(limit) : null;
  let fitted = fitOrderToMarket({ market: context.market, side, amount, limitPrice, referencePrice: context.price });
  if (!fitted.ok) return reject(fitted.reason);
  // Worst case: every open order on the same side fills too.
  const pending = open.filter((o) => o.side === side).reduce((sum, o) => sum.add(remaining(o)), ZERO);
  if (side === 'sell' && !context.config.allowShort && context.position.sub(pending).sub(fitted.amount).isNegative()) {
    const reduced = fitSellToHolding(amount, pending, limitPrice, context);
    if (!reduced.ok) return reject(reduced.reason);
    fitted = reduced;
  }
  const overBudget = checkBudget(side, fitted.amount, fitted.price, position, open, context);
  if (overBudget) return reject(overBudget);
  const liquidates = checkLiquidation(side, fitted.amount, fitted.price ?? context.price, position, context);
  if (liquidates) return reject(liquidates);
  const signed = side === 'buy' ? fitted.amount.add(pending) : fitted.amount.add(pending).neg();
  // Dust is left out of the limit: it must never be the reason an entry is refused.
  const projected = position.add(signed);
  const max = context.config.maxPositionBase;
  if (max !== undefined && projected.abs().gt(max) && projected.abs().gt(position.abs())) {
    return reject(`Position would reach ${toDecimalString(projected.abs())} ${context.market.base} (with open orders), above maxPositionBase ${max}`);
  }
  return { kind: 'order', intent, order: planned(side, fitted.amount, fitted.price, false, intent) };
}

/**
 * Two bots on one account never spend the same money: an order adding exposure (a buy while flat or
 * long, a sell while flat or short) costs amount × price, and with the cost of the position, of the
 * open orders on the same side and what the bot lost since start it must stay within the budget.
 * Reducing orders always pass.
 */
function checkBudget(side: OrderSide, amount: Dec, limit: Dec | null, position: Dec, open: readonly StrategyOrder[], context: RiskContext): string | null {
  const budget = context.budgetQuote;
  if (budget === undefined) return null;
  // Not isPositive(): decimal.js counts zero as positive, and a short from flat adds exposure.
  const adds = side === 'buy' ? !position.lt(ZERO) : !position.gt(ZERO);
  if (!adds) return null;
  // On derivatives the account puts up the margin, notional / leverage, not the notional.
  const perNotional = isDerivative(context.market) ? new Dec(1).div(leverageOf(context.config)) : new Dec(1);
  const cost = amount.mul(limit ?? context.price).mul(perNotional);
  const held = (context.positionCost ?? position.abs().mul(context.price)).mul(perNotional);
  const reserved = open.filter((o) => o.side === side).reduce((sum, o) => sum.add(remaining(o).mul(o.price ?? context.price)), ZERO).mul(perNotional);
  const lost = context.budgetLoss ?? ZERO;
  const free = budget.sub(lost).sub(held).sub(reserved);
  if (cost.lte(free)) return null;
  const q = context.market.quote;
  const losses = lost.isZero() ? '' : `, lost ${shown(lost)}`;
  return `Over budget: the order costs ${shown(cost)} ${q}, and the bot's budget of ${shown(budget)} ${q} has ${shown(Dec.max(free, ZERO))} ${q} left (position ${shown(held)}, open orders ${shown(reserved)}${losses})`;
}

/** Whether the market trades on margin with a leverage of its own (perpetuals, futures). */
export function isDerivative(market: Pick<Market, 'type'>): boolean {
  return market.type === 'futures' || market.type === 'swap';
}

/** The leverage a bot trades derivatives at: its `leverage`, else 1. */
export function leverageOf(config: RiskConfig): Dec {
  return new Dec(config.leverage ?? '1');
}

/**
 * On derivatives, an entry (or an addition) whose position would be liquidated before its stop-loss
 * fires, or within `liquidationBufferPct` of its entry, is refused: the stop would never get the
 * chance to limit the loss. The estimate (liquidation.ts) is of an isolated position at the new
 * average entry; a cross position is liquidated later (the whole account backs it), so the check
 * errs on the safe side there.
 */
function checkLiquidation(side: OrderSide, amount: Dec, price: Dec, position: Dec, context: RiskContext): string | null {
  if (!isDerivative(context.market)) return null;
  const { config } = context;
  const required = Math.max(config.stopLossPct ?? 0, config.liquidationBufferPct ?? 0);
  if (required <= 0) return null;
  // Not isPositive(): decimal.js counts zero as positive, and a short from flat adds exposure.
  const adds = side === 'buy' ? !position.lt(ZERO) : !position.gt(ZERO);
  if (!adds) return null;
  const held = position.abs();
  const heldCost = context.positionCost ?? held.mul(context.price);
  const entry = heldCost.add(amount.mul(price)).div(held.add(amount));
  const direction = side === 'buy' ? 'long' : 'short';
  const leverage = leverageOf(config);
  const liquidation = estimatedLiquidationPrice({ side: direction, entry, leverage });
  const distance = liquidationDistance(direction, entry, liquidation);
  if (distance === null || distance.mul(100).gt(required)) return null;
  const what = (config.stopLossPct ?? 0) >= (config.liquidationBufferPct ?? 0) ? `its stop-loss (${config.stopLossPct ?? 0} %)` : `the liquidation buffer (${config.liquidationBufferPct ?? 0} %)`;
  return `Liquidation inside the stop: at ${leverage.toString()}× a ${direction} from ${shown(entry)} would be liquidated near ${shown(liquidation ?? ZERO)} ${context.market.quote}, ${shown(distance.mul(100))} % away, nearer than ${what}; lower the leverage or widen the stop`;
}

/**
 * A sell (without shorts) that asks for more than the account holds. When it closes no more than was
 * bought (a grid selling exactly its filled buy, whose fee the venue took in base), it is fitted down
 * to what is held, at the amount step; one asking for more than was bought would open a short.
 */
function fitSellToHolding(amount: Dec, pending: Dec, limitPrice: Dec | null, context: RiskContext): ReturnType<typeof fitOrderToMarket> {
  const base = context.market.base;
  const held = context.position.sub(pending);
  const bought = (context.filledPosition ?? context.position).sub(pending);
  if (!held.gt(ZERO) || amount.gt(bought)) {
    const projected = context.position.sub(pending).sub(amount);
    return { ok: false, reason: `Order would take the position to ${toDecimalString(projected)} ${base}; short selling is disabled (allowShort)` };
  }
  const fitted = fitOrderToMarket({ market: context.market, side: 'sell', amount: held, limitPrice, referencePrice: context.price });
  if (!fitted.ok) return { ok: false, reason: `Cannot sell the ${toDecimalString(held)} ${base} held (fees were taken in ${base}): ${fitted.reason}` };
  return fitted;
}

function planExit(intent: ExitIntent, context: RiskContext, open: readonly StrategyOrder[]): RiskDecision {
  const reject = (reason: string): RiskDecision => ({ kind: 'reject', intent, reason });
  const position = context.position;
  if (position.isZero()) return reject('No position to exit');
  if (tradable(context).isZero()) {
    return reject(`No position to exit: ${toDecimalString(position.abs())} ${context.market.base} is dust (too small to trade on ${context.market.symbol})`);
  }
  const side: OrderSide = position.isPositive() ? 'sell' : 'buy';
  // Exits already on their way count: two exits must never flip the position.
  const exiting = open.filter((o) => o.side === side).reduce((sum, o) => sum.add(remaining(o)), ZERO);
  const available = position.abs().sub(exiting);
  if (!available.gt(ZERO)) return reject(`Exit orders for the whole position (${toDecimalString(position.abs())}) are already open`);
  if (!exiting.isZero() && isDust(available, context.market, context.price)) {
    return reject(`Exit orders for the position are already open; the ${toDecimalString(available)} ${context.market.base} they leave is dust`);
  }
  const requested = intent.size ? sizeToBase(intent.size, priceOf(intent.price, context)) : available;
  const fitted = fitOrderToMarket({
    market: context.market,
    side,
    amount: Dec.min(requested, available),
    limitPrice: intent.price ? new Dec(intent.price) : null,
    referencePrice: context.price,
  });
  if (!fitted.ok) return reject(`Cannot exit: ${fitted.reason}`);
  return { kind: 'order', intent, order: planned(side, fitted.amount, fitted.price, true, intent) };
}

function planned(side: OrderSide, amount: Dec, price: Dec | null, reduceOnly: boolean, intent: Intent): PlannedOrder {
  const timeInForce = intent.kind !== 'cancel' && intent.timeInForce !== undefined && intent.timeInForce !== 'GTC' ? intent.timeInForce : undefined;
  return {
    side,
    type: price === null ? 'market' : 'limit',
    amount: toDecimalString(amount),
    price: price === null ? null : toDecimalString(price),
    reduceOnly,
    tag: intent.kind === 'place' ? (intent.tag ?? null) : null,
    reason: intent.reason ?? intent.kind,
    // A market order takes what is there at once anyway: only a limit carries a time in force.
    ...(timeInForce !== undefined && price !== null ? { timeInForce } : {}),
  };
}

function asOpenOrder(order: PlannedOrder): StrategyOrder {
  return { clientOrderId: '', side: order.side, type: order.type, price: order.price, amount: order.amount, filled: '0', tag: order.tag };
}

function remaining(order: StrategyOrder): Dec {
  return new Dec(order.amount).sub(order.filled);
}

function priceOf(limit: DecimalString | undefined, context: RiskContext): Dec {
  return limit ? new Dec(limit) : context.price;
}

function sizeToBase(size: OrderSize, price: Dec): Dec {
  return 'base' in size ? new Dec(size.base) : new Dec(size.quote).div(price);
}

// ---- Protections ------------------------------------------------------------------------------------

/**
 * A stop-loss or take-profit exit when the mark crossed its threshold from the average entry, else null.
 * With `market`, a dust position has no protections (no order could sell it).
 */
export function checkProtections(params: { position: Dec; averageEntry: Dec | null; mark: Dec; config: RiskConfig; market?: DustRules; best?: Dec | null }): ExitIntent | null {
  const { position, averageEntry, mark, config } = params;
  if (position.isZero() || averageEntry === null) return null;
  if (params.market && isDust(position, params.market, mark)) return null;
  const long = position.isPositive();
  // Signed move in the position's favour, in % of the entry.
  const movePct = mark.sub(averageEntry).div(averageEntry).mul(100).mul(long ? 1 : -1);
  const where = `price ${shown(mark)} vs average entry ${shown(averageEntry)}`;
  if (config.stopLossPct !== undefined && movePct.lte(-config.stopLossPct)) {
    return { kind: 'exit', reason: `stop-loss ${config.stopLossPct}% hit: ${where}` };
  }
  const trail = trailingStopLevel(long, averageEntry, params.best ?? null, config);
  if (trail !== null && (long ? mark.lte(trail) : mark.gte(trail))) {
    return { kind: 'exit', reason: `trailing stop ${config.trailingStopPct}% hit: price ${shown(mark)} vs stop ${shown(trail)} (best ${shown(params.best as Dec)})` };
  }
  if (config.takeProfitPct !== undefined && movePct.gte(config.takeProfitPct)) {
    return { kind: 'exit', reason: `take-profit ${config.takeProfitPct}% hit: ${where}` };
  }
  return null;
}

/**
 * The trailing stop's price: `trailingStopPct` behind the best price since the entry (below for a
 * long), once the best is `trailingStopActivationPct` in favour of the average entry; else null.
 */
export function trailingStopLevel(long: boolean, averageEntry: Dec, best: Dec | null, config: RiskConfig): Dec | null {
  const pct = config.trailingStopPct;
  if (pct === undefined || best === null) return null;
  const activation = averageEntry.mul(1 + ((long ? 1 : -1) * (config.trailingStopActivationPct ?? 0)) / 100);
  if (long ? best.lt(activation) : best.gt(activation)) return null;
  return best.mul(new Dec(100).add(long ? -pct : pct)).div(100);
}

/** The stop-loss price `stopLossPct` from the average entry (below for a long), or null. */
export function stopLossLevel(long: boolean, averageEntry: Dec, config: RiskConfig): Dec | null {
  const pct = config.stopLossPct;
  return pct === undefined ? null : averageEntry.mul(new Dec(100).add(long ? -pct : pct)).div(100);
}

/** The take-profit price `takeProfitPct` from the average entry (above for a long), or null. */
export function takeProfitLevel(long: boolean, averageEntry: Dec, config: RiskConfig): Dec | null {
  const pct = config.takeProfitPct;
  return pct === undefined ? null : averageEntry.mul(new Dec(100).add(long ? pct : -pct)).div(100);
}

/**
 * A protective stop order for the whole tradable position: the exit side, reduce-only, the amount
 * fitted to the market (rounded down to the step), the trigger rounded to the tick away from the
 * price, so the venue never holds a trigger the exact level has not reached (the engine's own check
 * watches the exact level). Null when the position is too small to sell, or the price already
 * reached the trigger (the engine's check exits at market instead).
 */
export function planProtectiveOrder(params: { kind: OrderTrigger['kind']; trigger: Dec; position: Dec; market: Market; price: Dec; reason: string }): PlannedOrder | null {
  const { kind, position, market, price } = params;
  if (position.isZero() || isDust(position, market, price)) return null;
  const side: OrderSide = position.isPositive() ? 'sell' : 'buy';
  // Away from the price: a rounded trigger the price has reached is a level the exact check has reached too.
  const awayFromPrice: OrderSide = (side === 'sell') === (kind === 'stop-loss') ? 'buy' : 'sell';
  const tick = market.priceStep === null ? null : new Dec(market.priceStep);
  const trigger = roundPriceToTick(params.trigger, tick, awayFromPrice);
  if (!trigger.gt(ZERO) || triggerReached(side, kind, trigger, price)) return null;
  const fitted = fitOrderToMarket({ market, side, amount: position.abs(), limitPrice: null, referencePrice: trigger });
  if (!fitted.ok) return null;
  const reason = `${params.reason} at ${shown(trigger)}`;
  return { side, type: 'market', amount: toDecimalString(fitted.amount), price: null, reduceOnly: true, tag: null, reason, trigger: { kind, price: toDecimalString(trigger) } };
}

// ---- Daily loss limit -----------------------------------------------------------------------------------

/** Net PnL at the start of the current UTC day, the reference of the daily loss limit. */
export interface DailyPnlBaseline {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  netPnlAtStart: DecimalString;
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Keeps the baseline, or starts a new one at `netPnl` when the UTC day changed (or there was none). */
export function rollDailyBaseline(baseline: DailyPnlBaseline | null, now: number, netPnl: Dec): DailyPnlBaseline {
  const day = utcDay(now);
  return baseline && baseline.day === day ? baseline : { day, netPnlAtStart: toDecimalString(netPnl) };
}

export interface KillDecision {
  kind: 'kill';
  reason: string;
  lossToday: DecimalString;
}

/** The kill decision when today's net PnL (realized + unrealized − fees since 00:00 UTC) is at or below −limit. */
export function checkDailyLoss(baseline: DailyPnlBaseline, netPnl: Dec, config: RiskConfig): KillDecision | null {
  if (config.dailyLossLimit === undefined) return null;
  const today = netPnl.sub(baseline.netPnlAtStart);
  if (today.gt(new Dec(config.dailyLossLimit).neg())) return null;
  return {
    kind: 'kill',
    reason: `Daily loss limit hit: ${shown(today)} since 00:00 UTC ${baseline.day} (limit −${config.dailyLossLimit})`,
    lossToday: toDecimalString(today),
  };
}

// ---- Account daily loss limit ------------------------------------------------------------------------

/**
 * Today's net PnL of every bot of one connection, as each last reported it (per UTC day): the
 * account-level daily loss limit counts them all, while each bot's own limit counts only itself.
 */
export class AccountLossBook {
  readonly #today = new Map<string, { day: string; pnl: Dec }>();

  /** A bot's net PnL since 00:00 UTC of `day`. */
  report(engineId: string, day: string, pnlToday: Dec): void {
    this.#today.set(engineId, { day, pnl: pnlToday });
  }

  /** What a bot last reported (it is stored with the bot, for the books of other processes). */
  reportOf(engineId: string): { day: string; pnl: Dec } | undefined {
    return this.#today.get(engineId);
  }

  /** The sum over the bots that reported for `day` (a report of an earlier day counts as 0). */
  total(day: string): Dec {
    let sum = ZERO;
    for (const entry of this.#today.values()) if (entry.day === day) sum = sum.add(entry.pnl);
    return sum;
  }
}

/** The account kill decision: every bot of the connection together lost `accountDailyLossLimit` or more today. */
export function checkAccountDailyLoss(day: string, accountPnlToday: Dec, config: RiskConfig): KillDecision | null {
  if (config.accountDailyLossLimit === undefined) return null;
  if (accountPnlToday.gt(new Dec(config.accountDailyLossLimit).neg())) return null;
  return {
    kind: 'kill',
    reason: `Account daily loss limit hit: ${shown(accountPnlToday)} since 00:00 UTC ${day} over every bot of the connection (limit −${config.accountDailyLossLimit})`,
    lossToday: toDecimalString(accountPnlToday),
  };
}
