export {
  CONNECTION_MODES,
  CONNECTION_STATUSES,
  EXCHANGE_FACTS,
  EXCHANGE_IDS,
  MARKET_TYPES,
} from '../../../src/domain/exchange-ids.js';
import type { ConnectionMode } from '../../../src/domain/exchange-ids.js';

/** Modes that talk to a real exchange account and so need an API key and secret. */
export const MODES_NEEDING_CREDENTIALS: readonly ConnectionMode[] = ['live', 'testnet'];

export const MODE_LABELS: Readonly<Record<ConnectionMode, string>> = {
  live: 'Live',
  testnet: 'Testnet',
  paper: 'Paper',
  replay: 'Replay',
};

export const MODE_HINTS: Readonly<Record<ConnectionMode, string>> = {
  live: 'Real orders with real money.',
  testnet: "The exchange's test network: real API, play money.",
  paper: 'Real market data, simulated fills. Keys optional.',
  replay: 'Offline: historical candles, simulated fills. No keys needed.',
};
