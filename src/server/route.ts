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
  /** Response schemas by status, for the OpenAPI document. */
  responses?: Record<number, ZodType>;
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
      ...(spec.responses ? { response: mapResponses(spec.responses) } : {}),
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

function mapResponses(responses: Record<number, ZodType>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(responses)) out[Number(status)] = toJsonSchema(schema, 'output');
  return out;
}
