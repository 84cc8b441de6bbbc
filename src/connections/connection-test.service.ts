import type { Clock } from '../domain/clock.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { CtsError } from '../domain/errors.js';
import type { ConnectionStatus } from '../domain/exchange-ids.js';
import type { Exchange } from '../exchanges/exchange.port.js';
import type { ExchangeOpener } from '../exchanges/exchange-provider.js';
import { testConnection } from './connection-tester.js';
import type { ConnectionService } from './connection.service.js';

export interface ConnectionTestServiceOptions {
  connections: ConnectionService;
  openExchange: ExchangeOpener;
  clock: Clock;
  timeoutMs: number;
}

/** Tests one connection end to end and stores the result on it. */
export class ConnectionTestService {
  readonly #o: ConnectionTestServiceOptions;

  constructor(options: ConnectionTestServiceOptions) {
    this.#o = options;
  }

  async test(id: string): Promise<ConnectionTestResult> {
    const view = await this.#o.connections.get(id);
    const simulated = view.mode === 'paper' || view.mode === 'replay';
    const credentials = await this.#o.connections.credentialsFor(id);
    let exchange: Exchange;
    try {
      exchange = await this.#o.openExchange(view, credentials);
    } catch (error) {
      if (!(error instanceof CtsError)) throw error;
      // An unusable configuration (e.g. no testnet for this exchange) is a failed test, not a 500.
      const result = setupFailure(this.#o.clock, simulated, error.message);
      await this.#o.connections.recordTestResult(id, result, 'failing', view.updatedAt);
      return result;
    }
    try {
      const result = await testConnection(exchange, { simulated, timeoutMs: this.#o.timeoutMs, clock: this.#o.clock });
      await this.#o.connections.recordTestResult(id, result, statusFor(result), view.updatedAt);
      return result;
    } finally {
      await exchange.close();
    }
  }
}

/**
 * A test that passes, or passes with warnings (withdrawal enabled, clock skew), leaves the connection
 * usable: `ok`, with the warnings shown from the stored result. Health probing refines it to
 * `degraded` from live measurements.
 */
/** A test's own verdict as the connection's status: usable with warnings (a key that can withdraw) is not plain OK. */
export function statusFor(result: ConnectionTestResult): ConnectionStatus {
  if (result.outcome === 'failed') return 'failing';
  return result.outcome === 'warning' ? 'degraded' : 'ok';
}

function setupFailure(clock: Clock, simulated: boolean, message: string): ConnectionTestResult {
  return {
    outcome: 'failed',
    summary: 'not testable',
    startedAt: new Date(clock.now()).toISOString(),
    durationMs: 0,
    simulated,
    steps: [{ name: 'reachability', outcome: 'failed', durationMs: 0, message }],
  };
}
