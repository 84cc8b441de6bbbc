import type { Market } from '../../../src/exchanges/exchange.port.js';
import type { Candle } from '../../../src/domain/candles.js';

export const BTC_USDT: Market = {
  symbol: 'BTC/USDT',
  id: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  type: 'spot',
  active: true,
  amountStep: '0.0001',
  priceStep: '0.01',
  minAmount: '0.0001',
  maxAmount: null,
  minCost: null,
};

const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/** A candle from "open high low close" text, at hour `i`. */
export function bar(i: number, ohlc: string): Candle {
  const [open = '', high = '', low = '', close = ''] = ohlc.split(' ');
  return { time: T0 + i * HOUR, open, high, low, close, volume: '1' };
}
