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

const ParamDocSchema = z.object({
  name: z.string(),
  type: z.string(),
  description: z.string(),
  default: z.unknown().optional().describe('Absent when the parameter is optional without a default'),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  exclusiveMaximum: z.number().optional(),
  enum: z.array(z.union([z.string(), z.number()])).optional(),
});
const PerpetualFileSchema = z.object({
  file: z.string().describe('A file in data/, for the request\'s funding or mark: {source:"bundled", file}'),
  interval: z.string().describe('From the file name: the settlement spacing (funding, e.g. 8h) or the candle timeframe (mark, e.g. 1h)'),
  rows: z.number().int().nonnegative().describe('Rates (funding) or candles (mark); 0 when the file could not be read'),
  from: z.iso.datetime().nullable().describe('First settlement (funding) or first candle open (mark); null when unreadable'),
  to: z.iso.datetime().nullable().describe('Last settlement (funding) or end of the last candle (mark); null when unreadable'),
  problem: z.string().optional().describe('Why the file could not be read; absent when it reads'),
});
/** GET /api/backtests/catalog (the domain's BacktestCatalog). */
export const BacktestCatalogSchema = z.object({
  strategies: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), params: z.array(ParamDocSchema) })),
  bundledFiles: z.array(z.string()).describe('Candle files of data/ (for data: {source:"bundled", file})'),
  perpetualFiles: z
    .array(
      z.object({
        symbol: z.string().describe('A perpetual, e.g. XRP/USDT:USDT'),
        funding: z.array(PerpetualFileSchema).describe('Its funding-rate files (…-<interval>-funding_rate.csv)'),
        mark: z.array(PerpetualFileSchema).describe('Its mark-price files (…-<timeframe>-mark.csv)'),
      }),
    )
    .describe('Per perpetual with any in data/: its funding and mark files and the time each covers'),
});

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
    summary: 'Strategies (with their parameters), bundled data files, and the perpetuals\' funding and mark files a backtest can use',
    tags,
    responses: { 200: BacktestCatalogSchema },
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
