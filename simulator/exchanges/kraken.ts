import { createHash, createHmac } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { MarketSpec } from '../matching/types.js';
import type { ExchangeHandler, SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { altname, answer, assetId, decimals, fail, marketByPair, pairId, type Params } from './kraken-common.js';
import { depthInfo, ohlcRows, tickerInfo } from './kraken-shapes.js';
import { addOrder, cancelOrder, closedOrders, openOrders, queryOrders, queryTrades, tradesHistory, type KrakenCall } from './kraken-trading.js';

/**
 * Kraken spot REST wire format (https://docs.kraken.com/api-reference/), as ccxt 4.5.84's `kraken`
 * class uses it. Every answer is `{ error: string[], result }`, HTTP 200 even for errors; ccxt maps
 * the error strings. ccxt has no Kraken sandbox.
 *
 * Private calls are POST /0/private/<Method> with a form body holding `nonce`; headers API-Key and
 * API-Sign = base64(HMAC-SHA512(base64-decoded secret, path + SHA256(nonce + body))). Kraken does
 * not compare the nonce with its clock: it must only grow per key, so clock skew alone never fails
 * authentication (a stale/reused nonce gives `EAPI:Invalid nonce`).
 *
 * Note for the adapter: ccxt 4.5.84 maps `EAPI:Invalid key` to AuthenticationError but has no entry
 * for `EAPI:Invalid signature`, so a wrong secret surfaces as a bare ExchangeError whose message
 * carries that code.
 *
 * What ccxt calls (defaults):
 *   loadMarkets  → GET /0/public/Assets (fetchCurrencies), GET /0/public/AssetPairs.
 *                  `has.fetchCurrencies = false` drops the first; Kraken then reports raw asset ids
 *                  only where ccxt's commonCurrencies lacks them (XXBT, XETH, ZUSD are covered).
 *   fetchBalance → POST /0/private/BalanceEx
 *   fetchTime    → GET /0/public/Time
 *   permissions  → POST /0/private/GetApiKeyInfo (`permissions[]`, `ipAllowlist`); the adapter calls it
 *                  as `privatePostGetApiKeyInfo`.
 *   market data  → GET /0/public/Ticker, OHLC, Depth (kraken-shapes.ts).
 *   trading      → POST /0/private/AddOrder, CancelOrder, QueryOrders, OpenOrders, ClosedOrders,
 *                  TradesHistory, QueryTrades (kraken-trading.ts).
 * AddOrder and CancelOrder count on the per-pair order counter, the rest on the REST call counter.
 */

/** Pro-tier REST call counter: max 20, decays 1 per second; each call costs 1 (ledger/trade history 2). */
const COUNTER_MAX = 20;
const COUNTER_DECAY_PER_S = 1;

function assetPairs(markets: readonly MarketSpec[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const m of markets) {
    const base = assetId(m.base);
    const quote = assetId(m.quote);
    result[pairId(m)] = {
      altname: `${altname(m.base)}${altname(m.quote)}`, wsname: `${altname(m.base)}/${altname(m.quote)}`,
      aclass_base: 'currency', base, aclass_quote: 'currency', quote, lot: 'unit', cost_decimals: 5,
      pair_decimals: decimals(m.tickSize), lot_decimals: decimals(m.stepSize), lot_multiplier: 1,
      leverage_buy: [2, 3, 4, 5], leverage_sell: [2, 3, 4, 5],
      fees: [[0, 0.4], [10000, 0.35], [50000, 0.24]], fees_maker: [[0, 0.25], [10000, 0.2], [50000, 0.14]],
      fee_volume_currency: 'ZUSD', margin_call: 80, margin_stop: 40, ordermin: m.minQty, costmin: m.minNotional,
      tick_size: m.tickSize, status: 'online', long_position_limit: 270, short_position_limit: 180,
    };
  }
  return result;
}

function assets(markets: readonly MarketSpec[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const code of new Set(['USD', 'EUR', ...markets.flatMap((m) => [m.base, m.quote])])) {
    const places = code === 'USD' || code === 'EUR' ? 4 : code === 'BTC' || code === 'ETH' ? 10 : 8;
    result[assetId(code)] = { aclass: 'currency', altname: altname(code), decimals: places, display_decimals: Math.min(places, 5), collateral_value: 1, status: 'enabled' };
  }
  return result;
}

function balanceEx(account: SimAccount): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [code, b] of Object.entries(account.balances)) {
    // `balance` is the total; `hold_trade` the part reserved by open orders.
    result[assetId(code)] = { balance: new Dec(b.free).add(b.used).toFixed(), hold_trade: b.used, credit: '0', credit_used: '0' };
  }
  return result;
}

