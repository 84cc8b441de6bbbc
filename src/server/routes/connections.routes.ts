import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BatchTestService } from '../../connections/batch-test.service.js';
import type { ConnectionTestService } from '../../connections/connection-test.service.js';
import type { ConnectionService } from '../../connections/connection.service.js';
import type { HealthService } from '../../connections/health.service.js';
import {
  ConnectionId,
  ConnectionListSchema,
  ConnectionTestResultSchema,
  ConnectionViewSchema,
  CreateConnectionBody,
  ListConnectionsQuery,
  UpdateConnectionBody,
} from '../../connections/connection.schemas.js';
import { NotImplementedError } from '../../domain/errors.js';
import { route } from '../route.js';

const BASE = '/api/settings/connections';
const tags = ['connections'];
const IdParams = z.object({ id: ConnectionId }).strict();

export interface ConnectionRouteDeps {
  connections: ConnectionService;
  tests?: ConnectionTestService;
  health?: HealthService;
  batchTests?: BatchTestService;
}

const BatchTestBody = z
  .object({ ids: z.array(ConnectionId).min(1).max(500).optional().describe('Connections to test; omit to test every enabled one') })
  .strict();
const JobParams = z.object({ jobId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a job id') }).strict();

export function registerConnectionRoutes(app: FastifyInstance, deps: ConnectionRouteDeps): void {
  const { connections, tests, health, batchTests } = deps;
  const requireBatch = (): BatchTestService => {
    if (!batchTests) throw new NotImplementedError('Batch testing is not enabled in this process');
    return batchTests;
  };
  route(app, {
    method: 'GET',
    url: BASE,
    summary: 'List connections (filters: exchange, status, enabled, mode, marketType; pagination: limit, offset)',
    tags,
    query: ListConnectionsQuery,
    responses: { 200: ConnectionListSchema },
    handler: async ({ query }) => {
      const { limit, offset, ...filter } = query;
      return connections.list(filter, { limit, offset });
    },
  });

  route(app, {
    method: 'POST',
    url: BASE,
    summary: 'Create a connection (secrets are write-only)',
    tags,
    body: CreateConnectionBody,
    responses: { 201: ConnectionViewSchema },
    errors: [409],
    handler: async ({ body }, _req, reply) => {
      const created = await connections.create(body);
      reply.code(201).header('location', `${BASE}/${created.id}`);
      return created;
    },
  });

  // Registered before /:id so the static paths win.
  route(app, {
    method: 'GET',
    url: `${BASE}/health`,
    summary: 'Health of all connections',
    tags,
    errors: [501],
    handler: async () => {
      if (!health) throw new NotImplementedError('Connection health monitoring is not enabled in this process');
      return health.report();
    },
  });

  route(app, {
    method: 'POST',
    url: `${BASE}/batch-test`,
    summary: 'Start a batch test of the given connections (or all enabled: send {}), batched per exchange; poll the job',
    tags,
    body: BatchTestBody,
    responses: { 202: z.unknown() },
    errors: [501],
    handler: async ({ body }, _req, reply) => {
      const job = await requireBatch().start(body.ids);
      reply.code(202).header('location', `${BASE}/batch-test/${job.jobId}`);
      return job;
    },
  });

  route(app, {
    method: 'GET',
    url: `${BASE}/batch-test/:jobId`,
    summary: 'Progress and per-connection results of a batch test',
    tags,
    errors: [501],
    params: JobParams,
    handler: async ({ params }) => requireBatch().get(params.jobId),
  });

  route(app, {
    method: 'DELETE',
    url: `${BASE}/batch-test/:jobId`,
    summary: 'Cancel a running batch test (pending connections are not tested)',
    tags,
    errors: [501],
    params: JobParams,
    handler: async ({ params }) => requireBatch().cancel(params.jobId),
  });

  route(app, {
    method: 'GET',
    url: `${BASE}/:id`,
    summary: 'One connection',
    tags,
    params: IdParams,
    responses: { 200: ConnectionViewSchema },
    handler: async ({ params }) => connections.get(params.id),
  });

  route(app, {
    method: 'PATCH',
    url: `${BASE}/:id`,
    summary:
      'Change a connection (only the fields sent); changing credentials, exchange, mode or market types resets status to untested. 409 while an engine runs on it, for exchange, mode, market types, credentials or enabled:false',
    tags,
    params: IdParams,
    body: UpdateConnectionBody,
    responses: { 200: ConnectionViewSchema },
    errors: [409],
    handler: async ({ params, body }) => connections.update(params.id, body),
  });

  route(app, {
    method: 'DELETE',
    url: `${BASE}/:id`,
    summary: 'Delete a connection (refused while its engine runs)',
    tags,
    params: IdParams,
    responses: { 204: z.void() },
    errors: [409],
    handler: async ({ params }, _req, reply) => {
      await connections.delete(params.id);
      return reply.code(204).send();
    },
  });

  route(app, {
    method: 'POST',
    url: `${BASE}/:id/test`,
    summary: 'Test one connection step by step',
    tags,
    params: IdParams,
    responses: { 200: ConnectionTestResultSchema },
    errors: [501],
    handler: async ({ params }) => {
      if (!tests) throw new NotImplementedError('Connection testing is not enabled in this process');
      return tests.test(params.id);
    },
  });
}
