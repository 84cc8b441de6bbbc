import type { ExchangeId } from '../src/domain/exchange-ids.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../src/domain/clock.js';
import { CONTROL_PREFIX, handleControl } from './core/control-api.js';
import { SimControl } from './core/control.js';
import type { FaultSpec } from './core/schemas.js';
import { parseParams, type LoggedRequest } from './core/request-log.js';
import { exchangeHandlers } from './exchanges/index.js';
import { buildPaths, DEFAULT_MARKETS, wallClockWalks, type PriceSourceOption } from './matching/markets.js';
import type { FundingRates } from './matching/funding.js';
import type { MarketSpec } from './matching/types.js';
import type { ExchangeHandler, SimRequest, SimResponse } from './types.js';
import { originalUrl } from './url.js';
import { WsHub } from './ws/hub.js';
import { wsExchangeHandlers } from './ws/handlers.js';
import type { WsExchangeHandler } from './ws/types.js';

export { originalUrl } from './url.js';

export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Seed of the random-walk price paths (default 42). */
  seed?: number;
  /** Where prices come from (default 'replay': bundled XRP/USDT candles, other symbols walk). */
  priceSource?: PriceSourceOption;
  /** The simulator's clock (default the system clock). Latency and timeouts always use real time. */
  clock?: Clock;
  /** Markets every exchange lists (default BTC/USDT, ETH/USDT, XRP/USDT). */
  markets?: readonly MarketSpec[];
  /** Exchange handlers (default all registered in simulator/exchanges/index.ts). */
  handlers?: readonly ExchangeHandler[];
  /** Step prices every this many ms of clock time, besides explicit `control.step()`. */
  autoStepMs?: number;
  /** Websocket handlers (default all registered in simulator/ws/handlers.ts). */
  wsHandlers?: readonly WsExchangeHandler[];
  /**
   * Every symbol walks on candles this many ms long whose times are the clock's, stepping at each
   * candle boundary (`--wall-clock-ms`). Takes neither `priceSource` nor `autoStepMs`.
   */
  wallClockMs?: number;
  /** Funding rates of the perpetuals (default: the bundled XRP rates, 0.0001 elsewhere). */
  funding?: FundingRates;
}

export interface RunningSimulator {
  /** Base URL to give ccxt as `proxyUrl`, e.g. http://127.0.0.1:40123/ (trailing slash). */
  url: string;
  port: number;
  control: SimControl;
  /** Open websockets of an exchange holding a subscription. */
  streamingSockets(exchange: ExchangeId): number;
  /** Stops listening and drops every open connection, including requests held by a timeout fault. */
  close(): Promise<void>;
}

const GARBAGE: Record<'html' | 'truncated' | 'wrongShape' | 'empty', { body: string; type: string }> = {
  html: { body: '<html><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>', type: 'text/html' },
  truncated: { body: '{"serverTime":17', type: 'application/json' },
  wrongShape: { body: '{"unexpected":[1,2,3],"note":"not what this endpoint returns"}', type: 'application/json' },
  empty: { body: '', type: 'application/json' },
};

