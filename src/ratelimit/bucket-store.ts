import type { Limit } from './limit-rules.js';

/** One concrete bucket: a rule instantiated for one scope (an IP, an account, an account+symbol…). */
export interface BucketSpec {
  /** Unique across the store, e.g. `binance|ip|local#binance.ip.weight`. */
  readonly key: string;
  /** The scope the bucket belongs to; pauses are set per scope. */
  readonly scope: string;
  readonly limit: Limit;
}

/** A request's claim on one bucket. */
export interface Draw {
  readonly bucket: BucketSpec;
  readonly weight: number;
}

export interface AcquireRequest {
  readonly draws: readonly Draw[];
  /** Scopes whose pause blocks this request (its own scopes and the IP/account above them). */
  readonly pauseScopes: readonly string[];
  /**
   * Fraction of every bucket's capacity this request may not use (0 = all of it). The read lane
   * keeps a reserve so bulk reads cannot fill a bucket an order will need a moment later.
   */
  readonly reserve: number;
}

export interface PauseInfo {
  readonly scope: string;
  /** Epoch ms at which requests for the scope may go again. */
  readonly until: number;
  readonly reason: string;
}

export type AcquireOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** How long until this request could pass if nothing else consumed in between. */
      readonly waitMs: number;
      /** The bucket key or paused scope that said no. */
      readonly blockedBy: string;
      readonly pause?: PauseInfo;
    };

export interface UsageCorrection {
  /** Weight the exchange says is already used in the bucket's current window. */
  readonly used: number;
  /** When the exchange's window resets (epoch ms), if it said so. */
  readonly resetAt?: number;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where bucket state lives. Every method is atomic over everything it touches: `tryAcquire` takes
 * all draws or none (it never holds one bucket while waiting for another). The in-process store
 * answers synchronously so the hot path costs no promise; the Redis store answers asynchronously.
 */
export interface BucketStore {
  tryAcquire(request: AcquireRequest, now: number): MaybePromise<AcquireOutcome>;
  /** Raises the bucket's used amount to what the exchange reports; never lowers it. */
  correct(bucket: BucketSpec, correction: UsageCorrection, now: number): MaybePromise<void>;
  /** Blocks every request naming `scope` until `until`; a later pause only extends an earlier one. */
  pause(scope: string, until: number, reason: string, now: number): MaybePromise<void>;
  /** Pauses still in force. */
  pauses(now: number): MaybePromise<PauseInfo[]>;
  /** Weight currently counted against the bucket. */
  used(bucket: BucketSpec, now: number): MaybePromise<number>;
}
