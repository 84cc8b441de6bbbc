import type { AccountFeedStatus, FeedStatus } from '../domain/engine-status.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExchangeRequest, RequestGate } from '../ratelimit/request-gate.js';

/**
 * Prometheus metrics, in a registry owned by one system instance (never prom-client's global one), so
 * tests and several systems in one process do not share counters.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly exchangeCalls: Counter<'exchange' | 'lane' | 'outcome'>;
  readonly exchangeDuration: Histogram<'exchange' | 'lane'>;
  readonly limiterWait: Histogram<'exchange' | 'lane'>;
  readonly limiterPauses: Counter<'exchange' | 'kind'>;
  readonly engineEvents: Counter<'type'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cts_' });
    const registers = [this.registry];
    this.httpRequests = new Counter({ name: 'cts_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({
      name: 'cts_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.exchangeCalls = new Counter({
      name: 'cts_exchange_requests_total',
      help: 'Requests sent to exchanges, by exchange, lane and outcome (HTTP status class, or error)',
      labelNames: ['exchange', 'lane', 'outcome'],
      registers,
    });
    this.exchangeDuration = new Histogram({
      name: 'cts_exchange_request_duration_seconds',
      help: 'Exchange request latency (after the limiter let it go)',
      labelNames: ['exchange', 'lane'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.limiterWait = new Histogram({
      name: 'cts_ratelimit_wait_seconds',
      help: 'Time a request waited in the rate limiter before being sent',
      labelNames: ['exchange', 'lane'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.limiterPauses = new Counter({ name: 'cts_ratelimit_pauses_total', help: 'Scopes paused by 429/418/bans, by exchange and kind', labelNames: ['exchange', 'kind'], registers });
    this.engineEvents = new Counter({
      name: 'cts_engine_events_total',
      help: 'Engine events by type (order.created, fill, engine.error, strategy.error, risk.rejected, …)',
      labelNames: ['type'],
      registers,
    });
  }

  /** Engine states, read when Prometheus scrapes. */
  gaugeEngineStates(read: () => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'cts_engines',
      help: 'Engines by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [state, count] of Object.entries(await read())) this.set({ state }, count);
      },
    });
  }

  /** Each streaming bot's candle feed (websocket or REST, last lag, reconnects), read when Prometheus scrapes. */
  gaugeFeeds(read: () => Promise<{ engine: string; connection: string; feed: FeedStatus }[]>): void {
    const registers = [this.registry];
    let last: Promise<{ engine: string; connection: string; feed: FeedStatus }[]> | null = null;
    // One read per scrape, shared by the three gauges.
    const snapshot = () => (last ??= read().finally(() => setTimeout(() => (last = null), 0)));
    new Gauge({
      name: 'cts_feed_streaming',
      help: '1 while a bot reads candles over the exchange websocket, 0 while it polls REST (stream down)',
      labelNames: ['engine', 'connection'],
      registers,
      async collect() {
        this.reset();
        for (const f of await snapshot()) this.set({ engine: f.engine, connection: f.connection }, f.feed.mode === 'stream' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cts_feed_lag_seconds',
      help: 'How late the last candle reached the bot after its close',
      labelNames: ['engine', 'connection'],
      registers,
      async collect() {
        this.reset();
        for (const f of await snapshot()) if (f.feed.lastLagMs !== null) this.set({ engine: f.engine, connection: f.connection }, f.feed.lastLagMs / 1000);
      },
    });
    new Gauge({
      name: 'cts_feed_reconnects',
      help: 'Times the bot dropped its websocket stream (failed or silent) and subscribed again, since it started',
      labelNames: ['engine', 'connection'],
      registers,
      async collect() {
        this.reset();
        for (const f of await snapshot()) this.set({ engine: f.engine, connection: f.connection }, f.feed.reconnects);
      },
    });
  }

  /** Each live bot's order and trade stream (up or down, reconnects), read when Prometheus scrapes. */
  gaugeOrderStreams(read: () => Promise<{ engine: string; connection: string; feed: AccountFeedStatus }[]>): void {
    const registers = [this.registry];
    let last: Promise<{ engine: string; connection: string; feed: AccountFeedStatus }[]> | null = null;
    const snapshot = () => (last ??= read().finally(() => setTimeout(() => (last = null), 0)));
    new Gauge({
      name: 'cts_order_stream_up',
      help: "1 while a bot receives its orders and fills over the exchange's private websocket, 0 while it is down (REST syncs only)",
      labelNames: ['engine', 'connection'],
      registers,
      async collect() {
        this.reset();
        for (const f of await snapshot()) this.set({ engine: f.engine, connection: f.connection }, f.feed.mode === 'stream' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cts_order_stream_reconnects',
      help: 'Times the bot lost its order stream and subscribed again, since it started',
      labelNames: ['engine', 'connection'],
      registers,
      async collect() {
        this.reset();
        for (const f of await snapshot()) this.set({ engine: f.engine, connection: f.connection }, f.feed.reconnects);
      },
    });
  }

  /** Wraps the gate every exchange request passes through, counting outcomes, waits and latency. */
  instrumentGate(gate: RequestGate): RequestGate {
    return {
      run: <T>(request: ExchangeRequest, send: Parameters<RequestGate['run']>[1]) => {
        const queuedAt = performance.now();
        const labels = { exchange: request.exchange, lane: request.lane };
        return gate.run(request, async (report) => {
          const sentAt = performance.now();
          this.limiterWait.observe(labels, (sentAt - queuedAt) / 1000);
          let status: number | undefined;
          try {
            const result = (await send((feedback) => {
              status = feedback.status;
              report(feedback);
            })) as T;
            this.exchangeCalls.inc({ ...labels, outcome: statusClass(status) });
            return result;
          } catch (error) {
            this.exchangeCalls.inc({ ...labels, outcome: status === undefined ? 'error' : statusClass(status) });
            throw error;
          } finally {
            this.exchangeDuration.observe(labels, (performance.now() - sentAt) / 1000);
          }
        });
      },
    };
  }
}

function statusClass(status: number | undefined): string {
  return status === undefined ? 'ok' : `${Math.floor(status / 100)}xx`;
}
