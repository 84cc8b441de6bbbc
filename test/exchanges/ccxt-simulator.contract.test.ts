import { describe } from 'vitest';
import { EXCHANGE_IDS } from '../../src/domain/exchange-ids.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import { useCcxtSimulator } from '../support/ccxt-simulator.js';
import { describeExchangeContract } from './exchange-contract.js';

/**
 * The same contract for all seven exchanges: unmodified ccxt classes → proxyUrl → the simulator,
 * paced by the production rate limiter as CTS always is (the simulated Kraken keeps its documented
 * decaying counter, which the contract's burst of calls would pass unpaced, as the real one would).
 */
const lab = useCcxtSimulator({ limiter: true });

describe('ccxt adapter through the simulator', () => {
  for (const id of EXCHANGE_IDS) {
    const profile = getProfile(id);
    describeExchangeContract(profile.displayName, { permissions: profile.permissions.queryable, trading: true, feeAssets: { buy: profile.fees.buy, sell: profile.fees.sell } }, async () => lab.harness(id));
  }
});