/**
 * Starts the loopback exchange simulator. ccxt reaches it through `proxyUrl`, so each request path is
 * the full original URL (`/https://api.binance.com/api/v3/time`); the host picks the handler.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = options.clock ?? systemClock;
  const markets = options.markets ?? DEFAULT_MARKETS;
  const wallClock = options.wallClockMs;
  if (wallClock !== undefined && (options.priceSource !== undefined || options.autoStepMs !== undefined)) {
    throw new Error('wallClockMs walks every symbol on its own schedule: it takes neither priceSource nor autoStepMs');
  }
  const startedAt = clock.now();
  const paths = buildPaths(markets, wallClock !== undefined ? wallClockWalks(wallClock, startedAt) : (options.priceSource ?? 'replay'), options.seed ?? 42);
  const control = new SimControl({
    clock,
    markets,
    paths,
    ...(options.funding !== undefined ? { funding: options.funding } : {}),
    ...(wallClock !== undefined
      ? // The schedule counts from the current candle's open, so each step closes a candle at its boundary.
        { autoStepMs: wallClock, autoStepFrom: Math.floor(startedAt / wallClock) * wallClock }
      : { autoStepMs: options.autoStepMs }),
  });
  const byHost = new Map<string, ExchangeHandler>();
  for (const handler of options.handlers ?? exchangeHandlers) for (const host of handler.hosts) byHost.set(host, handler);

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'simulator failure', detail: String(error) });
    });
  });
  const wsHub = new WsHub(control, options.wsHandlers ?? wsExchangeHandlers);
  wsHub.attach(server);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const body = await readBody(req);
    if (raw.startsWith(CONTROL_PREFIX)) {
      const answer = handleControl(control, req.method ?? 'GET', new URL(raw, 'http://simulator'), body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    let target: URL;
    try {
      target = originalUrl(raw);
    } catch {
      sendJson(res, 400, { error: `Expected the original exchange URL after the proxy prefix, got ${raw}` });
      return;
    }
    const handler = byHost.get(target.hostname);
    if (!handler) {
      sendJson(res, 502, { error: `No simulated exchange answers for host ${target.hostname}` });
      return;
    }
    await serveExchange(handler, req, res, target, body);
  }

  async function serveExchange(handler: ExchangeHandler, req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const method = req.method ?? 'GET';
    const headers = flatHeaders(req);
    const receivedAt = clock.now();
    const entry = control.log.record({
      exchange: handler.id,
      method,
      url: url.href,
      host: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      params: parseParams(url, body, headers['content-type']),
      receivedAt,
    });
    const started = performance.now();
    const decision = control.faultStore.decide(handler.id, method, url.pathname);
    if (decision.latencyMs > 0) await delay(decision.latencyMs);
    const fault = decision.fault;
    if (fault) entry.fault = fault.kind;
    if (fault && fault.kind !== 'authFailure') {
      answerFault(handler, fault, entry, res, req);
      return;
    }
    control.syncTime();
    const simReq: SimRequest = { method, url, headers, body, receivedAt };
    const ctx = control.contextFor(handler.id, { authFailure: fault?.kind === 'authFailure' });
    let answer: SimResponse;
    try {
      answer = (await handler.handle(simReq, ctx)) ?? {
        status: 404,
        body: handler.notFoundBody?.() ?? { error: `Unknown path ${url.pathname}` },
      };
    } catch (error) {
      // A handler bug must show up in the log and as a 500, not as a hung request.
      answer = { status: 500, body: { error: 'simulator handler failure', detail: String(error) } };
    }
    send(res, answer);
    finish(entry, answer.status, 'answered', started);
  }

  function answerFault(handler: ExchangeHandler, fault: FaultSpec, entry: LoggedRequest, res: ServerResponse, req: IncomingMessage): void {
    const started = performance.now();
    switch (fault.kind) {
      case 'rateLimit':
      case 'ban': {
        const body = handler.rateLimitBody?.(fault.kind, fault.retryAfterSec) ?? { error: 'Too many requests' };
        send(res, { status: fault.status, headers: { 'Retry-After': String(fault.retryAfterSec) }, body });
        finish(entry, fault.status, 'answered', started);
        return;
      }
      case 'serverError': {
        send(res, { status: fault.status, body: fault.body ?? '<html><body>Service Unavailable</body></html>' });
        finish(entry, fault.status, 'answered', started);
        return;
      }
      case 'garbage': {
        const g = GARBAGE[fault.mode];
        res.writeHead(200, { 'content-type': g.type, 'content-length': Buffer.byteLength(g.body) });
        res.end(g.body);
        finish(entry, 200, 'answered', started);
        return;
      }
      case 'timeout':
        // Hold the request: the socket is destroyed by the client's own timeout or by close().
        entry.outcome = 'timeout';
        return;
      case 'reset':
        req.socket.destroy();
        entry.outcome = 'reset';
        return;
      default:
        return;
    }
  }

  function finish(entry: LoggedRequest, status: number, outcome: LoggedRequest['outcome'], started: number): void {
    entry.status = status;
    entry.outcome = outcome;
    entry.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Simulator did not bind a TCP port');
  const port = address.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    control,
    streamingSockets: (exchange) => wsHub.streamingSockets(exchange),
    close: () =>
      new Promise<void>((resolve) => {
        wsHub.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, answer: SimResponse): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === 'string' && !looksJson(answer.body) ? 'text/html' : 'application/json;charset=UTF-8';
  res.writeHead(answer.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...answer.headers });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, body });
}

function looksJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
