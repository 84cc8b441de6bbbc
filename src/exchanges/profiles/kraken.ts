import type { ExchangeProfile } from './index.js';
import { krakenCapabilities } from './kraken.capabilities.js';
import { krakenLimitProfile } from './kraken.limits.js';

/** Kraken spot (and spot margin). */
export const kraken: ExchangeProfile = {
  id: 'kraken',
  ccxtId: 'kraken',
  displayName: 'Kraken',
  marketTypes: ['spot', 'margin'],
  credentials: { passphrase: false, keyNotes: 'API key + base64 private key.' },
  clientOrderId: {
    field: 'cl_ord_id',
    maxLength: 36,
    // Kraken takes a UUID (or ≤18 free characters); our ULID's 128 bits fit a UUID exactly.
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    format: 'uuid',
    prefix: '',
    uniqueness: 'unique among open orders',
    // ccxt maps fetchOrder's clientOrderId to the integer userref, so the adapter asks OpenOrders, then
    // ClosedOrders, filtered by cl_ord_id (kraken-order-lookup.ts): a filled or canceled order is found.
    // CancelOrder takes cl_ord_id itself (https://docs.kraken.com/api/docs/rest-api/cancel-order).
    lookupParam: 'cl_ord_id',
    fetchByClientId: false,
    cancelByClientId: true,
  },
  permissions: {
    queryable: true,
    endpoint: 'POST /0/private/GetApiKeyInfo (permissions[]: modify-trades, withdraw-funds…; ipAllowlist)',
    ccxtMethod: 'privatePostGetApiKeyInfo',
    liveOnly: false,
  },
  testnet: { available: false, notes: 'No spot testnet in ccxt; use paper mode.' },
  loadMarkets: {
    fetchMarketsTypes: null,
    typesShape: 'list',
    options: {},
    // Kept: /0/public/Assets maps Kraken's asset ids (XXBT, ZUSD) to codes for balances.
    hasOverrides: {},
  },
  routing: {
    // Margin orders use the spot endpoints (with a leverage the adapter does not set): same routes.
    typeParams: { spot: {}, margin: {} },
    balanceAccounts: [{ account: 'spot', marketTypes: ['spot', 'margin'], params: {} }],
  },
  limits: krakenLimitProfile,
  ccxtDefaultRateLimitMs: 1000,
  breachWaitMs: { rateLimited: 3_000, banned: 60_000 },
  ccxtOptions: {},
  // ccxt maps EAPI:Invalid key but not a bad signature (a wrong secret), which stays a bare ExchangeError.
  errorCodes: { 'EAPI:Invalid signature': 'authentication_failed' },
  fees: {
    buy: 'quote',
    sell: 'quote',
    source: 'https://support.kraken.com/hc/en-us/articles/203053246-Other-order-options',
    notes: 'Charged in the quote currency by default; the per-order "fee currency preference" (oflags fcib/fciq) can ask for base, which CTS never sends.',
  },
  ...krakenCapabilities,
  docs: {
    rateLimits: 'https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits',
    clientOrderId: 'https://docs.kraken.com/api/docs/rest-api/add-order',
    errors: 'https://docs.kraken.com/api/docs/guides/spot-errors',
  },
  quirks: [
    'Decaying call counter per tier: Starter 15 (−0.33/s), Intermediate 20 (−0.5/s), Pro 20 (−1/s); ledger/trade history cost 2.',
    'Order counter per pair 60/125/180; cancelling an order younger than 5 s adds up to 8.',
    'Breaches: EAPI:Rate limit exceeded, EOrder:Rate limit exceeded, EService: Throttled.',
    'Nonce must increase per key: never share a key between two processes.',
  ],
};
