import type { Clock } from '../domain/clock.js';
import { CtsError, RateLimitedError } from '../domain/errors.js';
import {
  DEFAULT_THRESHOLDS,
  emptyState,
  overallStatus,
  snapshot,
  type ConnectionHealth,
  type HealthState,
  type HealthStatus,
  type HealthThresholds,
} from './health-stats.js';

/** What one successful probe measured. A failed probe throws (ideally one of our CtsErrors). */
export interface ProbeResult {
  readonly latencyMs: number;
  readonly clockSkewMs?: number;
}

/** Probes one connection; `signal` aborts when the monitor stops or the probe times out. */
export type Probe = (connectionId: string, signal: AbortSignal) => Promise<ProbeResult>;

export type StatusChangeListener = (connectionId: string, status: HealthStatus, health: ConnectionHealth) => void | Promise<void>;

export interface HealthMonitorOptions {
  readonly clock: Clock;
  readonly probe: Probe;
  /** Time between probes of a healthy connection (default 60 s). */
  readonly intervalMs?: number;
  /** Upper bound of the doubling backoff while a connection fails (default 8 × interval). */
  readonly maxBackoffMs?: number;
  /** A probe still running after this counts as failed (default 10 s). */
  readonly probeTimeoutMs?: number;
  /** Samples kept per connection for percentiles and error rate (default 20). */
  readonly windowSize?: number;
  readonly thresholds?: Partial<HealthThresholds>;
  /** Called when a connection's derived status changes (the service persists it). Errors are swallowed. */
  readonly onStatusChange?: StatusChangeListener;
}

export interface HealthReport {
  readonly overall: HealthStatus | 'unknown';
  readonly checkedAt: number;
  readonly connections: readonly ConnectionHealth[];
}

interface Entry {
  state: HealthState;
  lastStatus: HealthStatus | null;
  abort: AbortController;
  loop: Promise<void> | null;
}

class ProbeTimeout extends CtsError {
  readonly code = 'timeout';
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Expected \`${name}\` to be a finite number > 0, got ${value}`);
  return value;
}

/**
 * The connection coordinator: probes each enabled connection periodically on an injected clock,
 * backs off while a connection fails, never probes during an exchange ban, and derives
 * ok / degraded / failing by the thresholds in health-stats.ts.
 */
export class HealthMonitor {
  readonly #clock: Clock;
  readonly #probe: Probe;
  readonly #intervalMs: number;
  readonly #maxBackoffMs: number;
  readonly #probeTimeoutMs: number;
  readonly #windowSize: number;
  readonly #thresholds: HealthThresholds;
  readonly #onStatusChange: StatusChangeListener | undefined;
  readonly #entries = new Map<string, Entry>();
  #running = false;

  constructor(options: HealthMonitorOptions) {
    this.#clock = options.clock;
    this.#probe = options.probe;
    this.#intervalMs = positive('intervalMs', options.intervalMs ?? 60_000);
    this.#maxBackoffMs = positive('maxBackoffMs', options.maxBackoffMs ?? this.#intervalMs * 8);
    this.#probeTimeoutMs = positive('probeTimeoutMs', options.probeTimeoutMs ?? 10_000);
    this.#windowSize = Math.floor(positive('windowSize', options.windowSize ?? 20));
    this.#thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    this.#onStatusChange = options.onStatusChange;
  }

  get isRunning(): boolean {
    return this.#running;
  }

