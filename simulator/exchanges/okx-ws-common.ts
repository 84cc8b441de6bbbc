import type { WsConnection } from '../ws/types.js';

/** Types and frames shared by the OKX websocket endpoints (okx-ws.ts). */

export type OkxEndpoint = 'public' | 'business' | 'private';

/** One subscription, keyed by its arg as the client sent it. */
export interface OkxSub {
  readonly arg: Record<string, string>;
  readonly kind: 'candle' | 'tickers' | 'trades' | 'orders' | 'account';
  /** The spot instrument (market channels; `orders` when it names an instId). */
  readonly symbol?: string;
}

/** The error frame; `msg` as OKX words it. */
export interface OkxError {
  code: string;
  msg: string;
}

/** "Wrong URL or channel:…doesn't exist" (60018): an unknown channel or instrument, or a channel of another endpoint. */
export function doesNotExist(arg: Record<string, string>): OkxError {
  const named = Object.entries(arg).map(([k, v]) => `${k}:${v}`).join(',');
  return { code: '60018', msg: `Wrong URL or channel:${named} doesn't exist. Please use the correct URL, channel and parameters referring to API document.` };
}

/** An 8-hex-digit connection id, stable per socket, as OKX's `connId`. */
export function connId(conn: WsConnection): string {
  return (Math.imul(conn.id, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
}
