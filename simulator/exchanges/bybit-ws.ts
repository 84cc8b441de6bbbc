import type { WsExchangeHandler } from '../ws/types.js';
import { channelOf, connId, topicsOf } from './bybit-ws-common.js';
import { authenticate, privateEvents, privateTopicError } from './bybit-ws-private.js';
import { publicMarketStep, publicSnapshots, publicTopicError } from './bybit-ws-public.js';

/**
 * Bybit v5 websockets as ccxt.pro.bybit 4.5.84 uses them (https://bybit-exchange.github.io/docs/v5/ws/connect).
 * One host serves every channel, so the path picks it: `/v5/public/spot`, `/v5/public/linear`
 * (bybit-ws-public.ts) and `/v5/private` (bybit-ws-private.ts). Requests are
 * `{op, args, req_id?}`; answers echo `req_id` as a string and `op`, with `success` and `ret_msg`.
 * A rejected topic is named in `ret_msg` the way Bybit names it
 * (`error:handler not found,topic:…`, a frame captured from the live server in public code).
 * The order-entry channel `/v5/trade` (ccxt's createOrderWs) and the inverse/option channels are
 * not simulated: such a socket is closed at once.
 */
export const bybitWsHandler: WsExchangeHandler = {
  id: 'bybit',
  hosts: ['stream.bybit.com', 'stream.bytick.com', 'stream-testnet.bybit.com', 'stream-demo.bybit.com'],
  onConnect(conn) {
    if (channelOf(conn) === undefined) conn.close(1008, `${conn.url.pathname} is not simulated`);
  },
  onMessage(conn, text, ctx) {
    const channel = channelOf(conn);
    if (channel === undefined) return;
    let request: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      const parsed: unknown = JSON.parse(text);
      request = typeof parsed === 'object' && parsed !== null ? (parsed as typeof request) : {};
    } catch {
      request = {};
    }
    const op = typeof request.op === 'string' ? request.op : '';
    const reqId = typeof request.req_id === 'string' || typeof request.req_id === 'number' ? String(request.req_id) : '';
    const answer = (success: boolean, retMsg: string): void => conn.send({ success, ret_msg: retMsg, conn_id: connId(conn), req_id: reqId, op });
    switch (op) {
      case 'ping':
        // Spot answers in the old shape; linear, inverse and private answer `op: "pong"` with the server time.
        if (channel === 'spot') answer(true, 'pong');
        else conn.send({ req_id: reqId, op: 'pong', args: [String(ctx.exchangeNow())], conn_id: connId(conn) });
        return;
      case 'auth':
        if (channel !== 'private') return answer(false, 'error:invalid op');
        return answer(...authenticate(conn, request.args, ctx));
      case 'subscribe':
      case 'unsubscribe': {
        const args = Array.isArray(request.args) && request.args.every((a) => typeof a === 'string') ? (request.args as string[]) : undefined;
        if (!args || args.length === 0) return answer(false, 'error:args is empty');
        const topics = topicsOf(conn);
        if (op === 'unsubscribe') {
          for (const topic of args) topics.delete(topic);
          conn.setStreaming(topics.size > 0);
          return answer(true, '');
        }
        for (const topic of args) {
          const error = channel === 'private' ? privateTopicError(conn, topic) : publicTopicError(topic, ctx);
          if (error !== undefined) return answer(false, error);
          if (topics.has(topic)) return answer(false, `error:already subscribed,topic:${topic}`);
        }
        for (const topic of args) topics.add(topic);
        // Spot acks with ret_msg "subscribe", the other channels with "".
        answer(true, channel === 'spot' ? 'subscribe' : '');
        conn.setStreaming(true);
        if (channel !== 'private') publicSnapshots(conn, channel, args, ctx);
        return;
      }
      default:
        return answer(false, 'error:invalid op');
    }
  },
  onMarketStep(conn, moves, ctx) {
    const channel = channelOf(conn);
    if (channel === 'spot' || channel === 'linear') publicMarketStep(conn, channel, moves, ctx);
  },
  onVenueEvent(conn, event, ctx) {
    if (channelOf(conn) === 'private') privateEvents(conn, event, ctx);
  },
};
