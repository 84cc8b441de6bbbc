import type { Clock } from '../domain/clock.js';
import { RateLimitedError } from '../domain/errors.js';
import type { ConnectionView } from '../domain/connection.js';
import type { Exchange } from '../exchanges/exchange.port.js';
import type { ExchangeOpener } from '../exchanges/exchange-provider.js';
import type { ConnectionService } from './connection.service.js';
import { exchangeProbe } from './exchange-probe.js';
import { HealthMonitor, type HealthReport } from './health-monitor.js';
import type { ConnectionHealth } from './health-stats.js';

export interface HealthServiceOptions {
  connections: ConnectionService;
  openExchange: ExchangeOpener;
  clock: Clock;
  intervalMs: number;
  probeTimeoutMs: number;
}

export interface HealthEntryView extends Omit<ConnectionHealth, 'lastProbeAt' | 'lastSuccessAt' | 'nextProbeAt' | 'ban' | 'lastFailure'> {
  name: string;
  exchange: string;
  lastProbeAt: string | null;
  lastSuccessAt: string | null;
  nextProbeAt: string | null;
  ban: { until: string; banned: boolean } | null;
  /** The last failed probe: when, the error's code and its message (never a secret: CTS's own error text). */
  lastFailure: { at: string; code: string; message: string } | null;
}

/**
 * Keeps one health monitor over the enabled connections, one cached exchange per connection (rebuilt
 * when the connection changes), and writes ok/degraded/failing back to the connection.
 */
export class HealthService {
  readonly #o: HealthServiceOptions;
  readonly #monitor: HealthMonitor;
  readonly #exchanges = new Map<string, { updatedAt: string; exchange: Promise<Exchange> }>();
  /** Exchange of each monitored connection, to map an IP-wide pause onto the connections it stops. */
  #exchangeOf = new Map<string, string>();

  constructor(options: HealthServiceOptions) {
    this.#o = options;
    this.#monitor = new HealthMonitor({
      clock: options.clock,
      intervalMs: options.intervalMs,
      probeTimeoutMs: options.probeTimeoutMs,
      probe: exchangeProbe({ exchangeFor: (id) => this.#exchangeFor(id), clock: options.clock }),
      onStatusChange: (id, status) => this.#o.connections.setStatus(id, status),
    });
  }

  get monitor(): HealthMonitor {
    return this.#monitor;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#monitor.start();
  }

  /** Re-reads which connections are enabled (after any change) and drops stale exchanges. */
  async refresh(): Promise<void> {
    const enabled = await this.#allEnabled();
    this.#monitor.setConnections(enabled.map((c) => c.id));
    this.#exchangeOf = new Map(enabled.map((c) => [c.id, c.exchange]));
    const current = new Map(enabled.map((c) => [c.id, c.updatedAt]));
    for (const [id, entry] of this.#exchanges) {
      if (current.get(id) !== entry.updatedAt) await this.#drop(id, entry);
    }
  }

  /**
   * The limiter paused a scope (`<exchange>|ip|<key>` or `<exchange>|acct|<connectionId>`): show it in
   * the health of every connection it stops. The limiter words bans as "…banned…".
   */
  applyPause(scope: string, until: number, reason: string): void {
    const [exchange, kind, key] = scope.split('|');
    const error = new RateLimitedError(reason, Math.max(0, until - this.#o.clock.now()), reason.includes('banned'));
    for (const [id, ex] of this.#exchangeOf) {
      if (ex === exchange && (kind === 'ip' || (kind === 'acct' && key === id))) this.#monitor.reportRateLimit(id, error);
    }
  }

  async report(): Promise<{ overall: HealthReport['overall']; checkedAt: string; connections: HealthEntryView[] }> {
    const report = this.#monitor.report();
    const views = new Map((await this.#allEnabled()).map((c) => [c.id, c]));
    return {
      overall: report.overall,
      checkedAt: iso(report.checkedAt) ?? new Date().toISOString(),
      connections: report.connections.flatMap((h) => {
        const view = views.get(h.connectionId);
        return view ? [toEntryView(h, view)] : [];
      }),
    };
  }

  async stop(): Promise<void> {
    await this.#monitor.stop();
    for (const [id, entry] of this.#exchanges) await this.#drop(id, entry);
  }

  async #exchangeFor(id: string): Promise<Exchange> {
    const view = await this.#o.connections.get(id);
    const cached = this.#exchanges.get(id);
    if (cached && cached.updatedAt === view.updatedAt) return cached.exchange;
    if (cached) await this.#drop(id, cached);
    const exchange = this.#o.connections.credentialsFor(id).then((creds) => this.#o.openExchange(view, creds));
    // A failed open must not be cached: the next probe tries again.
    exchange.catch(() => this.#exchanges.delete(id));
    this.#exchanges.set(id, { updatedAt: view.updatedAt, exchange });
    return exchange;
  }

  async #drop(id: string, entry: { exchange: Promise<Exchange> }): Promise<void> {
    this.#exchanges.delete(id);
    await entry.exchange.then((e) => e.close()).catch(() => undefined);
  }

  async #allEnabled(): Promise<ConnectionView[]> {
    const out: ConnectionView[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = await this.#o.connections.list({ enabled: true }, { limit: 200, offset });
      out.push(...page.items);
      if (out.length >= page.total || page.items.length === 0) return out;
    }
  }
}

function toEntryView(h: ConnectionHealth, view: ConnectionView): HealthEntryView {
  return {
    ...h,
    name: view.name,
    exchange: view.exchange,
    lastProbeAt: iso(h.lastProbeAt),
    lastSuccessAt: iso(h.lastSuccessAt),
    nextProbeAt: iso(h.nextProbeAt),
    ban: h.ban ? { until: new Date(h.ban.until).toISOString(), banned: h.ban.banned } : null,
    lastFailure: h.lastFailure ? { at: new Date(h.lastFailure.at).toISOString(), code: h.lastFailure.code, message: h.lastFailure.message } : null,
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
