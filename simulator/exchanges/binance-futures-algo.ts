import { randomBytes } from 'node:crypto';
import { Dec } from '../../src/domain/money.js';
import type { PerpOrder, PerpPlaceInput, PerpSpec } from '../matching/derivatives-types.js';
import type { OrderRef } from '../matching/types.js';
import type { SimResponse } from '../types.js';
import { type BinanceCall, binanceError, CLIENT_ID, type Endpoint, fixed, missingParam, type Params } from './binance-common.js';
import { perpById, perpsOf, SIDES, withPerp } from './binance-futures-common.js';
import { perpId } from './binance-futures-shapes.js';
import { decimalParam, json } from './common.js';

/**
 * Binance USDⓈ-M conditional orders on the algo service, where ccxt 4.5.84 sends every order with a
 * trigger (`algoType` CONDITIONAL): New Algo Order
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order),
 * Query Algo Order (…/Query-Algo-Order), Cancel Algo Order (…/Cancel-Algo-Order), Current All Algo
 * Open Orders (…/Current-All-Algo-Open-Orders), Query All Algo Orders (…/Query-All-Algo-Orders) and
 * Cancel All Algo Open Orders (…/Cancel-All-Algo-Open-Orders). An algo order waits on the derivatives
 * core until the last price (workingType CONTRACT_PRICE, the default) or the mark (MARK_PRICE) reaches
 * its triggerPrice; it then places a plain MARKET order (`actualOrderId`, listed on /fapi/v1/order and
 * holding the trades) and is FINISHED. The simulator takes reduce-only STOP_MARKET and
 * TAKE_PROFIT_MARKET ones; STOP / TAKE_PROFIT (limit), TRAILING_STOP_MARKET, closePosition and opening
 * conditional orders are refused as not simulated.
 */

const KINDS: Record<string, 'stop' | 'take-profit'> = { STOP_MARKET: 'stop', TAKE_PROFIT_MARKET: 'take-profit' };
const NOT_SIMULATED = new Set(['STOP', 'TAKE_PROFIT', 'TRAILING_STOP_MARKET']);


export const binanceFuturesAlgo: Record<string, Endpoint> = {
  'POST /fapi/v1/algoOrder': { security: 'trade', weight: fixed(0), run: newAlgoOrder },
  'GET /fapi/v1/algoOrder': {
    security: 'signed',
    weight: fixed(1),
    run: ({ params, account, ctx }) => withAlgoRef(params, (ref) => {
      const order = algoOrder(perpsOf(ctx).order(account.apiKey, ref));
      return order ? json(200, algoOrderShape(order, specOf(ctx, order.symbol), 'query')) : binanceError(400, -2013, 'Order does not exist.');
    }),
  },
  'DELETE /fapi/v1/algoOrder': {
    security: 'trade',
    weight: fixed(1),
    run: ({ params, account, ctx }) => withAlgoRef(params, (ref) => {
      const d = perpsOf(ctx);
      const order = algoOrder(d.order(account.apiKey, ref));
      const cancelled = order ? d.cancel(account.apiKey, order.symbol, { orderId: order.orderId }) : undefined;
      if (!cancelled) return binanceError(400, -2011, 'Unknown order sent.');
      return json(200, { algoId: cancelled.orderId, clientAlgoId: cancelled.clientOrderId, code: '200', msg: 'success' });
    }),
  },
  'GET /fapi/v1/openAlgoOrders': {
    security: 'signed',
    weight: (p) => (p['symbol'] !== undefined ? 1 : 40),
    run: ({ ctx, params, account }) => {
      const d = perpsOf(ctx);
      const spec = perpById(d, params['symbol']);
      if (params['symbol'] !== undefined && !spec) return binanceError(400, -1121, 'Invalid symbol.');
      const orders = d.orders(account.apiKey, { open: true, ...(spec ? { symbol: spec.symbol } : {}) }).filter(isAlgo).sort((a, b) => a.orderId - b.orderId);
      return json(200, orders.map((o) => algoOrderShape(o, specOf(ctx, o.symbol), 'query')));
    },
  },
  'GET /fapi/v1/allAlgoOrders': {
    security: 'signed',
    weight: fixed(5),
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        const from = params['algoId'] !== undefined ? Number(params['algoId']) : undefined;
        const start = params['startTime'] !== undefined ? Number(params['startTime']) : undefined;
        const end = params['endTime'] !== undefined ? Number(params['endTime']) : undefined;
        const orders = d
          .orders(account.apiKey, { symbol: spec.symbol })
          .filter((o) => isAlgo(o) && (from === undefined || o.orderId >= from) && (start === undefined || o.createdAt >= start) && (end === undefined || o.createdAt <= end))
          .sort((a, b) => a.orderId - b.orderId);
        const limit = Math.max(1, Math.min(1000, Number(params['limit'] ?? 500)));
        return json(200, (from !== undefined ? orders.slice(0, limit) : orders.slice(-limit)).map((o) => algoOrderShape(o, spec, 'query')));
      }),
  },
  'DELETE /fapi/v1/algoOpenOrders': {
    security: 'trade',
    weight: fixed(1),
    run: ({ ctx, params, account }) =>
      withPerp(ctx, params, (spec, d) => {
        for (const o of d.orders(account.apiKey, { symbol: spec.symbol, open: true }).filter(isAlgo)) d.cancel(account.apiKey, spec.symbol, { orderId: o.orderId });
        return json(200, { code: 200, msg: 'The operation of cancel all open order is done.' });
      }),
  },
};

