import type { ExchangeProfile } from './index.js';
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
  errorCodes: {},
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://www.htx.com/fee/',
    notes: 'Spot fees are deducted from the currency received unless HT/TRX deduction is enabled.',
  },
  docs: {
    rateLimits: 'https://huobiapi.github.io/docs/spot/v1/en/#rate-limiting-rule',
    clientOrderId: 'https://huobiapi.github.io/docs/spot/v1/en/#place-a-new-order',
    permissions: 'https://huobiapi.github.io/docs/spot/v1/en/#api-key-query',
  },
  quirks: [
    'Per UID per endpoint limits (place order 100 per 2 s); endpoints without a listed value 10/s per key.',
    'X-HB-RateLimit-Requests-Remain / -Expire report usage.',
    'Spot orders need the account id: the first order loads /v1/account/accounts.',
  ],
};
