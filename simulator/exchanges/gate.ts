import { createHash, createHmac } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { futuresEndpoint, gateFuturesPrivate, gateFuturesPublic, isFuturesRoute, isPublicFuturesRoute } from './gate-futures.js';
import { gateTrading } from './gate-trading.js';
import { candlesFor, dayStats } from './market-stats.js';

/**
 * Gate APIv4 wire format (https://www.gate.com/docs/developers/apiv4/en/), as ccxt 4.5.84's `gate`
 * class uses it. Errors are `{ label, message }` with an HTTP 4xx; ccxt maps `label` exactly.
 * Sandbox (`setSandboxMode(true)`) is api-testnet.gateapi.io (older docs: fx-api-testnet.gateio.ws).
 *
 * What ccxt calls (defaults, with credentials):
 *   loadMarkets  → GET /spot/currencies (skipped in sandbox mode), GET /account/detail (private; a
 *                  failure is swallowed and means "classic account"), GET /margin/currency_pairs,
 *                  GET /spot/currency_pairs, GET /futures/usdt/contracts, GET /futures/btc/contracts,
 *                  GET /delivery/usdt/contracts, GET /options/underlyings. Trim with
 *                  `options.fetchMarkets: { types: ['spot'] }`, `has.fetchCurrencies = false`, and
 *                  `options.unifiedAccount: false` (skips /account/detail).
 *   fetchBalance → GET /spot/accounts (GET /unified/accounts for unified accounts)
 *   fetchTime    → GET /spot/time
 *   permissions  → GET /account/main_keys (not used by ccxt's unified API; the adapter calls it as
 *                  `privateAccountGetMainKeys`): `perms[]` with `read_only` per area, `ip_whitelist`.
 *   trading      → POST/GET /spot/orders, GET/DELETE /spot/orders/{order_id}, GET /spot/open_orders,
 *                  GET /spot/my_trades (gate-trading.ts).
 *   futures      → /futures/usdt/... (gate-futures.ts): the USDT perpetuals of the derivatives core.
 * Also served: GET /spot/tickers?currency_pair=… from the venue's price path. Spot pairs are the
 * simulator's markets; the BTC-settled and delivery contracts are fixed extras so ccxt's contract
 * market parsing has input.
 */

const API = '/api/v4';
/** Gate rejects a request whose Timestamp header is more than 60 s from its clock. */
const TIMESTAMP_WINDOW_MS = 60_000;
/** Documented: 200 requests per 10 s per endpoint (per IP for public, per UID for private). */
const WINDOW_MS = 10_000;
const WINDOW_LIMIT = 200;

function json(status: number, body: unknown, headers?: Record<string, string>): SimResponse {
  return { status, headers, body };
}

function fail(status: number, label: string, message: string): SimResponse {
  return { status, body: { label, message } };
}

function header(req: SimRequest, name: string): string {
  return req.headers[name] ?? '';
}

/** Gate signs the query string as ccxt's `rawencode` builds it: keys and values not percent-encoded. */
function rawQuery(url: URL): string {
  if (url.search.length <= 1) return '';
  return url.search
    .slice(1)
    .split('&')
    .map((pair) => pair.split('=').map((part) => decodeURIComponent(part.replace(/\+/g, ' '))).join('='))
    .join('&');
}

export function gateSignature(secret: string, method: string, path: string, query: string, body: string, timestamp: string): string {
  const bodyHash = createHash('sha512').update(body).digest('hex');
  const payload = [method.toUpperCase(), path, query, bodyHash, timestamp].join('\n');
  return createHmac('sha512', secret).update(payload).digest('hex');
}

export function authenticate(req: SimRequest, ctx: SimContext): SimAccount | SimResponse {
  const key = header(req, 'key');
  const sign = header(req, 'sign');
  const timestamp = header(req, 'timestamp');
  if (key === '' || sign === '' || timestamp === '') {
    const missing = key === '' ? 'KEY' : sign === '' ? 'SIGN' : 'Timestamp';
    return fail(401, 'MISSING_REQUIRED_HEADER', `Missing required header: ${missing}`);
  }
  const seconds = /^\d+(\.\d+)?$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(seconds) || Math.abs(ctx.exchangeNow() - seconds * 1000) > TIMESTAMP_WINDOW_MS) {
    return fail(401, 'REQUEST_EXPIRED', 'gap between request Timestamp and server time exceeds 60');
  }
  const account = ctx.findAccount('gate', key);
  if (account === undefined) return fail(401, 'INVALID_KEY', 'Invalid key provided');
  const expected = gateSignature(account.secret, req.method, req.url.pathname, rawQuery(req.url), req.body, timestamp);
  if (expected !== sign) return fail(401, 'INVALID_SIGNATURE', 'Signature mismatch');
  return account;
}

