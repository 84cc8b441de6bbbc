import { z } from 'zod';
import { InvalidResponseError } from '../../domain/errors.js';
import type { MarketType } from '../../domain/exchange-ids.js';
import { Dec, type DecimalString } from '../../domain/money.js';
import type { ExchangeOrder, Market, MarketTicker, OrderStatus, Ticker } from '../exchange.port.js';
import type { Candle } from '../../domain/candles.js';
import type { Fill, OrderTrigger } from '../../domain/orders.js';
import { marketAmountsInBase } from './contracts.js';

/**
 * ccxt does not validate what exchanges send: a 200 with garbage becomes an empty balance or an order
 * without an id. Everything ccxt returns passes one of these schemas before the core sees it, and a
 * failure is an InvalidResponseError (retry later / treat as a fault), never data.
 */

const finite = z.number().finite();
const optNum = finite.nullish();
const nonEmpty = z.string().min(1);

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new InvalidResponseError(`Invalid ${what} from the exchange (${where})`);
  }
  return result.data;
}

export function toDecimal(value: number): DecimalString {
  return new Dec(value).toFixed();
}

function toDecimalOrNull(value: number | null | undefined): DecimalString | null {
  return value === null || value === undefined ? null : toDecimal(value);
}

export const serverTimeSchema = z.number().int().positive();

const marketSchema = z.object({
  id: nonEmpty,
  symbol: nonEmpty,
  base: nonEmpty,
  quote: nonEmpty,
  type: z.enum(['spot', 'margin', 'swap', 'future', 'option']),
  margin: z.boolean().nullish(),
  active: z.boolean().nullish(),
  contract: z.boolean().nullish(),
  linear: z.boolean().nullish(),
  contractSize: optNum,
  precision: z.object({ amount: optNum, price: optNum }),
  limits: z
    .object({
      amount: z.object({ min: optNum, max: optNum }).partial().nullish(),
      cost: z.object({ min: optNum }).partial().nullish(),
    })
    .partial(),
});
export const marketsSchema = z.record(z.string(), marketSchema);

/**
 * ccxt market type → ours: `future` is futures; `swap` is a separate type only where the exchange
 * lists swaps separately (OKX), otherwise perpetuals count as futures.
 */
export function toMarkets(raw: unknown, traded: readonly MarketType[], exchangeTypes: readonly MarketType[]): Market[] {
  const markets = parseOrThrow(marketsSchema, raw, 'market list');
  const out: Market[] = [];
  for (const m of Object.values(markets)) {
    const type = ourMarketType(m.type, m.margin ?? false, traded, exchangeTypes);
    if (!type) continue;
    // Amounts in base: a contract market's lot and limits are in contracts in ccxt (contracts.ts).
    out.push(
      marketAmountsInBase(
        {
          symbol: m.symbol,
          id: m.id,
          base: m.base,
          quote: m.quote,
          type,
          active: m.active ?? true,
          amountStep: toDecimalOrNull(m.precision.amount),
          priceStep: toDecimalOrNull(m.precision.price),
          minAmount: toDecimalOrNull(m.limits.amount?.min),
          maxAmount: toDecimalOrNull(m.limits.amount?.max),
          minCost: toDecimalOrNull(m.limits.cost?.min),
        },
        m,
      ),
    );
  }
  if (Object.keys(markets).length > 0 && out.length === 0 && traded.length > 0) {
    throw new InvalidResponseError('The exchange listed no market of the connection\'s market types');
  }
  return out;
}

/** ccxt's market type → ours, or undefined when the connection does not trade it (also used to route calls). */
export function ourMarketType(ccxtType: string, margin: boolean, traded: readonly MarketType[], exchangeTypes: readonly MarketType[]): MarketType | undefined {
  let type: MarketType | undefined;
  if (ccxtType === 'spot') type = traded.includes('spot') || !margin ? 'spot' : 'margin';
  else if (ccxtType === 'margin') type = 'margin';
  else if (ccxtType === 'future') type = 'futures';
  else if (ccxtType === 'swap') type = exchangeTypes.includes('swap') ? 'swap' : 'futures';
  if (type === 'spot' && !traded.includes('spot') && traded.includes('margin') && margin) type = 'margin';
  return type && traded.includes(type) ? type : undefined;
}

