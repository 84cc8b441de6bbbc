import type { ExchangeProfile } from './index.js';
import { binanceCapabilities } from './binance.capabilities.js';
import { binanceLimitProfile } from './binance.limits.js';

/** Binance spot / USDⓈ-M futures / margin. */
export const binance: ExchangeProfile = {
  id: 'binance',
  ccxtId: 'binance',
  displayName: 'Binance',
  marketTypes: ['spot', 'futures', 'margin'],
  credentials: { passphrase: false, keyNotes: 'HMAC key: API key + secret key.' },
  clientOrderId: {
    field: 'newClientOrderId',
    maxLength: 36,
    pattern: /^[.A-Z:/a-z0-9_-]{1,36}$/,
    format: 'prefix-ulid',
    prefix: 'cts-',
    uniqueness: 'unique among open orders',
    lookupParam: 'clientOrderId',
    fetchByClientId: true,
    cancelByClientId: true,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /sapi/v1/account/apiRestrictions',
    ccxtMethod: 'sapiGetAccountApiRestrictions',
    // The spot testnet serves no /sapi endpoints.
    liveOnly: true,
  },
  testnet: { available: true, notes: 'Spot testnet (testnet.binance.vision) and futures testnet; separate keys.' },
  loadMarkets: {
    // Margin trades the spot symbols, so it needs only the spot exchangeInfo.
    fetchMarketsTypes: { spot: ['spot'], margin: ['spot'], futures: ['linear'] },
    typesShape: 'list',
    // Without these loadMarkets makes 7 calls, including private margin and capital endpoints.
    options: { fetchCurrencies: false, fetchMargins: false },
    hasOverrides: {},
  },
  routing: {
    // ccxt's `type: 'margin'` selects the cross-margin (sapi) endpoints; swap + linear selects fapi.
    typeParams: { spot: { type: 'spot' }, margin: { type: 'margin' }, futures: { type: 'swap', subType: 'linear' } },
    balanceAccounts: [
      { account: 'spot', marketTypes: ['spot'], params: { type: 'spot' } },
      { account: 'margin', marketTypes: ['margin'], params: { type: 'margin' } },
      { account: 'futures', marketTypes: ['futures'], params: { type: 'swap', subType: 'linear' } },
    ],
  },
  limits: binanceLimitProfile,
  ccxtDefaultRateLimitMs: 50,
  // 429 always carries Retry-After; a 418 ban lasts 2 minutes to 3 days (Retry-After says how long).
  breachWaitMs: { rateLimited: 60_000, banned: 120_000 },
  // Without a symbol ccxt refuses open orders unless told the heavier weight (spot 80, fapi 40) is known:
  // the adapter lists all open orders only for reconciliation, and the limiter carries the weight.
  ccxtOptions: { fetchOpenOrders: { warnWithoutSymbol: false } },
  // USDⓈ-M codes ccxt 4.5.84 classes only in its fapi.binance.com table, picked by the URL it called:
  // behind a proxy URL (CTS_EXCHANGE_PROXY_URL, the simulator) they arrive as bare ExchangeError
  // (https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code).
  errorCodes: { '-2019': 'insufficient_funds', '-2022': 'order_rejected' },
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://www.binance.com/en/support/faq/how-are-trading-fees-calculated-on-binance-spot-e85d6e703b874674840122196b89780a',
    notes: 'Without BNB fee payment (spotBNBBurn off) the fee is taken from the asset received: the base on a buy, the quote on a sell. With BNB burn on it is charged in BNB (a third asset, valued by the caller).',
  },
  ...binanceCapabilities,
  docs: {
    rateLimits: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits',
    clientOrderId: 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade',
    permissions: 'https://developers.binance.com/docs/wallet/account/api-key-permission',
    errors: 'https://developers.binance.com/docs/binance-spot-api-docs/errors',
    testnet: 'https://testnet.binance.vision/',
  },
  quirks: [
    'Weight-based limit: 6,000 weight per minute per IP; X-MBX-USED-WEIGHT-1M reports usage.',
    'Order counts per account (X-MBX-ORDER-COUNT-10S / -1D) are limited separately.',
    'ccxt raises DDoSProtection (not RateLimitExceeded) for 429 and 418.',
    'A 5xx (and code -1001) means the order status is UNKNOWN: look it up by client id.',
    'Key permissions come from /sapi/v1/account/apiRestrictions, which the testnet does not serve.',
  ],
};