/** Whether a core order is an algo (conditional) order: the plain order endpoints never show one. */
export function isAlgo(o: PerpOrder): boolean {
  return o.trigger !== undefined;
}

function algoOrder(o: PerpOrder | undefined): PerpOrder | undefined {
  return o !== undefined && isAlgo(o) ? o : undefined;
}

function newAlgoOrder({ ctx, params, account }: BinanceCall): SimResponse {
  return withPerp(ctx, params, (spec, d) => {
    if (account.positionMode === 'hedge') return binanceError(400, -1020, 'This operation is not supported. (hedge-mode positions are not simulated)');
    const parsed = parseAlgoOrder(params, spec);
    if ('status' in parsed) return parsed;
    const trigger = parsed.trigger;
    if (trigger && d.triggerReached(spec.symbol, trigger)) return binanceError(400, -2021, 'Order would immediately trigger.');
    const result = d.place(account, parsed);
    if (!result.ok) {
      switch (result.rejection.kind) {
        case 'reduce_only_increase':
          return binanceError(400, -2022, 'ReduceOnly Order is rejected.');
        case 'duplicate_client_id':
          return binanceError(400, -4116, 'clientOrderId is duplicated');
        case 'filter':
          return result.rejection.filter === 'PRICE_FILTER' ? binanceError(400, -4014, 'Price not increased by tick size.') : binanceError(400, -1111, 'Precision is over the maximum defined for this asset.');
        case 'insufficient_margin':
          return binanceError(400, -2019, 'Margin is insufficient.');
        default:
          return binanceError(400, -1102, 'Mandatory parameter was not sent, was empty/null, or malformed.');
      }
    }
    return json(200, algoOrderShape(result.order, spec, 'new'));
  });
}

