import { createHmac, timingSafeEqual } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { VenueEvent } from '../matching/engine.js';
import type { SimFill } from '../matching/types.js';
import type { WsConnection, WsContext } from '../ws/types.js';
import { balanceDetails } from './okx.js';
import { orderShape } from './okx-shapes.js';
import { doesNotExist, type OkxEndpoint, type OkxError, type OkxSub } from './okx-ws-common.js';
import { marketOf } from './okx-ws-public.js';

/**
 * OKX private websocket channels.
 *
 * Login (https://www.okx.com/docs-v5/en/#overview-websocket-login):
 * `{"op":"login","args":[{apiKey, passphrase, timestamp, sign}]}` with `timestamp` in Unix seconds and
 * sign = Base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")); "the request will
 * expire 30 seconds after the timestamp". Answered `{"event":"login","code":"0","msg":"","connId"}`,
 * or an error event with the code OKX gives each cause (ccxt maps them all to AuthenticationError,
 * 60006 to InvalidNonce).
 *
 * `orders` (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel), arg
 * `{channel, instType: SPOT|ANY, instId?}`: one push per order change, one per fill for a fill, the
 * REST order fields plus the fill's `tradeId`, `fillPx`, `fillSz`, `fillFee` (negative = charged),
 * `fillFeeCcy`, `fillTime`, `execType` (ccxt's watchMyTrades reads those off the same pushes).
 *
 * `account` (https://www.okx.com/docs-v5/en/#trading-account-websocket-account-channel): a snapshot of
 * every currency on subscribe, then an `event_update` with the order's two currencies after each of
 * the account's order changes; `details[]` as REST /account/balance.
 */
const ACCOUNT = 'okx.ws.account';
/** Unix seconds, optionally with a fraction ("1538054050.975" in OKX's examples). */
const SECONDS = /^\d{9,11}(\.\d{1,3})?$/;
const TIMESTAMP_WINDOW_MS = 30_000;
/** The UID REST /account/config reports (okx.ts); pushes name it in their `arg`. */
const UID = '44705892343619584';

