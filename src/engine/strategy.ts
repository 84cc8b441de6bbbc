import { z } from 'zod';
import { CtsError, ValidationError } from '../domain/errors.js';
import { decimalString } from '../domain/decimal-schema.js';
import type { DecimalString } from '../domain/money.js';
import type { Market, Ticker } from '../exchanges/exchange.port.js';
import { TIME_IN_FORCE, type OrderSide, type TimeInForce } from '../domain/orders.js';
import type { CandleWindow } from '../domain/candles.js';
import type { PositionSide } from '../domain/positions.js';
import type { ParamDoc } from '../domain/strategy-catalog.js';
import { describeSchema } from './param-docs.js';

/**
 * The Strategy API. A strategy is a pure decision function over a read-only snapshot: candles in,
 * intents out. It never calls the exchange; the runner turns intents into orders after risk checks.
 * See docs/strategies.md.
 */

// ---- Intents --------------------------------------------------------------------------------------

/** How much to trade: an amount of base (0.5 BTC) or of quote to spend or receive (100 USDT). */
export type OrderSize = { readonly base: DecimalString } | { readonly quote: DecimalString };

/** Open or add to a position. Without `price` it is a market order, with it a limit order. */
export interface EnterIntent {
  readonly kind: 'enter';
  readonly side: 'long' | 'short';
  readonly size: OrderSize;
  readonly price?: DecimalString;
  readonly reason?: string;
  /** A limit's time in force (TimeInForce): IOC, FOK or PO (post-only); default GTC. */
  readonly timeInForce?: TimeInForce;
}

/** Reduce or close the current position (all of it when `size` is absent). */
export interface ExitIntent {
  readonly kind: 'exit';
  readonly size?: OrderSize;
  readonly price?: DecimalString;
  readonly reason?: string;
  readonly timeInForce?: TimeInForce;
}

/** A resting limit order; `tag` comes back on the open order and its fills so the strategy can track it. */
export interface PlaceIntent {
  readonly kind: 'place';
  readonly side: OrderSide;
  readonly amount: DecimalString;
  readonly price: DecimalString;
  readonly tag?: string;
  readonly reason?: string;
  readonly timeInForce?: TimeInForce;
}

export interface CancelIntent {
  readonly kind: 'cancel';
  readonly clientOrderId: string;
  readonly reason?: string;
}

export type Intent = EnterIntent | ExitIntent | PlaceIntent | CancelIntent;

/** Return this when there is nothing to do: no allocation per candle. */
export const NO_INTENTS: readonly Intent[] = Object.freeze([]);

// ---- Snapshot -------------------------------------------------------------------------------------

export interface StrategyPosition {
  readonly side: PositionSide;
  /** Signed base quantity: positive long, negative short. */
  readonly quantity: DecimalString;
  readonly averageEntryPrice: DecimalString | null;
}

/** An order of this strategy that is still open (including ones accepted by the engine but not yet confirmed). */
export interface StrategyOrder {
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly type: 'limit' | 'market';
  readonly price: DecimalString | null;
  readonly amount: DecimalString;
  readonly filled: DecimalString;
  readonly tag: string | null;
}

/** A fill of one of this strategy's orders since the previous call. */
export interface StrategyFill {
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly price: DecimalString;
  readonly amount: DecimalString;
  /**
   * The part of the fee the venue took in the base asset (Binance without BNB, Bybit spot buys): a buy
   * of `amount` leaves `amount − baseFee` in the account. Absent when the fee was charged otherwise.
   */
  readonly baseFee?: DecimalString;
  readonly tag: string | null;
  readonly timestamp: number;
}

export interface AssetBalance {
  readonly asset: string;
  readonly free: DecimalString;
  readonly total: DecimalString;
}

/**
 * Another input a strategy reads besides its own candles: another pair, another (higher) timeframe of
 * its own pair, or another pair at another timeframe. An absent field means the snapshot's own.
 */
export interface InformativeInput {
  readonly symbol?: string;
  readonly timeframe?: string;
}

/**
 * The declared informative inputs, read-only. Each window holds only candles *closed* at the
 * snapshot's time (a 1h candle appears once its hour is over), so no input can look ahead.
 */
export interface InformativeCandles {
  /** The window of a declared input; throws a RangeError for an input the strategy did not declare. */
  get(input: InformativeInput): CandleWindow;
}