const tickerSchema = z.object({
  symbol: nonEmpty,
  timestamp: z.number().int().positive().nullish(),
  bid: optNum,
  ask: optNum,
  last: finite.positive(),
});

export function toTicker(raw: unknown, now: number): Ticker {
  const t = parseOrThrow(tickerSchema, raw, 'ticker');
  return { symbol: t.symbol, timestamp: t.timestamp ?? now, bid: toDecimalOrNull(t.bid), ask: toDecimalOrNull(t.ask), last: toDecimal(t.last) };
}

const marketTickerSchema = tickerSchema.extend({
  high: finite.nonnegative().nullish(),
  low: finite.nonnegative().nullish(),
  baseVolume: finite.nonnegative().nullish(),
  quoteVolume: finite.nonnegative().nullish(),
  percentage: optNum,
});

/**
 * ccxt's `fetchTickers` answer: tickers keyed by unified symbol. A ticker without a last price (a
 * market that has not traded) is left out rather than failing the whole batch; any other malformed
 * entry fails it, since a pair list ranked on garbage would open trades on it.
 */
export function toMarketTickers(raw: unknown, now: number): MarketTicker[] {
  const entries = parseOrThrow(z.record(z.string(), z.unknown()), raw, 'ticker list');
  const out: MarketTicker[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value === 'object' && value !== null && 'last' in value && (value.last === undefined || value.last === null)) continue;
    const t = parseOrThrow(marketTickerSchema, value, `ticker ${key}`);
    out.push({
      symbol: t.symbol,
      timestamp: t.timestamp ?? now,
      bid: toDecimalOrNull(t.bid),
      ask: toDecimalOrNull(t.ask),
      last: toDecimal(t.last),
      high: toDecimalOrNull(t.high),
      low: toDecimalOrNull(t.low),
      baseVolume: toDecimalOrNull(t.baseVolume),
      quoteVolume: toDecimalOrNull(t.quoteVolume),
      changePercent: toDecimalOrNull(t.percentage),
    });
  }
  return out;
}

const candleSchema = z.tuple([z.number().int().nonnegative(), finite, finite, finite, finite, finite.nonnegative()]);

export function toCandles(raw: unknown): Candle[] {
  return parseOrThrow(z.array(candleSchema), raw, 'candles').map(([time, open, high, low, close, volume]) => ({
    time,
    open: toDecimal(open),
    high: toDecimal(high),
    low: toDecimal(low),
    close: toDecimal(close),
    volume: toDecimal(volume),
  }));
}

const STATUS: Readonly<Record<string, OrderStatus>> = {
  open: 'open',
  closed: 'closed',
  canceled: 'canceled',
  cancelled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
};

const orderSchema = z.object({
  id: z.union([nonEmpty, z.number().int().transform(String)]),
  clientOrderId: z.string().nullish(),
  symbol: nonEmpty.nullish(),
  side: z.enum(['buy', 'sell']).nullish(),
  type: z.string().nullish(),
  status: z.string().nullish(),
  price: optNum,
  amount: finite.nonnegative().nullish(),
  filled: finite.nonnegative().nullish(),
  average: optNum,
  timestamp: z.number().int().nullish(),
  triggerPrice: optNum,
  stopLossPrice: optNum,
  takeProfitPrice: optNum,
  info: z.unknown().optional(),
});

/**
 * ccxt names stop orders by the exchange's own type (Binance spot `stop_loss`, `take_profit_limit`,
 * futures `stop_market`, …): each is a market or limit order with a trigger. Unknown names stay
 * unknown (then the fallback, or an invalid order).
 */
