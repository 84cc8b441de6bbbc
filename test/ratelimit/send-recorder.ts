import type { Limit } from '../../src/ratelimit/limit-rules.js';

export interface Sent {
  at: number;
  weight: number;
}

/**
 * Independent of the limiter: given what was actually sent to one bucket, the worst overrun of its
 * limit (0 means the limit was never exceeded), computed straight from the definition of each type.
 */
export function worstOverrun(limit: Limit, sends: readonly Sent[]): number {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  switch (limit.type) {
    case 'sliding-window':
      return slidingOverrun(limit.capacity, limit.windowMs, sorted);
    case 'fixed-window':
      return fixedOverrun(limit.capacity, limit.windowMs, sorted);
    case 'decay':
      return decayOverrun(limit.capacity, limit.decayPerSecond, sorted);
  }
}

function slidingOverrun(capacity: number, windowMs: number, sends: readonly Sent[]): number {
  let worst = 0;
  // The heaviest window of length windowMs ends at some send: check the window ending at each one.
  for (const end of sends) {
    const inWindow = sends.filter((s) => s.at <= end.at && s.at > end.at - windowMs);
    worst = Math.max(worst, inWindow.reduce((sum, s) => sum + s.weight, 0) - capacity);
  }
  return worst;
}

function fixedOverrun(capacity: number, windowMs: number, sends: readonly Sent[]): number {
  const perWindow = new Map<number, number>();
  for (const s of sends) {
    const index = Math.floor(s.at / windowMs);
    perWindow.set(index, (perWindow.get(index) ?? 0) + s.weight);
  }
  return Math.max(0, ...[...perWindow.values()].map((v) => v - capacity));
}

function decayOverrun(capacity: number, perSecond: number, sends: readonly Sent[]): number {
  let level = 0;
  let at = sends[0]?.at ?? 0;
  let worst = 0;
  for (const s of sends) {
    level = Math.max(0, level - ((s.at - at) / 1000) * perSecond) + s.weight;
    at = s.at;
    worst = Math.max(worst, level - capacity);
  }
  return worst;
}
