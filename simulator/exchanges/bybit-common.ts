import type { MarketSpec } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';
import { json, marketByCompactId } from './common.js';

/** Pieces shared by the Bybit v5 public and trading endpoint tables. */

export type Params = Record<string, string>;

export interface BybitCall {
  params: Params;
  ctx: SimContext;
  /** The authenticated account (a placeholder without rights on public endpoints). */
  account: SimAccount;
}

export interface BybitEndpoint {
  /** none: public; read: any valid key; trade: needs a key that is not read-only. */
  security: 'none' | 'read' | 'trade';
  /** Per-UID requests per second for this endpoint (X-Bapi-Limit), private endpoints only. */
  uidLimitPerSec?: number;
  run: (call: BybitCall) => SimResponse;
}

/** The v5 envelope: every answer, success or error, has this shape (usually with HTTP 200). */
export function envelope(ctx: SimContext, result: unknown, retCode = 0, retMsg = 'OK'): SimResponse {
  return json(200, { retCode, retMsg, result: result ?? {}, retExtInfo: {}, time: ctx.exchangeNow() });
}

export function bybitError(ctx: SimContext, retCode: number, retMsg: string): SimResponse {
  return envelope(ctx, {}, retCode, retMsg);
}

export function withSymbol(ctx: SimContext, params: Params, run: (m: MarketSpec) => SimResponse): SimResponse {
  if (params['symbol'] === undefined) return bybitError(ctx, 10001, 'params error: symbol is required');
  const market = marketByCompactId(ctx.venue().markets(), params['symbol']);
  return market ? run(market) : bybitError(ctx, 10001, 'params error: symbol invalid');
}

/** The venue only trades spot; other categories are listed for loadMarkets but not tradable. */
export function requireSpot(ctx: SimContext, params: Params, run: () => SimResponse): SimResponse {
  const category = params['category'];
  if (category === undefined) return bybitError(ctx, 10001, 'params error: category is required');
  if (category !== 'spot') return bybitError(ctx, 10001, `params error: category ${category} is not supported by the simulator`);
  return run();
}
