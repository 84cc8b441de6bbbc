import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConnectionService } from '../../connections/connection.service.js';
import {
  ConnectionId,
  ConnectionListSchema,
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

export function registerConnectionRoutes(app: FastifyInstance, connections: ConnectionService): void {
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
    handler: async () => {
      throw new NotImplementedError('Connection health monitoring arrives with the exchange layer; no probes run yet');
    },
  });

  route(app, {
    method: 'POST',
    url: `${BASE}/batch-test`,
    summary: 'Test many connections, batched per exchange',
    tags,
    handler: async () => {
      throw new NotImplementedError('Batch testing arrives with the exchange layer; no exchange can be reached yet');
    },
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
    summary: 'Change a connection (only the fields sent); changing credentials resets status to untested',
    tags,
    params: IdParams,
    body: UpdateConnectionBody,
    responses: { 200: ConnectionViewSchema },
    handler: async ({ params, body }) => connections.update(params.id, body),
  });

  route(app, {
    method: 'DELETE',
    url: `${BASE}/:id`,
    summary: 'Delete a connection (refused while its engine runs)',
    tags,
    params: IdParams,
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
    handler: async ({ params }) => {
      await connections.get(params.id);
      throw new NotImplementedError('Connection testing arrives with the exchange layer; no exchange can be reached yet');
    },
  });
}