  /** Starts probing every tracked connection (the first probe runs at once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const [id, entry] of this.#entries) this.#startLoop(id, entry);
  }

  /** Stops every loop and waits for in-flight probes to wind down. */
  async stop(): Promise<void> {
    this.#running = false;
    const loops = [...this.#entries.values()].map((e) => {
      e.abort.abort();
      return e.loop;
    });
    await Promise.allSettled(loops);
  }

  /** Makes the tracked set exactly `connectionIds` (the enabled connections). */
  setConnections(connectionIds: readonly string[]): void {
    const wanted = new Set(connectionIds);
    for (const id of this.#entries.keys()) if (!wanted.has(id)) this.remove(id);
    for (const id of wanted) this.add(id);
  }

  add(connectionId: string): void {
    if (this.#entries.has(connectionId)) return;
    const entry: Entry = { state: emptyState(), lastStatus: null, abort: new AbortController(), loop: null };
    this.#entries.set(connectionId, entry);
    if (this.#running) this.#startLoop(connectionId, entry);
  }

  remove(connectionId: string): void {
    this.#entries.get(connectionId)?.abort.abort();
    this.#entries.delete(connectionId);
  }

  /**
   * Records a ban or rate-limit pause learned elsewhere (the limiter, an engine's request), so the
   * monitor neither probes into it nor shows the connection as ok meanwhile.
   */
  reportRateLimit(connectionId: string, error: RateLimitedError): void {
    const entry = this.#entries.get(connectionId);
    if (entry) this.#applyBan(entry, error);
  }

  get(connectionId: string): ConnectionHealth | undefined {
    const entry = this.#entries.get(connectionId);
    return entry && snapshot(connectionId, entry.state, this.#clock.now(), this.#thresholds);
  }

  report(): HealthReport {
    const now = this.#clock.now();
    const connections = [...this.#entries].map(([id, e]) => snapshot(id, e.state, now, this.#thresholds));
    return { overall: overallStatus(connections), checkedAt: now, connections };
  }

  /** Probes one connection now (also used by the loop); resolves with its updated health. */
  async probeNow(connectionId: string): Promise<ConnectionHealth | undefined> {
    const entry = this.#entries.get(connectionId);
    if (!entry) return undefined;
    await this.#probeOnce(connectionId, entry);
    return this.get(connectionId);
  }

  #startLoop(id: string, entry: Entry): void {
    entry.abort = new AbortController();
    const signal = entry.abort.signal;
    entry.loop = (async () => {
      while (!signal.aborted) {
        const banWait = entry.state.ban ? entry.state.ban.until - this.#clock.now() : 0;
        if (banWait <= 0) await this.#probeOnce(id, entry);
        const delay = Math.max(banWait, this.#nextDelay(entry.state));
        entry.state.nextProbeAt = this.#clock.now() + delay;
        await this.#clock.sleep(delay, signal).catch(() => undefined);
      }
    })();
  }

  /** Interval while healthy; doubling backoff (capped) while failing. */
  #nextDelay(state: HealthState): number {
    if (state.consecutiveFailures === 0) return this.#intervalMs;
    return Math.min(this.#maxBackoffMs, this.#intervalMs * 2 ** (state.consecutiveFailures - 1));
  }

  async #probeOnce(id: string, entry: Entry): Promise<void> {
    const started = this.#clock.now();
    const outcome = await this.#probeWithTimeout(id, entry.abort.signal);
    if (entry.abort.signal.aborted && this.#entries.get(id) !== entry) return;
    const state = entry.state;
    if (outcome.ok) {
      this.#push(state, { at: started, ok: true, latencyMs: outcome.value.latencyMs });
      state.lastSuccessAt = this.#clock.now();
      state.consecutiveFailures = 0;
      state.authFailed = false;
      state.clockSkewMs = outcome.value.clockSkewMs ?? state.clockSkewMs;
    } else {
      this.#push(state, { at: started, ok: false, latencyMs: null });
      state.consecutiveFailures += 1;
      const code = outcome.error instanceof CtsError ? outcome.error.code : 'unexpected';
      const message = outcome.error instanceof CtsError ? outcome.error.message : 'unexpected error';
      state.lastFailure = { at: this.#clock.now(), code, message };
      state.authFailed = code === 'authentication_failed' || code === 'permission_missing';
      if (outcome.error instanceof RateLimitedError) this.#applyBan(entry, outcome.error);
    }
    await this.#notify(id, entry);
  }

  #applyBan(entry: Entry, error: RateLimitedError): void {
    entry.state.ban = { until: this.#clock.now() + error.retryAfterMs, banned: error.banned };
  }

  async #probeWithTimeout(id: string, parent: AbortSignal): Promise<{ ok: true; value: ProbeResult } | { ok: false; error: unknown }> {
    const local = new AbortController();
    const onParentAbort = (): void => local.abort(parent.reason);
    parent.addEventListener('abort', onParentAbort, { once: true });
    const timeout = this.#clock.sleep(this.#probeTimeoutMs, local.signal).then(
      () => ({ ok: false as const, error: new ProbeTimeout(`No answer within ${this.#probeTimeoutMs} ms`) }),
      () => ({ ok: false as const, error: new ProbeTimeout('Probe aborted') }),
    );
    const work = this.#probe(id, local.signal).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    try {
      return await Promise.race([work, timeout]);
    } finally {
      local.abort();
      parent.removeEventListener('abort', onParentAbort);
    }
  }

  #push(state: HealthState, sample: HealthState['samples'][number]): void {
    state.samples.push(sample);
    if (state.samples.length > this.#windowSize) state.samples.splice(0, state.samples.length - this.#windowSize);
  }

  async #notify(id: string, entry: Entry): Promise<void> {
    const health = snapshot(id, entry.state, this.#clock.now(), this.#thresholds);
    if (health.status === null || health.status === entry.lastStatus) return;
    entry.lastStatus = health.status;
    try {
      await this.#onStatusChange?.(id, health.status, health);
    } catch {
      // Persisting a status is best effort; the next change retries it, and probing must go on.
    }
  }
}
