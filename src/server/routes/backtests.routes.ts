import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BacktestService } from '../../engine/backtest/backtest.service.js';
import { backtestRequestSchema, sweepRequestSchema } from '../../engine/backtest/config.js';
import { route } from '../route.js';

const BASE = '/api/backtests';
const tags = ['backtests'];
const IdParams = z.object({ id: z.string().min(1).max(40) }).strict();
const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
const Accepted = z.object({ id: z.string() });

/**
 * Backtests run asynchronously: POST answers 202 with the id and a Location; GET /{id} shows progress
 * while it runs, then the report (or the sweep's ranked results). Sweeps share the same ids and list.
 */
export function registerBacktestRoutes(app: FastifyInstance, backtests: BacktestService): void {
  route(app, {
    method: 'POST',
    url: BASE,
    summary: 'Start a backtest (runs in the background; poll GET /api/backtests/{id})',
    tags,
    body: backtestRequestSchema,
    responses: { 202: Accepted },
    // Exchange data: the connection must exist, and its candles are fetched before the answer.
    errors: [404, 429, 502, 503],
    handler: async ({ body }, _req, reply) => {
      const { id } = await backtests.start(body);
      reply.code(202).header('location', `${BASE}/${id}`);
      return { id };
    },
  });

  route(app, {
    method: 'POST',
    url: `${BASE}/sweeps`,
    summary: 'Start a parameter sweep: every combination of a grid, on worker threads, ranked by a metric',
    tags,
    body: sweepRequestSchema,
    responses: { 202: Accepted },
    // Exchange data: the connection must exist, and its candles are fetched before the answer.
    errors: [404, 429, 502, 503],
    handler: async ({ body }, _req, reply) => {
      const { id } = await backtests.startSweep(body);
      reply.code(202).header('location', `${BASE}/${id}`);
      return { id };
    },
  });

  route(app, {
    method: 'GET',
    url: BASE,
    summary: 'Past and running backtests and sweeps, newest first (without their reports)',
    tags,
    query: ListQuery,
    handler: async ({ query }) => backtests.list(query),
  });

  // Registered before /:id so the static path wins.
  route(app, {
    method: 'GET',
    url: `${BASE}/catalog`,
    summary: 'Strategies (with their parameters) and bundled data files a backtest can use',
    tags,
    handler: async () => backtests.catalog(),
  });

  route(app, {
    method: 'GET',
    url: `${BASE}/:id`,
    summary: 'One backtest or sweep: status and progress, then its report or ranked results',
    tags,
    params: IdParams,
    handler: async ({ params }) => backtests.get(params.id),
  });
}
