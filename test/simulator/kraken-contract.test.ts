import { afterAll, beforeAll, describe } from 'vitest';
import { krakenHandler } from '../../simulator/exchanges/kraken.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { systemClock } from '../../src/domain/clock.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import { createExchangeGate } from '../../src/ratelimit/setup.js';
import { ccxtSimHarness } from '../exchanges/ccxt-sim-harness.js';
import { describeExchangeContract } from '../exchanges/exchange-contract.js';

/**
 * The shared exchange contract for Kraken, through the production rate limiter. The simulated Kraken
 * keeps the documented decaying REST counter (20, −1/s), which the contract's burst of calls passes
 * within two seconds when nothing paces it, exactly as the real exchange would refuse it; CTS never
 * talks to Kraken without its limiter, so neither does this run.
 */

const limits = createExchangeGate({ clock: systemClock });
let sim: RunningSimulator;
let ccxt: CcxtModules;

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator({ handlers: [krakenHandler] });
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

describe('ccxt adapter through the simulated Kraken, rate-limited as in production', () => {
  const profile = getProfile('kraken');
  describeExchangeContract(profile.displayName, { permissions: true, trading: true, feeAssets: { buy: profile.fees.buy, sell: profile.fees.sell } }, async () => ccxtSimHarness(sim, ccxt, 'kraken', limits.gate));
});
