import { ALL_STREAMS, DERIVATIVE_OPTIONS, SPOT_OPTIONS, type ExchangeCapabilities } from './capabilities.js';

const SPOT_ORDER = 'https://huobiapi.github.io/docs/spot/v1/en/#place-a-new-order';

export const htxCapabilities: ExchangeCapabilities = {
  stopOrders: {
    source: SPOT_ORDER,
    byMarket: {
      spot: {
        support: {
          kinds: ['stop-limit'],
          params: ['triggerPrice', 'stopPrice'],
          listing: 'normal',
          cancel: 'normal',
          notes: 'Spot stop orders are stop-limit only (type buy-stop-limit / sell-stop-limit with stop-price and operator lte / gte, which ccxt sets from the side); ccxt refuses a market type with a trigger (NotSupported) and does not map stopLossPrice on spot.',
        },
      },
      futures: {
        support: {
          kinds: ['stop-market', 'stop-limit'],
          params: ['stopLossPrice', 'triggerPrice'],
          listing: { params: { trigger: true } },
          cancel: { params: { trigger: true } },
          notes: 'Linear swaps: triggerPrice places a trigger order, stopLossPrice a TP/SL order (listed and cancelled with { stopLossTakeProfit: true } instead) (https://huobiapi.github.io/docs/usdt_swap/v1/en/#cross-place-trigger-order).',
        },
      },
    },
  },
  orderOptions: {
    // Spot types buy-limit-maker, buy-ioc, buy-limit-fok; swaps order_price_type post_only / ioc / fok.
    source: SPOT_ORDER,
    byMarket: { spot: SPOT_OPTIONS, futures: DERIVATIVE_OPTIONS },
  },
  websocket: {
    source: 'https://huobiapi.github.io/docs/spot/v1/en/#websocket-market-data',
    connectionsPerIp: null,
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: null,
    connectionLifetimeMs: null,
    pingIntervalMs: 5_000,
    notes: 'The server pings every 5 s and closes the connection after two unanswered pings (market data is gzip-compressed). No connection or subscription limits were confirmed from the docs.',
    ccxtPro: ALL_STREAMS,
  },
};
