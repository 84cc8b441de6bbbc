import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { problem, sendProblem } from './problem.js';

/** Paths that stay open with a token configured: the API description has no secrets. */
const PUBLIC_API_PATHS = new Set(['/api/openapi.json']);

/**
 * With an admin token configured every /api route requires `Authorization: Bearer <token>`. Both sides
 * are hashed first so the comparison is constant-time whatever the lengths.
 */
export function installAdminAuth(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') || PUBLIC_API_PATHS.has(path)) return;
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      reply.header('www-authenticate', 'Bearer realm="cts"');
      return sendProblem(reply, problem(401, 'unauthorized', 'This API requires the admin token: send "Authorization: Bearer <token>"'));
    }
  });
}

/** CORS stays off unless one origin is configured; then only that origin may call the API from a browser. */
export function installCors(app: FastifyInstance, origin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin !== origin) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET,POST,PATCH,DELETE');
      reply.header('access-control-allow-headers', 'authorization,content-type');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
