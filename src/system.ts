import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/config.js';
import { ConnectionService } from './connections/connection.service.js';
import { BatchTestService } from './connections/batch-test.service.js';
import { createCluster } from './cluster/setup.js';
import { ConnectionTestService } from './connections/connection-test.service.js';
import { seedDemoConnection } from './connections/demo-connection.js';
import { HealthService } from './connections/health.service.js';
import { systemClock, type Clock } from './domain/clock.js';
import { BacktestService } from './engine/backtest/backtest.service.js';
import { findBundledDir } from './engine/backtest/data-source.js';
import { StrategyRegistry } from './engine/strategies/registry.js';
import { configSecrets } from './strategies-loader/config-secrets.js';
import { StrategyFilesService } from './strategies-loader/strategy-files.service.js';
import { EngineService } from './engine/engine.service.js';
import { EngineEventBus } from './engine/events/event-bus.js';
import { createVenueFactory, replayMarket, simulatedAccount } from './engine/runtime/venue.js';
import { SimulatedConnectionExchange } from './exchanges/simulated/simulated-connection.js';
import { ExchangeProvider } from './exchanges/exchange-provider.js';
import { krakenLimits } from './exchanges/profiles/kraken.limits.js';
import { createExchangeGate } from './exchanges/exchange-gate.js';
import { runIntegrationTest } from './ops/integration-test.js';
import { Metrics } from './ops/metrics.js';
import { assertDatabaseNotLost, assertSqliteNotLost } from './ops/installation-guard.js';
import { runStartupChecks } from './ops/startup-checks.js';
import { SystemStatusService } from './ops/system-status.js';
import { unlockSecrets } from './security/key-manager.js';
import { buildApp } from './server/app.js';
import { createLogger } from './server/logger.js';
import { problem, problemFromError } from './server/problem.js';
import { findUiDirectory } from './server/static-ui.js';
import { SqlBacktestRepository } from './store/backtest.repository.js';
import { CachedConnectionRepository } from './store/cached-connection.repository.js';
import { SqlConnectionRepository } from './store/connection.repository.js';
import { SqlEngineRepository, SqlEventLog } from './store/engine.repository.js';
import { SqlOrderRepository } from './store/order.repository.js';
import { openStore, type Store } from './store/database.js';
import { acquireProcessLock } from './store/process-lock.js';
import { SqlPauseJournal } from './store/rate-limit-pause.repository.js';
import { MetaRepository } from './store/meta.repository.js';
import { packageVersion } from './version.js';

export interface System {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  connections: ConnectionService;
  /** Set once listening. */
  url?: string;
  /** `stopRequested`: a signal arrived during start-up; engines are then not resumed. */
  listen(options?: { stopRequested?: () => boolean }): Promise<string>;
  /** Stops the engines FIRST (no order may reach an exchange after a shutdown began), then drains HTTP and closes the rest. */
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

/**
 * `app.close()` lets requests in flight finish, but Node closes only the keep-alive sockets idle at
 * that moment: one whose response is sent later stays open until the keep-alive timeout (72 s in
 * Fastify) and holds the close past any supervisor's patience. Sweep them as they go idle.
 */
async function drainHttp(app: FastifyInstance): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}

