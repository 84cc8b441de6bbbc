import type { WsConnection } from '../ws/types.js';

/** Pieces shared by the Bybit v5 websocket channels (bybit-ws.ts). */

export type BybitChannel = 'spot' | 'linear' | 'private';

const TOPICS = 'bybit.topics';
const CHANNELS: Record<string, BybitChannel> = { '/v5/public/spot': 'spot', '/v5/public/linear': 'linear', '/v5/private': 'private' };

export function channelOf(conn: WsConnection): BybitChannel | undefined {
  return CHANNELS[conn.url.pathname.replace(/\/+$/, '')];
}

/** The topics a socket has subscribed to. */
export function topicsOf(conn: WsConnection): Set<string> {
  let topics = conn.state.get(TOPICS);
  if (!(topics instanceof Set)) {
    topics = new Set<string>();
    conn.state.set(TOPICS, topics);
  }
  return topics as Set<string>;
}

/** Bybit's connection ids look like `cejreaspqfh3sjdnldmg-p`; this one is unique per socket. */
export function connId(conn: WsConnection): string {
  return `ctssim${conn.id.toString(36).padStart(8, '0')}-sim`;
}
