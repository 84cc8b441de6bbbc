import type { ExchangeId } from '../../../src/domain/exchange-ids.js';
import type { ExchangeLimitProfile, Limit } from '../../../src/ratelimit/limit-rules.js';
import { resolveRequest } from '../../../src/ratelimit/resolve.js';

/** A request as an exchange counts it: when it arrived, and what it was. */
export interface TimedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly symbol?: string;
}

export interface BucketUsage {
  readonly bucket: string;
  /** The most weight the bucket held at any moment (for decay: the counter's peak). */
  readonly peak: number;
  readonly capacity: number;
}

/**
 * Replays requests against an exchange's documented limits (our profile of them) and reports each
 * bucket's peak: the sliding windows over every interval, the fixed windows per epoch-aligned window,
 * Kraken-style counters with their decay. A peak above capacity is a breach the exchange would see.
 */
export function peakUsage(exchange: ExchangeId, profile: ExchangeLimitProfile, requests: readonly TimedRequest[]): BucketUsage[] {
  const byBucket = new Map<string, { limit: Limit; hits: { at: number; weight: number }[] }>();
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    const resolved = resolveRequest(profile, { exchange, accountKey: 'bot', method: r.method, path: r.path, lane: 'read', ...(r.symbol ? { symbol: r.symbol } : {}) }, 'ip');
    for (const draw of resolved.draws) {
      const entry = byBucket.get(draw.bucket.key) ?? { limit: draw.bucket.limit, hits: [] };
      entry.hits.push({ at: r.at, weight: draw.weight });
      byBucket.set(draw.bucket.key, entry);
    }
  }
  return [...byBucket].map(([bucket, { limit, hits }]) => ({ bucket, peak: peakOf(limit, hits), capacity: limit.capacity }));
}

function peakOf(limit: Limit, hits: readonly { at: number; weight: number }[]): number {
  let peak = 0;
  if (limit.type === 'decay') {
    let level = 0;
    let last = hits[0]?.at ?? 0;
    for (const h of hits) {
      level = Math.max(0, level - (limit.decayPerSecond * (h.at - last)) / 1000) + h.weight;
      last = h.at;
      peak = Math.max(peak, level);
    }
    return peak;
  }
  if (limit.type === 'fixed-window') {
    const windows = new Map<number, number>();
    for (const h of hits) {
      const w = Math.floor(h.at / limit.windowMs);
      windows.set(w, (windows.get(w) ?? 0) + h.weight);
    }
    return Math.max(0, ...windows.values());
  }
  let start = 0;
  let sum = 0;
  for (const h of hits) {
    sum += h.weight;
    while ((hits[start]?.at ?? h.at) <= h.at - limit.windowMs) sum -= hits[start++]?.weight ?? 0;
    peak = Math.max(peak, sum);
  }
  return peak;
}
