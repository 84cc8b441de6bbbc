import { Dec } from '../../src/domain/money.js';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { authenticateCoinbase, type CoinbaseAuthFailure } from './coinbase/auth.js';
import { marketByProductId, PORTFOLIO_UUID } from './coinbase/common.js';
import { candlesFor, dayStats } from './market-stats.js';
import { cancelOrders, createOrder, getOrder, listFills, listOrders } from './coinbase/trading.js';

/**
 * Coinbase (Advanced Trade v3 + the Coinbase App v2 endpoints ccxt still uses) on api.coinbase.com, as
 * ccxt 4.5.84's `coinbase` class uses it. ccxt has no Coinbase sandbox. Key forms accepted: see
 * ./coinbase/auth.ts (CDP ECDSA and Ed25519 keys via JWT, legacy HMAC keys).
 *
 * What ccxt calls (defaults, with credentials):
 *   loadMarkets  → GET /v2/currencies, /v2/currencies/crypto, /v2/exchange-rates (fetchCurrencies),
 *                  GET /api/v3/brokerage/market/products, GET /api/v3/brokerage/transaction_summary
 *                  (private: a bad key fails here), GET /api/v3/brokerage/market/products?product_type=FUTURE
 *                  and …&contract_expiry_type=PERPETUAL (errors there are swallowed).
 *                  `has.fetchCurrencies = false` drops the three v2 calls.
 *   fetchBalance → GET /v2/accounts?limit=250 (v2: totals only). With `options.fetchBalance =
 *                  'v3PrivateGetBrokerageAccounts'`: GET /api/v3/brokerage/accounts?limit=250 (free and hold).
 *   fetchTime    → GET /v2/time (or /api/v3/brokerage/time with `options.fetchTime = 'v3PublicGetBrokerageTime'`)
 *   permissions  → GET /api/v3/brokerage/key_permissions (`can_view`, `can_trade`, `can_transfer`); the
 *                  adapter calls it as `v3PrivateGetBrokerageKeyPermissions`.
 *   fetchTicker  → GET /api/v3/brokerage/market/products/{id}/ticker; fetchOHLCV → …/{id}/candles.
 *   trading      → POST /api/v3/brokerage/orders, GET …/orders/historical/{id}, …/historical/batch,
 *                  …/historical/fills, POST …/orders/batch_cancel (./coinbase/trading.ts).
 */

/**
 * Documented limits (https://docs.cdp.coinbase.com/advanced-trade/docs/rest-api-rate-limits): private
 * endpoints 30 requests/s per user, public 10 requests/s per IP; a breach answers HTTP 429. No usage
 * headers are documented, so none are sent. Only the per-user limit is enforced: the shared contract
 * suite reads public data without a limiter (openGate), faster than 10/s from one IP.
 */
const PRIVATE_PER_SEC = 30;
const RATE_LIMITED = { errors: [{ id: 'rate_limit_exceeded', message: 'Too many requests' }] };
const FIAT = new Set(['USD', 'EUR', 'GBP']);

function json(body: unknown, status = 200): SimResponse {
  return { status, body };
}

