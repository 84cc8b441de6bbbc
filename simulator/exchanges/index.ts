import type { ExchangeHandler } from '../types.js';
import { binanceHandler } from './binance.js';
import { binanceFuturesHandler } from './binance-futures.js';
import { bybitHandler } from './bybit.js';
import { coinbaseHandler } from './coinbase.js';
import { gateHandler } from './gate.js';
import { htxHandler } from './htx.js';
import { krakenHandler } from './kraken.js';
import { okxHandler } from './okx.js';

/** Every simulated exchange; the server routes a request to the handler listing its host. */
export const exchangeHandlers: readonly ExchangeHandler[] = [
  binanceHandler,
  // Binance USDⓈ-M futures (fapi.binance.com): the same exchange, accounts and price paths.
  binanceFuturesHandler,
  bybitHandler,
  okxHandler,
  krakenHandler,
  coinbaseHandler,
  htxHandler,
  gateHandler,
];
