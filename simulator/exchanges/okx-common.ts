import type { SimAccount, SimContext, SimResponse } from '../types.js';

/**
 * OKX v5 envelopes and errors. Every body is `{ code, msg, data }`; order operations answer code "1"
 * ("All operations failed") with the per-order `sCode`/`sMsg` inside `data[]`, and ccxt's handleErrors
 * maps `sCode` through its exact table first
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order, "Response Parameters").
 */

export type Params = Record<string, string>;

export interface OkxCall {
  params: Params;
  /** The raw request body: cancel-algos posts a JSON array, which `params` cannot hold. */
  body?: string;
  ctx: SimContext;
  account: SimAccount;
}

export function ok(data: unknown[], headers?: Record<string, string>): SimResponse {
  return { status: 200, headers, body: { code: '0', msg: '', data } };
}

/** A request-level failure: the code in the body, `data` empty. */
export function fail(status: number, code: string, msg: string): SimResponse {
  return { status, body: { code, msg, data: [] } };
}

/** Place/cancel answers with inTime/outTime (µs), as the docs' examples show them. */
export function orderAck(ctx: SimContext, code: '0' | '1', entry: Record<string, unknown>): SimResponse {
  const us = `${ctx.exchangeNow()}000`;
  return {
    status: 200,
    body: { code, msg: code === '0' ? '' : 'All operations failed', data: [entry], inTime: us, outTime: us },
  };
}

/** One failed order operation: `sCode`/`sMsg` per order, the ids echoed. */
export function opFail(ctx: SimContext, sCode: string, sMsg: string, ids: { clOrdId?: string; ordId?: string } = {}): SimResponse {
  return orderAck(ctx, '1', { clOrdId: ids.clOrdId ?? '', ordId: ids.ordId ?? '', sCode, sMsg, tag: '', ts: String(ctx.exchangeNow()) });
}

/**
 * Breach of a per-endpoint limit: HTTP 429 with code 50011
 * (https://www.okx.com/docs-v5/en/#overview-rate-limits: "the system returns error code 50011").
 */
export function rateLimited(): SimResponse {
  return { status: 429, body: { msg: 'Too Many Requests', code: '50011' } };
}