/**
 * GetApiKeyInfo as documented (example shows query-funds, withdraw-funds, query-open-trades,
 * modify-trades); the other permission names follow the same pattern and are an assumption.
 */
function apiKeyInfo(account: SimAccount, nonce: string, now: number): unknown {
  const permissions = ['query-funds', 'query-open-trades', 'query-closed-trades', 'query-ledger'];
  if (account.permissions.trade) permissions.push('modify-trades', 'close-trades');
  if (account.permissions.withdraw) permissions.push('withdraw-funds');
  const seconds = String(Math.floor(now / 1000));
  return {
    apiKeyName: 'cts-sim', apiKey: account.apiKey, nonce, nonceWindow: 0, permissions, iban: 'AA88 N84G WOAK NMOI',
    validUntil: '0', queryFrom: '0', queryTo: '0', createdTime: seconds, modifiedTime: seconds,
    ipAllowlist: account.permissions.ipRestricted ? ['127.0.0.1'] : [], lastUsed: seconds,
  };
}

function parseBody(req: SimRequest): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(req.body);
      if (parsed !== null && typeof parsed === 'object') {
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      }
    } catch {
      return {};
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(req.body));
}

export function krakenSignature(secretBase64: string, path: string, nonce: string, body: string): string {
  const inner = createHash('sha256').update(nonce + body).digest();
  return createHmac('sha512', Buffer.from(secretBase64, 'base64')).update(Buffer.concat([Buffer.from(path), inner])).digest('base64');
}

interface KeyState {
  /** The highest nonce accepted so far: Kraken requires it to grow. */
  lastNonce: bigint | undefined;
  /** The decaying REST call counter and when it was last updated (exchange clock). */
  counter: number;
  counterAt: number;
}

/**
 * Kraken keeps nonce and call counter per API key. Keyed by the account object, which the core owns
 * per simulator instance (and replaces when a test re-provisions the key), so state never leaks
 * between simulators or tests.
 */
const keyStates = new WeakMap<SimAccount, KeyState>();

function keyState(account: SimAccount, now: number): KeyState {
  let state = keyStates.get(account);
  if (state === undefined) {
    state = { lastNonce: undefined, counter: 0, counterAt: now };
    keyStates.set(account, state);
  }
  return state;
}

function authenticate(req: SimRequest, ctx: SimContext, params: Record<string, string>): SimAccount | SimResponse {
  const key = req.headers['api-key'] ?? '';
  const sign = req.headers['api-sign'] ?? '';
  const nonce = params.nonce ?? '';
  if (key === '') return fail('EAPI:Invalid key');
  const account = ctx.findAccount('kraken', key);
  if (account === undefined) return fail('EAPI:Invalid key');
  if (sign === '' || krakenSignature(account.secret, req.url.pathname, nonce, req.body) !== sign) {
    return fail('EAPI:Invalid signature');
  }
  if (!/^\d+$/.test(nonce)) return fail('EAPI:Invalid nonce');
  const state = keyState(account, req.receivedAt);
  const n = BigInt(nonce);
  if (state.lastNonce !== undefined && n <= state.lastNonce) return fail('EAPI:Invalid nonce');
  state.lastNonce = n;
  return account;
}

/** Adds `cost` to the key's decaying counter at simulator time `now`; false (nothing added) past the maximum. */
function charge(account: SimAccount, cost: number, now: number): boolean {
  const state = keyState(account, now);
  const elapsed = Math.max(0, now - state.counterAt);
  const decayed = Math.max(0, state.counter - (elapsed / 1000) * COUNTER_DECAY_PER_S);
  state.counterAt = now;
  state.counter = decayed + cost > COUNTER_MAX ? decayed : decayed + cost;
  return decayed + cost <= COUNTER_MAX;
}

interface PrivateEndpoint {
  /** Cost on the REST call counter; trading calls count on the per-pair order counter instead. */
  restCost: number;
  /** Needs a key allowed to trade. */
  trade?: boolean;
  run: (call: KrakenCall) => SimResponse;
}