function pairId(m: MarketSpec): string {
  return `${m.base}_${m.quote}`;
}

/** Gate states precision as a number of decimals. */
function decimals(step: string): number {
  return new Dec(step).decimalPlaces();
}

function spotPairs(markets: readonly MarketSpec[]): unknown[] {
  return markets.map((m) => ({
    id: pairId(m), base: m.base, base_name: m.base, quote: m.quote, quote_name: m.quote, fee: '0.2',
    min_base_amount: m.minQty, min_quote_amount: m.minNotional, max_quote_amount: '5000000',
    amount_precision: decimals(m.stepSize), precision: decimals(m.tickSize),
    trade_status: 'tradable', sell_start: 1_600_000_000, buy_start: 1_600_000_000, delisting_time: 0,
    type: 'normal', trade_url: `https://www.gate.com/trade/${pairId(m)}`, st_tag: false,
  }));
}

function marginPairs(markets: readonly MarketSpec[]): unknown[] {
  return markets.map((m) => ({
    id: pairId(m), base: m.base, quote: m.quote, leverage: 10, min_base_amount: m.minQty, min_quote_amount: m.minNotional,
    max_quote_amount: '1000000', status: 1,
  }));
}

function ticker(ctx: SimContext, market: MarketSpec): unknown {
  const s = dayStats(ctx.venue(), market);
  const change = s.open.isZero() ? '0' : s.last.sub(s.open).div(s.open).mul(100).toFixed(2);
  return {
    currency_pair: pairId(market), last: s.last.toFixed(), lowest_ask: s.ask, lowest_size: s.askQty, highest_bid: s.bid,
    highest_size: s.bidQty, change_percentage: change, base_volume: s.volume.toFixed(), quote_volume: s.quoteVolume.toFixed(),
    high_24h: s.high.toFixed(), low_24h: s.low.toFixed(), etf_net_value: '', etf_pre_net_value: null, etf_pre_timestamp: null,
    etf_leverage: null,
  };
}

function contract(name: string, multiplier: string, priceRound: string, markPrice: string, extra: Record<string, unknown> = {}): unknown {
  return {
    name, type: 'direct', quanto_multiplier: multiplier, leverage_min: '1', leverage_max: '100',
    maintenance_rate: '0.005', mark_type: 'index', mark_price: markPrice, index_price: markPrice,
    last_price: markPrice, maker_fee_rate: '-0.0001', taker_fee_rate: '0.00075', order_price_round: priceRound,
    mark_price_round: priceRound, funding_rate: '0.0001', funding_interval: 28800, funding_next_apply: 0,
    risk_limit_base: '1000000', risk_limit_step: '1000000', risk_limit_max: '8000000', order_size_min: 1,
    order_size_max: 1_000_000, order_price_deviate: '0.5', ref_discount_rate: '0', ref_rebate_rate: '0.2',
    orderbook_id: 1, trade_id: 1, trade_size: 0, position_size: 0, config_change_time: 1_600_000_000,
    in_delisting: false, orders_limit: 50, enable_bonus: true, enable_credit: true, create_time: 1_600_000_000,
    funding_cap_ratio: '0.75', status: 'trading', ...extra,
  };
}

/** Next Friday 08:00 UTC at least a week away: a plausible weekly delivery contract. */
function nextDelivery(now: number): number {
  const d = new Date(now + 7 * 86_400_000);
  const day = d.getUTCDay();
  const friday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + ((5 - day + 7) % 7), 8);
  return friday;
}

function deliveryContracts(now: number): unknown[] {
  const expiry = nextDelivery(now);
  const d = new Date(expiry);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return [contract(`BTC_USDT_${ymd}`, '0.0001', '0.1', '60000', {
    underlying: 'BTC_USDT', cycle: 'WEEKLY', expire_time: Math.floor(expiry / 1000), settle_price: '0',
    settle_price_interval: 60, settle_price_duration: 1800, basis_rate: '0', basis_value: '0',
  })];
}

function currencies(markets: readonly MarketSpec[]): unknown[] {
  return [...new Set(markets.flatMap((m) => [m.base, m.quote]))].map((currency) => ({
    currency, name: currency, delisted: false, withdraw_disabled: false, withdraw_delayed: false,
    deposit_disabled: false, trade_disabled: false, fixed_rate: '', chain: currency === 'USDT' ? 'ETH' : currency,
    chains: [{ name: currency === 'USDT' ? 'ETH' : currency, addr: '', withdraw_disabled: false, withdraw_delayed: false, deposit_disabled: false }],
  }));
}

function spotAccounts(account: SimAccount, currency: string | null): unknown[] {
  return Object.entries(account.balances)
    .filter(([ccy]) => currency === null || currency === '' || ccy === currency)
    .map(([ccy, b]) => ({ currency: ccy, available: b.free, locked: b.used, update_id: 1 }));
}

