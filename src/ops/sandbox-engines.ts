import type { Clock } from '../domain/clock.js';
import type { ConnectionView } from '../domain/connection.js';
import { EngineService } from '../engine/engine.service.js';
import { EngineEventBus } from '../engine/events/event-bus.js';
import { createVenueFactory, type VenueFactory } from '../engine/runtime/venue.js';
import { StrategyRegistry } from '../engine/strategies/registry.js';
import { openStore, type Store } from '../store/database.js';
import { SqlEngineRepository, SqlEventLog } from '../store/engine.repository.js';
import { SqlOrderRepository } from '../store/order.repository.js';

export interface SandboxEngines {
  engines: EngineService;
  connection: ConnectionView;
  store: Store;
  close(): Promise<void>;
}

/**
 * An engine service on its own temporary SQLite, trading one synthetic replay connection: for the
 * self-test and the engine benchmark, which must never touch a user's connections or data.
 */
export async function createSandboxEngines(options: {
  dataDir: string;
  clock: Clock;
  replayCsvPath: string;
  /** Lets a benchmark observe the venue (feed and exchange) the engine trades on. */
  wrapVenues?: (venues: VenueFactory) => VenueFactory;
}): Promise<SandboxEngines> {
  const store = await openStore({ dataDir: options.dataDir });
  const connection: ConnectionView = {
    id: 'sandbox-replay', name: 'Sandbox replay', exchange: 'binance', marketTypes: ['spot'], mode: 'replay', enabled: true,
    status: 'ok', apiKey: null, hasApiSecret: false, hasPassphrase: false, rateLimitTier: null, lastTestAt: null, lastTestResult: null,
    createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(),
  };
  const venues = createVenueFactory({
    openExchange: () => Promise.reject(new Error('the sandbox never opens a real exchange')),
    clock: options.clock,
    replayCsvPath: options.replayCsvPath,
  });
  const engines = new EngineService({
    connections: { get: async () => connection, credentialsFor: async () => undefined },
    strategies: new StrategyRegistry(),
    venues: options.wrapVenues ? options.wrapVenues(venues) : venues,
    engines: new SqlEngineRepository(store.db),
    orders: new SqlOrderRepository(store.db),
    events: new EngineEventBus({ log: new SqlEventLog(store.db) }),
    clock: options.clock,
  });
  return {
    engines,
    connection,
    store,
    async close() {
      await engines.shutdown();
      await store.close();
    },
  };
}
