import { ALL_STREAMS, SPOT_OPTIONS, type ExchangeCapabilities, type StopOrderEntry } from './capabilities.js';

const ADD_ORDER = 'https://docs.kraken.com/api/docs/rest-api/add-order';

const STOPS: StopOrderEntry = {
  support: {
    kinds: ['stop-market', 'stop-limit'],
    params: ['stopLossPrice'],
    listing: 'normal',
    cancel: 'normal',
    notes: 'ccxt sends ordertype stop-loss (market) or stop-loss-limit with the trigger as price (the limit as price2); it reads only stopLossPrice for these (ccxt features: triggerPrice false). They are listed in OpenOrders.',
  },
};

export const krakenCapabilities: ExchangeCapabilities = {
  stopOrders: { source: ADD_ORDER, byMarket: { spot: STOPS, margin: STOPS } },
  orderOptions: {
    // oflags=post, timeinforce IOC / FOK (FOK is not documented for every pair); reduce_only applies to margin positions.
    source: ADD_ORDER,
    byMarket: { spot: SPOT_OPTIONS, margin: { ...SPOT_OPTIONS, reduceOnly: true } },
  },
  websocket: {
    source: 'https://docs.kraken.com/api/docs/guides/spot-ratelimits',
    connectionsPerIp: null,
    subscriptionsPerConnection: null,
    inboundMessagesPerSecond: null,
    connectionLifetimeMs: null,
    pingIntervalMs: null,
    notes: 'The message rate limit is dynamic (the server answers "Exceeded msg rate"); no fixed connection or subscription limits are documented. The server sends a heartbeat every second while subscribed; the client may send an application ping. Private channels need a token from GetWebSocketsToken.',
    ccxtPro: ALL_STREAMS,
  },
};
