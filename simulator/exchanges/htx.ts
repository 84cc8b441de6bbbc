import { createHmac } from 'node:crypto';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { requestParams } from './common.js';
import { SPOT_ACCOUNT_ID, UID, decimals, error, marketById, ok, withHeaders } from './htx-common.js';
import { allPairsTicker, klines, mergedTicker } from './htx-shapes.js';
import { htxSwapPrivate, htxSwapPublic, isHtxSwapPrivate } from './htx-swap.js';
import { htxTrading } from './htx-trading.js';
import { candlesFor } from './market-stats.js';

/**
 * HTX (Huobi) REST wire format (https://www.htx.com/en-us/opend/newApiPages/), as ccxt 4.5.84's `htx`
 * class uses it. Spot lives on api.huobi.pro, contracts on api.hbdm.vn (or api.hbdm.com). ccxt has no
 * HTX sandbox, so there is no testnet host to serve.
 *
 * Signature v2: the query carries AccessKeyId, SignatureMethod=HmacSHA256, SignatureVersion=2 and
 * Timestamp (UTC `YYYY-MM-DDThh:mm:ss`); Signature = base64 HMAC-SHA256 over
 * "METHOD\nhost\npath\n<those params and the GET params, sorted, URL-encoded>". Authentication
 * failures come back with HTTP 200 and `{ status: "error", err-code: "api-signature-not-valid" }`,
 * the reason in `err-msg` (bodies as HTX sends them, Chinese included); ccxt raises
 * AuthenticationError for all of them.
 *
 * What ccxt calls (defaults, with credentials):
 *   loadMarkets  → GET /v2/reference/currencies, GET /v1/common/symbols (api.huobi.pro),
 *                  GET /linear-swap-api/v1/swap_contract_info?business_type=all,
 *                  GET /swap-api/v1/swap_contract_info, GET /api/v1/contract_contract_info (api.hbdm.vn).
 *                  Each must list at least one market or ccxt throws. Trim with
 *                  `options.fetchMarkets: { types: { spot: true, linear: false, inverse: false } }` and
 *                  `has.fetchCurrencies = false`.
 *   fetchBalance → GET /v1/account/accounts (once, cached by ccxt), GET /v1/account/accounts/{id}/balance
 *   fetchTime    → GET /v1/common/timestamp
 *   permissions  → GET /v2/user/uid, then GET /v2/user/api-key?uid=…&accessKey=… (`permission`
 *                  "readOnly,trade,withdraw", `ipAddresses`); not in ccxt's unified API, the adapter
 *                  calls `spotPrivateGetV2UserUid` / `spotPrivateGetV2UserApiKey`.
 */

const SPOT_HOSTS = ['api.huobi.pro', 'api-aws.huobi.pro'];
const CONTRACT_HOSTS = ['api.hbdm.vn', 'api.hbdm.com'];
/** HTX refuses a Timestamp too far from its clock; 5 minutes is the commonly cited tolerance, not a documented figure. */
const TIMESTAMP_WINDOW_MS = 5 * 60_000;
/** Documented limit of the account endpoints served here: 100 requests per 2 s per UID. */
const WINDOW_MS = 2_000;
const WINDOW_LIMIT = 100;

/** The `/v2` endpoints answer `{ code: 200, data, ok: true }` instead of `{ status: "ok" }`. */
function okV2(data: unknown, headers?: Record<string, string>): SimResponse {
  return { status: 200, headers, body: { code: 200, message: 'success', data, ok: true } };
}

const BAD_KEY = 'Signature not valid: Incorrect Access key [Access key错误]';
const BAD_SIGN = 'Signature not valid: Verification failure [校验失败]';
const BAD_TIME = 'Signature not valid: Invalid submission time or incorrect time format [无效的提交时间，或时间格式错误]';

export function htxSignature(secret: string, method: string, host: string, path: string, sortedQuery: string): string {
  return createHmac('sha256', secret).update([method.toUpperCase(), host.toLowerCase(), path, sortedQuery].join('\n')).digest('base64');
}

