import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/server.js';
import { systemClock } from '../../src/domain/clock.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createExchangeGate } from '../../src/exchanges/exchange-gate.js';
import { openGate, type RequestGate } from '../../src/ratelimit/request-gate.js';
import { ccxtSimHarness } from '../exchanges/ccxt-sim-harness.js';
import type { ContractHarness } from '../exchanges/exchange-contract.js';

export interface CcxtSimulatorOptions {
  /** Passed to `startSimulator` (markets, clock, price source, auto step); its default handlers are all seven exchanges. */
  simulator?: SimulatorOptions;
  /**
   * Pace every request with the production rate limiter on real time, as CTS always does (default
   * false: the open gate). A simulated exchange that keeps a documented counter (Kraken's decaying
   * one) refuses a burst the limiter would have spread out, as the real one would.
   */
  limiter?: boolean;
}

/** What `useCcxtSimulator` opens; each getter is valid from `beforeAll` on. */
export interface CcxtSimulator {
  readonly sim: RunningSimulator;
  readonly ccxt: CcxtModules;
  /** The production limiter's gate with `limiter: true`, else the open gate. */
  readonly gate: RequestGate;
  /** A contract harness on a fresh funded account of `exchange`, paced by `gate`. */
  harness(exchange: ExchangeId): ContractHarness;
}

/**
 * Unmodified ccxt → its `proxyUrl` → the loopback simulator, for the enclosing file or `describe`:
 * loads ccxt and starts the simulator before its tests, closes both (and the limiter) after them.
 */
export function useCcxtSimulator(options: CcxtSimulatorOptions = {}): CcxtSimulator {
  const limits = options.limiter ? createExchangeGate({ clock: systemClock }) : undefined;
  let sim: RunningSimulator | undefined;
  let ccxt: CcxtModules | undefined;
  beforeAll(async () => {
    ccxt = await loadCcxt();
    sim = await startSimulator(options.simulator);
  });
  afterAll(async () => {
    await sim?.close();
    await limits?.close();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the simulator and ccxt are opened in beforeAll');
    return value;
  };
  const gate = limits?.gate ?? openGate;
  return {
    get sim() {
      return opened(sim);
    },
    get ccxt() {
      return opened(ccxt);
    },
    gate,
    harness: (exchange) => ccxtSimHarness(opened(sim), opened(ccxt), exchange, gate),
  };
}
