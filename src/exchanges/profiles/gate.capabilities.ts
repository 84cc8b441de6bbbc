import { ALL_STREAMS, DERIVATIVE_OPTIONS, SPOT_OPTIONS, type ExchangeCapabilities } from './capabilities.js';

const PRICE_ORDERS = 'https://www.gate.io/docs/developers/apiv4/en/#create-a-price-triggered-order';

export const gateCapabilities: ExchangeCapabilities = {
  stopOrders: {
    source: PRICE_ORDERS,
    byMarket: {
      spot: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['triggerPrice', 'stopLossPrice'],
          listing: { params: { trigger: true } },
          cancel: { params: { trigger: true } },
          fetch: { params: { trigger: true } },
          notes: 'Price-triggered orders (POST /spot/price_orders) are a separate list: fetchOpenOrders, fetchOrder and cancelOrder need { trigger: true }.',
        },
      },
      futures: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['triggerPrice', 'stopLossPrice'],
          listing: { params: { trigger: true } },
          cancel: { params: { trigger: true } },
          fetch: { params: { trigger: true } },
          notes: 'Futures price-triggered orders (POST /futures/{settle}/price_orders); a market one is price 0 with tif ioc.',
        },
      },
    },
  },
  orderOptions: {
    // time_in_force gtc / ioc / poc (post-only) / fok.
    source: 'https://www.gate.io/docs/developers/apiv4/en/#create-an-order',
    byMarket: { spot: SPOT_OPTIONS, futures: DERIVATIVE_OPTIONS },
  },
  websocket: {
    source: 'https://www.gate.io/docs/developers/apiv4/ws/en/',
    connectionsPerIp: null,
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: null,
    connectionLifetimeMs: null,
    pingIntervalMs: null,
    notes: 'The docs give no connection, subscription or message limits; the maintainers say there are none but recommend at most 100 connections per host, and a connection that cannot keep up with its updates is closed (https://github.com/gateio/gatews/issues/25). Clients may send spot.ping.',
    ccxtPro: ALL_STREAMS,
  },
};
