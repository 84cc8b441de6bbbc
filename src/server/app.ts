import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { BatchTestService } from '../connections/batch-test.service.js';
import type { ConnectionTestService } from '../connections/connection-test.service.js';
import type { ConnectionService } from '../connections/connection.service.js';
import type { HealthService } from '../connections/health.service.js';
import type { BacktestService } from '../engine/backtest/backtest.service.js';
import type { EngineService } from '../engine/engine.service.js';
import type { StrategyFilesService } from '../strategies-loader/strategy-files.service.js';
import { problem, problemFromError, sendProblem } from './problem.js';
import { MAX_HEADER_BYTES, MAX_PARAM_LENGTH, onClientError, onFrameworkError } from './router-errors.js';
import { installAdminAuth, installCors } from './security-hooks.js';
import { registerConnectionRoutes } from './routes/connections.routes.js';
import { registerBacktestRoutes } from './routes/backtests.routes.js';
import type { EngineControl } from '../cluster/control-forwarding-engine.js';
import { registerTradeEngineRoutes } from './routes/trade-engine.routes.js';
import { registerStrategyRoutes } from './routes/strategies.routes.js';
import { isUiNavigation, serveUi } from './static-ui.js';
import { collectRoutes } from '../ops/api-verifier.js';
import { installRequestMetrics, registerSystemRoutes, type SystemRouteDeps } from './routes/system.routes.js';

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  adminToken?: string | undefined;
  corsOrigin?: string | undefined;
  version: string;
  /** Directory of the built web UI (web/dist); the UI is not served when absent. */
  uiDirectory?: string | undefined;
}

export interface AppServices {
  connections: ConnectionService;
  connectionTests?: ConnectionTestService;
  health?: HealthService;
  batchTests?: BatchTestService;
  system?: Omit<SystemRouteDeps, 'routes'>;
  backtests?: BacktestService;
  engines?: EngineService;
  strategyFiles?: StrategyFilesService;
  /** Control and status calls of the trade engine routes, when they go through the cluster (default: `engines`). */
  engineControl?: EngineControl;
}

export async function buildApp(options: AppOptions, services: AppServices): Promise<FastifyInstance> {
  const app = Fastify({
    // pino 10's Logger type is wider than the pino 9 types Fastify was compiled against; same runtime API.
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    // Our zod parsing is the only validation and JSON.stringify the only serializer: the JSON schemas
    // attached to routes exist to describe the API, not to be enforced twice.
    ajv: { customOptions: { strict: false } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const routes = collectRoutes(app);
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // Only JSON bodies are accepted; Fastify answers 415 for any other content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  const uiServed = await serveUi(app, options.uiDirectory);
  installErrorHandling(app, uiServed);
  // CORS first: a browser's preflight carries no Authorization header.
  if (options.corsOrigin) installCors(app, options.corsOrigin);
  if (options.adminToken) installAdminAuth(app, options.adminToken);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'CTS API', version: options.version, description: 'Self-hosted crypto trading system' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: options.adminToken ? [{ bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (api) =>
    registerConnectionRoutes(api, {
      connections: services.connections,
      tests: services.connectionTests,
      health: services.health,
      batchTests: services.batchTests,
    }),
  );
  const backtests = services.backtests;
  if (backtests) await app.register(async (api) => registerBacktestRoutes(api, backtests));
  const engines = services.engines;
  const control = services.engineControl;
  if (engines) await app.register(async (api) => registerTradeEngineRoutes(api, engines, control ? { control } : {}));
  const strategyFiles = services.strategyFiles;
  if (strategyFiles) await app.register(async (api) => registerStrategyRoutes(api, strategyFiles));
  const system = services.system;
  if (system) {
    installRequestMetrics(app, system.metrics);
    await app.register(async (api) => registerSystemRoutes(api, { ...system, routes }));
  }
  return app;
}

function parseJsonBody(_request: unknown, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch {
    const error = new Error('The request body is not valid JSON') as FastifyError;
    error.statusCode = 400;
    done(error);
  }
}

function installErrorHandling(app: FastifyInstance, uiServed: boolean): void {
  app.setNotFoundHandler((request, reply) => {
    if (uiServed && isUiNavigation(request.method, request.url)) return reply.sendFile('index.html');
    return sendProblem(reply, problem(404, 'route-not-found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode;
    // Fastify's own client errors (bad JSON, too large, wrong content type) keep their status.
    if (status !== undefined && status >= 400 && status < 500 && !('code' in error && typeof error.code === 'string' && !error.code.startsWith('FST_'))) {
      return sendProblem(reply, problem(status, slugFor(status), clientMessage(error, status)));
    }
    const p = problemFromError(error);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, p);
  });
}

function slugFor(status: number): string {
  return { 400: 'bad-request', 404: 'not-found', 413: 'payload-too-large', 415: 'unsupported-media-type' }[status] ?? 'client-error';
}

function clientMessage(error: FastifyError, status: number): string {
  if (status === 415) return 'Send the body as JSON with "Content-Type: application/json"';
  if (status === 413) return 'The request body is larger than the configured limit';
  return error.message;
}
