import { z } from 'zod';
import { decimalString } from '../domain/decimal-schema.js';
import { ValidationError } from '../domain/errors.js';
import { Dec, ZERO, toDecimalString, type DecimalString } from '../domain/money.js';
import type { Market, OrderSide, OrderType } from '../exchanges/exchange.port.js';
import { fitOrderToMarket } from './order-sizing.js';
import type { ExitIntent, Intent, OrderSize, StrategyOrder } from './strategy.js';

/**
 * Risk is a pure gate between intents and orders: every intent is turned into a concrete order (or a
 * refusal with a reason) here, before anything reaches the order manager. It also produces the
 * protective exits (stop-loss, take-profit) and the kill decision of the daily loss limit.
 */

const positiveDecimal = (what: string) => decimalString({ what, greaterThan: '0' });

export const riskConfigSchema = z
  .object({
    maxPositionBase: positiveDecimal('maxPositionBase').optional().describe('Largest absolute position per symbol, in base'),
    maxOpenOrders: z.number().int().min(1).max(1000).default(10).describe('Most open orders at once (exits are always allowed)'),
    stopLossPct: z.number().gt(0).lt(100).optional().describe('Exit when the price moves this many % against the average entry'),
    takeProfitPct: z.number().gt(0).max(10_000).optional().describe('Exit when the price moves this many % in favour of the average entry'),
    dailyLossLimit: positiveDecimal('dailyLossLimit').optional().describe('Kill switch: net PnL since 00:00 UTC at or below −this (quote)'),
    allowShort: z.boolean().default(false).describe('Allow selling below zero (margin and derivatives only)'),
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

// ---- Intent → order ---------------------------------------------------------------------------------

export interface RiskContext {
  market: Market;
  /** Reference price for market orders and quote sizing (last close or ticker). */
  price: Dec;
  /** Signed position in base. */
  position: Dec;
  openOrders: readonly StrategyOrder[];
  config: RiskConfig;
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
  if (intent.kind === 'enter' && !context.position.isZero() && context.position.isPositive() !== (side === 'buy')) {
    return reject(`Cannot enter ${intent.side} while ${context.position.isPositive() ? 'long' : 'short'} ${toDecimalString(context.position.abs())}: exit first`);
  }
  const fitted = fitOrderToMarket({ market: context.market, side, amount, limitPrice: limit ? new Dec(limit) : null, referencePrice: context.price });
  if (!fitted.ok) return reject(fitted.reason);
  // Worst case: every open order on the same side fills too.
  const pending = open.filter((o) => o.side === side).reduce((sum, o) => sum.add(remaining(o)), ZERO);
  const signed = side === 'buy' ? fitted.amount.add(pending) : fitted.amount.add(pending).neg();
  const projected = context.position.add(signed);
  if (projected.isNegative() && !context.config.allowShort) {
    return reject(`Order would take the position to ${toDecimalString(projected)} ${context.market.base}; short selling is disabled (allowShort)`);
  }
  const max = context.config.maxPositionBase;
  if (max !== undefined && projected.abs().gt(max) && projected.abs().gt(context.position.abs())) {
    return reject(`Position would reach ${toDecimalString(projected.abs())} ${context.market.base} (with open orders), above maxPositionBase ${max}`);
  }
  return { kind: 'order', intent, order: planned(side, fitted.amount, fitted.price, false, intent) };
}

function planExit(intent: ExitIntent, context: RiskContext, open: readonly StrategyOrder[]): RiskDecision {
  const reject = (reason: string): RiskDecision => ({ kind: 'reject', intent, reason });
  const position = context.position;
  if (position.isZero()) return reject('No position to exit');
  const side: OrderSide = position.isPositive() ? 'sell' : 'buy';
  // Exits already on their way count: two exits must never flip the position.
  const exiting = open.filter((o) => o.side === side).reduce((sum, o) => sum.add(remaining(o)), ZERO);
  const available = position.abs().sub(exiting);
  if (!available.gt(ZERO)) return reject(`Exit orders for the whole position (${toDecimalString(position.abs())}) are already open`);
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
  return {
    side,
    type: price === null ? 'market' : 'limit',
    amount: toDecimalString(amount),
    price: price === null ? null : toDecimalString(price),
    reduceOnly,
    tag: intent.kind === 'place' ? (intent.tag ?? null) : null,
    reason: intent.reason ?? intent.kind,
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

/** A stop-loss or take-profit exit when the mark crossed its threshold from the average entry, else null. */
export function checkProtections(params: { position: Dec; averageEntry: Dec | null; mark: Dec; config: RiskConfig }): ExitIntent | null {
  const { position, averageEntry, mark, config } = params;
  if (position.isZero() || averageEntry === null) return null;
  const long = position.isPositive();
  // Signed move in the position's favour, in % of the entry.
  const movePct = mark.sub(averageEntry).div(averageEntry).mul(100).mul(long ? 1 : -1);
  const where = `price ${toDecimalString(mark)} vs average entry ${toDecimalString(averageEntry)}`;
  if (config.stopLossPct !== undefined && movePct.lte(-config.stopLossPct)) {
    return { kind: 'exit', reason: `stop-loss ${config.stopLossPct}% hit: ${where}` };
  }
  if (config.takeProfitPct !== undefined && movePct.gte(config.takeProfitPct)) {
    return { kind: 'exit', reason: `take-profit ${config.takeProfitPct}% hit: ${where}` };
  }
  return null;
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
    reason: `Daily loss limit hit: ${toDecimalString(today)} since 00:00 UTC ${baseline.day} (limit −${config.dailyLossLimit})`,
    lossToday: toDecimalString(today),
  };
}