function authFailure(failure: CoinbaseAuthFailure): SimResponse {
  if (failure.kind === 'unauthorized') return { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Unauthorized\n' };
  return json({ errors: [{ id: failure.id, message: failure.message }] }, 401);
}

/**
 * Spot products are the simulator's markets with their rolling 24 h figures (List Public Products,
 * https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/public/list-public-products):
 * `volume_24h` in base, `approximate_quote_24h_volume` in quote, `price_percentage_change_24h` in percent.
 * This is also what ccxt's fetchTickers reads (no bid/ask, no high/low in this answer).
 */
function products(ctx: SimContext): unknown[] {
  const venue = ctx.venue();
  return venue.markets().map((m: MarketSpec) => {
    const s = dayStats(venue, m);
    const change = s.open.isZero() ? '0' : s.last.sub(s.open).div(s.open).mul(100).toDecimalPlaces(8).toFixed();
    return {
      product_id: `${m.base}-${m.quote}`, price: s.last.toFixed(), price_percentage_change_24h: change,
      volume_24h: s.volume.toFixed(), approximate_quote_24h_volume: s.quoteVolume.toFixed(), volume_percentage_change_24h: '0', base_increment: m.stepSize,
      quote_increment: m.tickSize, quote_min_size: m.minNotional, quote_max_size: '50000000', base_min_size: m.minQty,
      base_max_size: m.maxQty, base_name: m.base, quote_name: m.quote, watched: false, is_disabled: false, new: false,
      status: 'online', cancel_only: false, limit_only: false, post_only: false, trading_disabled: false, auction_mode: false,
      product_type: 'SPOT', quote_currency_id: m.quote, base_currency_id: m.base, fcm_trading_session_details: null,
      mid_market_price: '', alias: '', alias_to: [], base_display_symbol: m.base, quote_display_symbol: m.quote,
      view_only: false, price_increment: m.tickSize, display_name: `${m.base}-${m.quote}`, product_venue: 'CBE',
    };
  });
}

function currencyIds(ctx: SimContext, account: SimAccount): string[] {
  return [...new Set(['USD', ...ctx.venue().markets().flatMap((m) => [m.base, m.quote]), ...Object.keys(account.balances)])];
}

function v2Accounts(account: SimAccount, now: number): unknown {
  const iso = new Date(now).toISOString();
  const data = Object.entries(account.balances).map(([code, b], i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, name: `${code} Wallet`, primary: code === 'BTC',
    // v2 reports one `amount`: the wallet total (free and held together).
    type: FIAT.has(code) ? 'fiat' : 'wallet',
    currency: { code, name: code, color: '#000000', sort_index: 100, exponent: 8, type: FIAT.has(code) ? 'fiat' : 'crypto' },
    balance: { amount: new Dec(b.free).add(b.used).toFixed(), currency: code },
    created_at: iso, updated_at: iso, resource: 'account', resource_path: `/v2/accounts/${code}`,
    allow_deposits: true, allow_withdrawals: account.permissions.withdraw,
  }));
  return {
    pagination: { ending_before: null, starting_after: null, previous_ending_before: null, next_starting_after: null, limit: 250, order: 'desc', previous_uri: null, next_uri: null },
    data,
  };
}

function v3Accounts(account: SimAccount, now: number): unknown {
  const iso = new Date(now).toISOString();
  const accounts = Object.entries(account.balances).map(([code, b], i) => ({
    uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, name: `${code} Wallet`, currency: code,
    available_balance: { value: b.free, currency: code }, default: code === 'BTC', active: true, created_at: iso,
    updated_at: iso, deleted_at: null, type: FIAT.has(code) ? 'ACCOUNT_TYPE_FIAT' : 'ACCOUNT_TYPE_CRYPTO',
    ready: true, hold: { value: b.used, currency: code }, retail_portfolio_id: PORTFOLIO_UUID, platform: 'ACCOUNT_PLATFORM_CONSUMER',
  }));
  return { accounts, has_next: false, cursor: '', size: accounts.length };
}

function transactionSummary(): unknown {
  return {
    total_volume: 0, total_fees: 0,
    fee_tier: { pricing_tier: 'Advanced 1', usd_from: '0', usd_to: '10000', taker_fee_rate: '0.012', maker_fee_rate: '0.006', aop_from: '', aop_to: '' },
    margin_rate: null, goods_and_services_tax: null, advanced_trade_only_volume: 0, advanced_trade_only_fees: 0,
    coinbase_pro_volume: 0, coinbase_pro_fees: 0, total_balance: '', has_promo_fee: false,
  };
}

