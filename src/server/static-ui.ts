import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** web/dist, found from src/ (tsx) and from dist/src/ (built). */
export function findUiDirectory(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'web', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Serves the built SPA; client-side routes fall back to index.html. Returns false when no build exists. */
export async function serveUi(app: FastifyInstance, root: string | undefined): Promise<boolean> {
  if (!root) return false;
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: 'index.html' });
  return true;
}

/** True for a browser navigation to an SPA route (not the API, the docs or a file). */
export function isUiNavigation(method: string, url: string): boolean {
  const pathname = url.split('?')[0] ?? '';
  return (
    (method === 'GET' || method === 'HEAD') &&
    !pathname.startsWith('/api/') &&
    !pathname.startsWith('/docs') &&
    !path.extname(pathname)
  );
}
