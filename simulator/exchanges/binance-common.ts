import type { MarketSpec } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';
import { json, marketByCompactId } from './common.js';

/** Pieces shared by the Binance public and trading endpoint tables. */

export type Params = Record<string, string>;

export interface BinanceCall {
  params: Params;
  ctx: SimContext;
  /** The authenticated account (a placeholder without rights on public endpoints). */
  account: SimAccount;
}

/** none: public; signed: USER_DATA; trade: TRADE (needs the key's trading permission). */
export type Security = 'none' | 'signed' | 'trade';

export interface Endpoint {
  security: Security;
  /** Request weight, from https://developers.binance.com/docs/binance-spot-api-docs/rest-api. */
  weight: (p: Params) => number;
  run: (call: BinanceCall) => SimResponse;
}

export function binanceError(status: number, code: number, msg: string): SimResponse {
  return json(status, { code, msg });
}

export function missingParam(name: string): SimResponse {
  return binanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

export function withMarket(ctx: SimContext, params: Params, run: (m: MarketSpec) => SimResponse): SimResponse {
  if (params['symbol'] === undefined) return missingParam('symbol');
  const market = marketByCompactId(ctx.venue().markets(), params['symbol']);
  return market ? run(market) : binanceError(400, -1121, 'Invalid symbol.');
}