const STOP_TYPES: Readonly<Record<string, { type: ExchangeOrder['type']; kind: OrderTrigger['kind'] }>> = {
  stop: { type: 'limit', kind: 'stop-loss' },
  stop_loss: { type: 'market', kind: 'stop-loss' },
  stop_market: { type: 'market', kind: 'stop-loss' },
  stop_loss_limit: { type: 'limit', kind: 'stop-loss' },
  stop_limit: { type: 'limit', kind: 'stop-loss' },
  take_profit: { type: 'market', kind: 'take-profit' },
  take_profit_market: { type: 'market', kind: 'take-profit' },
  take_profit_limit: { type: 'limit', kind: 'take-profit' },
};

/**
 * OKX algo orders, named by their `ordType`: `conditional` (slTriggerPx / slOrdPx) and `trigger`
 * (triggerPx / ordPx), each a market order when its order price is -1
 * (https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-list). ccxt keeps
 * the ordType and passes ordPx through as the price (-1 included), slOrdPx only in `info`.
 */
function okxAlgoType(o: z.output<typeof orderSchema>): { type: ExchangeOrder['type']; kind: OrderTrigger['kind']; marketPrice: boolean } | undefined {
  const ordType = o.type?.toLowerCase();
  if (ordType !== 'conditional' && ordType !== 'trigger') return undefined;
  const info = typeof o.info === 'object' && o.info !== null ? (o.info as Record<string, unknown>) : {};
  const orderPrice = ordType === 'conditional' ? (info['slOrdPx'] ?? info['tpOrdPx']) : (info['ordPx'] ?? o.price);
  const market = orderPrice === '-1' || orderPrice === -1 || orderPrice === undefined || orderPrice === '';
  const takeProfit = ordType === 'conditional' && !(o.stopLossPrice !== null && o.stopLossPrice !== undefined && o.stopLossPrice > 0) && (o.takeProfitPrice ?? 0) > 0;
  return { type: market ? 'market' : 'limit', kind: takeProfit ? 'take-profit' : 'stop-loss', marketPrice: market };
}

/**
 * A Binance USDⓈ-M algo order (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order):
 * ccxt 4.5.84 reports STOP_MARKET and TAKE_PROFIT_MARKET both as type `market` with a bare
 * `triggerPrice`; the kind is in `info.orderType`.
 */
function binanceAlgoType(info: unknown): (typeof STOP_TYPES)[string] | undefined {
  if (typeof info !== 'object' || info === null || !('algoType' in info) || !('orderType' in info) || typeof info.orderType !== 'string') return undefined;
  return STOP_TYPES[info.orderType.toLowerCase()];
}

/** OKX names our client id of an algo order (and of the order a fired one placed) `algoClOrdId`. */
function algoClientId(info: unknown): string | undefined {
  if (typeof info !== 'object' || info === null || !('algoClOrdId' in info)) return undefined;
  return typeof info.algoClOrdId === 'string' && info.algoClOrdId !== '' ? info.algoClOrdId : undefined;
}

/** The order's trigger as ccxt reports it: its stop-loss / take-profit price, else the type's kind at its trigger price. */
function triggerOf(o: z.output<typeof orderSchema>, stopType: (typeof STOP_TYPES)[string] | undefined): OrderTrigger | null {
  if (o.stopLossPrice !== null && o.stopLossPrice !== undefined && o.stopLossPrice > 0) return { kind: 'stop-loss', price: toDecimal(o.stopLossPrice) };
  if (o.takeProfitPrice !== null && o.takeProfitPrice !== undefined && o.takeProfitPrice > 0) return { kind: 'take-profit', price: toDecimal(o.takeProfitPrice) };
  if (o.triggerPrice === null || o.triggerPrice === undefined || !(o.triggerPrice > 0)) return null;
  return { kind: stopType?.kind ?? 'stop-loss', price: toDecimal(o.triggerPrice) };
}

/**
 * Bybit's spot "PartiallyFilledCanceled" is a cancel that kept a partial fill; ccxt calls it `closed`
 * (ccxt issue 18685), which in our vocabulary means filled in full.
 */
