import type { VenueEvent } from '../matching/engine.js';
import type { SimFill } from '../matching/types.js';
import type { SimAccount } from '../types.js';
import type { WsContext, WsExchangeHandler } from '../ws/types.js';
import { STATUS } from './binance-shapes.js';
import { compactId, hmacSha256Hex, sameSignature } from './common.js';
import { fixed8 } from './market-stats.js';

/**
 * Binance spot WebSocket API user data stream, as ccxt.pro.binance 4.5.84 uses it for spot
 * watchOrders / watchMyTrades / watchBalance: `userDataStream.subscribe.signature` with
 * `{apiKey, timestamp, signature}` (HMAC-SHA256 of the key-sorted `k=v&…` params, as REST signs),
 * answered `{id, status: 200, result: {subscriptionId}}`; events come as `{subscriptionId, event}`
 * (https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests,
 * https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream).
 */
const ACCOUNT = 'binance.wsapi.account';
const SUBSCRIPTION = 'binance.wsapi.subscriptionId';

export const binanceWsApiHandler: WsExchangeHandler = {
  id: 'binance',
  hosts: ['ws-api.binance.com', 'ws-api.testnet.binance.vision'],
  onMessage(conn, text, ctx) {
    let request: { id?: unknown; method?: unknown; params?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      conn.send({ id: null, status: 400, error: { code: -1100, msg: 'Illegal characters found in parameter.' } });
      return;
    }
    const id = typeof request.id === 'string' || typeof request.id === 'number' ? request.id : null;
    const fail = (status: number, code: number, msg: string): void => conn.send({ id, status, error: { code, msg } });
    if (request.method === 'ping') {
      conn.send({ id, status: 200, result: {} });
      return;
    }
    if (request.method === 'userDataStream.unsubscribe') {
      conn.state.delete(ACCOUNT);
      conn.setStreaming(false);
      conn.send({ id, status: 200, result: {} });
      return;
    }
    if (request.method !== 'userDataStream.subscribe.signature') {
      fail(400, -1020, 'Unsupported operation.');
      return;
    }
    const params = isStringRecord(request.params) ? request.params : {};
    const apiKey = params['apiKey'];
    const signature = params['signature'];
    if (apiKey === undefined || !/^[A-Za-z0-9]{1,128}$/.test(apiKey)) return fail(401, -2014, 'API-key format invalid.');
    if (signature === undefined) return fail(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const account = ctx.control.account('binance', apiKey);
    if (!account) return fail(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const payload = Object.keys(params)
      .filter((k) => k !== 'signature')
      .sort()
      .map((k) => `${k}=${params[k] ?? ''}`)
      .join('&');
    if (!sameSignature(hmacSha256Hex(account.secret, payload), signature)) return fail(400, -1022, 'Signature for this request is not valid.');
    const subscriptionId = Number(conn.state.get(SUBSCRIPTION) ?? 0);
    conn.state.set(SUBSCRIPTION, subscriptionId);
    conn.state.set(ACCOUNT, account);
    conn.setStreaming(true);
    conn.send({ id, status: 200, result: { subscriptionId } });
  },
  onVenueEvent(conn, event, ctx) {
    const account = conn.state.get(ACCOUNT) as SimAccount | undefined;
    if (!account || account.apiKey !== event.account.apiKey) return;
    const subscriptionId = conn.state.get(SUBSCRIPTION);
    const reports = event.fills.length > 0 ? event.fills.map((f) => executionReport(event, f, ctx)) : [executionReport(event, undefined, ctx)];
    for (const report of reports) conn.send({ subscriptionId, event: report });
    conn.send({ subscriptionId, event: accountPosition(event, ctx) });
  },
};

function executionReport(event: VenueEvent, fill: SimFill | undefined, ctx: WsContext): Record<string, unknown> {
  const o = event.order;
  const market = ctx.control.venue('binance').market(o.symbol);
  const symbol = market ? compactId(market) : o.symbol.replace('/', '');
  const exec = fill ? 'TRADE' : o.status === 'canceled' ? 'CANCELED' : o.status === 'expired' ? 'EXPIRED' : 'NEW';
  const now = ctx.exchangeNow();
  return {
    e: 'executionReport', E: now, s: symbol, c: o.clientOrderId, S: o.side.toUpperCase(), o: o.type.toUpperCase(),
    f: o.timeInForce, q: fixed8(o.origQty), p: fixed8(o.price), P: '0.00000000', F: '0.00000000', g: -1, C: '',
    x: exec, X: STATUS[o.status], r: 'NONE', i: o.orderId, l: fixed8(fill?.qty ?? '0'), z: fixed8(o.executedQty),
    L: fixed8(fill?.price ?? '0'), n: fixed8(fill?.fee ?? '0'), N: fill?.feeAsset ?? null, T: fill?.time ?? o.updatedAt,
    t: fill?.tradeId ?? -1, v: 0, I: now, w: o.status === 'new' || o.status === 'partially_filled', m: fill?.maker ?? false,
    M: false, O: o.createdAt, Z: fixed8(o.cumQuote), Y: fixed8(fill?.quoteQty ?? '0'), Q: fixed8(o.origQuoteQty),
    W: o.createdAt, V: 'EXPIRE_MAKER',
  };
}

/** The balances of the order's two assets after the change (Binance sends the changed assets). */
function accountPosition(event: VenueEvent, ctx: WsContext): Record<string, unknown> {
  const market = ctx.control.venue('binance').market(event.order.symbol);
  const assets = market ? [market.base, market.quote] : Object.keys(event.account.balances);
  const now = ctx.exchangeNow();
  return {
    e: 'outboundAccountPosition', E: now, u: now,
    B: assets.map((a) => ({ a, f: fixed8(event.account.balances[a]?.free ?? '0'), l: fixed8(event.account.balances[a]?.used ?? '0') })),
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number');
}