export function authenticate(req: SimRequest, ctx: SimContext): SimAccount | SimResponse {
  // Keep the pairs as sent (already URL-encoded): HTX signs the encoded form, sorted by key.
  const pairs = req.url.search.length > 1 ? req.url.search.slice(1).split('&') : [];
  let signature = '';
  const signed: Array<[string, string]> = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (key === 'Signature') signature = decodeURIComponent(pair.slice(eq + 1));
    else signed.push([key, pair]);
  }
  const param = (name: string): string => req.url.searchParams.get(name) ?? '';
  const accessKey = param('AccessKeyId');
  if (accessKey === '' || signature === '' || param('SignatureMethod') !== 'HmacSHA256' || param('SignatureVersion') !== '2') {
    return error('api-signature-not-valid', 'Signature not valid: Signature is empty or parameters are incorrect [签名为空或参数错误]');
  }
  const timestamp = param('Timestamp');
  const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(timestamp) ? Date.parse(`${timestamp}Z`) : NaN;
  if (Number.isNaN(ts) || Math.abs(ctx.exchangeNow() - ts) > TIMESTAMP_WINDOW_MS) return error('api-signature-not-valid', BAD_TIME);
  const account = ctx.findAccount('htx', accessKey);
  if (account === undefined) return error('api-signature-not-valid', BAD_KEY);
  signed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const expected = htxSignature(account.secret, req.method, req.url.hostname, req.url.pathname, signed.map(([, p]) => p).join('&'));
  if (expected !== signature) return error('api-signature-not-valid', BAD_SIGN);
  return account;
}

/** Spot symbols are the simulator's markets, with HTX's lower-case ids (btcusdt). */
function spotSymbols(markets: readonly MarketSpec[]): unknown[] {
  return markets.map((m) => {
    const [base, quote] = [m.base.toLowerCase(), m.quote.toLowerCase()];
    return {
      'base-currency': base, 'quote-currency': quote, 'price-precision': decimals(m.tickSize),
      'amount-precision': decimals(m.stepSize), 'symbol-partition': 'main', symbol: `${base}${quote}`, state: 'online',
      'value-precision': 8, 'min-order-amt': Number(m.minQty), 'max-order-amt': Number(m.maxQty), 'min-order-value': Number(m.minNotional),
      'limit-order-min-order-amt': Number(m.minQty), 'limit-order-max-order-amt': Number(m.maxQty),
      'sell-market-min-order-amt': Number(m.minQty), 'sell-market-max-order-amt': Number(m.maxQty),
      'buy-market-max-order-value': 1_000_000, 'leverage-ratio': 5, 'super-margin-leverage-ratio': 3,
      'api-trading': 'enabled', tags: '',
    };
  });
}

function inverseSwaps(): unknown[] {
  return [{ symbol: 'BTC', contract_code: 'BTC-USD', contract_size: 100, price_tick: 0.1, create_date: '20200325', contract_status: 1, settlement_date: '' }];
}

/** The quarterly inverse future: last Friday of the current quarter's last month, 08:00 UTC (or the next one). */
function inverseFutures(now: number): unknown[] {
  const d = new Date(now);
  for (let q = 0; q < 3; q++) {
    const month = Math.floor(d.getUTCMonth() / 3) * 3 + 2 + q * 3;
    const last = new Date(Date.UTC(d.getUTCFullYear() + Math.floor(month / 12), (month % 12) + 1, 0, 8));
    const expiry = last.getTime() - ((last.getUTCDay() + 2) % 7) * 86_400_000;
    if (expiry <= now) continue;
    const e = new Date(expiry);
    const ymd = `${e.getUTCFullYear()}${String(e.getUTCMonth() + 1).padStart(2, '0')}${String(e.getUTCDate()).padStart(2, '0')}`;
    return [{ symbol: 'BTC', contract_code: `BTC${ymd.slice(2)}`, contract_type: 'quarter', contract_size: 100, price_tick: 0.01, delivery_date: ymd, delivery_time: String(expiry), create_date: '20200101', contract_status: 1, settlement_time: String(expiry) }];
  }
  return [];
}

