/**
 * Downsampling of the per-candle equity curve for the report. A run over a million candles keeps a
 * million equity values internally (a Float64Array), but a report carries at most `maxPoints`: the
 * candles are cut into equal buckets and each bucket keeps its lowest and its highest point (in time
 * order), plus the first and last candle of the run. Keeping both extremes means drawdowns and peaks
 * stay visible at any zoom, which plain every-n-th sampling would hide.
 */

/** Indices (into the equity array) of the points to keep, ascending, at most `maxPoints` of them. */
export function downsampleIndices(equity: Float64Array, length: number, maxPoints: number): number[] {
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = (length - 2) / buckets;
  const keep: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(length - 1, 1 + Math.floor((b + 1) * size));
    if (from >= to) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      const e = equity[i] as number;
      if (e < (equity[lo] as number)) lo = i;
      if (e > (equity[hi] as number)) hi = i;
    }
    if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  keep.push(length - 1);
  return keep;
}
