/**
 * Risk and return figures computed from the per-candle equity curve. They are ratios, not money, so
 * they run on doubles in one pass over a Float64Array (the money figures of the report are exact
 * decimals computed elsewhere). Annualisation: per-candle returns scaled by √(candles per year), with a
 * risk-free rate of 0 — the convention of freqtrade and most crypto tools (see docs/backtesting.md).
 */

export interface ReturnRatios {
  /** mean(r) / stdev(r) × √periodsPerYear; null when there are fewer than 2 returns or no variation. */
  sharpe: number | null;
  /** mean(r) / downside deviation × √periodsPerYear; null when no return was negative. */
  sortino: number | null;
}

/** Per-candle simple returns r_i = e_i / e_{i−1} − 1 over equity[0..length). Welford for a stable variance. */
export function returnRatios(equity: Float64Array, length: number, periodsPerYear: number): ReturnRatios {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let downsideSquares = 0;
  for (let i = 1; i < length; i++) {
    const previous = equity[i - 1] as number;
    if (!(previous > 0)) continue; // a wiped-out account has no meaningful return
    const r = (equity[i] as number) / previous - 1;
    n++;
    const delta = r - mean;
    mean += delta / n;
    m2 += delta * (r - mean);
    if (r < 0) downsideSquares += r * r;
  }
  if (n < 2) return { sharpe: null, sortino: null };
  const scale = Math.sqrt(periodsPerYear);
  const stdev = Math.sqrt(m2 / (n - 1));
  // Downside deviation over all periods (target 0), as Sortino & Price define it.
  const downside = Math.sqrt(downsideSquares / n);
  return {
    sharpe: stdev > 1e-15 ? round((mean / stdev) * scale) : null,
    sortino: downside > 0 ? round((mean / downside) * scale) : null,
  };
}

export interface DrawdownExtent {
  /** Largest fall from a running peak, as a fraction of that peak (0.12 = 12 %). */
  fraction: number;
  peakIndex: number;
  troughIndex: number;
}

/** The largest relative drawdown (by fraction of the peak), with where it started and bottomed. */
export function maxDrawdown(equity: Float64Array, length: number): DrawdownExtent {
  let peak = -Infinity;
  let peakIndex = 0;
  let best: DrawdownExtent = { fraction: 0, peakIndex: 0, troughIndex: 0 };
  for (let i = 0; i < length; i++) {
    const e = equity[i] as number;
    if (e > peak) {
      peak = e;
      peakIndex = i;
      continue;
    }
    const fraction = peak > 0 ? (peak - e) / peak : 0;
    if (fraction > best.fraction) best = { fraction, peakIndex, troughIndex: i };
  }
  return best;
}

/** Rounds a ratio to 6 significant-enough decimals so reports (and golden files) do not carry float noise. */
export function round(value: number, decimals = 6): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
