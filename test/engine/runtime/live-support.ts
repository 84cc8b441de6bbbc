import { getProfile } from '../../../src/exchanges/profiles/index.js';
import path from 'node:path';
import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { RunningSimulator } from '../../../simulator/server.js';
import type { ManualClock } from '../../../src/domain/clock.js';
import type { ConnectionView } from '../../../src/domain/connection.js';
import type { ConnectionTestResult } from '../../../src/domain/connection-test.js';
import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { EngineService, type EngineServiceDeps } from '../../../src/engine/engine.service.js';
import { EngineEventBus } from '../../../src/engine/events/event-bus.js';
import { createVenueFactory } from '../../../src/engine/runtime/venue.js';
import { StrategyRegistry } from '../../../src/engine/strategies/registry.js';
import type { CcxtModules } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange } from '../../../src/exchanges/ccxt/ccxt-exchange.js';
import { resetWsBudgets } from '../../../src/exchanges/ccxt/ws-budget.js';
import type { Exchange } from '../../../src/exchanges/exchange.port.js';
import type { RequestGate } from '../../../src/ratelimit/request-gate.js';
import type { CcxtSimulator } from '../../support/ccxt-simulator.js';
import { tempStore, type TestStore } from './support.js';

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
  /** Candles over the simulator's websockets where the exchange streams (default false: REST polling, as these tests step it). */
  streams?: boolean;
}

/** An engine service whose live connections trade through unmodified ccxt against the simulator. */
export function liveEngineService(o: LiveServiceOptions): EngineService {
  // Each service is one CTS process: its websocket budget starts empty (the last test's reconnects,
  // counted by the exchange in the same second, would otherwise hold this test's sockets back).
  resetWsBudgets();
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
      streams: o.streams ?? false,
      openExchange: async (connection, credentials) =>
        createCcxtExchange({
          ccxt: o.ccxt,
          gate: o.gate,
          clock: o.clock,
          connection: { id: connection.id, exchange: connection.exchange, mode: 'live', credentials: credentials ?? null, marketTypes: connection.marketTypes, proxyUrl: o.sim.url, timeoutMs: o.timeoutMs ?? 5_000 },
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

export interface SimulatorAccountOptions {
  exchange: ExchangeId;
  balances: Readonly<Record<string, string>>;
  /** A fresh store and account for every test (default), or one for the enclosing `describe`. */
  per?: 'test' | 'describe';
  /** Also open the ccxt adapter on the account, through the simulator's gate. */
  adapter?: { connectionId: string; timeoutMs: number };
}

/** What `useSimulatorAccount` opens; each getter is valid from the hook that opens it on. */
export interface SimulatorAccount {
  /** A real SQLite store with the real migrations. */
  readonly db: TestStore;
  readonly apiKey: string;
  readonly credentials: { apiKey: string; apiSecret: string; passphrase?: string };
  /** The ccxt adapter on the account; only with `adapter`. */
  readonly exchange: Exchange;
}

/**
 * A funded account on the simulator of `lab` (read when the hook runs, so a simulator the same
 * `describe` starts first is the one used) beside a real SQLite store, optionally with the ccxt
 * adapter on it: the setup of the engine tests that trade through the simulator. Afterwards the
 * simulator's faults are cleared, the adapter closed, the account removed and the store closed.
 */
export function useSimulatorAccount(lab: Pick<CcxtSimulator, 'sim' | 'ccxt' | 'gate'>, o: SimulatorAccountOptions): SimulatorAccount {
  let opened: { db: TestStore; apiKey: string; apiSecret: string; passphrase: string | undefined; exchange: Exchange | undefined } | undefined;
  const open = async (): Promise<void> => {
    const db = await tempStore();
    const apiKey = `ctskey${o.exchange}${ulid().slice(-8)}`;
    const raw = `cts${o.exchange}secret0123456789abcdef`;
    // Kraken secrets are base64 (ccxt signs with the decoded bytes).
    const apiSecret = o.exchange === 'kraken' ? Buffer.from(raw).toString('base64') : raw;
    // OKX keys come with a passphrase the exchange checks on every signed request.
    const passphrase = getProfile(o.exchange).credentials.passphrase ? 'ctsPassphrase1' : undefined;
    lab.sim.control.addAccount(o.exchange, { apiKey, secret: apiSecret, ...(passphrase ? { passphrase } : {}), balances: { ...o.balances } });
    const exchange = o.adapter
      ? await createCcxtExchange({
          ccxt: lab.ccxt,
          gate: lab.gate,
          connection: { id: o.adapter.connectionId, exchange: o.exchange, mode: 'live', credentials: { apiKey, apiSecret, ...(passphrase ? { passphrase } : {}) }, marketTypes: ['spot'], proxyUrl: lab.sim.url, timeoutMs: o.adapter.timeoutMs },
        })
      : undefined;
    opened = { db, apiKey, apiSecret, passphrase, exchange };
  };
  const close = async (): Promise<void> => {
    const current = opened;
    opened = undefined;
    if (!current) return;
    lab.sim.control.clearFaults();
    await current.exchange?.close();
    lab.sim.control.removeAccount(o.exchange, current.apiKey);
    await current.db.store.close();
  };
  if (o.per === 'describe') {
    beforeAll(open);
    afterAll(close);
  } else {
    beforeEach(open);
    afterEach(close);
  }
  const get = () => {
    if (!opened) throw new Error('the simulator account is opened in its before hook');
    return opened;
  };
  return {
    get db() {
      return get().db;
    },
    get apiKey() {
      return get().apiKey;
    },
    get credentials() {
      const { apiKey, apiSecret, passphrase } = get();
      return { apiKey, apiSecret, ...(passphrase ? { passphrase } : {}) };
    },
    get exchange() {
      const { exchange } = get();
      if (!exchange) throw new Error('useSimulatorAccount opens an adapter only with the adapter option');
      return exchange;
    },
  };
}
