import { ALL_STREAMS, DERIVATIVE_OPTIONS, SPOT_OPTIONS, type ExchangeCapabilities } from './capabilities.js';

const CREATE_ORDER = 'https://bybit-exchange.github.io/docs/v5/order/create-order';

export const bybitCapabilities: ExchangeCapabilities = {
  stopOrders: {
    source: CREATE_ORDER,
    byMarket: {
      spot: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['triggerPrice', 'stopLossPrice'],
          listing: 'normal',
          cancel: { params: { trigger: true } },
          notes: 'ccxt sends triggerPrice with orderFilter StopOrder (tpslOrder for stopLossPrice). A unified account lists every kind by default; { trigger: true } lists only conditional ones. Cancelling one needs { trigger: true } (orderFilter StopOrder). Untriggered orders show orderStatus Untriggered, cancelled ones Deactivated.',
        },
      },
      futures: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['stopLossPrice', 'triggerPrice'],
          listing: 'normal',
          cancel: 'normal',
          notes: 'Linear conditional orders: stopLossPrice sets triggerDirection and reduceOnly itself; a bare triggerPrice needs params.triggerDirection (ascending / descending). { trigger: true } lists only conditional orders.',
        },
      },
    },
  },
  orderOptions: { source: CREATE_ORDER, byMarket: { spot: SPOT_OPTIONS, futures: DERIVATIVE_OPTIONS } },
  websocket: {
    source: 'https://bybit-exchange.github.io/docs/v5/ws/connect',
    connectionsPerIp: { count: 500, windowMs: 300_000 },
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: null,
    connectionLifetimeMs: null,
    pingIntervalMs: 20_000,
    notes: 'The client sends {"op":"ping"} every 20 s. Spot takes at most 10 args per subscribe request. Private streams may set their own alive duration (max_active_time, 30 s to 600 s).',
    ccxtPro: ALL_STREAMS,
  },
};
