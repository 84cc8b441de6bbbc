import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import type { CandleMove, SimControl } from '../core/control.js';
import type { VenueEvent } from '../matching/engine.js';

/**
 * One simulated exchange's websocket side. The core (simulator/ws/hub.ts) accepts the upgrade of
 * `ws://127.0.0.1:PORT/<original wss url>`, picks the handler by the original URL's host, applies
 * the websocket faults, and calls these hooks; the handler owns the wire format. Adding an exchange
 * is adding a handler to simulator/ws/handlers.ts.
 */
export interface WsExchangeHandler {
  readonly id: ExchangeId;
  readonly hosts: readonly string[];
  /** A socket opened on `conn.url`. */
  onConnect?(conn: WsConnection, ctx: WsContext): void;
  /** One text frame from the client. */
  onMessage(conn: WsConnection, text: string, ctx: WsContext): void;
  /** After every price step, once per open socket of this exchange. */
  onMarketStep?(conn: WsConnection, moves: readonly CandleMove[], ctx: WsContext): void;
  /** An order change (placed, filled, cancelled) of any account of this exchange, once per open socket; the handler picks the sockets of that account. */
  onVenueEvent?(conn: WsConnection, event: VenueEvent, ctx: WsContext): void;
}

export interface WsContext {
  readonly control: SimControl;
  /** The exchange's clock (with its skew). */
  exchangeNow(): number;
}

/** One client socket as a handler sees it. */
export interface WsConnection {
  readonly id: number;
  /** The original exchange URL (wss://stream.binance.com:9443/ws/0). */
  readonly url: URL;
  /** Per-socket state of the handler (subscriptions, the authenticated account…). */
  readonly state: Map<string, unknown>;
  /** Sends one JSON message (through the exchange's delay/reorder/duplicate/silent faults). */
  send(message: unknown): void;
  /** Sends one text frame as is, through the same faults (OKX answers a text `ping` with a bare `pong`). */
  sendText(text: string): void;
  close(code?: number, reason?: string): void;
  /**
   * Marks the socket as streaming (market data, or an account's updates once subscribed): while any
   * is, the core steps prices on the simulator's auto-step period by itself (otherwise steps happen
   * only on REST requests), and tests can wait for a client to have subscribed.
   */
  setStreaming(on: boolean): void;
}
