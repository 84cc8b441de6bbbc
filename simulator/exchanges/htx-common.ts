import { Dec } from '../../src/domain/money.js';
import type { MarketSpec } from '../matching/types.js';
import type { SimAccount, SimContext, SimResponse } from '../types.js';

/**
 * Pieces shared by the HTX spot routing and trading modules: the v1 envelope
 * (https://huobiapi.github.io/docs/spot/v1/en/#response-format: `status`, `data`, `ts`, and
 * `err-code` / `err-msg` on errors, HTTP 200 either way) and the spot account id.
 */

export type Params = Record<string, string>;

export interface HtxCall {
  ctx: SimContext;
  account: SimAccount;
  /** Query and JSON body merged (POST bodies are JSON on HTX). */
  params: Params;
  /** Path segments, e.g. ['v1', 'order', 'orders', '123']. */
  segments: string[];
  headers: Record<string, string>;
}

export const UID = 63_628_520;
export const SPOT_ACCOUNT_ID = 10_000_001;

export function ok(data: unknown, now: number, headers?: Record<string, string>): SimResponse {
  return { status: 200, headers, body: { status: 'ok', data, ts: now } };
}

/** `extra` carries fields some errors add, e.g. `order-state` on a failed cancel. */
export function error(code: string, msg: string, status = 200, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { status: 'error', 'err-code': code, 'err-msg': msg, data: null, ...extra } };
}

export function withHeaders(res: SimResponse, headers: Record<string, string>): SimResponse {
  return { ...res, headers: { ...res.headers, ...headers } };
}

/** HTX symbol ids are lower case without separator (btcusdt). */
export function htxSymbol(m: MarketSpec): string {
  return `${m.base}${m.quote}`.toLowerCase();
}

export function marketById(ctx: SimContext, id: string | undefined): MarketSpec | undefined {
  if (id === undefined) return undefined;
  return ctx.venue().markets().find((m) => htxSymbol(m) === id.toLowerCase());
}

/** HTX states precision as a number of decimals. */
export function decimals(step: string): number {
  return new Dec(step).decimalPlaces();
}
