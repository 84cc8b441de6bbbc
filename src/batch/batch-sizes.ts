import type { ExchangeId } from '../domain/exchange-ids.js';

/** How many requests per exchange may run at once (DESIGN §1 seed table); configurable. */
export const SEED_BATCH_SIZES: Readonly<Record<ExchangeId, number>> = {
  bybit: 10,
  binance: 5,
  okx: 3,
  kraken: 3,
  coinbase: 2,
  htx: 5,
  gate: 5,
};
