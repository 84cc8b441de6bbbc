import type { ExchangeProfile } from './index.js';
import { gateCapabilities } from './gate.capabilities.js';
import { gateLimitProfile } from './gate.limits.js';

/** Gate.io v4: spot and USDT-settled perpetual futures. */
export const gate: ExchangeProfile = {
  id: 'gate',
  ccxtId: 'gate',
  displayName: 'Gate.io',
  marketTypes: ['spot', 'futures'],
  credentials: { passphrase: false, keyNotes: 'APIv4 key + secret.' },
  clientOrderId: {
    field: 'text',
    // Gate's limit is 28 bytes after "t-"; ccxt checks 28 including it, so we stay within that.
    maxLength: 28,
    pattern: /^t-[A-Za-z0-9_.-]{1,26}$/,
    format: 'prefix-ulid',
    prefix: 't-',
    // Gate's Order.text rules (t- prefix, 28 bytes, [0-9A-Za-z_.-]) state no uniqueness; ULIDs make ours unique.
    uniqueness: 'not stated by the exchange (no uniqueness rule in Order.text); ours are ULIDs',
    lookupParam: 'text',
    fetchByClientId: true,
    // ccxt's cancelOrder takes only the order id: the adapter finds the open order by text first.
    cancelByClientId: false,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /api/v4/account/main_keys (perms[].read_only per area; "wallet" covers withdrawals)',
    ccxtMethod: 'privateAccountGetMainKeys',
    liveOnly: true,
  },
  testnet: { available: true, notes: 'api-testnet.gateapi.io (futures testnet) with testnet keys.' },
  loadMarkets: {
    // Gate's "futures" API is the USDT perpetual swap market.
    fetchMarketsTypes: { spot: ['spot'], futures: ['swap'] },
    typesShape: 'list',
    // unifiedAccount declared skips /unified/account_mode; BTC-settled swaps are not traded.
    options: { unifiedAccount: false, swap: { fetchMarkets: { settlementCurrencies: ['usdt'] } } },
    hasOverrides: { fetchCurrencies: false },
  },
  routing: {
    // USDT-settled perpetuals only (ccxt's default settle for swap is usdt).
    typeParams: { spot: { type: 'spot' }, futures: { type: 'swap' } },
    balanceAccounts: [
      { account: 'spot', marketTypes: ['spot'], params: { type: 'spot' } },
      { account: 'futures', marketTypes: ['futures'], params: { type: 'swap' } },
    ],
  },
  limits: gateLimitProfile,
  ccxtDefaultRateLimitMs: 50,
  breachWaitMs: { rateLimited: 1_000, banned: 10_000 },
  ccxtOptions: {},
  // Futures refusals by label (https://www.gate.com/docs/developers/apiv4/en/#label-list): ccxt 4.5.84 maps
  // INSUFFICIENT_AVAILABLE itself but not REDUCE_EXCEEDED (a reduce-only order with no position to reduce).
  errorCodes: { INSUFFICIENT_AVAILABLE: 'insufficient_funds', REDUCE_EXCEEDED: 'order_rejected', INCREASE_POSITION: 'order_rejected' },
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://www.gate.com/fee',
    notes:
      'Spot fees are deducted from the currency received unless GT deduction is enabled (then charged in GT); the order and trade models report it as fee + fee_currency (APIv4 Order/Trade). Not verified against a live account here.',
  },
  ...gateCapabilities,
  docs: {
    rateLimits: 'https://www.gate.io/docs/developers/apiv4/#frequency-limit-rule',
    clientOrderId: 'https://www.gate.io/docs/developers/apiv4/#create-an-order',
    permissions: 'https://www.gate.io/docs/developers/apiv4/#query-all-main-account-key-information',
  },
  quirks: [
    'Public 200 per 10 s per endpoint per IP; private 200 per 10 s per endpoint per UID; spot place 10/s per UID + market.',
    'X-Gate-RateLimit-Requests-Remain / -Limit / -Reset-Timestamp report usage.',
    'Spot loadMarkets also reads the margin currency pairs (2 calls).',
    'GET /spot/orders/{text} finds pending orders only; the adapter then searches the finished-order list from the client id\'s ULID time (gate-orders.ts).',
    'Spot market buys are sized in quote on Gate: the adapter sends a base-sized market buy as an IOC limit at ask + 1 % (gate-orders.ts).',
    'ccxt 4.5.84 rejects a text longer than 28 characters including "t-" (Gate allows 28 after it).',
  ],
};
