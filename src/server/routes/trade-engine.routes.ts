import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ForwardedProblemError } from '../../cluster/control-forwarding.js';
import type { EngineControl } from '../../cluster/control-forwarding-engine.js';
import type { EngineService } from '../../engine/engine.service.js';
import { ConnectionId as ConnectionIdSchema } from '../../connections/connection.schemas.js';
import { startEngineSchema } from '../../domain/engine-start.js';
import { ORDER_STATUSES } from '../../domain/orders.js';
import type { EngineEvent } from '../../domain/engine-events.js';
import { sendProblem } from '../problem.js';
import { route } from '../route.js';
import { describeSchema } from '../../engine/param-docs.js';
import { riskConfigSchema } from '../../engine/risk.js';

/** The risk form's fields, from the schema every start and backtest is validated with. */
const RISK_PARAM_DOCS = Object.freeze(describeSchema(riskConfigSchema));

const BASE = '/api/trade-engine';
const tags = ['trade-engine'];
const ConnectionId = ConnectionIdSchema;
// Engine ids are ULIDs too (an engine migrated from one-per-connection kept its connection's id): malformed ones are 400.
const EngineId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an engine id (26-character ULID)')
  .describe('Engine (bot) id (ULID)');
const StartBody = startEngineSchema.extend({ connectionId: ConnectionId, engineId: EngineId.optional().describe('An existing bot starts again (its orders, fills and position carry on); an unknown id names the new bot (a retried start then finds it); absent: a new bot with a generated id') });
/** Beyond 400: the body names an unknown connection or engine (404) or the state forbids the action (409). */
const CONTROL_ERRORS = [404, 409] as const;
/** Several processes: the engine's owner did not answer (503) or did not finish in time (504). */
const FORWARDED_ERRORS = [...CONTROL_ERRORS, 503, 504] as const;
/** Routes that reach the exchange also answer its faults (src/server/problem.ts: 429, 502, 503). */
const EXCHANGE_ERRORS = [...CONTROL_ERRORS, 429, 502, 503] as const;
const START_ERRORS = EXCHANGE_ERRORS;
const IdParams = z.object({ id: EngineId }).strict();
const EngineBody = z.object({ engineId: EngineId }).strict();
const StatusAllQuery = z.object({ connectionId: ConnectionId.optional().describe('Only the engines of this connection') }).strict();
const StopBody = z
  .object({ engineId: EngineId, cancelOpenOrders: z.boolean().optional().describe("Default: the engine's cancelOrdersOnStop option") })
  .strict();
const EmergencyBody = z
  .object({ engineId: EngineId, flatten: z.boolean().default(false).describe('Also close the position with a market order') })
  .strict();
const OrdersQuery = z.object({ status: z.enum(ORDER_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) }).strict();
const TradesQuery = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(500) }).strict();
const EventsQuery = z
  .object({
    since: z.coerce.number().int().min(0).optional().describe('Send events after this sequence number first (Last-Event-ID wins when both are given)'),
    engineId: EngineId.optional().describe('Only this engine'),
    follow: z.enum(['true', 'false']).default('true').describe('false: send the missed events and close (polling clients)'),
  })
  .strict();

export interface TradeEngineRouteOptions {
  /** SSE keep-alive interval. Default 15 s (below common proxy idle timeouts). */
  heartbeatMs?: number;
  /** Control and status calls (several processes: forwarded to each engine's owner). Default: the engine service. */
  control?: EngineControl;
}

/** A problem answered by another process (or about its silence) goes out exactly as it is. */
async function controlled(reply: FastifyReply, run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ForwardedProblemError) return sendProblem(reply, error.problem);
    throw error;
  }
}

const CATCH_UP_PAGE = 500;

