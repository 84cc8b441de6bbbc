/** The seven exchanges CTS supports, by their ccxt ids. */
export const EXCHANGE_IDS = ['bybit', 'binance', 'okx', 'kraken', 'coinbase', 'htx', 'gate'] as const;
export type ExchangeId = (typeof EXCHANGE_IDS)[number];

export const MARKET_TYPES = ['spot', 'futures', 'margin', 'swap'] as const;
export type MarketType = (typeof MARKET_TYPES)[number];

export const CONNECTION_MODES = ['live', 'testnet', 'paper', 'replay'] as const;
export type ConnectionMode = (typeof CONNECTION_MODES)[number];

export const CONNECTION_STATUSES = ['untested', 'ok', 'degraded', 'failing', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export interface ExchangeFacts {
  readonly displayName: string;
  readonly marketTypes: readonly MarketType[];
  /** OKX (and Coinbase Exchange-style keys) sign with a passphrase as a third credential. */
  readonly needsPassphrase: boolean;
  /** The exchange offers a test network ccxt can reach (the profiles' `testnet.available`). */
  readonly hasTestnet: boolean;
}

/** Trading types per exchange, as in DESIGN §1; the full profiles live in src/exchanges/profiles. */
export const EXCHANGE_FACTS: Readonly<Record<ExchangeId, ExchangeFacts>> = {
  bybit: { displayName: 'Bybit', marketTypes: ['spot', 'futures'], needsPassphrase: false, hasTestnet: true },
  binance: { displayName: 'Binance', marketTypes: ['spot', 'futures', 'margin'], needsPassphrase: false, hasTestnet: true },
  okx: { displayName: 'OKX', marketTypes: ['spot', 'futures', 'swap'], needsPassphrase: true, hasTestnet: true },
  kraken: { displayName: 'Kraken', marketTypes: ['spot', 'margin'], needsPassphrase: false, hasTestnet: false },
  coinbase: { displayName: 'Coinbase', marketTypes: ['spot'], needsPassphrase: false, hasTestnet: false },
  htx: { displayName: 'Huobi (HTX)', marketTypes: ['spot', 'futures'], needsPassphrase: false, hasTestnet: false },
  gate: { displayName: 'Gate.io', marketTypes: ['spot', 'futures'], needsPassphrase: false, hasTestnet: true },
};

/** Kraken's verification tiers; its rate limits grow with the tier. */
export const RATE_LIMIT_TIERS = ['starter', 'intermediate', 'pro'] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

export function isExchangeId(value: string): value is ExchangeId {
  return (EXCHANGE_IDS as readonly string[]).includes(value);
}
