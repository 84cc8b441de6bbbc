import { z } from 'zod';
import type { ConnectionView } from '../../domain/connection.js';
import { ValidationError } from '../../domain/errors.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { timeframeMs } from '../backtest/timeframe.js';
import { parseRiskConfig, type RiskConfig } from '../risk.js';
import type { StrategyDefinition } from '../strategy.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { EngineOptions } from './ports.js';

/**
 * Start configuration: the request shape (also the HTTP body) and the checks that run before an engine
 * may start, each refusing with a message that says what to change.
 */

export const engineOptionsSchema = z
  .object({
    cancelOrdersOnStop: z.boolean().default(true).describe('Cancel open orders when the engine is stopped by a user'),
    cancelOrdersOnShutdown: z.boolean().default(false).describe('Cancel open orders when the process shuts down (otherwise they are reconciled on restart)'),
    resumeOnRestart: z.boolean().default(true).describe('Start the engine again when the process restarts, if it was running'),
    maxConsecutiveFailures: z.number().int().min(1).max(1000).default(5).describe('Failed ticks in a row before the engine goes to error'),
    replaySpeed: z.number().gt(0).max(10_000).default(10).describe('Replay only: candles played per second'),
  })
  .strict();

export const startEngineSchema = z
  .object({
    connectionId: z.string().min(1).max(40),
    strategy: z.string().min(1).max(60),
    params: z.record(z.string(), z.unknown()).default({}),
    symbol: z.string().min(3).max(60),
    timeframe: z.string().min(2).max(10).default('1h'),
    risk: z.record(z.string(), z.unknown()).default({}),
    options: engineOptionsSchema.default(engineOptionsSchema.parse({})),
  })
  .strict();

export type StartEngineInput = z.input<typeof startEngineSchema>;
export type StartEngineRequest = z.output<typeof startEngineSchema>;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = engineOptionsSchema.parse({});

/** Connection statuses a live/testnet engine may start on: tested and working (degraded = slow, still working). */
const TRADABLE_STATUSES = new Set(['ok', 'degraded']);

export function checkConnection(connection: ConnectionView): void {
  const field = [{ path: 'connectionId', message: 'not usable for trading' }];
  if (!connection.enabled) {
    throw new ValidationError(`Connection "${connection.name}" is disabled; enable it before starting an engine`, field);
  }
  if ((connection.mode === 'live' || connection.mode === 'testnet') && !TRADABLE_STATUSES.has(connection.status)) {
    throw new ValidationError(
      `Connection "${connection.name}" is ${connection.status}; a ${connection.mode} engine needs a connection whose last test passed (POST /api/settings/connections/${connection.id}/test)`,
      field,
    );
  }
}

export interface CheckedConfig {
  definition: StrategyDefinition;
  params: Readonly<Record<string, unknown>>;
  risk: RiskConfig;
  timeframeMs: number;
  warmup: number;
}

/** Strategy known, params valid for it, risk sane, timeframe readable. */
export function checkStrategyAndRisk(request: StartEngineRequest, strategies: StrategyRegistry): CheckedConfig {
  const definition = strategies.get(request.strategy);
  const params = definition.parseParams(request.params);
  const risk = parseRiskConfig(request.risk);
  const ms = timeframeMs(request.timeframe);
  return { definition, params, risk, timeframeMs: ms, warmup: definition.warmup(params) };
}

/** The symbol must be an active market of the venue. */
export function pickMarket(markets: readonly Market[], symbol: string, where: string): Market {
  const market = markets.find((m) => m.symbol === symbol);
  if (!market) {
    const some = markets.slice(0, 10).map((m) => m.symbol).join(', ');
    throw new ValidationError(`${symbol} is not a market on ${where}; available: ${some}${markets.length > 10 ? ', …' : ''}`, [
      { path: 'symbol', message: 'unknown market' },
    ]);
  }
  if (!market.active) throw new ValidationError(`${symbol} is not trading on ${where} (market inactive)`, [{ path: 'symbol', message: 'inactive market' }]);
  return market;
}
