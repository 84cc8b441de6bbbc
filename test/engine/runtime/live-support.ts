import path from 'node:path';
import type { RunningSimulator } from '../../../simulator/server.js';
import type { ManualClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import type { ConnectionTestResult } from '../../../src/domain/connection-test.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { EngineService, type EngineServiceDeps } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory } from '../../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../../src/exchanges/ccxt/ccxt-exchange.js';
import type { RequestGate } from '../../../src/ratelimit/request-gate.js';
import type { TestStore } from './support.js';

export const CSV = path.resolve(import.meta.dirname, '../../../data/XRP_USDT_USDT-1h-futures.csv');

/** A stored connection test result: passed, or failed at one step. */
export function testResult(outcome: 'ok' | 'failed', failedStep: 'reachability' | 'authentication' = 'reachability'): ConnectionTestResult {
  return {
    outcome,
    summary: outcome === 'ok' ? 'ok' : failedStep === 'authentication' ? 'authentication failed' : 'unreachable',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    simulated: false,
    steps: [{ name: failedStep, outcome: outcome === 'ok' ? 'ok' : 'failed', durationMs: 5, message: outcome === 'ok' ? 'ok' : `${failedStep} failed` }],
  };
}

/** Real network round trips to the simulator: wait (bounded, real time) until `check` holds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

export interface LiveServiceOptions {
  db: TestStore;
  clock: ManualClock;
  sim: RunningSimulator;
  ccxt: CcxtModules;
  gate: RequestGate;
  /** Connections by id (mutable: tests change their stored test results). */
  connections: Map<string, ConnectionView>;
  credentials: { apiKey: string; apiSecret: string; passphrase?: string };
  timeoutMs?: number;
  extra?: Partial<EngineServiceDeps>;
}

/** An engine service whose live connections trade through unmodified ccxt against the simulator. */
export function liveEngineService(o: LiveServiceOptions): EngineService {
  return new EngineService({
    connections: {
      get: async (id) => {
        const c = o.connections.get(id);
        if (!c) throw new NotFoundError(`No connection with id ${id}`);
        return c;
      },
      credentialsFor: async () => o.credentials,
    },
    strategies: new StrategyRegistry(),
    venues: createVenueFactory({
      clock: o.clock,
      replayCsvPath: CSV,
      openExchange: async (connection, credentials) =>
        createCcxtExchange({
          ccxt: o.ccxt,
          gate: o.gate,
          clock: o.clock,
          connection: { id: connection.id, exchange: connection.exchange, mode: 'live', credentials: credentials ?? null, marketTypes: ['spot'], proxyUrl: o.sim.url, timeoutMs: o.timeoutMs ?? 5_000 },
        }),
    }),
    engines: o.db.engines,
    orders: o.db.orders,
    events: new EngineEventBus({ log: o.db.events }),
    clock: o.clock,
    random: () => 0.5,
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    ...o.extra,
  });
}
