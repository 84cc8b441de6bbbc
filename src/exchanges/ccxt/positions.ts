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
 * How to ask ccxt's fetchMyTrades for the trades an exchange made on a position by itself. Bybit's
 * Get Trade History lists each kind under its own execType, and ccxt asks for `Trade` only unless
 * told (https://bybit-exchange.github.io/docs/v5/order/execution, execType: BustTrade = a
 * liquidation, AdlTrade = auto-deleveraging).
 */
export const FORCED_TRADE_QUERIES: Partial<Record<ExchangeId, readonly Record<string, string>[]>> = {
  bybit: [{ execType: 'BustTrade' }, { execType: 'AdlTrade' }],
};
