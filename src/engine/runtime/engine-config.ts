import type { ConnectionView } from '../../domain/connection.js';
import { ConnectionNotTestedError, ValidationError } from '../../domain/errors.js';
import type { Market } from '../../exchanges/exchange.port.js';
import { timeframeMs } from '../../domain/timeframe.js';
import { parseRiskConfig, type RiskConfig } from '../risk.js';
import type { StrategyDefinition } from '../strategy.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { StartEngineRequest } from '../../domain/engine-start.js';

/**
 * Start configuration: the request shape (also the HTTP body) and the checks that run before an engine
 * may start, each refusing with a message that says what to change.
 */

/**
 * A live/testnet connection whose last connection test did not pass (failed, never ran, or was
 * invalidated by an edit): a refusal of the current state (409), which a new passing test lifts.
 * Resume after a restart tells it apart from other refusals and re-tests instead of giving up.
 */
export { ConnectionNotTestedError };

/**
 * The start gate. For live/testnet the LAST CONNECTION TEST decides, not the health status: the
 * health monitor may call a connection `degraded` (slow) or `ok` from probes of public endpoints while
 * its last test — the only check of key, permissions and balances — failed.
 */
export function checkConnection(connection: ConnectionView): void {
  const field = [{ path: 'connectionId', message: 'not usable for trading' }];
  if (!connection.enabled) {
    throw new ValidationError(`Connection "${connection.name}" is disabled; enable it before starting an engine`, field);
  }
  if (connection.mode !== 'live' && connection.mode !== 'testnet') return;
  const test = connection.lastTestResult;
  // `untested`: an edit since the stored test (credentials, exchange, mode…) means it no longer applies.
  const passed = test !== null && test.outcome !== 'failed' && connection.status !== 'untested';
  if (passed) return;
  const why = test === null || connection.status === 'untested' ? 'has not been tested since it was last changed' : `failed its last test (${test.summary})`;
  throw new ConnectionNotTestedError(
    `Connection "${connection.name}" ${why}; a ${connection.mode} engine needs a connection whose last test passed (POST /api/settings/connections/${connection.id}/test)`,
    connection.id,
  );
}

/** The timeframe must be one the venue offers (ccxt's `timeframes` for live/testnet), checked before anything is sent. */
export function checkTimeframe(offered: readonly string[] | undefined, timeframe: string, where: string): void {
  if (offered === undefined || offered.includes(timeframe)) return;
  throw new ValidationError(`${where} does not offer the timeframe "${timeframe}"; it offers: ${offered.join(', ')}`, [
    { path: 'timeframe', message: 'not offered by this exchange' },
  ]);
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
