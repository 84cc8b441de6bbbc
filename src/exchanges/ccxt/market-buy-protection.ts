import { InvalidResponseError, RetryLaterError } from '../../domain/errors.js';
import { Dec } from '../../domain/money.js';
import type { OrderRequest } from '../exchange.port.js';
import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Base-sized market buys on venues that size a spot market buy in QUOTE.
 *
 * Coinbase (`market_market_ioc.quote_size`), HTX (`buy-market`: "for buy market order, it's order
 * value", https://huobiapi.github.io/docs/spot/v1/en/#place-a-new-order) and Gate ("When type is market
 * ... buy refers to quote currency", https://www.gate.com/docs/developers/apiv4/en/#create-an-order)
 * spend a quote amount, and ccxt 4.5.84 either multiplies amount × price or refuses the call. The
 * engine sizes every order in base units, and a quote-sized buy would buy a different base amount (less
 * the fee, at whatever the fill price is). So the buy is sent as a marketable IOC limit of exactly the
 * base amount asked, capped at the fresh best ask plus MARKET_BUY_PROTECTION (rounded up to the tick):
 * it never buys more base than asked, never pays above the cap, and what the book cannot fill at once
 * is canceled by the venue with its filled part kept — as a market order's remainder would be. On the
 * venue the order then reads as a LIMIT/IOC order.
 */

/** How far above the best ask a protected market buy may fill: one band for every quote-sized venue. */
export const MARKET_BUY_PROTECTION = '0.01';

export interface ShapedOrder {
  type: 'limit' | 'market';
  price: number | undefined;
  params: Record<string, unknown>;
}

/** The order as sent: a spot market buy becomes the protected IOC limit above; anything else is unchanged. */
export async function protectMarketBuy(ex: CcxtInstance, order: OrderRequest, params: Record<string, unknown>, tickerParams: Record<string, unknown>): Promise<ShapedOrder> {
  const price = order.price === undefined ? undefined : Number(order.price);
  const market = ex.market(order.symbol);
  if (order.type !== 'market' || order.side !== 'buy' || !market.spot) return { type: order.type, price, params };
  const ticker = await ex.fetchTicker(order.symbol, tickerParams);
  const ask = ticker.ask ?? ticker.last;
  // An empty or one-sided book is a passing state of the market, not a broken exchange: try again later.
  if (ask === undefined || !Number.isFinite(ask) || !(ask > 0)) throw new RetryLaterError(`${ex.name ?? ex.id}: no usable best ask for ${order.symbol}; the market buy was not sent`);
  const tickSize = market.precision.price;
  if (tickSize === undefined || !Number.isFinite(tickSize) || !(tickSize > 0)) throw new InvalidResponseError(`${ex.name ?? ex.id}: no price increment for ${order.symbol}`);
  const tick = new Dec(String(tickSize));
  const cap = new Dec(String(ask)).mul(new Dec(1).add(MARKET_BUY_PROTECTION)).div(tick).ceil().mul(tick);
  return { type: 'limit', price: Number(cap.toFixed()), params: { ...params, timeInForce: 'IOC' } };
}
