import type { UsageHeaders } from './limit-rules.js';
import type { UsageCorrection } from './bucket-store.js';

/**
 * Reading what exchanges say about our budget. Pure functions over lower-cased headers, so the
 * adapter's HTTP client can be anything and the parsing is tested on its own.
 */

/** `Retry-After` as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exchanges send reset times in seconds or milliseconds since the epoch; tell them apart by size. */
export function epochMs(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return value < 1e11 ? value * 1000 : value;
}

/** The usage a response reports for one bucket, or undefined when its headers are absent/garbled. */
export function usageFromHeaders(
  spec: UsageHeaders,
  headers: Readonly<Record<string, string>>,
  capacity: number,
): UsageCorrection | undefined {
  const resetAt = epochMs(spec.resetAt ? headers[spec.resetAt] : undefined);
  const reportedUsed = numberHeader(spec.used ? headers[spec.used] : undefined);
  if (reportedUsed !== undefined) return withReset({ used: reportedUsed }, resetAt);
  const remaining = numberHeader(spec.remaining ? headers[spec.remaining] : undefined);
  if (remaining === undefined) return undefined;
  const limit = reportedLimit(spec, headers);
  // "N left" of our own capacity means only N more may go. Against a limit we model differently
  // (a derivatives symbol we took for spot), carry over the fraction used instead.
  const used = limit === undefined || limit === capacity ? capacity - remaining : capacity * (1 - remaining / limit);
  return withReset({ used: Math.max(0, used) }, resetAt);
}

/** The limit the exchange says it applied, if it says so. */
export function reportedLimit(spec: UsageHeaders, headers: Readonly<Record<string, string>>): number | undefined {
  const limit = numberHeader(spec.limit ? headers[spec.limit] : undefined);
  return limit !== undefined && limit > 0 ? limit : undefined;
}

function withReset(correction: { used: number }, resetAt: number | undefined): UsageCorrection {
  return resetAt === undefined ? correction : { ...correction, resetAt };
}

function numberHeader(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
