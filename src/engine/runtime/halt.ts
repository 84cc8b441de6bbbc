import { OrderRejectedError } from '../../domain/errors.js';
import type { Exchange } from '../../exchanges/exchange.port.js';

/**
 * Once a stop is requested (a user's, or the process shutting down on SIGTERM) the tick that is
 * still running must not send another order: the stop may be the last thing the process does, and
 * an order sent then is one nobody manages. New creates are refused locally — the order manager
 * stores them `rejected`, never sent — while reads and cancels go on, and the wind-down (flatten)
 * lifts the halt for its own order.
 */
export function haltableExchange(exchange: Exchange, halted: () => boolean): Exchange {
  const wrapped: Exchange = {
    id: exchange.id,
    fetchServerTime: () => exchange.fetchServerTime(),
    loadMarkets: () => exchange.loadMarkets(),
    fetchBalances: () => exchange.fetchBalances(),
    fetchTicker: (symbol) => exchange.fetchTicker(symbol),
    fetchCandles: (params) => exchange.fetchCandles(params),
    createOrder: async (order) => {
      if (halted()) throw new OrderRejectedError('Not sent: the engine is stopping');
      return exchange.createOrder(order);
    },
    cancelOrder: (params) => exchange.cancelOrder(params),
    fetchOrder: (params) => exchange.fetchOrder(params),
    fetchOpenOrders: (symbol) => exchange.fetchOpenOrders(symbol),
    fetchMyTrades: (params) => exchange.fetchMyTrades(params),
    close: () => exchange.close(),
  };
  const permissions = exchange.fetchPermissions?.bind(exchange);
  if (permissions) wrapped.fetchPermissions = permissions;
  // Reads stay free: a pair list's batched tickers pass through as they are.
  const tickers = exchange.fetchTickers?.bind(exchange);
  if (tickers) wrapped.fetchTickers = tickers;
  const stops = exchange.triggerOrderKinds?.bind(exchange);
  if (stops) wrapped.triggerOrderKinds = stops;
  // A derivatives position is a read: the reconcile compares it with the ledger, stopping or not.
  const position = exchange.fetchPosition?.bind(exchange);
  if (position) wrapped.fetchPosition = position;
  const funding = exchange.fetchFundingPayments?.bind(exchange);
  if (funding) wrapped.fetchFundingPayments = funding;
  const forced = exchange.fetchForcedFills?.bind(exchange);
  if (forced) wrapped.fetchForcedFills = forced;
  const timeframes = exchange.timeframes?.bind(exchange);
  if (timeframes) wrapped.timeframes = timeframes;
  return wrapped;
}
