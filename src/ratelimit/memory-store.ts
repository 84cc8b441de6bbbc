import type {
  AcquireOutcome,
  AcquireRequest,
  BucketSpec,
  BucketStore,
  PauseInfo,
  UsageCorrection,
} from './bucket-store.js';
import { createBucketState, type BucketState } from './buckets.js';

const OK: AcquireOutcome = { ok: true };
/** Idle buckets (one per symbol, per endpoint…) are dropped now and then so memory stays flat. */
const SWEEP_EVERY = 50_000;

/** The default store: state in this process, answers synchronously (no promise on the hot path). */
export class MemoryBucketStore implements BucketStore {
  readonly #buckets = new Map<string, BucketState>();
  readonly #pauses = new Map<string, PauseInfo>();
  #sinceSweep = 0;

  tryAcquire(request: AcquireRequest, now: number): AcquireOutcome {
    const paused = this.#pausedFor(request.pauseScopes, now);
    if (paused) return paused;
    const factor = 1 - request.reserve;
    let wait = 0;
    let blockedBy = '';
    for (const draw of request.draws) {
      const ms = this.#state(draw.bucket).waitFor(draw.weight, draw.bucket.limit.capacity * factor, now);
      if (ms > wait) {
        wait = ms;
        blockedBy = draw.bucket.key;
      }
    }
    // All or nothing: only once every bucket has room is any of them charged.
    if (wait > 0) return { ok: false, waitMs: wait, blockedBy };
    for (const draw of request.draws) this.#state(draw.bucket).take(draw.weight, now);
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(now);
    return OK;
  }

  correct(bucket: BucketSpec, correction: UsageCorrection, now: number): void {
    this.#state(bucket).raiseTo(correction.used, now, correction.resetAt);
  }

  pause(scope: string, until: number, reason: string, now: number): void {
    const current = this.#pauses.get(scope);
    if (until <= now || (current && current.until >= until)) return;
    this.#pauses.set(scope, { scope, until, reason });
  }

  pauses(now: number): PauseInfo[] {
    return [...this.#pauses.values()].filter((p) => p.until > now);
  }

  used(bucket: BucketSpec, now: number): number {
    return this.#buckets.get(bucket.key)?.used(now) ?? 0;
  }

  #pausedFor(scopes: readonly string[], now: number): AcquireOutcome | undefined {
    if (this.#pauses.size === 0) return undefined;
    let found: PauseInfo | undefined;
    for (const scope of scopes) {
      const pause = this.#pauses.get(scope);
      if (!pause) continue;
      if (pause.until <= now) this.#pauses.delete(scope);
      else if (!found || pause.until > found.until) found = pause;
    }
    return found ? { ok: false, waitMs: found.until - now, blockedBy: found.scope, pause: found } : undefined;
  }

  #state(bucket: BucketSpec): BucketState {
    let state = this.#buckets.get(bucket.key);
    if (!state) {
      state = createBucketState(bucket.limit);
      this.#buckets.set(bucket.key, state);
    }
    return state;
  }

  #sweep(now: number): void {
    this.#sinceSweep = 0;
    for (const [key, state] of this.#buckets) if (state.idle(now)) this.#buckets.delete(key);
  }
}