function unifiedAccounts(account: SimAccount, now: number): unknown {
  const balances: Record<string, unknown> = {};
  for (const [ccy, b] of Object.entries(account.balances)) {
    const total = new Dec(b.free).add(b.used).toFixed();
    balances[ccy] = { available: b.free, freeze: b.used, borrowed: '0', negative_liab: '0', futures_pos_liab: '0', equity: total, total_freeze: b.used, total_liab: '0' };
  }
  return { user_id: 10_406_147, refresh_time: now, locked: false, balances, total: '0', borrowed: '0', unified_account_total: '0', unified_account_total_liab: '0', unified_account_total_equity: '0', leverage: '1', spot_order_loss: '0', spot_hedge: false };
}

function mainKeys(account: SimAccount, now: number): unknown[] {
  // Gate grants per-area access: read_only=false means write access. Withdrawals live under "wallet".
  const area = (name: string, write: boolean): unknown => ({ name, read_only: !write });
  return [{
    mode: 1, name: 'cts-sim', key: account.apiKey, state: 1, created_at: '1600000000', updated_at: String(Math.floor(now / 1000)),
    last_access: String(Math.floor(now / 1000)),
    ip_whitelist: account.permissions.ipRestricted ? ['127.0.0.1'] : [],
    perms: [
      area('wallet', account.permissions.withdraw), area('spot', account.permissions.trade),
      area('futures', account.permissions.trade), area('delivery', account.permissions.trade),
      area('account', false),
    ],
  }];
}

/** Counts the call in its 10 s window (kept by the core per simulator) and reports it as Gate does. */
function takeWindow(ctx: SimContext, scope: string): { headers: Record<string, string>; exceeded: boolean } {
  const { used, resetAt } = ctx.countInWindow(scope, WINDOW_MS);
  return {
    exceeded: used > WINDOW_LIMIT,
    headers: {
      'X-Gate-RateLimit-Requests-Remain': String(Math.max(0, WINDOW_LIMIT - used)),
      'X-Gate-RateLimit-Limit': String(WINDOW_LIMIT),
      'X-Gate-RateLimit-Reset-Timestamp': String(resetAt),
    },
  };
}

const PUBLIC_ROUTES = new Set([
  'GET /spot/time', 'GET /spot/currencies', 'GET /spot/currency_pairs', 'GET /margin/currency_pairs',
  'GET /futures/btc/contracts', 'GET /delivery/usdt/contracts', 'GET /options/underlyings',
  'GET /spot/tickers', 'GET /spot/candlesticks',
]);
const TRADING_ROUTE = /^(GET|POST|DELETE) \/spot\/(orders|orders\/[^/]+|open_orders|my_trades)$/;
const PRIVATE_ROUTES = new Set(['GET /account/detail', 'GET /account/main_keys', 'GET /spot/accounts', 'GET /unified/accounts']);

function publicAnswer(route: string, req: SimRequest, ctx: SimContext, now: number): SimResponse {
  const markets = ctx.venue().markets();
  switch (route) {
    case 'GET /spot/time': return json(200, { server_time: now });
    case 'GET /spot/currencies': return json(200, currencies(markets));
    case 'GET /spot/currency_pairs': return json(200, spotPairs(markets));
    case 'GET /margin/currency_pairs': return json(200, marginPairs(markets));
    case 'GET /spot/tickers': {
      const pair = req.url.searchParams.get('currency_pair');
      if (pair === null) return json(200, markets.map((m) => ticker(ctx, m)));
      const market = markets.find((m) => pairId(m) === pair);
      if (market === undefined) return fail(400, 'INVALID_CURRENCY_PAIR', `Invalid currency pair ${pair}`);
      return json(200, [ticker(ctx, market)]);
    }
    case 'GET /spot/candlesticks': {
      // https://www.gate.com/docs/developers/apiv4/en/#market-candlesticks: [t (s), quote volume,
      // close, high, low, open, base volume, window closed]; the venue's own interval is served.
      const market = markets.find((m) => pairId(m) === req.url.searchParams.get('currency_pair'));
      if (market === undefined) return fail(400, 'INVALID_CURRENCY_PAIR', 'Invalid currency pair');
      const limit = Math.min(1000, Number(req.url.searchParams.get('limit') ?? 100) || 100);
      const from = req.url.searchParams.get('from');
      const venue = ctx.venue();
      const interval = venue.intervalMs(market.symbol);
      const rows = candlesFor(venue, market, limit, from === null ? undefined : Number(from) * 1000).map((c) => [
        String(Math.floor(c.openTime / 1000)), new Dec(c.volume).mul(c.close).toFixed(), c.close, c.high, c.low, c.open, c.volume,
        String(c.openTime + interval <= now),
      ]);
      return json(200, rows);
    }
    case 'GET /futures/btc/contracts':
      return json(200, [{ ...(contract('BTC_USD', '0', '0.1', '60000') as object), type: 'inverse' }]);
    case 'GET /delivery/usdt/contracts': return json(200, deliveryContracts(now));
    default: return json(200, []); // /options/underlyings: no options listed keeps loadMarkets small.
  }
}

