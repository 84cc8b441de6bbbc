import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { OrderRequest } from '../exchange.port.js';
import { fetchBinancePosition, fetchHtxPosition, fetchOkxPosition } from './binance-positions.js';
import { fetchBybitOrderByLinkId } from './bybit-order-lookup.js';
import type { CcxtInstance } from './ccxt-classes.js';
import { fetchCoinbaseOrderByClientId } from './coinbase-order-lookup.js';
import { cancelCoinbaseOrder, isCoinbaseOrderNotFound } from './coinbase-orders.js';
import { fetchGateOrderByText } from './gate-orders.js';
import { fetchHtxOrderByClientId, installHtxOrders, shapeHtxOrder } from './htx-orders.js';
import { installIncreasingNonce } from './kraken-nonce.js';
import { fetchKrakenOrderByClOrdId } from './kraken-order-lookup.js';
import { protectMarketBuy, type ShapedOrder } from './market-buy-protection.js';
import type { RawCall } from './permissions.js';

/**
 * What one exchange needs beyond ccxt's generic calls, in one place per exchange. Every exchange is
 * listed (an empty record means "ccxt as it is"), so a new exchange is a decision, not a silent default.
 */
export interface VenueQuirks {
  /** ccxt parameters needed on every fetchOrder (documented in the profile's quirks). */
  readonly fetchOrderParams?: Record<string, unknown>;
  /** Where ccxt's own fetch-by-client-id cannot tell "no such order" apart (see bybit-order-lookup.ts). */
  readonly clientIdLookup?: (ex: CcxtInstance, call: RawCall, symbol: string, clientOrderId: string, failureBody: (error: unknown) => unknown) => Promise<unknown>;
  /** Where an order must be sent in another form than the engine's (market-buy-protection.ts). */
  readonly shapeOrder?: (ex: CcxtInstance, order: OrderRequest, params: Record<string, unknown>, tickerParams: Record<string, unknown>) => Promise<ShapedOrder>;
  /** A cancel by exchange id whose refusals ccxt cannot tell apart; answers the id to read back. */
  readonly cancelById?: (call: RawCall, id: string) => Promise<string>;
  /** A failed fetch by exchange id that means "no such order" where ccxt does not raise OrderNotFound. */
  readonly isOrderNotFound?: (status: number, json: unknown) => boolean;
  /** Whether the all-tickers call is sent the wanted pairs (Kraken's Ticker answers every pair only when asked). */
  readonly tickersByPair?: boolean;
  /**
   * The param carrying our client id on a stop order where ccxt sends it under the plain name only
   * (OKX algo orders take `algoClOrdId`: https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order).
   */
  readonly stopClientIdField?: string;
  /**
   * Reads of a derivatives order and of funding name the pair's margin mode too, where ccxt otherwise
   * asks for another one (HTX v5: ccxt's fetchOrder and fetchFundingHistory send `margin_mode: cross`
   * unless told, and the bills are kept per margin mode).
   */
  readonly marginModeOnReads?: boolean;
  /** Wrappers installed on the ccxt instance once, at construction. */
  readonly setupInstance?: (ex: CcxtInstance) => void;
  /** A derivatives position where ccxt's own `fetchPosition` does not read it (Binance: options only; OKX: NullResponse when flat); answers ccxt's unified position. */
  readonly fetchPosition?: (ex: CcxtInstance, symbol: string, params: Record<string, unknown>) => Promise<unknown>;
}

export const VENUE_QUIRKS: Readonly<Record<ExchangeId, VenueQuirks>> = {
  binance: { fetchPosition: fetchBinancePosition },
  bybit: { fetchOrderParams: { acknowledged: true }, clientIdLookup: fetchBybitOrderByLinkId },
  okx: { stopClientIdField: 'algoClOrdId', fetchPosition: fetchOkxPosition },
  kraken: { clientIdLookup: fetchKrakenOrderByClOrdId, tickersByPair: true, setupInstance: installIncreasingNonce },
  coinbase: { clientIdLookup: fetchCoinbaseOrderByClientId, shapeOrder: protectMarketBuy, cancelById: cancelCoinbaseOrder, isOrderNotFound: isCoinbaseOrderNotFound },
  htx: { clientIdLookup: fetchHtxOrderByClientId, shapeOrder: shapeHtxOrder, setupInstance: installHtxOrders, marginModeOnReads: true, fetchPosition: fetchHtxPosition },
  gate: { clientIdLookup: fetchGateOrderByText, shapeOrder: protectMarketBuy },
};
