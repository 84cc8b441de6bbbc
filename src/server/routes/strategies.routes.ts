import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StrategyFilesService } from '../../strategies-loader/strategy-files.service.js';
import { route } from '../route.js';

const BASE = '/api/strategies';
const tags = ['strategies'];

const ParamDocSchema = z.object({
  name: z.string(),
  type: z.string(),
  description: z.string(),
  default: z.unknown(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
});
const SourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('built-in') }),
  z.object({ kind: z.literal('file'), file: z.string().describe('File name relative to the strategies folder') }),
]);
const ProblemSchema = z.object({
  file: z.string().describe('File name relative to the strategies folder'),
  kind: z.enum(['compile', 'load', 'export', 'duplicate-id']),
  message: z.string(),
  line: z.number().int().optional().describe('1-based line in the file'),
  column: z.number().int().optional(),
});
/** Required, so that no empty request acts (the API verifier probes every mutating route with one). */
const ReloadBody = z.object({}).strict().describe('An empty JSON object');
const CatalogSchema = z.object({
  directory: z.string(),
  directoryExists: z.boolean(),
  loadedAt: z.string().nullable(),
  strategies: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), params: z.array(ParamDocSchema), source: SourceSchema })),
  problems: z.array(ProblemSchema),
});

/**
 * Strategies: the built-ins and the files of the local strategies folder. Files are never uploaded
 * here; a reload re-reads the folder. Running engines keep the code they started with.
 */
export function registerStrategyRoutes(app: FastifyInstance, files: StrategyFilesService): void {
  route(app, {
    method: 'GET',
    url: BASE,
    summary: 'Every strategy (built-in or from a file) and the strategy files that did not load, with file and line',
    tags,
    responses: { 200: CatalogSchema },
    handler: async () => files.catalog(),
  });
  route(app, {
    method: 'POST',
    url: `${BASE}/reload`,
    summary: 'Re-read the strategies folder; new engines and backtests use the result, running engines keep their code',
    tags,
    body: ReloadBody,
    responses: { 200: CatalogSchema },
    handler: async () => files.reload(),
  });
}
