import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../ops/metrics.js';
import { probeRoutes, type RegisteredRoute } from '../../ops/api-verifier.js';
import type { CheckReport } from '../../ops/check.js';
import type { SystemStatusService } from '../../ops/system-status.js';
import { ConflictError, NotImplementedError } from '../../domain/errors.js';
import { route } from '../route.js';

export interface SystemRouteDeps {
  status: SystemStatusService;
  verifyStartup: () => Promise<CheckReport>;
  /** The report from the actual start, kept for readiness. */
  startupReport: CheckReport;
  /** The checks `/readyz` runs (cheaper than `verifyStartup`: no full page scan); default `verifyStartup`. */
  readiness?: () => Promise<CheckReport>;
  routes: RegisteredRoute[];
  metrics: Metrics;
  /** The sandboxed end-to-end self-test. */
  integrationTest?: () => Promise<CheckReport>;
}

export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  const tags = ['system'];
  route(app, {
    method: 'GET',
    url: '/api/system/status',
    summary: 'Process, storage, engines, connections, rate-limit pauses, versions',
    tags,
    handler: async () => deps.status.status(),
  });
  route(app, {
    method: 'GET',
    url: '/api/system/verify-startup',
    summary: 'Startup checks (config, data dir, key material, storage, migrations, Redis) re-run now',
    tags,
    handler: async () => deps.verifyStartup(),
  });
  let selfTestRunning = false;
  route(app, {
    method: 'POST',
    url: '/api/system/integration-test',
    summary: 'End-to-end self-test in a sandbox (own simulator, key and temporary database): storage, secrets, exchange adapter, connection test, engine order → fill → stop',
    tags,
    errors: [409, 501],
    handler: async () => {
      if (!deps.integrationTest) throw new NotImplementedError('The self-test is not available in this process');
      if (selfTestRunning) throw new ConflictError('A self-test is already running');
      selfTestRunning = true;
      try {
        return await deps.integrationTest();
      } finally {
        selfTestRunning = false;
      }
    },
  });

  route(app, {
    method: 'GET',
    url: '/api/system/verify-apis',
    summary: 'Every registered route with a safe probe of it',
    tags,
    handler: async () => {
      const probes = await probeRoutes(app, deps.routes);
      const outcome = probes.some((p) => p.outcome === 'failed') ? 'failed' : 'ok';
      return { outcome, checkedAt: new Date().toISOString(), routes: probes };
    },
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    // 503 with the failing step's reason while the database (or Redis) is unreachable; 200 once it answers.
    const report = await (deps.readiness ?? deps.verifyStartup)();
    const ready = report.outcome !== 'failed';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: report.steps });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/** Counts every request by its route pattern (not its raw URL, which would explode label cardinality). */
export function installRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const routePattern = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route: routePattern, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route: routePattern }, reply.elapsedTime / 1000);
  });
}
