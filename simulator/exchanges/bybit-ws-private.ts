import { randomUUID } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { VenueEvent } from '../matching/engine.js';
import type { SimAccount } from '../types.js';
import type { WsConnection, WsContext } from '../ws/types.js';
import { topicsOf } from './bybit-ws-common.js';
import { executionShape, orderShape, walletBalance } from './bybit-shapes.js';
import { hmacSha256Hex, sameSignature } from './common.js';

/**
 * Bybit v5 private stream on `/v5/private`. `{"op":"auth","args":[apiKey, expires, signature]}` with
 * signature = hex HMAC-SHA256(secret, "GET/realtime" + expires) and expires a future ms timestamp
 * (https://bybit-exchange.github.io/docs/v5/ws/connect); answered `{success, ret_msg, op: "auth",
 * conn_id}`. Bybit's refusals as users have reported them: "Params Error" for an expired or malformed
 * request (bybit-exchange/pybit#152, #300), "Request not authorized" for a key or signature it does
 * not accept (nautechsystems/nautilus_trader#2101). Topics, pushed for the authenticated account only
 * from the matching engine's order changes:
 * `order` (https://bybit-exchange.github.io/docs/v5/websocket/private/order),
 * `execution` (https://bybit-exchange.github.io/docs/v5/websocket/private/execution) and
 * `wallet` (https://bybit-exchange.github.io/docs/v5/websocket/private/wallet), each as
 * `{id, topic, creationTime, data: [...]}`.
 */

const ACCOUNT = 'bybit.account';
const TOPICS = new Set(['order', 'execution', 'wallet']);

/** [success, ret_msg] of an auth request. */
export function authenticate(conn: WsConnection, args: unknown, ctx: WsContext): [boolean, string] {
  if (!Array.isArray(args) || args.length !== 3) return [false, 'Params Error'];
  const [apiKey, expires, signature] = args as unknown[];
  if (typeof apiKey !== 'string' || typeof signature !== 'string' || (typeof expires !== 'string' && typeof expires !== 'number')) return [false, 'Params Error'];
  const expiresText = String(expires);
  if (!/^\d+$/.test(expiresText) || Number(expiresText) <= ctx.exchangeNow()) return [false, 'Params Error'];
  const account = ctx.control.account('bybit', apiKey);
  if (!account || !sameSignature(hmacSha256Hex(account.secret, `GET/realtime${expiresText}`), signature)) return [false, 'Request not authorized'];
  conn.state.set(ACCOUNT, account);
  return [true, ''];
}

export function privateTopicError(conn: WsConnection, topic: string): string | undefined {
  if (!TOPICS.has(topic)) return `error:handler not found,topic:${topic}`;
  return conn.state.has(ACCOUNT) ? undefined : 'Request not authorized';
}

export function privateEvents(conn: WsConnection, event: VenueEvent, ctx: WsContext): void {
  const account = conn.state.get(ACCOUNT) as SimAccount | undefined;
  if (!account || account.apiKey !== event.account.apiKey) return;
  const topics = topicsOf(conn);
  const venue = ctx.control.venue('bybit');
  const market = venue.market(event.order.symbol);
  if (!market) return;
  const now = ctx.exchangeNow();
  const push = (topic: string, data: unknown[]): void => conn.send({ id: randomUUID(), topic, creationTime: now, data });
  if (topics.has('order')) push('order', [spotOrder(event, ctx)]);
  if (topics.has('execution') && event.fills.length > 0) {
    push(
      'execution',
      event.fills.map((f) => {
        const { createType, ...shape } = executionShape(f, event.order, market, f.maker ? venue.fees.maker : venue.fees.taker);
        // Spot executions carry no createType (it marks derivatives), and say which coin the fee is in.
        void createType;
        return { category: 'spot', ...shape, isLeverage: '0', execPnl: '0', marketUnit: '' };
      }),
    );
  }
  if (topics.has('wallet')) push('wallet', (walletBalance(event.account, venue) as { list: unknown[] }).list);
}

/**
 * The REST order with the stream's spot differences: `category`, the fee coin (`feeCurrency`,
 * `cumFeeDetail` per coin) and no `tpslMode` (spot has none; ccxt reads its presence as a contract).
 */
function spotOrder(event: VenueEvent, ctx: WsContext): Record<string, unknown> {
  const venue = ctx.control.venue('bybit');
  const o = event.order;
  const market = venue.market(o.symbol);
  if (!market) throw new Error(`Order on unknown market ${o.symbol}`);
  const fills = venue.fills(event.account.apiKey, { orderId: o.orderId });
  const { tpslMode, ...shape } = orderShape(o, market, fills);
  void tpslMode;
  const feeDetail: Record<string, string> = {};
  for (const f of fills) feeDetail[f.feeAsset] = new Dec(feeDetail[f.feeAsset] ?? '0').add(f.fee).toFixed();
  return {
    category: 'spot',
    ...shape,
    smpGroup: '0',
    feeCurrency: fills[0]?.feeAsset ?? '',
    slippageTolerance: '',
    slippageToleranceType: 'UNKNOWN',
    cumFeeDetail: feeDetail,
  };
}
