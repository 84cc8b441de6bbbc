import type { ExchangeProfile } from './index.js';
import { htxCapabilities } from './htx.capabilities.js';
import { htxLimitProfile } from './htx.limits.js';

/** HTX (Huobi): spot and USDT-margined contracts. */
export const htx: ExchangeProfile = {
  id: 'htx',
  ccxtId: 'htx',
  displayName: 'Huobi (HTX)',
  marketTypes: ['spot', 'futures'],
  credentials: { passphrase: false, keyNotes: 'Access key + secret key.' },
  clientOrderId: {
    field: 'client-order-id',
    maxLength: 64,
    pattern: /^[A-Za-z0-9]{1,64}$/,
    format: 'prefix-ulid',
    prefix: 'cts',
    uniqueness: 'unique for 24 hours',
    lookupParam: 'clientOrderId',
    fetchByClientId: true,
    cancelByClientId: true,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /v2/user/api-key (needs uid from GET /v2/user/uid; permission: readOnly,trade,withdraw)',
    ccxtMethod: 'spotPrivateGetV2UserApiKey',
    liveOnly: false,
  },
  testnet: { available: false, notes: 'No testnet; use paper mode.' },
  loadMarkets: {
    fetchMarketsTypes: { spot: ['spot'], futures: ['linear'] },
    typesShape: 'flags',
    options: {},
    // Currency codes are the upper-cased ids; the reference-currency call adds nothing we use.
    hasOverrides: { fetchCurrencies: false },
  },
  routing: {
    typeParams: { spot: { type: 'spot' }, futures: { type: 'swap', subType: 'linear' } },
    balanceAccounts: [
      { account: 'spot', marketTypes: ['spot'], params: { type: 'spot' } },
      { account: 'futures', marketTypes: ['futures'], params: { type: 'swap', subType: 'linear' } },
    ],
  },
  limits: htxLimitProfile,
  ccxtDefaultRateLimitMs: 100,
  breachWaitMs: { rateLimited: 1_000, banned: 1_000 },
  ccxtOptions: {},
  // USDT-margined swaps (v5): 1047 "Insufficient margin available."; 1048 "Insufficient close amount available."
  // (a reduce-only order with nothing to close) is InsufficientFunds in ccxt 4.5.84's table too, and so reaches CTS as one.
  errorCodes: { '1047': 'insufficient_funds' },
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://huobiapi.github.io/docs/spot/v1/en/#search-match-results',
    notes:
      'Match results, fee-currency: "transaction fee of buy order is based on base currency, transaction fee of sell order is based on quote currency" (the coin received). With HT/point deduction enabled the fee is taken from that instead (filled-points, fee-deduct-currency).',
  },
  ...htxCapabilities,
  docs: {
    rateLimits: 'https://huobiapi.github.io/docs/spot/v1/en/#rate-limiting-rule',
    clientOrderId: 'https://huobiapi.github.io/docs/spot/v1/en/#place-a-new-order',
    permissions: 'https://huobiapi.github.io/docs/spot/v1/en/#api-key-query',
    errors: 'https://www.htx.com/en-us/opend/newApiPages/?id=8cb89359-77b5-11ed-9966-19594266bd8',
  },
  quirks: [
    'Per UID per endpoint limits (place order 100 per 2 s); endpoints without a listed value 10/s per key.',
    'X-HB-RateLimit-Requests-Remain / -Expire report usage.',
    'Spot orders need the account id: the first order loads /v1/account/accounts.',
    'buy-market is sized in the quote coin; the adapter sends a base-sized market buy as a buy-ioc limit at the best ask + 1 % (src/exchanges/ccxt/htx-orders.ts): never more than the base asked, the unfilled rest canceled by HTX.',
    'Lookup by client id: GET /v1/order/orders/getClientOrder, then the symbol\'s recent order history, before an order is called not found (base-record-invalid).',
    'USDT-margined swaps go through HTX\'s v5 API (api.hbdm.com /v5/...): leverage per contract and margin mode (POST/GET /v5/position/lever), each order naming its margin_mode, position mode single_side/dual_side (GET /v5/position/mode; dual_side is refused), funding as v5 bills of type 30/31, liquidations as trades of order_type 3 (src/exchanges/ccxt/htx-derivatives.ts, htx-orders.ts).',
    'Swap client_order_id is an integer, which a CTS id is not: swap orders go without it and are found by their exchange id only.',
    'ccxt 4.5.84 negates a v5 swap trade_fee (positive when charged) and reads the balance\'s free from a field the v5 details do not carry; both are corrected in htx-orders.ts.',
    'v5 refusals are { code, message } with HTTP 200; ccxt raises only for the codes in its table (1047, 1048, 1017, 1061, ...), so htx-orders.ts hands any other non-200 code to ccxt\'s error path (an ExchangeError) instead of a success without data.',
    'A failed cancel is order-orderstate-error with order-state (0 not found, 5/6/7 partial-canceled/filled/canceled); ccxt maps it to OrderNotFound either way, and the order manager then looks the order up.',
  ],
};
