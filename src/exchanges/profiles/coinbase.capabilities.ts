import type { ExchangeCapabilities } from './capabilities.js';

export const coinbaseCapabilities: ExchangeCapabilities = {
  stopOrders: {
    source: 'https://docs.cdp.coinbase.com/advanced-trade/reference/retailbrokerageapi_postorder',
    byMarket: {
      spot: {
        support: {
          kinds: ['stop-limit'],
          params: ['stopPrice', 'triggerPrice', 'stopLossPrice'],
          listing: 'normal',
          cancel: 'normal',
          notes: 'Only stop-limit (order_configuration stop_limit_stop_limit_gtc / _gtd, with stop_direction); ccxt needs a limit price, so a stop-market cannot rest: place a stop-limit a little beyond the trigger.',
        },
      },
    },
  },
  orderOptions: {
    // limit_limit_gtc post_only, sor_limit_ioc, limit_limit_fok (same page).
    source: 'https://docs.cdp.coinbase.com/advanced-trade/reference/retailbrokerageapi_postorder',
    byMarket: { spot: { postOnly: true, ioc: true, fok: true, reduceOnly: false } },
  },
  websocket: {
    source: 'https://docs.cdp.coinbase.com/coinbase-business/advanced-trade-apis/websocket/websocket-rate-limits',
    connectionsPerIp: { count: 750, windowMs: 1_000 },
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: 8,
    connectionLifetimeMs: null,
    pingIntervalMs: null,
    notes: 'Unauthenticated messages: 8 per second per IP (counted per IP, not per connection). An older copy of the page gives 8 connections per second. Subscribe to the heartbeats channel to keep a quiet connection open; private channels carry a JWT that expires after 2 minutes.',
    // ccxt 4.5.84 pro coinbase has no watchOHLCV, watchMyTrades or watchBalance.
    ccxtPro: { watchOHLCV: false, watchTicker: true, watchTrades: true, watchOrders: true, watchMyTrades: false, watchBalance: false },
  },
};