function publicAnswer(route: string, req: SimRequest, ctx: SimContext, now: number): SimResponse | null {
  switch (route) {
    case 'GET /v2/time':
      return json({ data: { iso: new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z'), epoch: Math.floor(now / 1000) } });
    case 'GET /api/v3/brokerage/time':
      return json({ iso: new Date(now).toISOString(), epochSeconds: String(Math.floor(now / 1000)), epochMillis: String(now) });
    case 'GET /v2/currencies':
      return json({ data: [{ id: 'USD', name: 'US Dollar', min_size: '0.01' }, { id: 'EUR', name: 'Euro', min_size: '0.01' }] });
    case 'GET /v2/currencies/crypto': {
      const codes = [...new Set(ctx.venue().markets().flatMap((m) => [m.base, m.quote]))].filter((c) => !FIAT.has(c));
      return json({
        data: codes.map((code, i) => ({
          asset_id: `5b71fc48-3dd3-540c-809b-${String(i).padStart(12, '0')}`, code, name: code, color: '#F7931A',
          sort_index: 100 + i, exponent: 8, type: 'crypto', address_regex: '^.+$',
        })),
      });
    }
    case 'GET /v2/exchange-rates': {
      // Units of each currency per USD, from the markets quoted in a USD stablecoin (1:1 with USD here).
      const rates: Record<string, string> = { USD: '1' };
      for (const m of ctx.venue().markets()) {
        const close = ctx.venue().candle(m.symbol)?.close;
        if (close !== undefined && ['USD', 'USDT', 'USDC'].includes(m.quote)) {
          rates[m.quote] = '1';
          rates[m.base] = new Dec(1).div(close).toSignificantDigits(8).toFixed();
        }
      }
      return json({ data: { currency: 'USD', rates } });
    }
    case 'GET /api/v3/brokerage/market/products': {
      // Only spot products are listed: FUTURE / PERPETUAL (US derivatives) come back empty.
      const type = req.url.searchParams.get('product_type');
      const list = type === null || type === 'SPOT' ? products(ctx) : [];
      return json({ products: list, num_products: list.length });
    }
    default: {
      const ticker = /^GET \/api\/v3\/brokerage\/market\/products\/([^/]+)\/ticker$/.exec(route);
      if (ticker?.[1] !== undefined) return productTicker(ctx, ticker[1], now);
      const candles = /^GET \/api\/v3\/brokerage\/market\/products\/([^/]+)\/candles$/.exec(route);
      return candles?.[1] === undefined ? null : productCandles(ctx, req, candles[1]);
    }
  }
}

/** https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/public/get-public-market-trades */
function productTicker(ctx: SimContext, id: string, now: number): SimResponse {
  const venue = ctx.venue();
  const m = marketByProductId(venue.markets(), decodeURIComponent(id));
  const top = m ? venue.top(m.symbol) : undefined;
  const candle = m ? venue.candle(m.symbol) : undefined;
  if (!m || !top || !candle) return json({ error: 'NOT_FOUND', error_details: 'ProductID is invalid', message: 'ProductID is invalid' }, 404);
  const trade = { trade_id: String(Math.floor(now / 1000)), product_id: id, price: candle.close, size: '0.001', time: new Date(now).toISOString(), side: 'BUY', bid: '', ask: '' };
  return json({ trades: [trade], best_bid: top.bid, best_ask: top.ask });
}

const GRANULARITY_MS: Record<string, number> = {
  ONE_MINUTE: 60_000, FIVE_MINUTE: 300_000, FIFTEEN_MINUTE: 900_000, THIRTY_MINUTE: 1_800_000,
  ONE_HOUR: 3_600_000, TWO_HOUR: 7_200_000, SIX_HOUR: 21_600_000, ONE_DAY: 86_400_000,
};

/**
 * https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/public/get-public-product-candles
 * `{ candles: [{ start (s), low, high, open, close, volume }] }`, newest first, at most 350. Only the
 * price path's own interval is served. `end` is not applied, for the same reason as below.
 */
function productCandles(ctx: SimContext, req: SimRequest, id: string): SimResponse {
  const venue = ctx.venue();
  const m = marketByProductId(venue.markets(), decodeURIComponent(id));
  if (!m) return json({ error: 'NOT_FOUND', error_details: 'ProductID is invalid', message: 'ProductID is invalid' }, 404);
  const granularity = GRANULARITY_MS[req.url.searchParams.get('granularity') ?? ''];
  if (granularity === undefined || granularity !== venue.intervalMs(m.symbol)) {
    return json({ error: 'INVALID_ARGUMENT', error_details: 'granularity not served by the simulator', message: 'invalid granularity' }, 400);
  }
  const start = Number(req.url.searchParams.get('start') ?? NaN);
  // ccxt always sends a `start`, from the wall clock when the caller gave no `since`; a replayed path
  // carries its own (historic) timestamps, so a start past the whole path means "the latest candles".
  const lastOpen = venue.candle(m.symbol)?.openTime ?? 0;
  const startMs = Number.isFinite(start) && start * 1000 <= lastOpen ? start * 1000 : undefined;
  const limitText = req.url.searchParams.get('limit');
  const limit = limitText !== null && /^\d+$/.test(limitText) ? Math.min(350, Number(limitText)) : 350;
  const list = candlesFor(venue, m, limit, startMs).reverse().map((c) => ({
    start: String(Math.floor(c.openTime / 1000)), low: c.low, high: c.high, open: c.open, close: c.close, volume: c.volume,
  }));
  return json({ candles: list });
}

const PRIVATE_ROUTES = new Set([
  'GET /v2/accounts', 'GET /api/v3/brokerage/accounts', 'GET /api/v3/brokerage/transaction_summary',
  'GET /api/v3/brokerage/key_permissions', 'GET /v2/user', 'GET /api/v3/brokerage/orders/historical/batch',
  'GET /api/v3/brokerage/orders/historical/fills',
]);

const ORDER_BY_ID = /^GET \/api\/v3\/brokerage\/orders\/historical\/([^/]+)$/;

function tradingAnswer(route: string, req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse | null {
  switch (route) {
    case 'POST /api/v3/brokerage/orders': return createOrder(req, ctx, account);
    case 'GET /api/v3/brokerage/orders/historical/batch': return listOrders(req, ctx, account);
    case 'GET /api/v3/brokerage/orders/historical/fills': return listFills(req, ctx, account);
    case 'POST /api/v3/brokerage/orders/batch_cancel': return cancelOrders(req, ctx, account);
    default: {
      const id = ORDER_BY_ID.exec(route)?.[1];
      return id === undefined ? null : getOrder(ctx, account, decodeURIComponent(id));
    }
  }
}

function isTradingRoute(route: string): boolean {
  return route === 'POST /api/v3/brokerage/orders' || route === 'POST /api/v3/brokerage/orders/batch_cancel' || ORDER_BY_ID.test(route);
}

function overLimit(ctx: SimContext, key: string, perSec: number): boolean {
  return ctx.countInWindow(key, 1000).used > perSec;
}

function handle(req: SimRequest, ctx: SimContext): SimResponse | null {
  const now = ctx.exchangeNow();
  const route = `${req.method.toUpperCase()} ${req.url.pathname}`;
  const isPrivate = PRIVATE_ROUTES.has(route) || isTradingRoute(route);
  const pub = publicAnswer(route, req, ctx, now);
  if (pub !== null) return pub;
  if (!isPrivate) return null;
  const auth = authenticateCoinbase(req, ctx);
  if (!auth.ok) return authFailure(auth.failure);
  const account = auth.account;
  if (overLimit(ctx, `private:${account.apiKey}`, PRIVATE_PER_SEC)) return json(RATE_LIMITED, 429);
  const trading = tradingAnswer(route, req, ctx, account);
  if (trading !== null) return trading;
  switch (route) {
    case 'GET /v2/accounts': return json(v2Accounts(account, now));
    case 'GET /api/v3/brokerage/accounts': return json(v3Accounts(account, now));
    case 'GET /api/v3/brokerage/transaction_summary': return json(transactionSummary());
    case 'GET /v2/user':
      return json({ data: { id: '9da7a204-544e-5fd1-9a12-61176c5d4cd8', name: 'CTS Simulator', username: null, resource: 'user', resource_path: '/v2/user', native_currency: 'USD', currencies: currencyIds(ctx, account) } });
    default:
      return json({
        can_view: true, can_trade: account.permissions.trade, can_transfer: account.permissions.withdraw,
        portfolio_uuid: PORTFOLIO_UUID, portfolio_type: 'DEFAULT',
      });
  }
}

export const coinbaseHandler: ExchangeHandler = {
  id: 'coinbase',
  hosts: ['api.coinbase.com'],
  handle,
  rateLimitBody: () => RATE_LIMITED,
  notFoundBody: () => ({ errors: [{ id: 'not_found', message: 'Not found' }] }),
};
