import { systemClock, type Clock } from '../domain/clock.js';
import type { RequestLane } from './request-gate.js';
import type { AcquireOutcome, BucketSpec, BucketStore, Draw, PauseInfo, UsageCorrection } from './bucket-store.js';
import { assertPositiveFinite, assertValidLimit } from './limit-rules.js';
import { MemoryBucketStore } from './memory-store.js';
import type { JournaledPause, PauseJournal } from './pause-journal.js';
import { LaneQueue, type PreparedAcquire, type Waiter } from './waiter-queue.js';

export type LimiterEvent =
  | { readonly type: 'paused'; readonly scope: string; readonly until: number; readonly reason: string }
  | { readonly type: 'corrected'; readonly bucket: string; readonly used: number }
  | { readonly type: 'rejected'; readonly lane: RequestLane; readonly reason: string }
  | { readonly type: 'journal-failed'; readonly scope: string; readonly error: unknown };

export type LimiterListener = (event: LimiterEvent) => void;

export interface RateLimiterOptions {
  /** Where budgets live. Default: a new in-process `MemoryBucketStore`. */
  readonly store?: BucketStore;
  /** Default: `systemClock`. Tests inject a `ManualClock`. */
  readonly clock?: Clock;
  /** Fraction (0 ≤ x < 1) of every bucket the read lane may not use, kept for orders. Default 0. */
  readonly readReserve?: number;
  /** Reads that may wait at once; more are refused with `LimiterQueueFullError`. Default 10,000. */
  readonly maxQueuedReads?: number;
  /**
   * Widens every sliding window by this many ms. A request admitted at t and one admitted at t + W
   * may reach the exchange less than W apart (event-loop and network jitter); the margin absorbs
   * that. Default 0 (exact windows); 20–50 ms is sensible for real exchanges.
   */
  readonly windowMarginMs?: number;
  /** Keeps pauses across restarts (`restore` reads them back). Default: none, pauses die with the process. */
  readonly journal?: PauseJournal;
}

export interface RunOptions {
  /** `order` jumps ahead of waiting reads. Default `read`. */
  readonly lane?: RequestLane;
  /** Scopes whose pause also blocks this request, besides its buckets' own scopes. */
  readonly pauseScopes?: readonly string[];
  /** Leaves the queue (rejecting with the signal's reason) if aborted while waiting. */
  readonly signal?: AbortSignal;
}

/** Refused at once because the read lane is full: back off instead of queueing without bound. */
export class LimiterQueueFullError extends Error {
  constructor(limit: number) {
    super(`The rate limiter's read queue is full (${limit} waiting)`);
    this.name = 'LimiterQueueFullError';
  }
}

/**
 * Waits until every bucket a request needs has room, takes them all at once, then runs it.
 * Waiting is computed (the store says how long) and slept on the injected clock: no polling.
 * Orders are served before reads; among equal shapes, first come first served.
 */
export class RateLimiter {
  readonly #store: BucketStore;
  readonly #clock: Clock;
  readonly #reserve: number;
  readonly #maxReads: number;
  readonly #marginMs: number;
  readonly #journal: PauseJournal | undefined;
  readonly #orders = new LaneQueue();
  readonly #reads = new LaneQueue();
  readonly #listeners = new Set<LimiterListener>();
  readonly #seenPauses = new Map<string, number>();
  #seq = 0;
  #timer: { at: number; controller: AbortController } | undefined;
  #pumping = false;
  #pumpAgain = false;

