import { binanceWsApiHandler } from '../exchanges/binance-ws-api.js';
import { binanceWsHandler } from '../exchanges/binance-ws.js';
import { bybitWsHandler } from '../exchanges/bybit-ws.js';
import { okxWsHandler } from '../exchanges/okx-ws.js';
import type { WsExchangeHandler } from './types.js';

/** Every exchange's websocket side; add one here (see WsExchangeHandler in ./types.ts). */
export const wsExchangeHandlers: readonly WsExchangeHandler[] = [binanceWsHandler, binanceWsApiHandler, bybitWsHandler, okxWsHandler];
