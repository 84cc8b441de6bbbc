import { Dec } from '../../../src/domain/money.js';
import type { Venue } from '../../matching/engine.js';
import type { MarketSpec, OrderRejection, PlaceOrderInput, SimOrder } from '../../matching/types.js';
import type { SimAccount, SimContext, SimRequest, SimResponse } from '../../types.js';
import { apiError, json, marketByProductId, orderIdOf, orderUuid, productId } from './common.js';
import { fillShape, orderShape, type OrderConfiguration } from './shapes.js';

/**
 * Advanced Trade spot trading on the venue's matching engine.
 * Create: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/create-order
 * Get / list: …/orders/get-order, …/orders/list-orders; cancel: …/orders/cancel-orders; fills: …/orders/list-fills.
 */

/** The profile's client id rule (src/exchanges/profiles/coinbase.ts). */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** What each order was created with, shown back as `order_configuration`; one map per venue (simulator). */
const configs = new WeakMap<Venue, Map<number, OrderConfiguration>>();

function configsOf(venue: Venue): Map<number, OrderConfiguration> {
  let map = configs.get(venue);
  if (!map) configs.set(venue, (map = new Map()));
  return map;
}

function configOf(venue: Venue, order: SimOrder): OrderConfiguration {
  const stored = configsOf(venue).get(order.orderId);
  if (stored) return stored;
  if (order.type === 'market') return { market_market_ioc: { base_size: order.origQty } };
  return { limit_limit_gtc: { base_size: order.origQty, limit_price: order.price, post_only: false } };
}

export function orderBody(venue: Venue, order: SimOrder): Record<string, unknown> {
  const market = venue.market(order.symbol);
  if (!market) throw new Error(`Order on unknown market ${order.symbol}`);
  return orderShape(order, market, configOf(venue, order), venue.fills(order.owner, { orderId: order.orderId }));
}

type Body = Record<string, unknown>;

function record(value: unknown): Body | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : undefined;
}

function decimal(value: unknown): string | undefined {
  return typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) && new Dec(value).gt(0) ? value : undefined;
}

function isMultiple(value: string, step: string): boolean {
  return new Dec(value).mod(step).isZero();
}

/**
 * A refused create: HTTP 200, `success: false`. ccxt's handleErrors maps `preview_failure_reason`
 * (PREVIEW_INSUFFICIENT_FUND → InsufficientFunds); others become a plain ExchangeError.
 */
function failure(error: string, message: string, preview: string, config: unknown): SimResponse {
  return json({
    success: false,
    failure_reason: 'UNKNOWN_FAILURE_REASON',
    order_id: '',
    error_response: { error, message, error_details: '', preview_failure_reason: preview, new_order_failure_reason: error },
    order_configuration: config ?? null,
  });
}

function success(order: SimOrder, market: MarketSpec): SimResponse {
  const orderId = orderUuid(order.orderId);
  return json({
    success: true,
    success_response: { order_id: orderId, product_id: productId(market), side: order.side === 'buy' ? 'BUY' : 'SELL', client_order_id: order.clientOrderId },
    order_configuration: null,
  });
}

interface Parsed {
  input: PlaceOrderInput;
  config: OrderConfiguration;
}