const PRIVATE: Record<string, PrivateEndpoint> = {
  '/0/private/GetApiKeyInfo': { restCost: 1, run: ({ account, params, ctx }) => answer(apiKeyInfo(account, params['nonce'] ?? '0', ctx.exchangeNow())) },
  '/0/private/Balance': {
    restCost: 1,
    run: ({ account }) => answer(Object.fromEntries(Object.entries(account.balances).map(([code, b]) => [assetId(code), new Dec(b.free).add(b.used).toFixed()]))),
  },
  '/0/private/BalanceEx': { restCost: 1, run: ({ account }) => answer(balanceEx(account)) },
  '/0/private/AddOrder': { restCost: 0, trade: true, run: addOrder },
  '/0/private/CancelOrder': { restCost: 0, trade: true, run: cancelOrder },
  '/0/private/OpenOrders': { restCost: 1, run: openOrders },
  '/0/private/ClosedOrders': { restCost: 1, run: closedOrders },
  '/0/private/QueryOrders': { restCost: 1, run: queryOrders },
  '/0/private/TradesHistory': { restCost: 2, run: tradesHistory },
  '/0/private/QueryTrades': { restCost: 2, run: queryTrades },
};

function withPair(ctx: SimContext, query: URLSearchParams, run: (m: MarketSpec, pair: string) => SimResponse): SimResponse {
  const pair = query.get('pair') ?? '';
  const m = marketByPair(ctx.venue().markets(), pair);
  return m ? run(m, pair) : fail('EQuery:Unknown asset pair');
}

/**
 * GET /0/public/Ticker (https://docs.kraken.com/api/docs/rest-api/get-ticker-information): `pair` is
 * optional and may list several pairs, comma-separated; without it every tradeable pair is answered.
 * One unknown pair fails the whole request, as on Kraken.
 */
function tickers(ctx: SimContext, query: URLSearchParams): SimResponse {
  const markets = ctx.venue().markets();
  const pair = query.get('pair');
  const picked = pair === null || pair === '' ? markets : pair.split(',').map((p) => marketByPair(markets, p.trim()));
  const result: Record<string, unknown> = {};
  for (const m of picked) {
    if (!m) return fail('EQuery:Unknown asset pair');
    result[pairId(m)] = tickerInfo(ctx.venue(), m);
  }
  return answer(result);
}

function handlePublic(path: string, req: SimRequest, ctx: SimContext): SimResponse | null {
  const now = ctx.exchangeNow();
  const query = req.url.searchParams;
  switch (path) {
    case '/0/public/Time': {
      const seconds = Math.floor(now / 1000);
      return answer({ unixtime: seconds, rfc1123: new Date(seconds * 1000).toUTCString() });
    }
    case '/0/public/Assets': return answer(assets(ctx.venue().markets()));
    case '/0/public/AssetPairs': return answer(assetPairs(ctx.venue().markets()));
    case '/0/public/SystemStatus': return answer({ status: 'online', timestamp: new Date(now).toISOString() });
    // Results are keyed by the pair id (XXBTZUSD, XBTUSDT) whatever form the request named it in; ccxt reads them by id.
    case '/0/public/Ticker': return tickers(ctx, query);
    case '/0/public/OHLC':
      return withPair(ctx, query, (m) => {
        const since = query.get('since');
        const { rows, last } = ohlcRows(ctx.venue(), m, since !== null && /^\d+$/.test(since) ? Number(since) : undefined);
        return answer({ [pairId(m)]: rows, last });
      });
    case '/0/public/Depth':
      return withPair(ctx, query, (m) => answer({ [pairId(m)]: depthInfo(ctx.venue(), m, Number(query.get('count') ?? 100) || 100, now) }));
    default: return null;
  }
}

export const krakenHandler: ExchangeHandler = {
  id: 'kraken',
  hosts: ['api.kraken.com'],
  handle(req: SimRequest, ctx: SimContext): SimResponse | null {
    const method = req.method.toUpperCase();
    const path = req.url.pathname;
    if (method === 'GET') return handlePublic(path, req, ctx);
    const endpoint = method === 'POST' ? PRIVATE[path] : undefined;
    if (!endpoint) return null;
    const params: Params = parseBody(req);
    const auth = authenticate(req, ctx, params);
    if (!('apiKey' in auth)) return auth;
    // The counter decays in real time: measure it on the simulator clock, which injected skew never moves.
    if (endpoint.restCost > 0 && !charge(auth, endpoint.restCost, req.receivedAt)) return fail('EAPI:Rate limit exceeded');
    if (endpoint.trade && !auth.permissions.trade) return fail('EGeneral:Permission denied');
    return endpoint.run({ params, ctx, account: auth, receivedAt: req.receivedAt });
  },
  rateLimitBody: () => ({ error: ['EAPI:Rate limit exceeded'] }),
  notFoundBody: () => ({ error: ['EGeneral:Unknown method'] }),
};