  constructor(options: RateLimiterOptions = {}) {
    const reserve = options.readReserve ?? 0;
    if (typeof reserve !== 'number' || !(reserve >= 0 && reserve < 1)) {
      throw new TypeError(`Expected \`readReserve\` to be a number >= 0 and < 1, got \`${String(reserve)}\``);
    }
    const maxReads = options.maxQueuedReads ?? 10_000;
    if (maxReads !== Infinity) assertPositiveFinite(maxReads, 'maxQueuedReads');
    this.#store = options.store ?? new MemoryBucketStore();
    this.#clock = options.clock ?? systemClock;
    this.#reserve = reserve;
    this.#maxReads = maxReads;
    const margin = options.windowMarginMs ?? 0;
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
      throw new TypeError(`Expected \`windowMarginMs\` to be a finite number >= 0, got \`${String(margin)}\``);
    }
    this.#marginMs = margin;
    this.#journal = options.journal;
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** Waiting requests per lane. */
  get pending(): { order: number; read: number } {
    return { order: this.#orders.size, read: this.#reads.size };
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: LimiterListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs `fn` once each bucket in `buckets` has `weight` (or the draw's own weight) to spare. */
  async run<T>(
    buckets: readonly (BucketSpec | Draw)[],
    weight: number,
    fn: () => Promise<T>,
    options: RunOptions = {},
  ): Promise<T> {
    assertPositiveFinite(weight, 'weight');
    const draws = buckets.map((b): Draw => ('bucket' in b ? b : { bucket: b, weight }));
    return this.runPrepared(this.prepare(draws, options), fn, options.signal);
  }

  /** Builds the reusable form of a request; callers on a hot path cache it. */
  prepare(given: readonly Draw[], options: Omit<RunOptions, 'signal'> = {}): PreparedAcquire {
    for (const d of given) validateDraw(d);
    const draws = this.#marginMs === 0 ? given : given.map((d) => withMargin(d, this.#marginMs));
    const lane = options.lane ?? 'read';
    const scopes = new Set([...draws.map((d) => d.bucket.scope), ...(options.pauseScopes ?? [])]);
    const pauseScopes = [...scopes];
    const keys = [...draws.map((d) => d.bucket.key), ...pauseScopes];
    const reserve = lane === 'read' ? this.#reserve : 0;
    return { request: { draws, pauseScopes, reserve }, keys, signature: `${lane}\n${keys.join('\n')}`, lane };
  }

  async runPrepared<T>(prepared: PreparedAcquire, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const waiting = this.#acquire(prepared, signal);
    if (waiting) await waiting;
    return fn();
  }

  /**
   * Stops every request naming `scope` until `until` (epoch ms, per the clock). In force in the store
   * first (nothing else is admitted meanwhile), then journaled, all before this resolves: callers
   * await it before sending again, so a restart right after still knows the pause.
   */
  async pause(scope: string, until: number, reason: string, statusCode?: number): Promise<void> {
    const now = this.#clock.now();
    await this.#store.pause(scope, until, reason, now);
    this.#notePause({ scope, until, reason });
    if (!this.#journal || until <= now) return;
    try {
      await this.#journal.record({ scope, until, reason, ...(statusCode === undefined ? {} : { statusCode }) });
    } catch (error) {
      // The pause holds in this process all the same; only its survival of a restart is lost.
      this.#emit({ type: 'journal-failed', scope, error });
    }
  }

  /** Puts the journal's pauses still in force back into the store (process start); returns them. */
  async restore(): Promise<JournaledPause[]> {
    if (!this.#journal) return [];
    const now = this.#clock.now();
    const pauses = await this.#journal.active(now);
    for (const pause of pauses) {
      await this.#store.pause(pause.scope, pause.until, pause.reason, now);
      this.#notePause(pause);
    }
    return pauses;
  }

  async correct(bucket: BucketSpec, correction: UsageCorrection): Promise<void> {
    await this.#store.correct(bucket, correction, this.#clock.now());
    this.#emit({ type: 'corrected', bucket: bucket.key, used: correction.used });
  }

  async pauses(): Promise<PauseInfo[]> {
    return this.#store.pauses(this.#clock.now());
  }

  async used(bucket: BucketSpec): Promise<number> {
    return this.#store.used(bucket, this.#clock.now());
  }

  /** Rejects everything still waiting (shutdown). */
  close(reason: unknown = new Error('The rate limiter was closed')): void {
    this.#timer?.controller.abort();
    this.#timer = undefined;
    for (const w of [...this.#orders.drain(), ...this.#reads.drain()]) {
      w.detach?.();
      w.reject(reason);
    }
  }

  /** undefined: acquired synchronously (the common case with the in-process store). */
  #acquire(prepared: PreparedAcquire, signal?: AbortSignal): Promise<void> | undefined {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const conflict = this.#conflict(prepared);
    if (conflict !== undefined) return this.#enqueue(prepared, conflict, signal);
    const outcome = this.#store.tryAcquire(prepared.request, this.#clock.now());
    if (!(outcome instanceof Promise)) return outcome.ok ? undefined : this.#afterRefusal(prepared, outcome, signal);
    return outcome.then((o) => (o.ok ? undefined : this.#afterRefusal(prepared, o, signal)));
  }

  #afterRefusal(prepared: PreparedAcquire, outcome: Refusal, signal?: AbortSignal): Promise<void> {
    if (outcome.waitMs === Infinity) return Promise.reject(tooHeavy(prepared, outcome.blockedBy));
    if (outcome.pause) this.#notePause(outcome.pause);
    // Arm the wake-up first so enqueueing does not trigger an immediate, pointless retry.
    this.#schedule(this.#clock.now() + outcome.waitMs);
    return this.#enqueue(prepared, outcome.blockedBy, signal);
  }

  #enqueue(prepared: PreparedAcquire, blockedOn: string, signal?: AbortSignal): Promise<void> {
    const lane = this.#lane(prepared);
    if (lane === this.#reads && lane.size >= this.#maxReads) {
      this.#emit({ type: 'rejected', lane: 'read', reason: 'queue full' });
      return Promise.reject(new LimiterQueueFullError(this.#maxReads));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { prepared, seq: this.#seq++, resolve, reject, blockedOn };
      if (signal) {
        const onAbort = (): void => {
          if (lane.remove(waiter)) reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      lane.push(waiter);
      if (!this.#timer) void this.#pump();
    });
  }

  /** Serves every waiter that fits now, orders first; sleeps until the earliest refusal clears. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        const earliest = await this.#serveAll();
        if (earliest !== Infinity) this.#schedule(earliest);
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  async #serveAll(): Promise<number> {
    const blocked = new Set<string>();
    let earliest = Infinity;
    for (const lane of [this.#orders, this.#reads]) {
      for (const head of lane.heads()) {
        const at = await this.#serveShape(lane, head, blocked);
        earliest = Math.min(earliest, at);
      }
    }
    return earliest;
  }

  /** Serves one shape's queue in order until a waiter must wait; returns when to try again. */
  async #serveShape(lane: LaneQueue, first: Waiter, blocked: Set<string>): Promise<number> {
    let waiter: Waiter | undefined = first;
    while (waiter) {
      if (waiter.prepared.keys.some((k) => blocked.has(k))) break;
      const result = await this.#tryOne(waiter);
      if (result.kind === 'wait') {
        blocked.add(result.blockedBy);
        lane.reblock(waiter, result.blockedBy);
        return this.#clock.now() + result.waitMs;
      }
      const current: Waiter = waiter;
      waiter = lane.shiftHead(current);
      current.detach?.();
      if (result.kind === 'admitted') current.resolve();
      else current.reject(result.error);
    }
    return Infinity;
  }

  async #tryOne(waiter: Waiter): Promise<TryResult> {
    try {
      const maybe = this.#store.tryAcquire(waiter.prepared.request, this.#clock.now());
      const outcome = maybe instanceof Promise ? await maybe : maybe;
      if (outcome.ok) return { kind: 'admitted' };
      if (outcome.waitMs === Infinity) return { kind: 'failed', error: tooHeavy(waiter.prepared, outcome.blockedBy) };
      if (outcome.pause) this.#notePause(outcome.pause);
      return { kind: 'wait', waitMs: outcome.waitMs, blockedBy: outcome.blockedBy };
    } catch (error) {
      // The store itself failed (Redis down): this request fails; the others are tried on their own.
      return { kind: 'failed', error };
    }
  }

  #schedule(at: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    this.#timer?.controller.abort();
    const timer = { at, controller: new AbortController() };
    this.#timer = timer;
    this.#clock.sleep(Math.max(0, at - this.#clock.now()), timer.controller.signal).then(
      () => {
        if (this.#timer === timer) this.#timer = undefined;
        void this.#pump();
      },
      () => undefined, // superseded by an earlier wake-up
    );
  }

  #lane(prepared: PreparedAcquire): LaneQueue {
    return prepared.lane === 'order' ? this.#orders : this.#reads;
  }

  /** A key some earlier waiter is blocked on; orders only defer to orders, reads to both lanes. */
  #conflict(prepared: PreparedAcquire): string | undefined {
    const order = this.#orders.conflict(prepared.keys);
    return order ?? (prepared.lane === 'read' ? this.#reads.conflict(prepared.keys) : undefined);
  }

  #notePause(pause: PauseInfo): void {
    if (this.#seenPauses.get(pause.scope) === pause.until) return;
    this.#seenPauses.set(pause.scope, pause.until);
    this.#emit({ type: 'paused', scope: pause.scope, until: pause.until, reason: pause.reason });
  }

  #emit(event: LimiterEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break rate limiting for everyone else.
      }
    }
  }
}

type Refusal = Exclude<AcquireOutcome, { ok: true }>;
type TryResult =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'wait'; readonly waitMs: number; readonly blockedBy: string }
  | { readonly kind: 'failed'; readonly error: unknown };

function withMargin(draw: Draw, marginMs: number): Draw {
  const { limit } = draw.bucket;
  if (limit.type !== 'sliding-window') return draw;
  return { ...draw, bucket: { ...draw.bucket, limit: { ...limit, windowMs: limit.windowMs + marginMs } } };
}

function validateDraw(draw: Draw): void {
  assertPositiveFinite(draw.weight, `weight of ${draw.bucket.key}`);
  assertValidLimit(draw.bucket.limit, draw.bucket.key);
}

function tooHeavy(prepared: PreparedAcquire, blockedBy: string): Error {
  const draw = prepared.request.draws.find((d) => d.bucket.key === blockedBy);
  if (!draw) return new Error(`The rate limit store refused the request: ${blockedBy}`);
  return new RangeError(
    `Weight ${draw.weight} can never fit bucket \`${draw.bucket.key}\` (capacity ${draw.bucket.limit.capacity})`,
  );
}