/** Reads order_configuration; returns a refusal for what Coinbase refuses before matching. */
function parseConfig(body: Body, market: MarketSpec, side: PlaceOrderInput['side'], clientOrderId: string, takerFee: string): Parsed | SimResponse {
  const config = record(body['order_configuration']);
  const keys = config ? Object.keys(config) : [];
  const key = keys[0];
  const inner = key === undefined ? undefined : record(config?.[key]);
  if (keys.length !== 1 || inner === undefined || !['market_market_ioc', 'limit_limit_gtc', 'sor_limit_ioc'].includes(key ?? '')) {
    return failure('UNSUPPORTED_ORDER_CONFIGURATION', 'Unsupported order configuration', 'PREVIEW_INVALID_ORDER_CONFIG', config);
  }
  const base = decimal(inner['base_size']);
  const quote = decimal(inner['quote_size']);
  const base_ = { symbol: market.symbol, side, clientOrderId };
  if (base !== undefined && !isMultiple(base, market.stepSize)) {
    return failure('INVALID_SIZE_PRECISION', 'Too many decimals in order amount', 'PREVIEW_INVALID_SIZE_PRECISION', config);
  }
  if (base !== undefined && new Dec(base).lt(market.minQty)) {
    return failure('UNKNOWN_FAILURE_REASON', '', 'PREVIEW_INVALID_BASE_SIZE_TOO_SMALL', config);
  }
  if (key === 'market_market_ioc') {
    if ((base === undefined) === (quote === undefined)) return failure('INVALID_ARGUMENT', 'exactly one of base_size or quote_size is required', 'PREVIEW_INVALID_ARGUMENT', config);
    if (quote !== undefined) {
      if (!isMultiple(quote, market.tickSize)) return failure('INVALID_SIZE_PRECISION', 'Too many decimals in order amount', 'PREVIEW_INVALID_QUOTE_SIZE_PRECISION', config);
      if (new Dec(quote).lt(market.minNotional)) return failure('UNKNOWN_FAILURE_REASON', '', 'PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL', config);
      // quote_size includes the fee on Coinbase (size_inclusive_of_fees); the venue adds the fee on top.
      const quoteQty = new Dec(quote).div(new Dec(takerFee).add(1)).toDecimalPlaces(new Dec(market.tickSize).decimalPlaces(), Dec.ROUND_DOWN).toFixed();
      return { input: { ...base_, type: 'market', quoteQty }, config: { market_market_ioc: { quote_size: quote } } };
    }
    return { input: { ...base_, type: 'market', quantity: base ?? '0' }, config: { market_market_ioc: { base_size: base ?? '0' } } };
  }
  const price = decimal(inner['limit_price']);
  if (base === undefined || price === undefined) return failure('INVALID_ARGUMENT', 'base_size and limit_price are required', 'PREVIEW_INVALID_ARGUMENT', config);
  if (!isMultiple(price, market.tickSize)) {
    return failure('INVALID_LIMIT_PRICE_PRECISION', 'Too many decimals in order price', 'PREVIEW_INVALID_LIMIT_PRICE_PRECISION', config);
  }
  if (new Dec(base).mul(price).lt(market.minNotional)) return failure('UNKNOWN_FAILURE_REASON', '', 'PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL', config);
  if (key === 'sor_limit_ioc') {
    return { input: { ...base_, type: 'limit', quantity: base, price, timeInForce: 'IOC' }, config: { sor_limit_ioc: { base_size: base, limit_price: price } } };
  }
  const postOnly = inner['post_only'] === true;
  return { input: { ...base_, type: 'limit', quantity: base, price, timeInForce: 'GTC' }, config: { limit_limit_gtc: { base_size: base, limit_price: price, post_only: postOnly } } };
}

function rejection(r: OrderRejection, config: OrderConfiguration): SimResponse {
  switch (r.kind) {
    case 'insufficient_balance':
      return failure('INSUFFICIENT_FUND', 'Insufficient balance in source account', 'PREVIEW_INSUFFICIENT_FUND', config);
    case 'filter':
      if (r.filter === 'PRICE_FILTER') return failure('INVALID_LIMIT_PRICE_PRECISION', 'Too many decimals in order price', 'PREVIEW_INVALID_LIMIT_PRICE_PRECISION', config);
      if (r.filter === 'NOTIONAL') return failure('UNKNOWN_FAILURE_REASON', '', 'PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL', config);
      return failure('INVALID_SIZE_PRECISION', 'Too many decimals in order amount', 'PREVIEW_INVALID_SIZE_PRECISION', config);
    default:
      return failure('UNKNOWN_FAILURE_REASON', '', 'UNKNOWN_PREVIEW_FAILURE_REASON', config);
  }
}