export interface StrategySnapshot {
  /** The pair this snapshot (and the intents returned for it) is for. */
  readonly symbol: string;
  /** Time of the decision, ms since the epoch (in a backtest: the close of the current candle). */
  readonly time: number;
  /** Candles up to and including the current one; later ones are not reachable. */
  readonly candles: CandleWindow;
  readonly ticker: Readonly<Ticker> | null;
  readonly market: Readonly<Market> | null;
  readonly position: StrategyPosition;
  readonly openOrders: readonly StrategyOrder[];
  readonly fills: readonly StrategyFill[];
  readonly balance: { readonly base: AssetBalance; readonly quote: AssetBalance };
  /**
   * True while the runner feeds history to build indicator state before trading; intents returned then
   * are discarded. Incremental strategies must still consume these candles.
   */
  readonly warmingUp: boolean;
  /** Present when the strategy declares informative inputs (`informative` in its spec). */
  readonly informative?: InformativeCandles;
}

export const FLAT_POSITION: StrategyPosition = Object.freeze({ side: 'flat', quantity: '0', averageEntryPrice: null });

/** Freezes a snapshot and its parts (cheap: the runner reuses frozen parts that did not change). */
export function freezeSnapshot(snapshot: StrategySnapshot): StrategySnapshot {
  freezeIfNeeded(snapshot.position);
  freezeIfNeeded(snapshot.balance);
  freezeIfNeeded(snapshot.balance.base);
  freezeIfNeeded(snapshot.balance.quote);
  freezeIfNeeded(snapshot.ticker);
  freezeIfNeeded(snapshot.market);
  freezeList(snapshot.openOrders);
  freezeList(snapshot.fills);
  freezeIfNeeded(snapshot.informative ?? null);
  return Object.freeze(snapshot);
}

function freezeIfNeeded(value: object | null): void {
  if (value !== null && !Object.isFrozen(value)) Object.freeze(value);
}

function freezeList(list: readonly object[]): void {
  if (Object.isFrozen(list)) return;
  for (const item of list) freezeIfNeeded(item);
  Object.freeze(list);
}

// ---- Strategy ---------------------------------------------------------------------------------------

/** A running strategy instance; holds its own (incremental) indicator state. */
export interface Strategy {
  /** Candles needed before the first meaningful decision. */
  readonly warmup: number;
  /** Called once per closed candle, in order. */
  onCandle(snapshot: StrategySnapshot): readonly Intent[];
  /** Optional: called on ticker updates between candles (live and paper only). */
  onTick?(snapshot: StrategySnapshot): readonly Intent[];
}

export type { ParamDoc } from '../domain/strategy-catalog.js';

/** A registered strategy: metadata, its parameter schema, and a factory that validates before creating. */
export interface StrategyDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType;
  /** Validated parameters with defaults applied; throws ValidationError with one field error per problem. */
  parseParams(input: unknown): Readonly<Record<string, unknown>>;
  /** Candles of history the runner should feed before trading, for these parameters. */
  warmup(input: unknown): number;
  create(input: unknown): Strategy;
  describeParams(): ParamDoc[];
  /**
   * Informative inputs for these parameters (none when absent). Optional so definitions written
   * before informative inputs existed stay valid; `defineStrategy` always provides it.
   */
  informative?(input: unknown): readonly InformativeInput[];
}

export interface StrategySpec<S extends z.ZodType<Record<string, unknown>>> {
  id: string;
  name: string;
  description: string;
  params: S;
  warmup(params: z.output<S>): number;
  create(params: z.output<S>): Strategy;
  /** Other pairs and/or higher timeframes the strategy reads (see `InformativeInput`). Default: none. */
  informative?(params: z.output<S>): readonly InformativeInput[];
}

/** Builds a type-erased definition from a typed spec, so the registry can hold strategies of any params. */
export function defineStrategy<S extends z.ZodType<Record<string, unknown>>>(spec: StrategySpec<S>): StrategyDefinition {
  const parse = (input: unknown): z.output<S> => parseStrategyParams(spec.id, spec.params, input);
  return Object.freeze({
    id: spec.id,
    name: spec.name,
    description: spec.description,
    params: spec.params,
    parseParams: (input: unknown) => Object.freeze(parse(input)),
    warmup: (input: unknown) => spec.warmup(parse(input)),
    create: (input: unknown) => spec.create(parse(input)),
    describeParams: () => describeSchema(spec.params),
    informative: (input: unknown) => Object.freeze([...(spec.informative?.(parse(input)) ?? [])].map((i) => Object.freeze({ ...i }))),
  });
}

