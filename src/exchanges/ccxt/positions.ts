import { z } from 'zod';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { DECIMAL_PATTERN, Dec, toDecimalString } from '../../domain/money.js';
import type { Fill } from '../../domain/orders.js';
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
export type ForcedTradeSource =
  | { kind: 'trade-types'; queries: readonly Record<string, string>[] }
  /** `clearanceIncome`: the income type of the liquidation clearance fee, charged apart from the fill's commission. */
  | { kind: 'liquidation-orders'; clearanceIncome?: string }
  /** The plain trade list, kept to the trades whose raw `field` is one of `values`. */
  | { kind: 'trade-subtypes'; field: string; values: readonly string[] };

export const FORCED_TRADE_SOURCES: Partial<Record<ExchangeId, ForcedTradeSource>> = {
  bybit: { kind: 'trade-types', queries: [{ execType: 'BustTrade' }, { execType: 'AdlTrade' }] },
  // What is left of a liquidated position's margin is charged as an INSURANCE_CLEAR income, not as the fill's commission
  // (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History).
  binance: { kind: 'liquidation-orders', clearanceIncome: 'INSURANCE_CLEAR' },
  // Gate lists each liquidation with the order that closed the position (`order_id`, GET /futures/usdt/liquidates,
  // https://www.gate.com/docs/developers/apiv4/en/#list-liquidation-history); its trades are in the plain trade list.
  gate: { kind: 'liquidation-orders' },
  // OKX lists the liquidation engine's and ADL's trades among the account's fills, told apart by `subType`
  // (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-months):
  // 100–107 partial and full liquidation (104–107 in net mode's buy/sell and long/short names), 125–128 ADL.
  // HTX lists the liquidation engine's and ADL's trades among the account's trades (GET /v5/trade/order/details),
  // told apart by `order_type` (the contract APIs' 1 quotation, 2 cancelled, 3 forced liquidation, 4 delivery, 22 ADL).
  htx: { kind: 'trade-subtypes', field: 'order_type', values: ['3', '22'] },
  okx: { kind: 'trade-subtypes', field: 'subType', values: ['100', '101', '102', '103', '104', '105', '106', '107', '125', '126', '127', '128'] },
};

/** ccxt's trades (raw list) kept to those whose raw `info[field]` is one of `values`. */
export function tradesOfSubtypes(raw: unknown, field: string, values: readonly string[]): unknown[] {
  const rows = parseOrThrow(z.array(z.object({ info: z.record(z.string(), z.unknown()) }).passthrough()), raw, 'trade list');
  return rows.filter((row) => {
    const value = row.info[field];
    return typeof value === 'string' && values.includes(value);
  });
}

/** The exchange order ids of ccxt's liquidation structures (fetchMyLiquidations), from their raw rows. */
export function liquidationOrderIds(raw: unknown): Set<string> {
  const rows = parseOrThrow(z.array(z.object({ info: z.record(z.string(), z.unknown()) })), raw, 'liquidation list');
  const ids = new Set<string>();
  for (const row of rows) {
    // Binance: orderId; Gate: order_id.
    const id = row.info['orderId'] ?? row.info['order_id'];
    if (typeof id === 'string' || typeof id === 'number') ids.add(String(id));
  }
  return ids;
}

/** Within this of a liquidation fill, a clearance income without a trade id is that fill's. */
const CLEARANCE_MATCH_MS = 5_000;

const incomeSchema = z.object({ timestamp: z.number().int().positive(), info: z.record(z.string(), z.unknown()) });

/**
 * Each liquidation fill with its clearance fee added to its fee (a fee in the settle currency, which
 * the fill's commission is too): the income row naming its trade id, else one within
 * CLEARANCE_MATCH_MS of it. The income is negative when charged.
 */
export function withClearanceFees(fills: readonly Fill[], rawIncomes: unknown): Fill[] {
  const incomes = parseOrThrow(z.array(incomeSchema), rawIncomes, 'clearance fee list');
  const unused = new Set(incomes.keys());
  return fills.map((fill) => {
    let charged = new Dec(0);
    for (const i of [...unused]) {
      const row = incomes[i];
      if (!row) continue;
      const tradeId = row.info['tradeId'];
      const named = typeof tradeId === 'string' && tradeId !== '' ? tradeId === fill.tradeId : Math.abs(row.timestamp - fill.timestamp) <= CLEARANCE_MATCH_MS;
      const income = row.info['income'];
      if (!named || typeof income !== 'string' || !DECIMAL_PATTERN.test(income)) continue;
      charged = charged.add(new Dec(income).neg());
      unused.delete(i);
    }
    return charged.isZero() ? fill : { ...fill, fee: toDecimalString(new Dec(fill.fee).add(charged)) };
  });
}
