import { ALL_STREAMS, DERIVATIVE_OPTIONS, SPOT_OPTIONS, type ExchangeCapabilities, type StopOrderEntry } from './capabilities.js';

const ALGO_ORDER = 'https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order';

const ALGO: StopOrderEntry = {
  support: {
    kinds: ['stop-market', 'stop-limit'],
    params: ['stopLossPrice', 'triggerPrice'],
    listing: { params: { trigger: true, ordType: 'conditional' } },
    cancel: { params: { trigger: true } },
    fetch: { params: { trigger: true } },
    notes: 'Algo orders: stopLossPrice → ordType conditional (slTriggerPx, slOrdPx -1 = market); triggerPrice → ordType trigger (triggerPx, orderPx -1 = market). ccxt lists them from orders-algo-pending with { trigger: true } (ordType trigger by default, so pass ordType conditional for stop-losses) and cancels them through cancel-algos. A sell stop-loss above the last price is refused: 51280. fetchOrder reads one with { trigger: true } (order-algo details); once it fired (state effective) the order it placed has its own ordId (ordIdList), and ccxt reports that order with the algoId as its id, while its trades carry the ordId.',
  },
};

export const okxCapabilities: ExchangeCapabilities = {
  stopOrders: { source: ALGO_ORDER, byMarket: { spot: ALGO, futures: ALGO, swap: ALGO } },
  orderOptions: {
    // ordType post_only / ioc / fok (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order).
    source: 'https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order',
    byMarket: { spot: SPOT_OPTIONS, futures: DERIVATIVE_OPTIONS, swap: DERIVATIVE_OPTIONS },
  },
  websocket: {
    source: 'https://www.okx.com/docs-v5/en/#overview-websocket',
    connectionsPerIp: { count: 3, windowMs: 1_000 },
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: null,
    connectionLifetimeMs: null,
    pingIntervalMs: 25_000,
    notes: 'A connection with no data for 30 s is closed, so send "ping" sooner. 480 subscribe / unsubscribe / login requests per hour and connection; at most 30 connections per private channel and sub-account; a subscribe request is at most 64 KB.',
    ccxtPro: ALL_STREAMS,
  },
};
