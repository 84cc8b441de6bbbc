import { afterAll, beforeAll, describe } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { exchangeHandlers } from '../../simulator/exchanges/index.js';
import { coinbaseHandler } from '../../simulator/exchanges/coinbase.js';
import { gateHandler } from '../../simulator/exchanges/gate.js';
import { htxHandler } from '../../simulator/exchanges/htx.js';
import { krakenHandler } from '../../simulator/exchanges/kraken.js';
import { okxHandler } from '../../simulator/exchanges/okx.js';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import { ccxtSimHarness } from './ccxt-sim-harness.js';
import { describeExchangeContract } from './exchange-contract.js';
import { systemClock } from '../../src/domain/clock.js';
import { createExchangeGate } from '../../src/exchanges/exchange-gate.js';

/**
 * The same contract for all seven exchanges: unmodified ccxt classes → proxyUrl → the simulator,
 * paced by the production rate limiter as CTS always is (the simulated Kraken keeps its documented
 * decaying counter, which the contract's burst of calls would pass unpaced, as the real one would).
 */
const limits = createExchangeGate({ clock: systemClock });

let sim: RunningSimulator;
let ccxt: CcxtModules;

beforeAll(async () => {
  ccxt = await loadCcxt();
  // Every handler, whether or not simulator/exchanges/index.ts registers it yet.
  const handlers = [...exchangeHandlers];
  for (const h of [okxHandler, krakenHandler, coinbaseHandler, htxHandler, gateHandler]) if (!handlers.some((x) => x.id === h.id)) handlers.push(h);
  sim = await startSimulator({ handlers });
});

afterAll(async () => {
  await sim.close();
  await limits.close();
});

describe('ccxt adapter through the simulator', () => {
  for (const id of EXCHANGE_IDS) {
    const profile = getProfile(id);
    describeExchangeContract(profile.displayName, { permissions: profile.permissions.queryable, trading: true, feeAssets: { buy: profile.fees.buy, sell: profile.fees.sell } }, async () => ccxtSimHarness(sim, ccxt, id, limits.gate));
  }
});