/** The trade engine API: thin routes over EngineService; `GET events` is a Server-Sent Events stream. */
export function registerTradeEngineRoutes(app: FastifyInstance, engines: EngineService, options: TradeEngineRouteOptions = {}): void {
  // Open SSE streams would keep `app.close()` waiting forever: end them when the server closes.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  route(app, { method: 'POST', url: `${BASE}/start`, summary: 'Start a bot on a connection (a new one, or `engineId` again; validates everything first, budgets included)', tags, body: StartBody, errors: START_ERRORS, handler: async ({ body }) => engines.start(body) });
  const control = options.control ?? engines;
  route(app, { method: 'POST', url: `${BASE}/stop`, summary: 'Stop an engine', tags, body: StopBody, errors: FORWARDED_ERRORS, handler: async ({ body }, _r, reply) => controlled(reply, () => control.stop(body.engineId, body.cancelOpenOrders === undefined ? {} : { cancelOpenOrders: body.cancelOpenOrders })) });
  route(app, { method: 'POST', url: `${BASE}/pause`, summary: 'Pause: no new decisions; orders and fills keep being tracked', tags, body: EngineBody, errors: FORWARDED_ERRORS, handler: async ({ body }, _r, reply) => controlled(reply, () => control.pause(body.engineId)) });
  route(app, { method: 'POST', url: `${BASE}/resume`, summary: 'Resume a paused engine', tags, body: EngineBody, errors: FORWARDED_ERRORS, handler: async ({ body }, _r, reply) => controlled(reply, () => control.resume(body.engineId)) });
  route(app, { method: 'POST', url: `${BASE}/emergency-stop`, summary: 'Cancel all open orders, optionally flatten, and stop', tags, body: EmergencyBody, errors: [...EXCHANGE_ERRORS, 504], handler: async ({ body }, _r, reply) => controlled(reply, () => control.emergencyStop(body.engineId, { flatten: body.flatten })) });
  route(app, { method: 'GET', url: `${BASE}/status/:id`, summary: "One engine's status (several processes: with its owner)", tags, params: IdParams, errors: [404] as const, handler: async ({ params }) => control.status(params.id) });
  route(app, {
    method: 'GET',
    url: `${BASE}/status-all`,
    summary: 'Every engine, or those of one connection (?connectionId=); several processes: each with its owner',
    tags,
    query: StatusAllQuery,
    errors: [404] as const,
    handler: async ({ query }) => ({ items: await control.statusAll(query.connectionId !== undefined ? { connectionId: query.connectionId } : {}) }),
  });
  route(app, { method: 'GET', url: `${BASE}/positions/:id`, summary: 'Positions and PnL (decimal strings)', tags, params: IdParams, errors: [404] as const, handler: async ({ params }) => engines.positions(params.id) });
  route(app, {
    method: 'GET',
    url: `${BASE}/orders/:id`,
    summary: "An engine's orders, newest last",
    tags,
    params: IdParams,
    query: OrdersQuery,
    errors: [404] as const,
    handler: async ({ params, query }) => ({ items: await engines.orders(params.id, { ...(query.status ? { status: query.status } : {}), limit: query.limit }) }),
  });
  route(app, { method: 'GET', url: `${BASE}/trades/:id`, summary: "An engine's fills, newest last", tags, params: IdParams, query: TradesQuery, errors: [404] as const, handler: async ({ params, query }) => ({ items: await engines.trades(params.id, { limit: query.limit }) }) });
  route(app, {
    method: 'GET',
    url: `${BASE}/strategies`,
    summary: 'Available strategies with their parameters',
    tags,
    handler: async () => ({
      items: engines.strategies.list().map((s) => ({ id: s.id, name: s.name, description: s.description, params: s.describeParams() })),
    }),
  });
  route(app, {
    method: 'GET',
    url: `${BASE}/risk-params`,
    summary: 'The risk limits a start (or a backtest) takes, described as the strategies\' parameters are',
    tags,
    handler: async () => ({ items: RISK_PARAM_DOCS }),
  });
  route(app, {
    method: 'GET',
    url: `${BASE}/events`,
    summary: 'Server-Sent Events: state changes, orders, fills, positions, errors, heartbeats; resume with Last-Event-ID or ?since=',
    tags,
    query: EventsQuery,
    handler: async ({ query }, request, reply) => {
      // Fastify answers HEAD with the GET handler: a stream would never end, so answer the headers only.
      if (request.method === 'HEAD') return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').send();
      await streamEvents(engines, request, reply, { ...query, heartbeatMs: options.heartbeatMs ?? 15_000, streams });
    },
  });
}

interface StreamOptions {
  since?: number | undefined;
  engineId?: string | undefined;
  follow: 'true' | 'false';
  heartbeatMs: number;
  streams: Set<() => void>;
}

/**
 * Catch-up then live: subscribe first (buffering), send what the client missed from the event log,
 * then the buffered and live events, skipping any sequence already sent. So nothing falls in the gap
 * between the catch-up query and the subscription.
 */
async function streamEvents(engines: EngineService, request: FastifyRequest, reply: FastifyReply, options: StreamOptions): Promise<void> {
  const header = request.headers['last-event-id'];
  const fromHeader = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  let last = fromHeader ?? options.since ?? 0;
  const raw = reply.raw;
  const wanted = (e: EngineEvent): boolean => options.engineId === undefined || e.engineId === options.engineId;
  const send = (e: EngineEvent): void => {
    if (e.seq !== undefined) {
      if (e.seq <= last) return;
      last = e.seq;
    }
    raw.write(`${e.seq !== undefined ? `id: ${e.seq}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  };
  let buffer: EngineEvent[] | null = [];
  const unsubscribe = engines.subscribe((e) => {
    if (!wanted(e)) return;
    if (buffer) buffer.push(e);
    else send(e);
  });
  reply.hijack();
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write('retry: 2000\n\n');
  try {
    for (;;) {
      const page = await engines.events(last, { limit: CATCH_UP_PAGE, ...(options.engineId ? { engineId: options.engineId } : {}) });
      for (const e of page) send(e);
      if (page.length < CATCH_UP_PAGE) break;
    }
  } catch (error) {
    unsubscribe();
    raw.end(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
    return;
  }
  const pending = buffer;
  buffer = null;
  for (const e of pending) send(e);
  if (options.follow === 'false') {
    unsubscribe();
    raw.end();
    return;
  }
  const timer = setInterval(() => raw.write(`event: heartbeat\ndata: ${JSON.stringify({ time: new Date().toISOString(), lastSeq: last })}\n\n`), options.heartbeatMs);
  timer.unref();
  const end = (): void => {
    clearInterval(timer);
    unsubscribe();
    options.streams.delete(end);
    if (!raw.writableEnded) raw.end();
  };
  options.streams.add(end);
  request.raw.once('close', end);
}