export async function createSystem(config: Config, options: SystemOptions = {}): Promise<System> {
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logDestination);
  assertSqliteNotLost(config);
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    ...(config.pgSchema ? { pgSchema: config.pgSchema } : {}),
    // A lost connection is survivable (the pool dials again); what must not happen is silence or an exit.
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
    onAvailabilityChange: (state) =>
      state.available
        ? logger.warn('database reachable again')
        : logger.error({ since: state.since, reason: state.reason }, 'database unreachable: storage-dependent actions are refused, /readyz answers 503'),
  });
  let releaseLock: (() => void) | undefined;
  // Closed in reverse order on shutdown or a failed start.
  const resources: (() => Promise<void>)[] = [];
  try {
    releaseLock = acquireProcessLock(config.dataDir);
    const meta = new MetaRepository(store.db);
    await assertDatabaseNotLost({ dataDir: config.dataDir, location: store.location, allowNewDatabase: config.allowNewDatabase, meta });
    const unlocked = await unlockSecrets({ dataDir: config.dataDir, envKey: config.masterKeyFromEnv, meta });
    logger.info({ keySource: unlocked.source, event: unlocked.event, storage: store.backend }, 'master key loaded');

    // Bound late: the engines need the connections, and deleting a connection asks the engines first.
    const engineRef: { current?: EngineService } = {};
    const usage = {
      isInUse: async (id: string) => (await engineRef.current?.isInUse(id)) ?? false,
      activeEngine: async (id: string) => (await engineRef.current?.activeEngine(id)) ?? null,
    };
    // SQLite has one writer (the data-dir lock), so connections can be served from memory; Postgres may have several.
    const sqlConnections = new SqlConnectionRepository(store.db);
    const connectionRepository = store.backend === 'sqlite' ? new CachedConnectionRepository(sqlConnections) : sqlConnections;
    const connections = new ConnectionService({ repository: connectionRepository, secrets: unlocked.box, usage });
    if (config.seedDemoConnection) await seedDemoConnection(meta, connections, logger);

    const metrics = new Metrics();
    const limits = createExchangeGate({ clock, redisUrl: config.redisUrl, journal: new SqlPauseJournal(store.db) });
    resources.push(() => limits.close());
    const exchanges = new ExchangeProvider({
      configureLimits: (c) => {
        if (c.exchange === 'kraken') limits.gate.useAccountProfile(c.id, krakenLimits({ tier: c.rateLimitTier ?? 'starter' }));
      },
      gate: metrics.instrumentGate(limits.gate),
      clock,
      proxyUrl: config.exchangeProxyUrl,
      timeoutMs: config.testTimeoutMs,
    });
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
      if (event.type === 'paused') metrics.limiterPauses.inc({ exchange: event.scope.split('|')[0] ?? 'unknown', kind: event.reason.includes('banned') ? 'ban' : 'pause' });
      if (event.type === 'paused') health.applyPause(event.scope, event.until, event.reason);
      if (event.type === 'journal-failed') logger.warn({ err: event.error, scope: event.scope }, 'rate-limit pause not stored: a restart would forget it');
    });
    // Before any exchange request of this process: a ban from before a restart still holds.
    const restoredPauses = await limits.restorePauses();
    if (restoredPauses.length > 0) logger.warn({ pauses: restoredPauses }, 'rate-limit pauses from before the restart still in force');
    connections.onChange(() => {
      health.refresh().catch((error: unknown) => logger.error({ err: error }, 'health refresh failed'));
    });

    // Paper and replay connections are tested and probed against their simulated account; paper also
    // against the real exchange's public data it trades on.
    exchanges.setSimulatedOpener(async (connection) => {
      const account = simulatedAccount(`${connection.mode}:${connection.exchange}`, replayMarket('XRP/USDT'));
      const publicData = connection.mode === 'paper' ? await exchanges.open({ ...connection, mode: 'live' }, undefined) : null;
      return new SimulatedConnectionExchange({ account, publicData, clock });
    });

    const strategies = new StrategyRegistry();
    const strategyFiles = new StrategyFilesService({ dir: config.strategiesDir, registry: strategies, secrets: configSecrets(config), log: logger, now: () => clock.now() });
    resources.push(() => strategyFiles.close());
    // Before engines resume: an engine of a file strategy finds its definition.
    await strategyFiles.reload();
    const backtests = new BacktestService({
      repository: new SqlBacktestRepository(store.db),
      registry: strategies,
      sources: {
        bundledDir: findBundledDir(),
        cacheDir: path.join(config.dataDir, 'cache'),
        exchangeFor: async (id) => exchanges.open(await connections.get(id), await connections.credentialsFor(id)),
      },
      now: () => clock.now(),
      onError: (error, id) => logger.warn({ err: error, backtest: id }, 'backtest failed'),
    });
    await backtests.init();
    resources.push(() => backtests.close());

    // Postgres: several processes may share the installation (leases, membership, event fan-out).
    const eventLog = new SqlEventLog(store.db);
    const cluster = await createCluster({
      store,
      eventLog,
      clock,
      logger,
      redisUrl: config.redisUrl,
      leaseTtlMs: config.leaseTtlMs,
      scanMs: config.clusterScanMs,
      databaseUrl: config.databaseUrl,
      controlAckTimeoutMs: config.controlAckTimeoutMs,
      controlResultTimeoutMs: config.controlResultTimeoutMs,
    });
    if (cluster) resources.push(() => cluster.close()); // closes after the engines released their leases
    const engineEvents = new EngineEventBus({ log: eventLog, ...(cluster ? { transport: cluster.transport } : {}) });
    // With several processes this sees every process's events (fanned out): the counters are cluster-wide.
    engineEvents.subscribe((event) => metrics.engineEvents.inc({ type: event.type }));
    const engines = new EngineService({
      connections,
      connectionTests,
      strategies,
      venues: createVenueFactory({ openExchange: exchanges.open, clock, replayCsvPath: path.join(findBundledDir(), 'XRP_USDT_USDT-1h-futures.csv') }),
      engines: new SqlEngineRepository(store.db, {
        onMalformed: (engineId, problem) => {
          logger.error({ engine: engineId }, problem);
          engineEvents.publish({ engineId, type: 'engine.record_invalid', payload: { error: problem }, time: new Date(clock.now()).toISOString() }).catch(() => undefined);
        },
      }),
      orders: new SqlOrderRepository(store.db),
      events: engineEvents,
      ...(cluster ? { ownership: cluster.ownership } : {}),
      clock,
    });
    engineRef.current = engines;
    // Several processes: control requests reach the engine's owner wherever they arrive.
    const engineControl = cluster ? await cluster.engineControl(engines, { fromError: problemFromError, make: problem }) : engines;
    let enginesStopped: Promise<void> | undefined;
    // Takeover stops first (a stopping process must not take back the engines it is releasing), then
    // every engine stops. `close` runs this before draining HTTP; as a resource (after the backtests)
    // it also runs on a failed start-up, before the exchanges close.
    const stopEngines = (): Promise<void> =>
      (enginesStopped ??= (async () => {
        await cluster?.stopTakeover();
        await engines.shutdown();
      })());
    resources.push(stopEngines);

    const startupFacts = { config, store, keyEvent: unlocked.event, keySource: unlocked.source, ...(limits.pingRedis ? { pingRedis: limits.pingRedis } : {}) };
    const verifyStartup = () => runStartupChecks(startupFacts, { integrity: 'fresh' });
    const readiness = () => runStartupChecks(startupFacts, { integrity: 'cached' });
    const startupReport = await readiness(); // the file was quick_checked as it opened
    for (const step of startupReport.steps) {
      if (step.outcome === 'failed') logger.error({ check: step.name }, step.message);
    }
    const version = packageVersion();
    const enginesByState = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = {};
      for (const engine of await engines.statusAll()) counts[engine.state] = (counts[engine.state] ?? 0) + 1;
      return counts;
    };
    metrics.gaugeEngineStates(enginesByState);
    metrics.gaugeFeeds(async () => (await engines.statusAll()).flatMap((e) => (e.feed ? [{ engine: e.id, connection: e.connectionId, feed: e.feed }] : [])));
    metrics.gaugeOrderStreams(async () => (await engines.statusAll()).flatMap((e) => (e.accountFeed ? [{ engine: e.id, connection: e.connectionId, feed: e.accountFeed }] : [])));
    const status = new SystemStatusService({
      version,
      store,
      countConnectionsByStatus: () => connections.countByStatus(),
      contributors: {
        rateLimitPauses: () => limits.pauses(),
        ...(cluster ? { clusterMembers: () => cluster.members() } : {}),
        enginesByState,
      },
    });

    const replayCsvPath = path.join(findBundledDir(), 'XRP_USDT_USDT-1h-futures.csv');
    const app = await buildApp(
      {
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
        adminToken: config.adminToken,
        corsOrigin: config.corsOrigin,
        version,
        uiDirectory: findUiDirectory(),
      },
      {
        connections,
        connectionTests,
        health,
        batchTests,
        backtests,
        engines,
        strategyFiles,
        engineControl,
        system: { status, verifyStartup, readiness, startupReport, metrics, integrationTest: () => runIntegrationTest({ store, clock, replayCsvPath }) },
      },
    );

    const system: System = {
      app,
      store,
      logger,
      connections,
      async listen(options = {}) {
        const stopRequested = options.stopRequested ?? (() => false);
        const address = await app.listen({ host: config.host, port: config.port });
        // Restored pauses reach the health of the connections they stop before the first probe.
        await health.refresh();
        for (const pause of await limits.pauses()) health.applyPause(pause.scope, pause.until, pause.reason);
        await health.start();
        await cluster?.join(address);
        // A signal during start-up: no engine starts trading only to be stopped again.
        if (!stopRequested()) await engines.resumeAll();
        if (!stopRequested()) cluster?.startTakeover(() => engines.resumeAll());
        system.url = address;
        return address;
      },
      async close() {
        status.stop();
        // Engines before HTTP: draining can wait for a slow request (a connection test: seconds), and
        // an engine must not keep trading meanwhile.
        await stopEngines();
        await batchTests.stop();
        await health.stop();
        await drainHttp(app);
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