function currencies(markets: readonly MarketSpec[]): unknown[] {
  return [...new Set(markets.flatMap((m) => [m.base.toLowerCase(), m.quote.toLowerCase()]))].map((currency) => ({
    currency, assetType: 1, instStatus: 'normal',
    chains: [{
      chain: currency === 'usdt' ? 'trc20usdt' : currency, displayName: currency.toUpperCase(), baseChain: currency === 'usdt' ? 'TRX' : currency.toUpperCase(),
      baseChainProtocol: currency === 'usdt' ? 'TRC20' : '', isDynamic: false, numOfConfirmations: 12, numOfFastConfirmations: 6,
      depositStatus: 'allowed', minDepositAmt: '0.0001', withdrawStatus: 'allowed', minWithdrawAmt: '0.001', withdrawPrecision: 8,
      maxWithdrawAmt: '1000000', withdrawQuotaPerDay: '1000000', withdrawQuotaPerYear: null, withdrawQuotaTotal: null,
      withdrawFeeType: 'fixed', transactFeeWithdraw: '0.0005', addrWithTag: false, addrDepositTag: false,
    }],
  }));
}

function spotBalance(account: SimAccount): unknown {
  // HTX reports each currency twice: the "trade" (available) and the "frozen" (in orders) line.
  const list = Object.entries(account.balances).flatMap(([ccy, b]) => [
    { currency: ccy.toLowerCase(), type: 'trade', balance: b.free, available: b.free, debt: '0', 'seq-num': '1' },
    { currency: ccy.toLowerCase(), type: 'frozen', balance: b.used, debt: '0', 'seq-num': '1' },
  ]);
  return { id: SPOT_ACCOUNT_ID, type: 'spot', state: 'working', list };
}

function apiKeyInfo(account: SimAccount, now: number): unknown[] {
  const permission = ['readOnly'];
  if (account.permissions.trade) permission.push('trade');
  if (account.permissions.withdraw) permission.push('withdraw');
  return [{
    accessKey: account.apiKey, note: 'cts-sim', permission: permission.join(','),
    ipAddresses: account.permissions.ipRestricted ? '127.0.0.1' : '',
    // HTX expires keys without an IP binding after 90 days; -1 means it never expires.
    validDays: account.permissions.ipRestricted ? -1 : 90, status: 'normal', createTime: now - 86_400_000, updateTime: now - 86_400_000,
  }];
}

/** Counts the call in its 2 s window (kept by the core per simulator) and reports it as HTX does. */
function takeWindow(ctx: SimContext, scope: string): { headers: Record<string, string>; exceeded: boolean } {
  const { used, resetAt } = ctx.countInWindow(scope, WINDOW_MS);
  return {
    exceeded: used > WINDOW_LIMIT,
    headers: {
      'X-HB-RateLimit-Requests-Remain': String(Math.max(0, WINDOW_LIMIT - used)),
      'X-HB-RateLimit-Requests-Expire': String(resetAt),
    },
  };
}

function publicAnswer(host: string, path: string, query: URLSearchParams, ctx: SimContext, now: number): SimResponse | null {
  if (SPOT_HOSTS.includes(host)) {
    switch (path) {
      case '/v1/common/timestamp': return ok(now, now);
      case '/v1/common/symbols': return ok(spotSymbols(ctx.venue().markets()), now);
      case '/v2/reference/currencies': return okV2(currencies(ctx.venue().markets()));
      case '/market/detail/merged': {
        const m = marketById(ctx, query.get('symbol') ?? undefined);
        if (!m) return error('invalid-parameter', 'invalid symbol');
        return { status: 200, body: { status: 'ok', ch: `market.${query.get('symbol') ?? ''}.detail.merged`, ts: now, tick: mergedTicker(ctx.venue(), m, now) } };
      }
      case '/market/tickers': return ok(ctx.venue().markets().map((m) => allPairsTicker(ctx.venue(), m)), now);
      // ccxt 4.5.84 reads /market/history/candles (from/to in seconds) unless useHistoricalEndpointForSpot is false.
      case '/market/history/kline':
      case '/market/history/candles': {
        const m = marketById(ctx, query.get('symbol') ?? undefined);
        if (!m) return error('invalid-parameter', 'invalid symbol');
        // The path's own interval whatever `period` asks: the simulator does not resample.
        const size = Math.min(2000, Number(query.get('size') ?? 150) || 150);
        const from = query.get('from') !== null ? Number(query.get('from')) * 1000 : undefined;
        const to = query.get('to') !== null ? Number(query.get('to')) * 1000 : Infinity;
        const candles = candlesFor(ctx.venue(), m, size, from).filter((c) => c.openTime <= to);
        const ch = `market.${query.get('symbol') ?? ''}.kline.${query.get('period') ?? '1min'}`;
        return { status: 200, body: { status: 'ok', ch, ts: now, data: klines(candles) } };
      }
      default: return null;
    }
  }
  switch (path) {
    // The contract clock answers with the time at the top level only.
    case '/api/v1/timestamp': return { status: 200, body: { status: 'ok', ts: now } };
    case '/swap-api/v1/swap_contract_info': return ok(inverseSwaps(), now);
    case '/api/v1/contract_contract_info': return ok(inverseFutures(now), now);
    // USDT-margined swaps (htx-swap.ts): the market list, tickers, candles and funding rates.
    default: return htxSwapPublic(path, query, ctx);
  }
}