function parseStrategyParams<S extends z.ZodType>(id: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ path: ['params', ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ValidationError(`Invalid parameters for strategy ${id}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
}

/** A positive decimal parameter, kept as a string so it never passes through a float. */
export function decimalParam(description: string, options: { default: DecimalString; min?: DecimalString; max?: DecimalString }) {
  return decimalString({ greaterThan: options.min ?? '0', ...(options.max === undefined ? {} : { max: options.max }), example: '0.5' })
    .default(options.default)
    .describe(description);
}

/** The informative inputs a definition declares for these parameters ([] when it declares none). */
export function informativeInputs(definition: StrategyDefinition, params: unknown): readonly InformativeInput[] {
  return definition.informative?.(params) ?? NO_INPUTS;
}

const NO_INPUTS: readonly InformativeInput[] = Object.freeze([]);

/** One spelling per input, as the runners key their feeds: `ETH/BTC@1h`. */
export function informativeKey(symbol: string, timeframe: string): string {
  return `${symbol}@${timeframe}`;
}

// ---- Failure ----------------------------------------------------------------------------------------

/**
 * A strategy threw or returned something that is not a list of intents. The runner records it as an
 * event and carries on with the next candle: a bug in one strategy never kills the engine.
 */
export class StrategyError extends CtsError {
  readonly code = 'strategy_failed';
  constructor(
    readonly strategyId: string,
    readonly hook: 'onCandle' | 'onTick',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Strategy ${strategyId} failed in ${hook}: ${message}`, options);
  }
}

/** Calls a strategy hook; any throw (or a non-array result) becomes a StrategyError. */
export function invokeStrategy(
  strategyId: string,
  strategy: Strategy,
  hook: 'onCandle' | 'onTick',
  snapshot: StrategySnapshot,
): readonly Intent[] {
  let result: unknown;
  try {
    result = hook === 'onCandle' ? strategy.onCandle(snapshot) : (strategy.onTick?.(snapshot) ?? NO_INTENTS);
  } catch (error) {
    throw new StrategyError(strategyId, hook, error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (!Array.isArray(result)) throw new StrategyError(strategyId, hook, `returned ${typeof result}, expected an array of intents`);
  if (result.length === 0) return result as readonly Intent[];
  // A strategy is code from outside (user files): what it returns is checked before risk reads it.
  const checked = intentsSchema.safeParse(result);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${i.path.length > 0 ? `intents[${i.path.join('.')}]` : 'intents'}: ${i.message}`);
    throw new StrategyError(strategyId, hook, `returned an invalid intent: ${problems.slice(0, 3).join('; ')}`);
  }
  return result as readonly Intent[];
}

const positiveAmount = decimalString({ greaterThan: '0', example: '0.5' });
const size = z.union([z.object({ base: positiveAmount }).strict(), z.object({ quote: positiveAmount }).strict()]);
const timeInForce = z.enum(TIME_IN_FORCE).optional();
const limitOnly = (i: { price?: string | undefined; timeInForce?: TimeInForce | undefined }) => i.timeInForce === undefined || i.timeInForce === 'GTC' || i.price !== undefined;
const LIMIT_ONLY = { message: 'timeInForce IOC, FOK and PO need a limit price', path: ['timeInForce'] };
const intentsSchema = z.array(
  z.discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('enter'), side: z.enum(['long', 'short']), size, price: positiveAmount.optional(), reason: z.string().optional(), timeInForce })
      .strict()
      .refine(limitOnly, LIMIT_ONLY),
    z
      .object({ kind: z.literal('exit'), size: size.optional(), price: positiveAmount.optional(), reason: z.string().optional(), timeInForce })
      .strict()
      .refine(limitOnly, LIMIT_ONLY),
    z
      .object({ kind: z.literal('place'), side: z.enum(['buy', 'sell']), amount: positiveAmount, price: positiveAmount, tag: z.string().optional(), reason: z.string().optional(), timeInForce })
      .strict(),
    z.object({ kind: z.literal('cancel'), clientOrderId: z.string().min(1), reason: z.string().optional() }).strict(),
  ]),
);

/** The fee a venue took in the base asset, for the strategy's view of a fill (absent otherwise). */
export function baseFeeOf(fill: { readonly fee: DecimalString; readonly feeAsset: string | null }, base: string): { baseFee?: DecimalString } {
  return fill.feeAsset === base && !/^-?0(\.0+)?$/.test(fill.fee) ? { baseFee: fill.fee } : {};
}