function parseAlgoOrder(params: Params, spec: PerpSpec): PerpPlaceInput | SimResponse {
  for (const name of ['algoType', 'side', 'type']) if (params[name] === undefined) return missingParam(name);
  if (params['algoType'] !== 'CONDITIONAL') return binanceError(400, -1130, "Data sent for parameter 'algoType' is not valid.");
  const side = SIDES[params['side'] ?? ''];
  if (!side) return binanceError(400, -1117, 'Invalid side.');
  const wireType = params['type'] ?? '';
  const kind = KINDS[wireType];
  if (!kind) return binanceError(400, -1116, NOT_SIMULATED.has(wireType) ? `Invalid orderType. (${wireType} is not simulated)` : 'Invalid orderType.');
  if ((params['positionSide'] ?? 'BOTH') !== 'BOTH') return binanceError(400, -4061, "Order's position side does not match user's setting.");
  if (params['closePosition'] === 'true') return binanceError(400, -1130, "Data sent for parameter 'closePosition' is not valid. (closePosition is not simulated)");
  if (params['reduceOnly'] !== 'true') return binanceError(400, -1130, "Data sent for parameter 'reduceOnly' is not valid. (conditional orders that open a position are not simulated)");
  const workingType = params['workingType'] ?? 'CONTRACT_PRICE';
  if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE') return binanceError(400, -1130, "Data sent for parameter 'workingType' is not valid.");
  if (params['triggerPrice'] === undefined) return missingParam('triggerPrice');
  const triggerPrice = decimalParam(params['triggerPrice']);
  if (triggerPrice === undefined || new Dec(triggerPrice).lte(0)) return binanceError(400, -1102, "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.");
  if (!new Dec(triggerPrice).mod(spec.tickSize).isZero()) return binanceError(400, -4014, 'Price not increased by tick size.');
  if (params['quantity'] === undefined) return missingParam('quantity');
  const quantity = decimalParam(params['quantity']);
  if (quantity === undefined || new Dec(quantity).lte(0)) return binanceError(400, -4003, 'Quantity less than or equal to zero.');
  const clientOrderId = params['clientAlgoId'] ?? randomBytes(16).toString('base64url').slice(0, 22);
  if (!CLIENT_ID.test(clientOrderId)) return binanceError(400, -4015, 'Client order id is not valid.');
  // A buy stop fires on a rise, a buy take-profit on a fall; a sell the other way round.
  const direction = (side === 'buy') === (kind === 'stop') ? 'rise' : 'fall';
  return {
    symbol: spec.symbol,
    side,
    type: 'market',
    quantity,
    reduceOnly: true,
    clientOrderId,
    trigger: { price: triggerPrice, direction, by: workingType === 'MARK_PRICE' ? 'mark' : 'last', kind, placesOrder: true },
  };
}

/** The algo service's statuses (…/user-data-streams/Event-Algo-Order-Update): NEW while waiting, FINISHED once the order it placed is done. */
function algoStatus(o: PerpOrder): string {
  if (o.trigger?.triggeredAt !== undefined) return 'FINISHED';
  if (o.status === 'canceled') return 'CANCELED';
  if (o.status === 'expired') return 'EXPIRED';
  return 'NEW';
}

/** An algo order as New / Query Algo Order answer it (…/Query-Algo-Order's example). */
export function algoOrderShape(o: PerpOrder, spec: PerpSpec, kind: 'new' | 'query'): Record<string, unknown> {
  const trigger = o.trigger;
  const placed = trigger?.placedOrderId;
  const tick = placesOf(spec.tickSize);
  return {
    algoId: o.orderId,
    clientAlgoId: o.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: trigger?.kind === 'take-profit' ? 'TAKE_PROFIT_MARKET' : 'STOP_MARKET',
    symbol: perpId(spec),
    side: o.side.toUpperCase(),
    positionSide: 'BOTH',
    timeInForce: 'GTC',
    quantity: o.qty,
    algoStatus: algoStatus(o),
    ...(kind === 'query' ? { actualOrderId: placed !== undefined ? String(placed) : '', actualPrice: '0.00000' } : {}),
    triggerPrice: new Dec(trigger?.price ?? '0').toFixed(tick),
    price: new Dec(0).toFixed(tick),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: trigger?.by === 'mark' ? 'MARK_PRICE' : 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: false,
    priceProtect: false,
    reduceOnly: o.reduceOnly,
    createTime: o.createdAt,
    updateTime: o.updatedAt,
    triggerTime: trigger?.triggeredAt ?? 0,
    goodTillDate: 0,
  };
}

function withAlgoRef(params: Params, run: (ref: OrderRef) => SimResponse): SimResponse {
  const algoId = params['algoId'];
  const clientId = params['clientAlgoId'];
  if (algoId === undefined && clientId === undefined) return binanceError(400, -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!");
  if (algoId !== undefined && !/^\d+$/.test(algoId)) return binanceError(400, -1100, "Illegal characters found in parameter 'algoId'; legal range is '^[0-9]{1,20}$'.");
  return run(algoId !== undefined ? { orderId: Number(algoId) } : { clientOrderId: clientId ?? '' });
}

function specOf(ctx: BinanceCall['ctx'], symbol: string): PerpSpec {
  const spec = perpsOf(ctx).perp(symbol);
  if (!spec) throw new Error(`Unknown perpetual ${symbol}`);
  return spec;
}

function placesOf(step: string): number {
  return new Dec(step).decimalPlaces();
}
