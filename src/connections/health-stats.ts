/**
 * The rolling window of probe samples one connection keeps, and the thresholds that turn it into a
 * status. Pure: the monitor feeds samples in and reads a snapshot out.
 */

export type HealthStatus = 'ok' | 'degraded' | 'failing';

export interface HealthThresholds {
  /** Error rate over the window above this → degraded (default 0.2). */
  readonly degradedErrorRate: number;
  /** p95 latency above this → degraded (default 2,000 ms). */
  readonly degradedP95Ms: number;
  /** |clock skew| above this → degraded (default 1,000 ms). */
  readonly clockWarnMs: number;
  /** This many failures in a row → failing (default 3). */
  readonly failingConsecutive: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  degradedErrorRate: 0.2,
  degradedP95Ms: 2_000,
  clockWarnMs: 1_000,
  failingConsecutive: 3,
};

export interface ProbeSample {
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number | null;
}

export interface ProbeFailure {
  readonly at: number;
  readonly code: string;
  readonly message: string;
}

export interface ActiveBan {
  /** When requests may flow again, ms since epoch. */
  readonly until: number;
  /** true for an IP ban (Binance 418, Bybit 403); false for a rate-limit pause. */
  readonly banned: boolean;
}

export interface ConnectionHealth {
  readonly connectionId: string;
  /** null until the first probe finished. */
  readonly status: HealthStatus | null;
  readonly reasons: readonly string[];
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  /** Failed probes / probes over the window, 0..1. */
  readonly errorRate: number;
  readonly samples: number;
  readonly lastProbeAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastFailure: ProbeFailure | null;
  readonly consecutiveFailures: number;
  readonly clockSkewMs: number | null;
  readonly ban: ActiveBan | null;
  readonly nextProbeAt: number | null;
}

export interface HealthState {
  samples: ProbeSample[];
  lastSuccessAt: number | null;
  lastFailure: ProbeFailure | null;
  consecutiveFailures: number;
  clockSkewMs: number | null;
  ban: ActiveBan | null;
  authFailed: boolean;
  nextProbeAt: number | null;
}

export function emptyState(): HealthState {
  return { samples: [], lastSuccessAt: null, lastFailure: null, consecutiveFailures: 0, clockSkewMs: null, ban: null, authFailed: false, nextProbeAt: null };
}

/** Nearest-rank percentile of `values` (p in 0..100); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

/**
 * Status rules (documented in docs/exchanges.md):
 *   failing  — `failingConsecutive` failures in a row, the last failure was an authentication or
 *              permission error, or an IP ban is active;
 *   degraded — any failure in a row so far, error rate > `degradedErrorRate`, p95 > `degradedP95Ms`,
 *              |clock skew| > `clockWarnMs`, or a rate-limit pause is active;
 *   ok       — otherwise.
 */
export function snapshot(connectionId: string, state: HealthState, now: number, t: HealthThresholds): ConnectionHealth {
  const latencies = state.samples.filter((s) => s.ok && s.latencyMs !== null).map((s) => s.latencyMs as number);
  const failures = state.samples.filter((s) => !s.ok).length;
  const errorRate = state.samples.length === 0 ? 0 : failures / state.samples.length;
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const ban = state.ban && state.ban.until > now ? state.ban : null;
  const failing: string[] = [];
  const degraded: string[] = [];
  if (state.consecutiveFailures >= t.failingConsecutive) failing.push(`${state.consecutiveFailures} probes failed in a row`);
  if (state.authFailed) failing.push('authentication failed');
  if (ban?.banned) failing.push(`banned by the exchange until ${new Date(ban.until).toISOString()}`);
  if (state.consecutiveFailures > 0 && state.consecutiveFailures < t.failingConsecutive) degraded.push('last probe failed');
  if (errorRate > t.degradedErrorRate) degraded.push(`error rate ${Math.round(errorRate * 100)} %`);
  if (p95 !== null && p95 > t.degradedP95Ms) degraded.push(`p95 latency ${p95} ms`);
  if (state.clockSkewMs !== null && Math.abs(state.clockSkewMs) > t.clockWarnMs) degraded.push(`clock skew ${state.clockSkewMs} ms`);
  if (ban && !ban.banned) degraded.push(`rate-limited until ${new Date(ban.until).toISOString()}`);
  const probed = state.samples.length > 0;
  const status: HealthStatus | null = !probed ? null : failing.length > 0 ? 'failing' : degraded.length > 0 ? 'degraded' : 'ok';
  return {
    connectionId,
    status,
    reasons: failing.length > 0 ? failing : degraded,
    latencyP50Ms: p50,
    latencyP95Ms: p95,
    errorRate,
    samples: state.samples.length,
    lastProbeAt: state.samples.at(-1)?.at ?? null,
    lastSuccessAt: state.lastSuccessAt,
    lastFailure: state.lastFailure,
    consecutiveFailures: state.consecutiveFailures,
    clockSkewMs: state.clockSkewMs,
    ban,
    nextProbeAt: state.nextProbeAt,
  };
}

/** Overall: unknown with nothing probed; ok when all ok; failing when all failing; else degraded. */
export function overallStatus(items: readonly ConnectionHealth[]): HealthStatus | 'unknown' {
  const statuses = items.map((h) => h.status).filter((s): s is HealthStatus => s !== null);
  if (statuses.length === 0) return 'unknown';
  if (statuses.every((s) => s === 'ok')) return 'ok';
  if (statuses.every((s) => s === 'failing')) return 'failing';
  return 'degraded';
}