export function createOrder(req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body === '' ? '{}' : req.body);
  } catch {
    return apiError(400, 'INVALID_ARGUMENT', 'request body is not valid JSON');
  }
  const body = record(parsed) ?? {};
  const clientOrderId = body['client_order_id'];
  if (typeof clientOrderId !== 'string' || clientOrderId === '') return apiError(400, 'INVALID_ARGUMENT', 'client_order_id is required');
  if (!CLIENT_ID.test(clientOrderId)) return apiError(400, 'INVALID_ARGUMENT', 'client_order_id is invalid');
  const venue = ctx.venue();
  // Idempotent: a create with a client_order_id already used answers the existing order as a success.
  const existing = venue.order(account.apiKey, { clientOrderId });
  if (existing) {
    const m = venue.market(existing.symbol);
    if (m) return success(existing, m);
  }
  const market = marketByProductId(venue.markets(), typeof body['product_id'] === 'string' ? body['product_id'] : undefined);
  if (!market) return failure('INVALID_PRODUCT_ID', 'Invalid product_id', 'PREVIEW_INVALID_PRODUCT_ID', body['order_configuration']);
  const side = body['side'] === 'BUY' ? 'buy' : body['side'] === 'SELL' ? 'sell' : undefined;
  if (!side) return failure('INVALID_SIDE', 'Invalid side', 'PREVIEW_INVALID_SIDE', body['order_configuration']);
  const checked = parseConfig(body, market, side, clientOrderId, venue.fees.taker);
  if ('status' in checked) return checked;
  if (!account.permissions.trade) return apiError(403, 'PERMISSION_DENIED', 'Missing required scopes');
  const result = venue.place(account, checked.input);
  if (!result.ok) return rejection(result.rejection, checked.config);
  configsOf(venue).set(result.order.orderId, checked.config);
  return success(result.order, market);
}

export function getOrder(ctx: SimContext, account: SimAccount, uuid: string): SimResponse {
  const venue = ctx.venue();
  const orderId = orderIdOf(uuid);
  const order = orderId === undefined ? undefined : venue.order(account.apiKey, { orderId });
  // ccxt's broad exception table maps this message to OrderNotFound.
  if (!order) return apiError(404, 'NOT_FOUND', 'order with this orderID was not found');
  return json({ order: orderBody(venue, order) });
}

const STATUSES: Record<string, (o: SimOrder) => boolean> = {
  OPEN: (o) => o.status === 'new' || o.status === 'partially_filled',
  FILLED: (o) => o.status === 'filled',
  CANCELLED: (o) => o.status === 'canceled' || o.status === 'expired',
  EXPIRED: () => false,
  FAILED: () => false,
  PENDING: () => false,
  QUEUED: () => false,
  CANCEL_QUEUED: () => false,
};

function page(url: URL): { offset: number; limit: number } | SimResponse {
  const cursor = url.searchParams.get('cursor') ?? '';
  const offset = cursor === '' ? 0 : /^\d+$/.test(cursor) ? Number(cursor) : NaN;
  const limitText = url.searchParams.get('limit') ?? String(DEFAULT_PAGE);
  const limit = /^\d+$/.test(limitText) ? Math.min(Number(limitText), MAX_PAGE) : NaN;
  if (Number.isNaN(offset) || Number.isNaN(limit) || limit === 0) return apiError(400, 'INVALID_ARGUMENT', 'invalid cursor or limit');
  return { offset, limit };
}

/** Products filter: `product_ids` (repeatable, current docs) or the older single `product_id` ccxt sends. */
function productFilter(ctx: SimContext, url: URL): Set<string> | null | SimResponse {
  const ids = [...url.searchParams.getAll('product_ids'), ...url.searchParams.getAll('product_id')].filter((v) => v !== '');
  if (ids.length === 0) return null;
  const symbols = new Set<string>();
  for (const id of ids) {
    const m = marketByProductId(ctx.venue().markets(), id);
    if (!m) return apiError(400, 'INVALID_ARGUMENT', `invalid product_id ${id}`);
    symbols.add(m.symbol);
  }
  return symbols;
}

