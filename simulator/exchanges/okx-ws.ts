import type { WsConnection, WsContext, WsExchangeHandler } from '../ws/types.js';
import { marketPushesOnStep, parseMarketArg, pushesOnSubscribe } from './okx-ws-public.js';
import { accountSnapshot, login, loggedIn, parsePrivateArg, venueEventPushes } from './okx-ws-private.js';
import { connId, type OkxEndpoint, type OkxError, type OkxSub } from './okx-ws-common.js';

/**
 * OKX v5 websockets as ccxt.pro.okx 4.5.84 uses them (https://www.okx.com/docs-v5/en/#overview-websocket).
 * One host serves three endpoints, told apart by path: `/ws/v5/public` (tickers, trades),
 * `/ws/v5/business` (candle channels) and `/ws/v5/private` (login, then `orders` and `account`);
 * the demo host wspap.okx.com is the same with `?brokerId=9999`, which ccxt appends in sandbox mode.
 *
 * Requests are `{"op":"subscribe"|"unsubscribe","args":[{channel, instId|instType…}]}`, each arg
 * answered `{"event":"subscribe","arg":{…},"connId":…}`; a refused request is
 * `{"event":"error","code":"600xx","msg":…,"connId":…}` (ccxt maps the code through its `exceptions`
 * table and rejects every pending watch of the socket). Pushes are `{"arg":{…},"data":[…]}`. The text
 * frame `ping` is answered with the text `pong`: OKX keeps connections alive with that text pair, not
 * protocol pings, and ccxt sends it every 18 s. A login is accepted on any endpoint (the private
 * channels still need /private). Not modelled: the 30 s idle disconnect, the trading ops (`order`,
 * `cancel-order`…), algo orders' `orders-algo` channel, order books, swaps.
 */
const SUBS = 'okx.subscriptions';

const ENDPOINTS: Record<string, OkxEndpoint> = { '/ws/v5/public': 'public', '/ws/v5/business': 'business', '/ws/v5/private': 'private' };

export const okxWsHandler: WsExchangeHandler = {
  id: 'okx',
  // wsaws.okx.com is the websocket twin of ccxt's alternative REST hostname aws.okx.com.
  hosts: ['ws.okx.com', 'wspap.okx.com', 'wsaws.okx.com'],
  onConnect(conn) {
    if (endpoint(conn) === undefined) {
      sendError(conn, { code: '60017', msg: `Invalid url path: ${conn.url.pathname}` });
      conn.close(1008, 'Invalid url path');
    }
  },
  onMessage(conn, text, ctx) {
    const where = endpoint(conn);
    if (where === undefined) return;
    if (text === 'ping') {
      conn.sendText('pong');
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      sendError(conn, illegal(text));
      return;
    }
    const { op, args } = (typeof request === 'object' && request !== null ? request : {}) as { op?: unknown; args?: unknown };
    if (op === 'login') {
      const outcome = login(conn, args, ctx);
      if ('code' in outcome) sendError(conn, outcome);
      else conn.send({ event: 'login', code: '0', msg: '', connId: connId(conn) });
      return;
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      sendError(conn, typeof op === 'string' ? { code: '60019', msg: `Invalid op: ${op}` } : illegal(text));
      return;
    }
    if (!Array.isArray(args) || args.length === 0 || !args.every(isArg)) {
      sendError(conn, illegal(text));
      return;
    }
    const subs = subscriptions(conn);
    for (const arg of args) {
      const parsed = parseArg(arg, where, conn, ctx);
      if ('code' in parsed) {
        sendError(conn, parsed);
        continue;
      }
      const key = JSON.stringify(arg);
      if (op === 'subscribe') subs.set(key, parsed);
      else subs.delete(key);
      conn.send({ event: op, arg, connId: connId(conn) });
      if (op === 'subscribe') {
        if (parsed.kind === 'account') conn.send(accountSnapshot(conn, parsed, ctx));
        else for (const push of pushesOnSubscribe(parsed, ctx)) conn.send(push);
      }
    }
    conn.setStreaming(subs.size > 0);
  },
  onMarketStep(conn, moves, ctx) {
    const subs = [...subscriptions(conn).values()];
    if (subs.length === 0) return;
    for (const move of moves) {
      for (const sub of subs) if (sub.symbol === move.symbol) for (const push of marketPushesOnStep(sub, move, ctx)) conn.send(push);
    }
  },
  onVenueEvent(conn, event, ctx) {
    if (!loggedIn(conn, event.account.apiKey)) return;
    for (const sub of subscriptions(conn).values()) for (const push of venueEventPushes(sub, event, ctx)) conn.send(push);
  },
};

function endpoint(conn: WsConnection): OkxEndpoint | undefined {
  return ENDPOINTS[conn.url.pathname.replace(/\/+$/, '')];
}

function parseArg(arg: Record<string, string>, where: OkxEndpoint, conn: WsConnection, ctx: WsContext): OkxSub | OkxError {
  const channel = arg['channel'] ?? '';
  if (channel === 'orders' || channel === 'account') return parsePrivateArg(arg, where, conn, ctx);
  return parseMarketArg(arg, where, ctx);
}

function subscriptions(conn: WsConnection): Map<string, OkxSub> {
  let subs = conn.state.get(SUBS);
  if (!(subs instanceof Map)) {
    subs = new Map<string, OkxSub>();
    conn.state.set(SUBS, subs);
  }
  return subs as Map<string, OkxSub>;
}

function isArg(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.every(([, v]) => typeof v === 'string') && typeof (value as Record<string, unknown>)['channel'] === 'string';
}

function illegal(text: string): OkxError {
  return { code: '60012', msg: `Illegal request: ${text}` };
}

function sendError(conn: WsConnection, error: OkxError): void {
  conn.send({ event: 'error', code: error.code, msg: error.msg, connId: connId(conn) });
}
