import type { ExchangeProfile } from './index.js';
import { coinbaseCapabilities } from './coinbase.capabilities.js';
import { coinbaseLimitProfile } from './coinbase.limits.js';

/** Coinbase Advanced Trade (spot). */
export const coinbase: ExchangeProfile = {
  id: 'coinbase',
  ccxtId: 'coinbase',
  displayName: 'Coinbase',
  marketTypes: ['spot'],
  credentials: {
    passphrase: false,
    keyNotes: 'CDP API key: key name (organizations/…/apiKeys/…) as API key, the EC private key (PEM) as secret.',
  },
  clientOrderId: {
    field: 'client_order_id',
    maxLength: 64,
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    format: 'prefix-ulid',
    prefix: 'cts-',
    uniqueness: 'a duplicate returns the existing order: true idempotency',
    // Advanced Trade looks orders up and cancels them only by order id: a client id is found in the
    // order history (all statuses) by ../ccxt/coinbase-order-lookup.ts, never by re-sending the create.
    lookupParam: 'clientOrderId',
    fetchByClientId: false,
    cancelByClientId: false,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /api/v3/brokerage/key_permissions (can_trade, can_transfer)',
    ccxtMethod: 'v3PrivateGetBrokerageKeyPermissions',
    liveOnly: false,
  },
  testnet: { available: false, notes: 'No Advanced Trade sandbox in ccxt; use paper mode.' },
  loadMarkets: {
    fetchMarketsTypes: null,
    typesShape: 'list',
    options: {},
    // fetchCurrencies makes three v2 calls; balances carry their currency codes already.
    hasOverrides: { fetchCurrencies: false },
  },
  routing: {
    typeParams: { spot: {} },
    balanceAccounts: [{ account: 'spot', marketTypes: ['spot'], params: {} }],
  },
  limits: coinbaseLimitProfile,
  ccxtDefaultRateLimitMs: 34,
  breachWaitMs: { rateLimited: 1_000, banned: 1_000 },
  // v3 accounts report available and hold separately (the v2 default reports totals only).
  ccxtOptions: { fetchBalance: 'v3PrivateGetBrokerageAccounts' },
  errorCodes: {},
  fees: {
    buy: 'quote',
    sell: 'quote',
    source: 'https://help.coinbase.com/en/coinbase/trading-and-funding/advanced-trade/advanced-trade-fees',
    notes:
      'Advanced Trade charges the fee in the quote currency (on top of a base-sized buy, out of a sell\'s proceeds; inside quote_size for a quote-sized market buy). ' +
      'Confirmed by ccxt\'s recorded real traffic (ts/src/test/static/response/coinbase.json): an ADA-USDT sell of 10 ADA at 0.392 has commission 0.03136 USDT, total_value_after_fees 3.88864; ' +
      'ccxt 4.5.84 parses every order and fill fee as the market\'s quote.',
  },
  ...coinbaseCapabilities,
  docs: {
    rateLimits: 'https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits',
    clientOrderId: 'https://docs.cdp.coinbase.com/advanced-trade/reference/retailbrokerageapi_postorder',
    permissions: 'https://docs.cdp.coinbase.com/advanced-trade/reference/retailbrokerageapi_getapikeypermissions',
    orders: 'https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/list-orders',
    cancel: 'https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/cancel-orders',
    fills: 'https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/list-fills',
  },
  quirks: [
    'Private 30 req/s per user, public 10 req/s per IP; at most 500 open orders per product.',
    'loadMarkets also asks for the fee tier (transaction_summary) and two futures product lists; ccxt ignores their failures.',
    'client_order_id is required and idempotent: resending a create with the same id returns the existing order.',
    'ccxt sizes spot market buys in quote (quote_size = amount × price, createMarketBuyOrderRequiresPrice); the adapter sends a base-sized market buy as a marketable IOC limit (sor_limit_ioc) capped 1 % above a fresh best ask (../ccxt/coinbase-orders.ts).',
    'A refused create is HTTP 200 with success:false and error_response (INSUFFICIENT_FUND → insufficient funds; precision and size refusals are order rejections).',
    'batch_cancel answers UNKNOWN_CANCEL_ORDER for unknown and for closed orders: read as "not found", then the order is read by id.',
  ],
};
