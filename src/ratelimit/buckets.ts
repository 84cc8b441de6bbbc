import type { Limit } from './limit-rules.js';

/**
 * In-process bucket state for the three limit types. Pure arithmetic over an injected `now`, no
 * timers: `waitFor` says how long until a weight fits, the caller sleeps that long on its clock.
 */
export interface BucketState {
  /** 0 when `weight` fits under `capacity` now, else ms until it would (Infinity if it never can). */
  waitFor(weight: number, capacity: number, now: number): number;
  take(weight: number, now: number): void;
  used(now: number): number;
  /** Raise usage to `used` (never lower); `resetAt` says when the exchange forgets it. */
  raiseTo(used: number, now: number, resetAt?: number): void;
  /** True when the state holds nothing and may be dropped. */
  idle(now: number): boolean;
}

/** Float slack so a wait computed to the millisecond is not refused for 1e-12 of weight. */
const EPSILON = 1e-9;

export function createBucketState(limit: Limit): BucketState {
  switch (limit.type) {
    case 'fixed-window':
      return new FixedWindowState(limit.windowMs);
    case 'sliding-window':
      return new SlidingLogState(limit.windowMs);
    case 'decay':
      return new DecayState(limit.decayPerSecond);
  }
}

/** Whole milliseconds, at least 1, so a sleeper wakes when the weight really fits. */
export function waitMs(ms: number): number {
  return ms === Infinity ? ms : Math.max(1, Math.ceil(ms - EPSILON));
}

export class FixedWindowState implements BucketState {
  readonly #windowMs: number;
  #start = -Infinity;
  #used = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  #roll(now: number): void {
    const start = Math.floor(now / this.#windowMs) * this.#windowMs;
    if (start !== this.#start) {
      this.#start = start;
      this.#used = 0;
    }
  }

  waitFor(weight: number, capacity: number, now: number): number {
    if (weight > capacity + EPSILON) return Infinity;
    this.#roll(now);
    return this.#used + weight <= capacity + EPSILON ? 0 : waitMs(this.#start + this.#windowMs - now);
  }

  take(weight: number, now: number): void {
    this.#roll(now);
    this.#used += weight;
  }

  used(now: number): number {
    this.#roll(now);
    return this.#used;
  }

  raiseTo(used: number, now: number): void {
    this.#roll(now);
    this.#used = Math.max(this.#used, used);
  }

  idle(now: number): boolean {
    return this.used(now) === 0;
  }
}

/**
 * Exact sliding window: a log of (time, weight), oldest first. An entry counts while
 * `now - time < windowMs`. Memory is bounded by capacity / smallest weight.
 */
export class SlidingLogState implements BucketState {
  readonly #windowMs: number;
  #times: number[] = [];
  #weights: number[] = [];
  #head = 0;
  #sum = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  #expire(now: number): void {
    const cutoff = now - this.#windowMs;
    while (this.#head < this.#times.length && (this.#times[this.#head] as number) <= cutoff) {
      this.#sum -= this.#weights[this.#head] as number;
      this.#head++;
    }
    if (this.#head === this.#times.length) this.#reset();
    else if (this.#head > 1024 && this.#head * 2 > this.#times.length) this.#compact();
  }

  #reset(): void {
    this.#times = [];
    this.#weights = [];
    this.#head = 0;
    this.#sum = 0; // re-anchor: no float drift survives an empty window
  }

  #compact(): void {
    this.#times = this.#times.slice(this.#head);
    this.#weights = this.#weights.slice(this.#head);
    this.#head = 0;
  }

  waitFor(weight: number, capacity: number, now: number): number {
    if (weight > capacity + EPSILON) return Infinity;
    this.#expire(now);
    const excess = this.#sum + weight - capacity;
    if (excess <= EPSILON) return 0;
    let freed = 0;
    for (let i = this.#head; i < this.#times.length; i++) {
      freed += this.#weights[i] as number;
      if (freed >= excess - EPSILON) return waitMs((this.#times[i] as number) + this.#windowMs - now);
    }
    return waitMs(this.#windowMs); // unreachable while weight <= capacity; keeps the type total
  }

  take(weight: number, now: number): void {
    this.#expire(now);
    this.#insert(now, weight);
  }

  used(now: number): number {
    this.#expire(now);
    return this.#sum;
  }

  raiseTo(used: number, now: number, resetAt?: number): void {
    this.#expire(now);
    const missing = used - this.#sum;
    if (missing <= 0) return;
    // Weight we did not see was sent by someone else; it leaves the exchange's window at its reset,
    // or (not knowing when) a full window from now, which can only be stricter than the truth.
    const known = resetAt !== undefined && resetAt > now && resetAt <= now + this.#windowMs;
    this.#insert(known ? resetAt - this.#windowMs : now, missing);
  }

  #insert(time: number, weight: number): void {
    let i = this.#times.length;
    while (i > this.#head && (this.#times[i - 1] as number) > time) i--;
    this.#times.splice(i, 0, time);
    this.#weights.splice(i, 0, weight);
    this.#sum += weight;
  }

  idle(now: number): boolean {
    return this.used(now) === 0;
  }
}

/** Kraken's counter: +weight per call, drains at `decayPerSecond`, must stay ≤ capacity. */
export class DecayState implements BucketState {
  readonly #perMs: number;
  #level = 0;
  #at = 0;

  constructor(decayPerSecond: number) {
    this.#perMs = decayPerSecond / 1000;
  }

  #drain(now: number): void {
    if (now > this.#at) {
      this.#level = Math.max(0, this.#level - (now - this.#at) * this.#perMs);
      this.#at = now;
    }
  }

  waitFor(weight: number, capacity: number, now: number): number {
    if (weight > capacity + EPSILON) return Infinity;
    this.#drain(now);
    const excess = this.#level + weight - capacity;
    return excess <= EPSILON ? 0 : waitMs(excess / this.#perMs);
  }

  take(weight: number, now: number): void {
    this.#drain(now);
    this.#level += weight;
  }

  used(now: number): number {
    this.#drain(now);
    return this.#level;
  }

  raiseTo(used: number, now: number): void {
    this.#drain(now);
    this.#level = Math.max(this.#level, used);
  }

  idle(now: number): boolean {
    return this.used(now) <= EPSILON;
  }
}
