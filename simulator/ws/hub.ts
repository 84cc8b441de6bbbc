import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import type { SimControl } from '../core/control.js';
import { originalUrl } from '../url.js';
import type { WsConnection, WsContext, WsExchangeHandler } from './types.js';

interface Conn extends WsConnection {
  readonly exchange: ExchangeId;
  readonly socket: WebSocket;
  streaming: boolean;
  /** A message held back by the reorder fault, sent after the next one. */
  held: string | undefined;
}

/**
 * The websocket core: accepts upgrades of `/<original wss url>` on the simulator's HTTP server,
 * routes them by host to a `WsExchangeHandler`, fans price steps out to open sockets, applies the
 * websocket faults and keeps the auto-step timer running while any socket streams.
 */
export class WsHub {
  readonly #control: SimControl;
  readonly #byHost = new Map<string, WsExchangeHandler>();
  readonly #server = new WebSocketServer({ noServer: true, autoPong: false });
  readonly #conns = new Set<Conn>();
  readonly #unsubscribe: Array<() => void> = [];

  /** Open sockets of `exchange` holding at least one subscription (tests wait for a client to have subscribed). */
  streamingSockets(exchange: string): number {
    return [...this.#conns].filter((c) => c.exchange === exchange && c.streaming).length;
  }
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;

  constructor(control: SimControl, handlers: readonly WsExchangeHandler[]) {
    this.#control = control;
    for (const handler of handlers) for (const host of handler.hosts) this.#byHost.set(host, handler);
    this.#unsubscribe.push(
      control.onStep((moves) => {
        for (const conn of this.#conns) this.#handler(conn).onMarketStep?.(conn, moves, this.#ctx(conn.exchange));
      }),
      control.onVenueEvent((exchange, event) => {
        for (const conn of this.#conns) if (conn.exchange === exchange) this.#handler(conn).onVenueEvent?.(conn, event, this.#ctx(exchange));
      }),
      control.wsFaults.onDrop((exchange) => {
        for (const conn of this.#conns) if (conn.exchange === exchange) conn.socket.terminate();
      }),
    );
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  close(): void {
    for (const stop of this.#unsubscribe) stop();
    for (const conn of this.#conns) conn.socket.terminate();
    this.#conns.clear();
    this.#updateTimer();
    this.#server.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node leaves an upgraded socket without an error listener: a client resetting it while it is
    // refused (or mid-handshake) would otherwise be an uncaught ECONNRESET in the simulator's process.
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = originalUrl(req.url ?? '/');
    } catch {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    const handler = this.#byHost.get(url.hostname);
    if (!handler) {
      refuse(socket, 502, 'Bad Gateway');
      return;
    }
    if (this.#control.wsFaults.takeRefusal(handler.id)) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#open(handler, ws, url));
  }

  #open(handler: WsExchangeHandler, socket: WebSocket, url: URL): void {
    const faults = this.#control.wsFaults;
    const exchange = handler.id;
    const silent = (): boolean => performance.now() < faults.state(exchange).silentUntil;
    const write = (text: string): void => {
      if (socket.readyState === WebSocket.OPEN && !silent()) socket.send(text);
    };
    const conn: Conn = {
      id: this.#nextId++,
      url,
      exchange,
      socket,
      state: new Map(),
      streaming: false,
      held: undefined,
      send: (message) => conn.sendText(JSON.stringify(message)),
      sendText: (text) => {
        const state = faults.state(exchange);
        const out = (): void => {
          if (state.reorder && conn.held === undefined) {
            conn.held = text;
            return;
          }
          const later = conn.held;
          conn.held = undefined;
          const copies = state.duplicate ? 2 : 1;
          for (let i = 0; i < copies; i++) write(text);
          if (later !== undefined) for (let i = 0; i < copies; i++) write(later);
        };
        if (state.delayMs > 0) setTimeout(out, state.delayMs);
        else out();
      },
      close: (code, reason) => socket.close(code, reason),
      setStreaming: (on) => {
        conn.streaming = on;
        this.#updateTimer();
      },
    };
    this.#conns.add(conn);
    // Pongs answer pings by hand so the silent fault can withhold them (ccxt's keepalive then times out).
    socket.on('ping', (data) => {
      if (!silent()) socket.pong(data);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary || silent()) return;
      handler.onMessage(conn, data.toString('utf8'), this.#ctx(exchange));
    });
    socket.on('close', () => {
      this.#conns.delete(conn);
      this.#updateTimer();
    });
    socket.on('error', () => socket.terminate());
    handler.onConnect?.(conn, this.#ctx(exchange));
  }

  #handler(conn: Conn): WsExchangeHandler {
    const handler = this.#byHost.get(conn.url.hostname);
    if (!handler) throw new Error(`No websocket handler for ${conn.url.hostname}`);
    return handler;
  }

  #ctx(exchange: ExchangeId): WsContext {
    const control = this.#control;
    return { control, exchangeNow: () => control.now() + control.clockSkew(exchange) };
  }

  /**
   * Time-driven steps otherwise happen only when a REST request arrives; a stream must flow without
   * one. The timer sleeps until the next step is due rather than ticking on a period of its own: on
   * a wall-clock simulator that is the candle boundary, so a closed kline goes out at the close and
   * not up to a period later. A manual clock does not move with real time, so the sleep is at most a
   * second (what a test advancing the clock waits for the step).
   */
  #updateTimer(): void {
    const period = this.#control.autoStepMs;
    const wanted = period !== undefined && [...this.#conns].some((c) => c.streaming);
    if (wanted && this.#timer === undefined) this.#schedule(period);
    else if (!wanted && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(period: number): void {
    const due = this.#control.nextAutoStepAt() ?? this.#control.now() + period;
    // A timer may wake a millisecond before the clock reads the due time: then it sleeps that millisecond again.
    const floor = period < 10 ? 10 : 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#control.syncTime();
      this.#updateTimer();
    }, Math.min(1000, Math.max(floor, due - this.#control.now())));
    this.#timer.unref();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
