import type { Exchange } from '../../exchanges/exchange.port.js';
import type { EngineLease } from '../ownership.js';
import type { EngineStore, OrderStore } from './ports.js';

/**
 * Fencing: an engine whose process lost its lease (paused past the lease, cut off from the database)
 * must not write or trade any more, because another process now owns the engine. Every write and
 * every order-changing exchange call checks the lease first; reads stay free. A lost lease throws
 * LeaseLostError, whose listeners abandon the engine before the error even reaches the runner.
 */

export function fenceExchange(exchange: Exchange, lease: EngineLease): Exchange {
  const fenced: Exchange = {
    id: exchange.id,
    fetchServerTime: () => exchange.fetchServerTime(),
    loadMarkets: () => exchange.loadMarkets(),
    fetchBalances: () => exchange.fetchBalances(),
    fetchTicker: (symbol) => exchange.fetchTicker(symbol),
    fetchCandles: (params) => exchange.fetchCandles(params),
    createOrder: async (order) => {
      lease.assertValid();
      return exchange.createOrder(order);
    },
    cancelOrder: async (params) => {
      lease.assertValid();
      return exchange.cancelOrder(params);
    },
    fetchOrder: (params) => exchange.fetchOrder(params),
    fetchOpenOrders: (symbol) => exchange.fetchOpenOrders(symbol),
    fetchMyTrades: (params) => exchange.fetchMyTrades(params),
    close: () => exchange.close(),
  };
  const permissions = exchange.fetchPermissions?.bind(exchange);
  if (permissions) fenced.fetchPermissions = permissions;
  // Reads stay free: a pair list's batched tickers pass through as they are.
  const tickers = exchange.fetchTickers?.bind(exchange);
  if (tickers) fenced.fetchTickers = tickers;
  const stops = exchange.triggerOrderKinds?.bind(exchange);
  if (stops) fenced.triggerOrderKinds = stops;
  // A derivatives position is a read: the reconcile compares it with the ledger, stopping or not.
  const position = exchange.fetchPosition?.bind(exchange);
  if (position) fenced.fetchPosition = position;
  const funding = exchange.fetchFundingPayments?.bind(exchange);
  if (funding) fenced.fetchFundingPayments = funding;
  const forced = exchange.fetchForcedFills?.bind(exchange);
  if (forced) fenced.fetchForcedFills = forced;
  return fenced;
}

export function fenceOrderStore(store: OrderStore, lease: EngineLease): OrderStore {
  return {
    insertOrder: async (order) => {
      lease.assertValid();
      return store.insertOrder(order);
    },
    updateOrder: async (order) => {
      lease.assertValid();
      return store.updateOrder(order);
    },
    insertFill: async (fill) => {
      lease.assertValid();
      return store.insertFill(fill);
    },
    findOrder: (id) => store.findOrder(id),
    findByExchangeId: (connectionId, exchangeOrderId) => store.findByExchangeId(connectionId, exchangeOrderId),
    listOrders: (engineId, options) => store.listOrders(engineId, options),
    listFills: (engineId, options) => store.listFills(engineId, options),
    insertFunding: async (payment) => {
      lease.assertValid();
      return store.insertFunding(payment);
    },
    listFunding: (engineId) => store.listFunding(engineId),
  };
}

export function fenceEngineStore(store: EngineStore, lease: EngineLease): EngineStore {
  return {
    save: async (record) => {
      lease.assertValid();
      return store.save(record);
    },
    find: (engineId) => store.find(engineId),
    all: () => store.all(),
    byConnection: (connectionId) => store.byConnection(connectionId),
  };
}