function privateAnswer(route: string, req: SimRequest, account: SimAccount, now: number): unknown {
  switch (route) {
    case 'GET /account/detail':
      return {
        user_id: 10_406_147, ip_whitelist: account.permissions.ipRestricted ? ['127.0.0.1'] : [], currency_pairs: [],
        key: { mode: 1 }, tier: 0, tier_expire_time: '0001-01-01T00:00:00Z', copy_trading_role: 0,
      };
    case 'GET /account/main_keys': return mainKeys(account, now);
    case 'GET /unified/accounts': return unifiedAccounts(account, now);
    default: return spotAccounts(account, req.url.searchParams.get('currency'));
  }
}

/** The USDT perpetual futures routes (gate-futures.ts): public ones per IP, private ones signed, per endpoint. */
function futures(req: SimRequest, ctx: SimContext, sub: string): SimResponse | null {
  const method = req.method.toUpperCase();
  const call = { method, path: sub, url: req.url, body: req.body, ctx };
  const endpoint = futuresEndpoint(method, sub);
  if (isPublicFuturesRoute(method, sub)) {
    const rl = takeWindow(ctx, `public ${endpoint}`);
    if (rl.exceeded) return { ...fail(429, 'TOO_MANY_REQUESTS', 'Request Rate limit Exceeded'), headers: rl.headers };
    const answer = gateFuturesPublic(call);
    return answer ? { ...answer, headers: { ...rl.headers, ...answer.headers } } : null;
  }
  const auth = authenticate(req, ctx);
  if (!('apiKey' in auth)) return auth;
  const rl = takeWindow(ctx, `${auth.apiKey} ${endpoint}`);
  if (rl.exceeded) return { ...fail(429, 'TOO_MANY_REQUESTS', 'Request Rate limit Exceeded'), headers: rl.headers };
  const answer = gateFuturesPrivate(call, auth);
  return answer ? { ...answer, headers: { ...rl.headers, ...answer.headers } } : null;
}

export const gateHandler: ExchangeHandler = {
  id: 'gate',
  hosts: ['api.gateio.ws', 'api-testnet.gateapi.io', 'fx-api-testnet.gateio.ws'],
  handle(req: SimRequest, ctx: SimContext): SimResponse | null {
    const path = req.url.pathname;
    if (!path.startsWith(`${API}/`)) return null;
    const route = `${req.method.toUpperCase()} ${path.slice(API.length)}`;
    const now = ctx.exchangeNow();
    const sub = path.slice(API.length);
    if (isFuturesRoute(sub)) return futures(req, ctx, sub);
    if (PUBLIC_ROUTES.has(route)) {
      // Public limits are per IP; every simulator client is 127.0.0.1, so one scope per endpoint.
      const rl = takeWindow(ctx, `public ${route}`);
      if (rl.exceeded) return { ...fail(429, 'TOO_MANY_REQUESTS', 'Request Rate limit Exceeded'), headers: rl.headers };
      return { ...publicAnswer(route, req, ctx, now), headers: rl.headers };
    }
    const trading = TRADING_ROUTE.test(route);
    if (!PRIVATE_ROUTES.has(route) && !trading) return null;
    const auth = authenticate(req, ctx);
    if (!('apiKey' in auth)) return auth;
    // Limits count per endpoint: every single-order path is one endpoint, whatever its order id.
    const rl = takeWindow(ctx, `${auth.apiKey} ${route.replace(/\/spot\/orders\/[^/]+$/, '/spot/orders/{order_id}')}`);
    if (rl.exceeded) return { ...fail(429, 'TOO_MANY_REQUESTS', 'Request Rate limit Exceeded'), headers: rl.headers };
    if (trading) {
      const path = req.url.pathname.slice(API.length);
      const answer = gateTrading({ method: req.method.toUpperCase(), path, url: req.url, body: req.body, ctx, account: auth });
      return answer ? { ...answer, headers: { ...rl.headers, ...answer.headers } } : null;
    }
    return json(200, privateAnswer(route, req, auth, now), rl.headers);
  },
  rateLimitBody: () => ({ label: 'TOO_MANY_REQUESTS', message: 'Request Rate limit Exceeded' }),
  notFoundBody: () => ({ label: 'NOT_FOUND', message: 'Not Found' }),
};
