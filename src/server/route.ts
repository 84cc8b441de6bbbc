import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z, type ZodType } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { zodFieldErrors } from './problem.js';

export interface RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType> {
  method: HTTPMethods;
  url: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Success responses by status (each status the route answers on success), for the OpenAPI document. Default: 200. */
  responses?: Record<number, ZodType>;
  /**
   * Error statuses this route answers beyond the ones its shape implies (added by `route`: 400 for any
   * params, query or body; 404 with path params; 400, 413 and 415 on methods with a request body; 401
   * when an admin token is set; 500). All are documented as the problem+json body.
   */
  errors?: readonly number[];
  handler: (
    input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B> },
    request: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<unknown>;
}

/**
 * Registers a route whose params, query and body are parsed by zod (one schema validates the request
 * and generates the OpenAPI entry). Routes stay thin: parse → call a service → return the result.
 */
export function route<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q, B>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      ...(spec.params ? { params: toJsonSchema(spec.params, 'input') } : {}),
      ...(spec.query ? { querystring: toJsonSchema(spec.query, 'input') } : {}),
      ...(spec.body ? { body: toJsonSchema(spec.body, 'input') } : {}),
      response: mapResponses(spec.responses ?? { 200: z.unknown() }, errorStatuses(spec)),
    },
    handler: async (request, reply) => {
      const params = parsePart(spec.params, request.params, 'params');
      const query = parsePart(spec.query, request.query, 'query');
      const body = parsePart(spec.body, request.body, 'body');
      return spec.handler({ params, query, body } as never, request, reply);
    },
  });
}

function parsePart(schema: ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) {
    const detail = where === 'body' && value === undefined ? 'A JSON body is required' : `Invalid ${where}`;
    throw new ValidationError(detail, zodFieldErrors(result.error, where === 'body' ? undefined : where));
  }
  return result.data;
}

function toJsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** The problem+json body of every error answer (src/server/problem.ts). */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  connectionId: z.string().optional().describe('connection-not-tested: the connection whose test would let the start go through'),
});

/** Methods whose request body Fastify reads (and so may refuse: malformed 400, too large 413, not JSON 415). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function errorStatuses(spec: { method: HTTPMethods; params?: ZodType; query?: ZodType; body?: ZodType; errors?: readonly number[] }): number[] {
  const statuses = new Set<number>([401, 500, ...(spec.errors ?? [])]);
  if (spec.params || spec.query || spec.body) statuses.add(400);
  if (spec.params) statuses.add(404);
  if (BODY_METHODS.has(String(spec.method))) [400, 413, 415].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

function mapResponses(responses: Record<number, ZodType>, errors: readonly number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(responses)) out[Number(status)] = toJsonSchema(schema, 'output');
  const problemJson = toJsonSchema(ProblemSchema, 'output');
  for (const status of errors) out[status] = { description: `Problem (${status})`, content: { 'application/problem+json': { schema: problemJson } } };
  return out;
}
