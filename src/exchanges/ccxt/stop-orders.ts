import type { ExchangeId, MarketType } from '../../domain/exchange-ids.js';
import { RESTING_STOPS_VERIFIED } from '../../domain/resting-stops.js';
import type { ExchangeProfile } from '../profiles/index.js';

/**
 * How ccxt reaches a resting stop-loss on one market type, from the exchange profile's `stopOrders`:
 * the extra params each call needs where the exchange keeps stops apart from plain orders (OKX algo
 * orders: listed with `{ trigger: true, ordType: 'conditional' }`, read and cancelled with
 * `{ trigger: true }`, https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-list;
 * Bybit spot: listed with the plain ones on a unified account, cancelled with `{ trigger: true }`,
 * https://bybit-exchange.github.io/docs/v5/order/cancel-order; Bybit linear: plain calls throughout;
 * Binance USDⓈ-M: the algo service, listed, read and cancelled with `{ trigger: true }`). null where a
 * stop-loss does not rest.
 */
export interface StopCalls {
  /** Params of a second open-orders call listing the stops, or null: the plain listing has them. */
  readonly listing: Readonly<Record<string, unknown>> | null;
  readonly cancel: Readonly<Record<string, unknown>> | null;
  readonly fetch: Readonly<Record<string, unknown>> | null;
}

export function stopCalls(profile: ExchangeProfile, exchange: ExchangeId, marketType: MarketType): StopCalls | null {
  if (!RESTING_STOPS_VERIFIED[exchange]?.includes(marketType)) return null;
  const support = profile.stopOrders.byMarket[marketType]?.support;
  if (!support || !support.kinds.includes('stop-market') || !support.params.includes('stopLossPrice')) return null;
  const params = (entry: StopOrderCall | undefined) => (entry === undefined || entry === 'normal' ? null : entry.params);
  return { listing: params(support.listing), cancel: params(support.cancel), fetch: params(support.fetch) };
}

type StopOrderCall = 'normal' | { readonly params: Readonly<Record<string, string | boolean>> };

/**
 * An OKX algo order that fired (`effective`) placed a plain order of its own `ordId` (`ordIdList`
 * when TP/SL split it; https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-details);
 * a Binance USDⓈ-M algo order that fired (TRIGGERED, FINISHED) names its `actualOrderId`
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order):
 * that order holds the fill. undefined for any other answer.
 */
export function firedAlgoOrderId(raw: unknown): string | undefined {
  const info = infoOf(raw);
  if (info === undefined) return undefined;
  if (typeof info['algoStatus'] === 'string') {
    if (info['algoStatus'] !== 'TRIGGERED' && info['algoStatus'] !== 'FINISHED') return undefined;
    const actual = info['actualOrderId'];
    return (typeof actual === 'string' && /^\d+$/.test(actual)) || typeof actual === 'number' ? String(actual) : undefined;
  }
  if (typeof info['algoId'] !== 'string' || info['algoId'] === '') return undefined;
  if (info['state'] !== 'effective' && info['state'] !== 'partially_effective') return undefined;
  const list = Array.isArray(info['ordIdList']) ? info['ordIdList'].filter((id): id is string => typeof id === 'string' && id !== '') : [];
  const ordId = typeof info['ordId'] === 'string' && info['ordId'] !== '' ? info['ordId'] : undefined;
  return list[0] ?? ordId;
}

/**
 * OKX: the plain order an algo order placed names it (`algoId`, `algoClOrdId`;
 * https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details). ccxt 4.5.84 reports
 * such an order with the algoId as its id, so it reads as the stop itself; its trades carry the
 * plain `ordId` (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days).
 */
export function algoParentOf(raw: unknown): { ordId: string; algoId: string; algoClOrdId: string | null } | undefined {
  const info = infoOf(raw);
  if (info === undefined) return undefined;
  const { ordId, algoId, algoClOrdId } = info;
  if (typeof ordId !== 'string' || ordId === '' || typeof algoId !== 'string' || algoId === '' || ordId === algoId) return undefined;
  return { ordId, algoId, algoClOrdId: typeof algoClOrdId === 'string' && algoClOrdId !== '' ? algoClOrdId : null };
}

function infoOf(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw !== 'object' || raw === null || !('info' in raw)) return undefined;
  const info = raw.info;
  return typeof info === 'object' && info !== null && !Array.isArray(info) ? (info as Record<string, unknown>) : undefined;
}
