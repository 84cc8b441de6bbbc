/**
 * The strategy SDK: everything a strategy file in the strategies folder may import, as `cts/strategy`.
 * The file loader points that specifier here, so a user's strategy shares these very modules (and their
 * error classes) with the engine. See docs/strategies.md.
 */
export { z } from 'zod';
export {
  NO_INTENTS,
  FLAT_POSITION,
  decimalParam,
  defineStrategy,
  type AssetBalance,
  type CancelIntent,
  type EnterIntent,
  type ExitIntent,
  type Intent,
  type OrderSize,
  type ParamDoc,
  type PlaceIntent,
  type Strategy,
  type StrategyDefinition,
  type StrategyFill,
  type StrategyOrder,
  type StrategyPosition,
  type StrategySnapshot,
  type StrategySpec,
} from '../engine/strategy.js';
export type { CandleField, CandleReader, CandleWindow } from '../domain/candles.js';
export { CrossDetector, RollingMean } from '../engine/strategies/indicators.js';
export type { DecimalString } from '../domain/money.js';
