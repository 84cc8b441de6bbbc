import { afterEach, describe, expect, it } from 'vitest';
import { HealthMonitor, type ProbeResult } from '../../src/connections/health-monitor.js';
import { overallStatus, percentile } from '../../src/connections/health-stats.js';
import { ManualClock } from '../../src/domain/clock.js';
import { AuthenticationFailedError, ExchangeUnavailableError, RateLimitedError } from '../../src/domain/errors.js';

type Script = () => Promise<ProbeResult>;

/** A probe whose behaviour each test switches (faults injected between intervals). */
function scriptedProbe(clock: ManualClock) {
  const calls: { id: string; at: number }[] = [];
  let script: Script = async () => ({ latencyMs: 100, clockSkewMs: 0 });
  return {
    calls,
    set(next: Script) {
      script = next;
    },
    probe: (id: string) => {
      calls.push({ id, at: clock.now() });
      return script();
    },
  };
}

let monitor: HealthMonitor | undefined;
afterEach(async () => {
  await monitor?.stop();
});

function setup(options: { intervalMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const probe = scriptedProbe(clock);
  const changes: string[] = [];
  monitor = new HealthMonitor({
    clock,
    probe: probe.probe,
    intervalMs: options.intervalMs ?? 60_000,
    probeTimeoutMs: 10_000,
    onStatusChange: (id, status) => {
      changes.push(`${id}:${status}`);
    },
  });
  return { clock, probe, changes, monitor };
}

describe('HealthMonitor', () => {
  it('probes at once, then every interval; ok while healthy', async () => {
    const { clock, probe, changes, monitor } = setup();
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(0);
    expect(monitor.get('a')?.status).toBe('ok');
    await clock.advance(60_000);
    await clock.advance(60_000);
    expect(probe.calls.map((c) => c.at - 1_000_000)).toEqual([0, 60_000, 120_000]);
    expect(changes).toEqual(['a:ok']);
    expect(monitor.get('a')).toMatchObject({ latencyP50Ms: 100, latencyP95Ms: 100, errorRate: 0, consecutiveFailures: 0, lastSuccessAt: 1_120_000 });
  });

  it('goes degraded on the first failure and failing after three in a row, backing off meanwhile; recovers', async () => {
    const { clock, probe, changes, monitor } = setup();
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(0);
    probe.set(() => Promise.reject(new ExchangeUnavailableError('down')));
    await clock.advance(60_000); // failure 1 → next in 60 s
    expect(monitor.get('a')?.status).toBe('degraded');
    await clock.advance(60_000); // failure 2 → next in 120 s
    await clock.advance(120_000); // failure 3
    expect(monitor.get('a')).toMatchObject({ status: 'failing', consecutiveFailures: 3, lastFailure: { code: 'exchange_unavailable' } });
    expect(probe.calls.map((c) => c.at - 1_000_000)).toEqual([0, 60_000, 120_000, 240_000]);
    probe.set(async () => ({ latencyMs: 80 }));
    await clock.advance(240_000); // backoff 4 × interval
    expect(monitor.get('a')?.consecutiveFailures).toBe(0);
    // 3 failures out of 5 samples in the window keep it degraded until they age out.
    expect(monitor.get('a')?.status).toBe('degraded');
    expect(changes).toEqual(['a:ok', 'a:degraded', 'a:failing', 'a:degraded']);
  });

  it('fails at once on an authentication failure', async () => {
    const { clock, probe, monitor } = setup();
    probe.set(() => Promise.reject(new AuthenticationFailedError('bad key')));
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(0);
    expect(monitor.get('a')).toMatchObject({ status: 'failing', reasons: ['authentication failed'] });
  });

  it('counts a probe that never answers as a failure at the probe timeout', async () => {
    const { clock, probe, monitor } = setup();
    probe.set(() => new Promise<ProbeResult>(() => undefined));
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(10_000);
    expect(monitor.get('a')).toMatchObject({ status: 'degraded', consecutiveFailures: 1, lastFailure: { code: 'timeout' } });
  });

  it('degrades on slow answers and clock skew', async () => {
    const { clock, probe, monitor } = setup();
    probe.set(async () => ({ latencyMs: 2_500, clockSkewMs: 0 }));
    monitor.setConnections(['slow']);
    monitor.start();
    await clock.advance(0);
    expect(monitor.get('slow')?.reasons).toEqual(['p95 latency 2500 ms']);
    probe.set(async () => ({ latencyMs: 10, clockSkewMs: -1_500 }));
    monitor.setConnections(['skewed']);
    await clock.advance(0);
    expect(monitor.get('skewed')).toMatchObject({ status: 'degraded', reasons: ['clock skew -1500 ms'] });
  });

  it('does not probe during a ban and shows it as failing until it ends', async () => {
    const { clock, probe, monitor } = setup();
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(0);
    probe.set(() => Promise.reject(new RateLimitedError('banned', 300_000, true)));
    await clock.advance(60_000);
    expect(monitor.get('a')).toMatchObject({ status: 'failing', ban: { until: 1_360_000, banned: true } });
    const before = probe.calls.length;
    probe.set(async () => ({ latencyMs: 50 }));
    await clock.advance(200_000);
    expect(probe.calls.length).toBe(before);
    await clock.advance(100_000);
    expect(probe.calls.length).toBe(before + 1);
    expect(monitor.get('a')?.ban).toBeNull();
  });

  it('takes bans reported by others (the limiter) into account', async () => {
    const { clock, monitor } = setup();
    monitor.setConnections(['a']);
    monitor.start();
    await clock.advance(0);
    monitor.reportRateLimit('a', new RateLimitedError('slow down', 5_000));
    expect(monitor.get('a')).toMatchObject({ status: 'degraded' });
    await clock.advance(5_000);
    expect(monitor.get('a')?.status).toBe('ok');
  });

  it('serves an overall status and stops cleanly', async () => {
    const { clock, probe, monitor } = setup();
    probe.set(async () => ({ latencyMs: 10 }));
    monitor.setConnections(['a', 'b']);
    monitor.start();
    await clock.advance(0);
    expect(monitor.report()).toMatchObject({ overall: 'ok', connections: [{ connectionId: 'a' }, { connectionId: 'b' }] });
    monitor.setConnections(['a']);
    expect(monitor.report().connections).toHaveLength(1);
    await monitor.stop();
    expect(clock.pendingSleepers).toBe(0);
  });

  it('rejects bad options with a precise message', () => {
    const clock = new ManualClock();
    expect(() => new HealthMonitor({ clock, probe: async () => ({ latencyMs: 1 }), intervalMs: 0 })).toThrow('Expected `intervalMs` to be a finite number > 0, got 0');
  });
});

describe('health statistics', () => {
  it('percentile by nearest rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
  });

  it('overall status', () => {
    const h = (status: 'ok' | 'degraded' | 'failing' | null) => ({ status }) as Parameters<typeof overallStatus>[0][number];
    expect(overallStatus([])).toBe('unknown');
    expect(overallStatus([h('ok'), h('ok')])).toBe('ok');
    expect(overallStatus([h('ok'), h('failing')])).toBe('degraded');
    expect(overallStatus([h('failing'), h(null)])).toBe('failing');
  });
});

describe('exchangeProbe', () => {
  it('measures latency and skew through the Exchange port and surfaces auth failures', async () => {
    const { exchangeProbe } = await import('../../src/connections/exchange-probe.js');
    const { fakeExchange } = await import('./fake-exchange.js');
    const clock = new ManualClock(1_000_000);
    const probe = exchangeProbe({ clock, exchangeFor: async () => fakeExchange({ fetchServerTime: async () => 1_002_000 }) });
    expect(await probe('a', new AbortController().signal)).toEqual({ latencyMs: 0, clockSkewMs: 2_000 });
    const failing = exchangeProbe({ clock, exchangeFor: async () => fakeExchange({ fetchBalances: () => Promise.reject(new AuthenticationFailedError('x')) }) });
    await expect(failing('a', new AbortController().signal)).rejects.toBeInstanceOf(AuthenticationFailedError);
  });
});
