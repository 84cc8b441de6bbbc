import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/config.js';
import { ConnectionService } from './connections/connection.service.js';
import { BatchTestService } from './connections/batch-test.service.js';
import { ConnectionTestService } from './connections/connection-test.service.js';
import { seedDemoConnection } from './connections/demo-connection.js';
import { HealthService } from './connections/health.service.js';
import { systemClock, type Clock } from './domain/clock.js';
import { ExchangeProvider } from './exchanges/exchange-provider.js';
import { createExchangeGate } from './ratelimit/setup.js';
import { Metrics } from './ops/metrics.js';
import { runStartupChecks } from './ops/startup-checks.js';
import { SystemStatusService } from './ops/system-status.js';
import { unlockSecrets } from './security/key-manager.js';
import { buildApp } from './server/app.js';
import { createLogger } from './server/logger.js';
import { findUiDirectory } from './server/static-ui.js';
import { SqlConnectionRepository } from './store/connection.repository.js';
import { openStore, type Store } from './store/database.js';
import { acquireProcessLock } from './store/process-lock.js';
import { MetaRepository } from './store/meta.repository.js';
import { packageVersion } from './version.js';

export interface System {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  connections: ConnectionService;
  /** Set once listening. */
  url?: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root's body: config → store → key → services → server. `main.ts` adds process
 * concerns (signals, exit codes); tests call this directly with a temp data dir.
 */
export interface SystemOptions {
  logDestination?: DestinationStream;
  clock?: Clock;
}

export async function createSystem(config: Config, options: SystemOptions = {}): Promise<System> {
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logDestination);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  let releaseLock: (() => void) | undefined;
  // Closed in reverse order on shutdown or a failed start.
  const resources: (() => Promise<void>)[] = [];
  try {
    releaseLock = acquireProcessLock(config.dataDir);
    const meta = new MetaRepository(store.db);
    const unlocked = await unlockSecrets({ dataDir: config.dataDir, envKey: config.masterKeyFromEnv, meta });
    logger.info({ keySource: unlocked.source, event: unlocked.event, storage: store.backend }, 'master key loaded');

    const connections = new ConnectionService({ repository: new SqlConnectionRepository(store.db), secrets: unlocked.box });
    if (config.seedDemoConnection) await seedDemoConnection(meta, connections, logger);

    const limits = createExchangeGate({ clock, redisUrl: config.redisUrl });
    resources.push(() => limits.close());
    const exchanges = new ExchangeProvider({ gate: limits.gate, clock, proxyUrl: config.exchangeProxyUrl, timeoutMs: config.testTimeoutMs });
    const connectionTests = new ConnectionTestService({ connections, openExchange: exchanges.open, clock, timeoutMs: config.testTimeoutMs });
    const batchTests = new BatchTestService({ connections, tests: connectionTests, clock, itemTimeoutMs: config.testTimeoutMs + 5_000 });
    const health = new HealthService({
      connections,
      openExchange: exchanges.open,
      clock,
      intervalMs: config.healthIntervalMs,
      probeTimeoutMs: config.testTimeoutMs,
    });
    limits.limiter.on((event) => {
      if (event.type === 'paused') health.applyPause(event.scope, event.until, event.reason);
    });
    connections.onChange(() => {
      health.refresh().catch((error: unknown) => logger.error({ err: error }, 'health refresh failed'));
    });

    const verifyStartup = () =>
      runStartupChecks({ config, store, keyEvent: unlocked.event, keySource: unlocked.source, ...(limits.pingRedis ? { pingRedis: limits.pingRedis } : {}) });
    const startupReport = await verifyStartup();
    for (const step of startupReport.steps) {
      if (step.outcome === 'failed') logger.error({ check: step.name }, step.message);
    }
    const metrics = new Metrics();
    const version = packageVersion();
    const status = new SystemStatusService({
      version,
      store,
      countConnectionsByStatus: () => connections.countByStatus(),
      contributors: { rateLimitPauses: () => limits.pauses() },
    });

    const app = await buildApp(
      {
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
        adminToken: config.adminToken,
        corsOrigin: config.corsOrigin,
        version,
        uiDirectory: findUiDirectory(),
      },
      { connections, connectionTests, health, batchTests, system: { status, verifyStartup, startupReport, metrics } },
    );

    const system: System = {
      app,
      store,
      logger,
      connections,
      async listen() {
        const address = await app.listen({ host: config.host, port: config.port });
        await health.start();
        system.url = address;
        return address;
      },
      async close() {
        status.stop();
        await batchTests.stop();
        await health.stop();
        await app.close();
        for (const close of resources.reverse()) await close();
        await store.close();
        releaseLock?.();
      },
    };
    return system;
  } catch (error) {
    for (const close of resources.reverse()) await close().catch(() => undefined);
    await store.close();
    releaseLock?.();
    throw error;
  }
}