function canceledWithPartialFill(info: unknown): boolean {
  return typeof info === 'object' && info !== null && 'orderStatus' in info && info.orderStatus === 'PartiallyFilledCanceled';
}

/** What we know about an order without the exchange (what we sent), to fill terse acknowledgements. */
export interface OrderFallback {
  symbol?: string;
  side?: ExchangeOrder['side'];
  type?: ExchangeOrder['type'];
  amount?: DecimalString;
  price?: DecimalString;
  clientOrderId?: string;
  status?: OrderStatus;
  trigger?: OrderTrigger;
}

/** Terse acks (Bybit create/cancel answer only ids) are completed from `fallback`; anything else missing is garbage. */
export function toOrder(raw: unknown, now: number, fallback: OrderFallback = {}): ExchangeOrder {
  const o = parseOrThrow(orderSchema, raw, 'order');
  const side = o.side ?? fallback.side;
  const algo = okxAlgoType(o);
  const stopType = algo ?? (o.type ? STOP_TYPES[o.type.toLowerCase()] : undefined) ?? binanceAlgoType(o.info);
  const type = o.type === 'limit' || o.type === 'market' ? o.type : (stopType?.type ?? fallback.type);
  const trigger = triggerOf(o, stopType) ?? fallback.trigger ?? null;
  const status = canceledWithPartialFill(o.info) ? 'canceled' : ((o.status ? STATUS[o.status.toLowerCase()] : undefined) ?? fallback.status);
  const amount = o.amount !== null && o.amount !== undefined ? toDecimal(o.amount) : fallback.amount;
  const symbol = o.symbol ?? fallback.symbol;
  if (!side || !type || !status || amount === undefined || !symbol) {
    throw new InvalidResponseError(`Invalid order from the exchange: order ${o.id} lacks ${missing({ side, type, status, amount, symbol })}`);
  }
  return {
    id: o.id,
    clientOrderId: o.clientOrderId || algoClientId(o.info) || fallback.clientOrderId || null,
    symbol,
    side,
    type,
    status,
    // An algo market order's price is OKX's -1 ("at market"), no price.
    price: (algo?.marketPrice ? null : toDecimalOrNull(o.price)) ?? fallback.price ?? null,
    amount,
    filled: toDecimal(o.filled ?? 0),
    average: toDecimalOrNull(o.average),
    timestamp: o.timestamp ?? now,
    trigger,
  };
}

/** Whether ccxt's order carries everything itself (no fallback needed). */
export function isCompleteOrder(raw: unknown): boolean {
  const o = orderSchema.safeParse(raw);
  return o.success && !!o.data.side && !!o.data.status && !!o.data.type && o.data.amount !== null && o.data.amount !== undefined;
}

function missing(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v === undefined || v === null || v === '')
    .map(([k]) => k)
    .join(', ');
}

const tradeSchema = z.object({
  id: z.union([nonEmpty, z.number().int().transform(String)]),
  order: z.union([nonEmpty, z.number().int().transform(String)]),
  clientOrderId: z.string().nullish(),
  symbol: nonEmpty,
  side: z.enum(['buy', 'sell']),
  price: finite.positive(),
  amount: finite.positive(),
  timestamp: z.number().int().positive(),
  fee: z.object({ cost: optNum, currency: z.string().nullish() }).nullish(),
});

export function toFills(raw: unknown): Fill[] {
  return parseOrThrow(z.array(tradeSchema), raw, 'trade list').map((t) => ({
    tradeId: t.id,
    orderId: t.order,
    clientOrderId: t.clientOrderId ?? null,
    symbol: t.symbol,
    side: t.side,
    price: toDecimal(t.price),
    amount: toDecimal(t.amount),
    fee: toDecimal(t.fee?.cost ?? 0),
    feeAsset: t.fee?.currency ?? null,
    timestamp: t.timestamp,
  }));
}
