import { z } from 'zod';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { Dec, toDecimalString } from '../../domain/money.js';
import type { ExchangePosition } from '../exchange.port.js';
import { parseOrThrow, toDecimal } from './response-schemas.js';

/**
 * ccxt's unified position (fetchPosition), validated: the signed size in base (contracts ×
 * contractSize; a flat one has no side or zero contracts), the exchange's own entry, mark and
 * liquidation prices and leverage where it reports them.
 */
const finite = z.number().finite();
const positionSchema = z.object({
  symbol: z.string().min(1),
  side: z.enum(['long', 'short']).nullish(),
  contracts: finite.nonnegative().nullish(),
  contractSize: finite.positive().nullish(),
  entryPrice: finite.nullish(),
  markPrice: finite.nullish(),
  liquidationPrice: finite.nullish(),
  leverage: finite.nullish(),
});

export function toPosition(raw: unknown, symbol: string): ExchangePosition {
  const p = parseOrThrow(positionSchema, raw, 'position');
  const size = new Dec(toDecimal(p.contracts ?? 0)).mul(toDecimal(p.contractSize ?? 1));
  const quantity = p.side === 'short' ? size.neg() : p.side === 'long' ? size : new Dec(0);
  const price = (value: number | null | undefined) => (value === null || value === undefined || value <= 0 ? null : toDecimal(value));
  return {
    symbol,
    quantity: toDecimalString(quantity),
    entryPrice: quantity.isZero() ? null : price(p.entryPrice),
    markPrice: price(p.markPrice),
    liquidationPrice: quantity.isZero() ? null : price(p.liquidationPrice),
    leverage: price(p.leverage),
  };
}

/**
 * Where an exchange lists the trades it made on a position by itself (liquidation, ADL):
 * - `trade-types`: ccxt's fetchMyTrades with each of these params. Bybit's Get Trade History lists
 *   each kind under its own execType, and ccxt asks for `Trade` only unless told
 *   (https://bybit-exchange.github.io/docs/v5/order/execution: BustTrade = a liquidation, AdlTrade =
 *   auto-deleveraging).
 * - `liquidation-orders`: the trades of the exchange's own liquidation orders. Binance USDⓈ-M fills
 *   them under an order of its own (`autoclose-…`) in the plain trade list; ccxt's
 *   fetchMyLiquidations (`GET /fapi/v1/forceOrders`,
 *   https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Users-Force-Orders)
 *   names those orders.
 */
export type ForcedTradeSource = { kind: 'trade-types'; queries: readonly Record<string, string>[] } | { kind: 'liquidation-orders' };

export const FORCED_TRADE_SOURCES: Partial<Record<ExchangeId, ForcedTradeSource>> = {
  bybit: { kind: 'trade-types', queries: [{ execType: 'BustTrade' }, { execType: 'AdlTrade' }] },
  binance: { kind: 'liquidation-orders' },
};

/** The exchange order ids of ccxt's liquidation structures (fetchMyLiquidations), from their raw rows. */
export function liquidationOrderIds(raw: unknown): Set<string> {
  const rows = parseOrThrow(z.array(z.object({ info: z.record(z.string(), z.unknown()) })), raw, 'liquidation list');
  const ids = new Set<string>();
  for (const row of rows) {
    const id = row.info['orderId'];
    if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
  }
  return ids;
}
