import type { ExchangeProfile } from './index.js';
import { okxCapabilities } from './okx.capabilities.js';
import { okxLimitProfile } from './okx.limits.js';

/** OKX v5: spot, expiry futures and perpetual swaps. */
export const okx: ExchangeProfile = {
  id: 'okx',
  ccxtId: 'okx',
  displayName: 'OKX',
  marketTypes: ['spot', 'futures', 'swap'],
  credentials: { passphrase: true, keyNotes: 'API key + secret + the passphrase chosen when the key was created.' },
  clientOrderId: {
    field: 'clOrdId',
    maxLength: 32,
    pattern: /^[A-Za-z0-9]{1,32}$/,
    format: 'prefix-ulid',
    prefix: 'cts',
    uniqueness: 'unique among pending orders',
    lookupParam: 'clOrdId',
    fetchByClientId: true,
    cancelByClientId: true,
  },
  permissions: {
    queryable: true,
    endpoint: 'GET /api/v5/account/config (perm: read_only,trade,withdraw; ip)',
    ccxtMethod: 'privateGetAccountConfig',
    liveOnly: false,
  },
  testnet: { available: true, notes: 'Demo trading: same host, x-simulated-trading: 1 header, demo keys.' },
  loadMarkets: {
    fetchMarketsTypes: { spot: ['spot'], futures: ['future'], swap: ['swap'] },
    typesShape: 'list',
    options: {},
    // With keys, ccxt would call the private /asset/currencies on every loadMarkets.
    hasOverrides: { fetchCurrencies: false },
  },
  routing: {
    typeParams: { spot: { type: 'spot' }, futures: { type: 'future' }, swap: { type: 'swap' } },
    // The trading account is shared by every instrument type: one /api/v5/account/balance call.
    balanceAccounts: [{ account: 'trading', marketTypes: ['spot', 'futures', 'swap'], params: {} }],
  },
  limits: okxLimitProfile,
  ccxtDefaultRateLimitMs: 110,
  breachWaitMs: { rateLimited: 2_000, banned: 2_000 },
  // /trade/order (not ccxt's default /trade/batch-orders) so the place bucket in okx.limits.ts is the
  // one spent; tgtCcy base_ccy pinned so a spot market buy's `sz` is the base amount the engine sized
  // (OKX's own default for a market buy is quote_ccy, i.e. `sz` = USDT to spend).
  ccxtOptions: { createOrder: 'privatePostTradeOrder', tgtCcy: 'base_ccy' },
  // Swap order refusals ccxt 4.5.84 has no exact entry for (a bare ExchangeError), by their sCode: 51169 a
  // reduce-only order with no position to reduce, 51170 one in the position's own direction
  // (https://www.okx.com/docs-v5/en/#error-code-rest-api-trade).
  errorCodes: { '51169': 'order_rejected', '51170': 'order_rejected' },
  fees: {
    buy: 'base',
    sell: 'quote',
    source: 'https://www.okx.com/fees; https://www.okx.com/help/okx-new-spot-fee-payment-option (pay in currency received is the default)',
    notes: 'Spot fees are paid in the currency received by default (a buy of BTC pays in BTC, fee negative in `fee` with `feeCcy` BTC, as in ccxt\'s recorded real spot fill in ts/src/test/static/response/okx.json: feeCcy LTC, fee -0.0001 on a 0.1 LTC-USDT buy); OKX offers an opt-in "pay in currency spent" mode, not modelled.',
  },
  ...okxCapabilities,
  docs: {
    rateLimits: 'https://www.okx.com/docs-v5/en/#overview-rate-limits',
    clientOrderId: 'https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order',
    permissions: 'https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration',
    errors: 'https://www.okx.com/docs-v5/en/#error-code',
    testnet: 'https://www.okx.com/docs-v5/en/#overview-demo-trading-services',
  },
  quirks: [
    'Place order 60 per 2 s per UID + instrument; place, amend and cancel are separate buckets.',
    'No usage headers: the local buckets are the only signal. Breaches answer code 50011 / 50061.',
    'Signing needs the passphrase (ccxt `password`).',
    'Order operations answer code "1" with sCode/sMsg per order in data[]: 51008 insufficient balance, 51020 below minimum, 51000 parameter (px off tick, clOrdId), 51016 duplicate clOrdId.',
    'GET /trade/order by clOrdId finds finished orders too (51603 when none); cancel answers 51400 for filled, canceled or unknown orders alike, so the order manager looks the order up after it.',
    'Spot market buys are sized in base: the adapter pins tgtCcy=base_ccy (OKX defaults to quote_ccy for market buys).',
  ],
};
