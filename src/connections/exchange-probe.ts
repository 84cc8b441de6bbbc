import type { Clock } from '../domain/clock.js';
import type { Exchange } from '../exchanges/exchange.port.js';
import type { Probe, ProbeResult } from './health-monitor.js';

export interface ExchangeProbeOptions {
  /** The (cached) adapter of a connection; the service owns building and closing them. */
  readonly exchangeFor: (connectionId: string) => Promise<Exchange>;
  readonly clock: Clock;
  /**
   * Also make one cheap authenticated call (balances), so a revoked key shows as failing rather than
   * ok. Default true; set false for keyless connections.
   */
  readonly authenticated?: boolean;
}

/** The health probe over our Exchange port: server time (latency, skew), then an authenticated read. */
export function exchangeProbe(options: ExchangeProbeOptions): Probe {
  return async (connectionId): Promise<ProbeResult> => {
    const exchange = await options.exchangeFor(connectionId);
    const sentAt = options.clock.now();
    const serverTime = await exchange.fetchServerTime();
    const latencyMs = options.clock.now() - sentAt;
    const clockSkewMs = Math.round(serverTime - (sentAt + latencyMs / 2));
    if (options.authenticated ?? true) await exchange.fetchBalances();
    return { latencyMs, clockSkewMs };
  };
}
