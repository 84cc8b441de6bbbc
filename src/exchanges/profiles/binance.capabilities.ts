import { ALL_STREAMS, DERIVATIVE_OPTIONS, SPOT_OPTIONS, type ExchangeCapabilities } from './capabilities.js';

const SPOT_NEW_ORDER = 'https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#new-order-trade';

export const binanceCapabilities: ExchangeCapabilities = {
  stopOrders: {
    source: SPOT_NEW_ORDER,
    byMarket: {
      spot: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['stopLossPrice', 'stopPrice', 'triggerPrice'],
          listing: 'normal',
          cancel: 'normal',
          notes: 'ccxt sends type STOP_LOSS (market, no price) or STOP_LOSS_LIMIT (price + timeInForce) with stopPrice; a sell stop locks the base. A trigger already crossed is refused: -2010 "Stop price would trigger immediately."',
        },
      },
      margin: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['stopLossPrice', 'stopPrice', 'triggerPrice'],
          listing: 'normal',
          cancel: 'normal',
          notes: 'The spot types on POST /sapi/v1/margin/order (https://developers.binance.com/docs/margin_trading/trade/Margin-Account-New-Order).',
        },
      },
      futures: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['stopLossPrice', 'triggerPrice'],
          listing: { params: { trigger: true } },
          cancel: { params: { trigger: true } },
          fetch: { params: { trigger: true } },
          notes: 'USDⓈ-M conditional orders (STOP_MARKET / STOP) go to the algo service (POST /fapi/v1/algoOrder, algoType CONDITIONAL) in ccxt 4.5.84; they are listed, read and cancelled there only with { trigger: true } (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order). A fired one places a plain order, its actualOrderId (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order), which holds the trades.',
        },
      },
    },
  },
  orderOptions: {
    source: SPOT_NEW_ORDER,
    // Spot post-only is type LIMIT_MAKER (ccxt maps postOnly / timeInForce PO to it); futures use timeInForce GTX.
    byMarket: { spot: SPOT_OPTIONS, margin: SPOT_OPTIONS, futures: DERIVATIVE_OPTIONS },
  },
  websocket: {
    source: 'https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams',
    connectionsPerIp: { count: 300, windowMs: 300_000 },
    subscriptionsPerConnection: 1024,
    inboundMessagesPerSecond: 5,
    connectionLifetimeMs: 86_400_000,
    pingIntervalMs: 20_000,
    notes: 'Spot: the server pings every 20 s and drops a connection without a pong within a minute; more than 5 messages a second (pings and pongs counted) closes it, and repeated closes ban the IP. USDⓈ-M futures streams allow 10 messages a second and ping every 3 minutes.',
    ccxtPro: ALL_STREAMS,
  },
};