/** Verifies a login; on success the socket belongs to the key's account from now on. */
export function login(conn: WsConnection, args: unknown, ctx: WsContext): { apiKey: string } | OkxError {
  const first: unknown = Array.isArray(args) ? args[0] : undefined;
  if (typeof first !== 'object' || first === null) return { code: '60009', msg: 'Login failed.' };
  const field = (name: string): string => {
    const value = (first as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : '';
  };
  const apiKey = field('apiKey');
  const passphrase = field('passphrase');
  const timestamp = field('timestamp');
  const sign = field('sign');
  if (apiKey === '') return { code: '60001', msg: 'OK-ACCESS-KEY can not be empty' };
  if (sign === '') return { code: '60002', msg: 'OK-ACCESS-SIGN can not be empty' };
  if (passphrase === '') return { code: '60003', msg: 'OK-ACCESS-PASSPHRASE can not be empty' };
  if (!SECONDS.test(timestamp)) return { code: '60004', msg: 'Invalid OK-ACCESS-TIMESTAMP' };
  if (Math.abs(ctx.exchangeNow() - Number(timestamp) * 1000) > TIMESTAMP_WINDOW_MS) return { code: '60006', msg: 'Timestamp request expired' };
  const account = ctx.control.account('okx', apiKey);
  if (!account) return { code: '60005', msg: 'Invalid OK-ACCESS-KEY' };
  if (account.passphrase !== undefined && account.passphrase !== passphrase) return { code: '60024', msg: 'Wrong passphrase' };
  const expected = createHmac('sha256', account.secret).update(`${timestamp}GET/users/self/verify`).digest();
  const given = Buffer.from(sign, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { code: '60007', msg: 'Invalid sign' };
  conn.state.set(ACCOUNT, apiKey);
  return { apiKey };
}

export function loggedIn(conn: WsConnection, apiKey?: string): boolean {
  const own = conn.state.get(ACCOUNT);
  return typeof own === 'string' && (apiKey === undefined || own === apiKey);
}

export function parsePrivateArg(arg: Record<string, string>, where: OkxEndpoint, conn: WsConnection, ctx: WsContext): OkxSub | OkxError {
  if (where !== 'private') return doesNotExist(arg);
  if (!loggedIn(conn)) return { code: '60011', msg: 'Please log in' };
  if (arg['channel'] === 'account') return { arg, kind: 'account' };
  const instType = arg['instType'];
  if (instType !== 'SPOT' && instType !== 'ANY') return doesNotExist(arg);
  if (arg['instId'] === undefined) return { arg, kind: 'orders' };
  const market = marketOf(arg['instId'], ctx);
  return market ? { arg, kind: 'orders', symbol: market.symbol } : doesNotExist(arg);
}

/** The account channel's first push: every currency of the account. */
export function accountSnapshot(conn: WsConnection, sub: OkxSub, ctx: WsContext): unknown {
  const apiKey = conn.state.get(ACCOUNT);
  const account = typeof apiKey === 'string' ? ctx.control.account('okx', apiKey) : undefined;
  const now = ctx.exchangeNow();
  return accountPush(sub, 'snapshot', account ? balanceDetails(account, sub.arg['ccy'] ?? null, now) : [], now);
}

/** What one order change of the logged-in account pushes on one subscription. */
export function venueEventPushes(sub: OkxSub, event: VenueEvent, ctx: WsContext): unknown[] {
  const venue = ctx.control.venue('okx');
  const o = event.order;
  const market = venue.market(o.symbol);
  if (!market) return [];
  const now = ctx.exchangeNow();
  if (sub.kind === 'account') {
    const wanted = sub.arg['ccy'];
    const ccys = [market.base, market.quote].filter((c) => wanted === undefined || wanted.split(',').includes(c));
    return ccys.length === 0 ? [] : [accountPush(sub, 'event_update', balanceDetails(event.account, ccys.join(','), now), now)];
  }
  // A stop that has not fired is an algo order: OKX reports it on `orders-algo`, not here.
  if (sub.kind !== 'orders' || (o.stop !== undefined && o.stop.triggeredAt === undefined)) return [];
  if (sub.symbol !== undefined && sub.symbol !== o.symbol) return [];
  const arg = { ...sub.arg, uid: UID };
  const all = venue.fills(o.owner, { orderId: o.orderId });
  if (event.fills.length === 0) return [{ arg, data: [{ ...orderShape(o, market, all), ...noFill(), ...wsExtras() }] }];
  // One push per fill, each showing the order as that fill left it.
  return event.fills.map((fill) => {
    const upTo = all.slice(0, all.findIndex((f) => f.tradeId === fill.tradeId) + 1);
    const filled = upTo.reduce((sum, f) => sum.add(f.qty), new Dec(0));
    const cost = upTo.reduce((sum, f) => sum.add(f.quoteQty), new Dec(0));
    const last = fill === event.fills.at(-1);
    const row = {
      ...orderShape(o, market, upTo),
      accFillSz: filled.toFixed(),
      avgPx: cost.div(filled).toDecimalPlaces(12).toFixed(),
      ...(last ? {} : { state: 'partially_filled' }),
      ...fillFields(fill),
      ...wsExtras(),
    };
    return { arg, data: [row] };
  });
}

function accountPush(sub: OkxSub, eventType: 'snapshot' | 'event_update', details: unknown[], now: number): unknown {
  return {
    arg: { ...sub.arg, uid: UID },
    eventType,
    curPage: 1,
    lastPage: true,
    data: [{ adjEq: '', borrowFroz: '', details, imr: '', isoEq: '0', mgnRatio: '', mmr: '', notionalUsd: '', ordFroz: '', totalEq: '', uTime: String(now), upl: '' }],
  };
}

function fillFields(f: SimFill): Record<string, string> {
  const fee = new Dec(f.fee);
  return {
    tradeId: String(f.tradeId),
    fillPx: f.price,
    fillSz: f.qty,
    fillTime: String(f.time),
    fillFee: fee.isZero() ? '0' : fee.neg().toFixed(),
    fillFeeCcy: f.feeAsset,
    execType: f.maker ? 'M' : 'T',
  };
}

function noFill(): Record<string, string> {
  return { tradeId: '', fillPx: '', fillSz: '0', fillTime: '', fillFee: '0', fillFeeCcy: '', execType: '' };
}

/** Fields the push has and REST's order details do not. */
function wsExtras(): Record<string, string> {
  return { amendResult: '', amendSource: '', code: '0', msg: '', reqId: '', fillNotionalUsd: '', notionalUsd: '', lastPx: '' };
}