const ACCOUNT_PATHS = /^\/(v1\/account\/accounts(\/\d+\/balance)?|v2\/user\/uid|v2\/user\/api-key)$/;

function accountAnswer(req: SimRequest, auth: SimAccount, now: number, headers: Record<string, string>): SimResponse {
  const path = req.url.pathname;
  if (path === '/v1/account/accounts') return ok([{ id: SPOT_ACCOUNT_ID, type: 'spot', subtype: '', state: 'working' }], now, headers);
  if (path === '/v2/user/uid') return okV2(UID, headers);
  if (path === '/v2/user/api-key') {
    const uid = req.url.searchParams.get('uid');
    if (uid !== String(UID)) return { status: 200, headers, body: { code: 2002, message: 'invalid field value in `uid`', ok: false } };
    return okV2(apiKeyInfo(auth, now), headers);
  }
  const id = path.split('/')[4];
  if (id !== String(SPOT_ACCOUNT_ID)) return withHeaders(error('account-get-accounts-inexistent-error', `account for id \`${id ?? ''}\` and user id \`${UID}\` does not exist`), headers);
  return ok(spotBalance(auth), now, headers);
}

export const htxHandler: ExchangeHandler = {
  id: 'htx',
  hosts: [...SPOT_HOSTS, ...CONTRACT_HOSTS],
  handle(req: SimRequest, ctx: SimContext): SimResponse | null {
    const now = ctx.exchangeNow();
    const path = req.url.pathname;
    const host = req.url.hostname;
    const method = req.method.toUpperCase();
    if (method === 'GET') {
      const pub = publicAnswer(host, path, req.url.searchParams, ctx, now);
      if (pub !== null) return pub;
    }
    if (!SPOT_HOSTS.includes(host)) {
      if (!isHtxSwapPrivate(method, path)) return null;
      const account = authenticate(req, ctx);
      return 'apiKey' in account ? htxSwapPrivate(req, ctx, account) : account;
    }
    const trading = htxTrading.find((e) => e.method === method && e.path.test(path));
    if (!trading && !(method === 'GET' && ACCOUNT_PATHS.test(path))) return null;
    const auth = authenticate(req, ctx);
    if (!('apiKey' in auth)) return auth;
    // Order ids in the path share one limit per endpoint, as HTX counts them.
    const rl = takeWindow(ctx, `${auth.apiKey} ${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`);
    if (rl.exceeded) {
      return withHeaders(error('base-request-exceed-frequency-limit', 'Frequency of requests has exceeded the limit, please try again later', 429), rl.headers);
    }
    if (!trading) return accountAnswer(req, auth, now, rl.headers);
    if (method === 'POST' && !auth.permissions.trade) {
      return withHeaders(error('api-signature-not-valid', 'Signature not valid: Insufficient permission [没有权限]'), rl.headers);
    }
    const params = requestParams(req.url, req.body);
    const res = trading.run({ ctx, account: auth, params, segments: path.split('/').slice(1), headers: rl.headers });
    return withHeaders(res, rl.headers);
  },
  rateLimitBody: () => ({ status: 'error', 'err-code': 'base-request-exceed-frequency-limit', 'err-msg': 'Frequency of requests has exceeded the limit, please try again later', data: null }),
  notFoundBody: () => ({ status: 'error', 'err-code': 'invalid-parameter', 'err-msg': 'invalid request path', data: null }),
};
