import { Dec } from '../../src/domain/money.js';
import type { MarketSpec } from '../matching/types.js';
import type { SimResponse } from '../types.js';

/**
 * Pieces shared by the Kraken spot endpoints: the `{ error: string[], result }` envelope (HTTP 200
 * even for errors, https://docs.kraken.com/api/docs/guides/spot-errors), asset and pair ids, and the
 * txid format of orders and trades.
 */

export type Params = Record<string, string>;

export function answer(result: unknown, headers?: Record<string, string>): SimResponse {
  return headers ? { status: 200, headers, body: { error: [], result } } : { status: 200, body: { error: [], result } };
}

export function fail(...errors: string[]): SimResponse {
  return { status: 200, body: { error: errors } };
}

/** Kraken's own asset ids for the unified codes that differ (X/Z prefixed legacy ids). */
const ASSET_IDS: Readonly<Record<string, string>> = { BTC: 'XXBT', ETH: 'XETH', USD: 'ZUSD', EUR: 'ZEUR', LTC: 'XLTC', XRP: 'XXRP' };
const LEGACY_IDS = new Set(Object.values(ASSET_IDS));

export function assetId(code: string): string {
  return ASSET_IDS[code] ?? code;
}

/** Kraken's legacy altname for BTC is XBT. */
export function altname(code: string): string {
  return code === 'BTC' ? 'XBT' : code;
}

/** Legacy pairs between X/Z assets are named by concatenating the ids (XXBTZUSD); newer ones by altnames (XBTUSDT). */
export function pairId(m: MarketSpec): string {
  const base = assetId(m.base);
  const quote = assetId(m.quote);
  return LEGACY_IDS.has(base) && LEGACY_IDS.has(quote) ? `${base}${quote}` : pairAltname(m);
}

export function pairAltname(m: MarketSpec): string {
  return `${altname(m.base)}${altname(m.quote)}`;
}

/** Kraken accepts a pair by its id or its altname. */
export function marketByPair(markets: readonly MarketSpec[], pair: string | undefined): MarketSpec | undefined {
  if (pair === undefined) return undefined;
  const wanted = pair.toUpperCase();
  return markets.find((m) => pairId(m) === wanted || pairAltname(m) === wanted);
}

/**
 * Kraken ids look like `OQCLML-BW3P3-BUCMWZ` (orders, leading O) and `TCWJEG-FL4SZ-3FKGH6` (trades):
 * 6-5-6 characters. The venue's numeric id is written in base 36 in the last 16 characters, so the
 * txid maps back to it without a table.
 */
export function txid(prefix: 'O' | 'T', n: number): string {
  const s = n.toString(36).toUpperCase().padStart(16, '0');
  return `${prefix}${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10)}`;
}

const TXID = /^([OT])([0-9A-Z]{5})-([0-9A-Z]{5})-([0-9A-Z]{6})$/;

/** The venue id of a txid with the given prefix, undefined when it is not of that form. */
export function fromTxid(prefix: 'O' | 'T', id: string): number | undefined {
  const m = TXID.exec(id);
  if (!m || m[1] !== prefix) return undefined;
  const n = parseInt(`${m[2]}${m[3]}${m[4]}`, 36);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function decimals(step: string): number {
  return new Dec(step).decimalPlaces();
}

/** Unix seconds with fractions, as Kraken reports `opentm`, `closetm` and trade `time`. */
export function unixSeconds(ms: number): number {
  return ms / 1000;
}

/** Kraken prints 8 decimals for volumes and the pair's decimals for prices. */
export function fixed(value: string | Dec, places: number): string {
  return new Dec(value).toFixed(places);
}