function since(url: URL, name: string): number | undefined | SimResponse {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? apiError(400, 'INVALID_ARGUMENT', `invalid ${name}`) : ms;
}

/** Newest first; `cursor` is the offset of the next page, '' on the last one (has_next false). */
export function listOrders(req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse {
  const url = req.url;
  const p = page(url);
  if ('status' in p) return p;
  const products = productFilter(ctx, url);
  if (products !== null && 'status' in products) return products;
  const statuses = url.searchParams.getAll('order_status').filter((s) => s !== '');
  if (statuses.some((s) => STATUSES[s] === undefined)) return apiError(400, 'INVALID_ARGUMENT', 'invalid order_status');
  // Coinbase refuses OPEN together with other statuses.
  if (statuses.includes('OPEN') && statuses.length > 1) return apiError(400, 'INVALID_ARGUMENT', 'OPEN may not be combined with other statuses');
  const start = since(url, 'start_date');
  if (typeof start === 'object') return start;
  const end = since(url, 'end_date');
  if (typeof end === 'object') return end;
  const venue = ctx.venue();
  const all = venue
    .orders(account.apiKey)
    .filter((o) => products === null || products.has(o.symbol))
    .filter((o) => statuses.length === 0 || statuses.some((s) => STATUSES[s]?.(o)))
    .filter((o) => (start === undefined || o.createdAt >= start) && (end === undefined || o.createdAt <= end))
    .sort((a, b) => b.createdAt - a.createdAt || b.orderId - a.orderId);
  const slice = all.slice(p.offset, p.offset + p.limit);
  const hasNext = p.offset + p.limit < all.length;
  return json({ orders: slice.map((o) => orderBody(venue, o)), sequence: '0', has_next: hasNext, cursor: hasNext ? String(p.offset + p.limit) : '' });
}

export function cancelOrders(req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body === '' ? '{}' : req.body);
  } catch {
    return apiError(400, 'INVALID_ARGUMENT', 'request body is not valid JSON');
  }
  const ids = record(parsed)?.['order_ids'];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id): id is string => typeof id === 'string')) {
    return apiError(400, 'INVALID_ARGUMENT', 'order_ids is required');
  }
  const venue = ctx.venue();
  const results = ids.map((uuid) => {
    const orderId = orderIdOf(uuid);
    const order = orderId === undefined ? undefined : venue.order(account.apiKey, { orderId });
    const canceled = order ? venue.cancel(account.apiKey, order.symbol, { orderId: order.orderId }) : undefined;
    // Unknown and already closed orders both answer UNKNOWN_CANCEL_ORDER.
    return canceled
      ? { success: true, failure_reason: 'UNKNOWN_CANCEL_FAILURE_REASON', order_id: uuid }
      : { success: false, failure_reason: 'UNKNOWN_CANCEL_ORDER', order_id: uuid };
  });
  return json({ results });
}

export function listFills(req: SimRequest, ctx: SimContext, account: SimAccount): SimResponse {
  const url = req.url;
  const p = page(url);
  if ('status' in p) return p;
  const products = productFilter(ctx, url);
  if (products !== null && 'status' in products) return products;
  const start = since(url, 'start_sequence_timestamp');
  if (typeof start === 'object') return start;
  const orderIds = [...url.searchParams.getAll('order_id'), ...url.searchParams.getAll('order_ids')].filter((v) => v !== '').map(orderIdOf);
  const venue = ctx.venue();
  const all = venue
    .fills(account.apiKey)
    .filter((f) => products === null || products.has(f.symbol))
    .filter((f) => orderIds.length === 0 || orderIds.includes(f.orderId))
    .filter((f) => start === undefined || f.time >= start)
    .reverse();
  const slice = all.slice(p.offset, p.offset + p.limit);
  const hasNext = p.offset + p.limit < all.length;
  const fills = slice.map((f) => {
    const m = venue.market(f.symbol);
    if (!m) throw new Error(`Fill on unknown market ${f.symbol}`);
    return fillShape(f, m);
  });
  return json({ fills, cursor: hasNext ? String(p.offset + p.limit) : '' });
}
