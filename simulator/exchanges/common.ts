import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MarketSpec } from '../matching/types.js';
import type { SimResponse } from '../types.js';

/** Helpers shared by the exchange wire formats. */

export function hmacSha256Hex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Constant-time comparison, as a real server would do, so tests exercise the same code shape. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Exchange symbol id without separator, e.g. BTC/USDT → BTCUSDT. */
export function compactId(market: MarketSpec): string {
  return market.base + market.quote;
}

export function marketByCompactId(markets: readonly MarketSpec[], id: string | undefined): MarketSpec | undefined {
  if (id === undefined) return undefined;
  return markets.find((m) => compactId(m) === id.toUpperCase());
}

export function json(status: number, body: unknown, headers?: Record<string, string>): SimResponse {
  return headers ? { status, body, headers } : { status, body };
}

/** Form-encoded or JSON body parameters merged over the query ones. */
export function requestParams(url: URL, body: string): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (body.trim() === '') return params;
  if (body.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed)) if (v !== undefined && v !== null) params[k] = String(v);
      }
    } catch {
      // An unparsable body is the handler's to reject as a bad request.
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
}

/** A decimal parameter as the exchange would accept it, or undefined. */
export function decimalParam(value: string | undefined): string | undefined {
  return value !== undefined && /^\d+(\.\d+)?$/.test(value) ? value : undefined;
}
