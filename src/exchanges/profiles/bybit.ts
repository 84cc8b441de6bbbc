import type { ExchangeProfile } from './index.js';
import { bybitCapabilities } from './bybit.capabilities.js';
import { bybitLimitProfile } from './bybit.limits.js';

/** Bybit v5 unified trading account: spot and USDT linear perpetuals/futures. */
export const bybit: ExchangeProfile = {
  id: 'bybit',
  ccxtId: 'bybit',
  displayName: 'Bybit',
  marketTypes: ['spot', 'futures'],
  credentials: { passphrase: false, keyNotes: 'System-generated HMAC key: API key + secret.' },
  clientOrderId: {
    field: 'orderLinkId',
    maxLength: 36,
    pattern: /^[A-Za-z0-9_-]{1,36}$/,
    format: 'prefix-ulid',
    prefix: 'cts-',
    uniqueness: 'always unique per account',
    // bybit's fetchOrder passes params through untranslated, so the wire name is used.
    lookupParam: 'orderLinkId',
    fetchByClientId: true,
    cancelByClientId: true,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /v5/user/query-api',
    ccxtMethod: 'privateGetV5UserQueryApi',
    liveOnly: false,
  },
  testnet: { available: true, notes: 'api-testnet.bybit.com with testnet keys.' },
  loadMarkets: {
    fetchMarketsTypes: { spot: ['spot'], futures: ['linear'] },
    typesShape: 'list',
    // Declaring the account type skips /v5/user/query-api + /v5/account/info on the first private call.
    options: { enableUnifiedAccount: true, enableUnifiedMargin: false },
    // Bybit ignores options.fetchCurrencies; only the capability flag stops the private coin-info call.
    hasOverrides: { fetchCurrencies: false },
  },
  routing: {
    typeParams: { spot: { type: 'spot' }, futures: { type: 'swap', subType: 'linear' } },
    // The unified trading account holds spot and derivatives: one wallet-balance call (accountType UNIFIED).
    balanceAccounts: [{ account: 'unified', marketTypes: ['spot', 'futures'], params: {} }],
  },
  limits: bybitLimitProfile,
  ccxtDefaultRateLimitMs: 20,
  // retCode 10006 is per endpoint (reset timestamp in X-Bapi-Limit-Reset-Timestamp); the IP limit answers
  // HTTP 403 "access too frequent" and the documented wait is at least 10 minutes.
  breachWaitMs: { rateLimited: 1_000, banned: 600_000 },
  ccxtOptions: {},
  errorCodes: {},
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://www.bybit.com/en/help-center/article?language=en_US&id=000001175',
    notes: 'Spot: "the trading fee unit charged is based on the purchased cryptocurrency" (buy 0.5 BTC, fee 0.0005 BTC, receive 0.4995 BTC).',
  },
  ...bybitCapabilities,
  docs: {
    rateLimits: 'https://bybit-exchange.github.io/docs/v5/rate-limit',
    clientOrderId: 'https://bybit-exchange.github.io/docs/v5/order/create-order',
    permissions: 'https://bybit-exchange.github.io/docs/v5/user/apikey-info',
    errors: 'https://bybit-exchange.github.io/docs/v5/error',
    testnet: 'https://testnet.bybit.com/',
  },
  quirks: [
    '600 requests per 5 s per IP; per-UID per-endpoint limits (spot create 20/s, derivatives 10/s).',
    'X-Bapi-Limit / X-Bapi-Limit-Status / X-Bapi-Limit-Reset-Timestamp report per-endpoint usage.',
    'ccxt raises RateLimitExceeded for HTTP 429, HTTP 403 (IP limit) and retCode 10006.',
    'Create and cancel answer only {orderId, orderLinkId}; the adapter fetches the order for the rest.',
    'fetchOrder only reaches the last 500 orders; ccxt requires params.acknowledged = true.',
    'Lookup by orderLinkId reads /v5/order/realtime then /v5/order/history (ccxt 4.5.84 crashes on an empty list).',
    'The adapter assumes a unified trading account: one wallet balance for spot and linear.',
  ],
};
