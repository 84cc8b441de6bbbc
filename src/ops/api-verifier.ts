import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
  hasSchema: boolean;
}

export interface RouteProbe extends RegisteredRoute {
  probe: 'called' | 'rejects-empty-request' | 'skipped';
  status: number | null;
  outcome: 'ok' | 'warning' | 'failed' | 'skipped';
  message: string;
}

/** Routes that must not be probed: they would act (self-test), recurse, or never end (streams). */
const NEVER_PROBE = [/^\/api\/system\/verify-apis$/, /^\/api\/system\/integration-test$/, /\/events$/, /^\/docs/, /^\/\*?$/];

/** Collects every route as it is registered, so verify-apis lists what really exists. */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = route.schema ?? {};
    const hide = (schema as { hide?: boolean }).hide === true;
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const hasSchema = Boolean(schema.body ?? schema.querystring ?? schema.params) || (!hide && Boolean(schema.summary));
      routes.push({ method, url: route.url, hasSchema });
    }
  });
  return routes;
}

/**
 * Safe probes: GET routes are called (with an invalid id where the path has one); mutating routes get
 * an empty request and must reject it with a 4xx — never act, never a 5xx.
 */
export async function probeRoutes(app: FastifyInstance, routes: RegisteredRoute[]): Promise<RouteProbe[]> {
  const out: RouteProbe[] = [];
  for (const route of routes) out.push(await probeOne(app, route));
  return out;
}

async function probeOne(app: FastifyInstance, route: RegisteredRoute): Promise<RouteProbe> {
  if (NEVER_PROBE.some((re) => re.test(route.url))) {
    return { ...route, probe: 'skipped', status: null, outcome: 'skipped', message: 'not probed: calling it would act, recurse or stream' };
  }
  const url = route.url.replace(/:[A-Za-z]+/g, 'not-a-valid-id');
  const mutating = route.method !== 'GET';
  const res = await app.inject({
    method: route.method as 'GET',
    url,
    ...(mutating ? { headers: { 'content-type': 'application/json' }, payload: '' } : {}),
  });
  const status = res.statusCode;
  const probe = mutating ? 'rejects-empty-request' : 'called';
  if (status >= 500 && status !== 501) return { ...route, probe, status, outcome: 'failed', message: `answered ${status}` };
  if (status === 501) return { ...route, probe, status, outcome: 'warning', message: 'not implemented in this version' };
  if (mutating && status < 400) return { ...route, probe, status, outcome: 'failed', message: `accepted an empty request (${status})` };
  return { ...route, probe, status, outcome: 'ok', message: mutating ? `rejected with ${status}` : `answered ${status}` };
}
