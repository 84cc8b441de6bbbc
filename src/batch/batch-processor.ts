import { systemClock, type Clock } from '../domain/clock.js';

export type ItemStatus = 'fulfilled' | 'rejected' | 'timeout' | 'cancelled';

export interface ItemResult<R> {
  readonly status: ItemStatus;
  readonly value?: R;
  readonly error?: unknown;
  /** From the moment the item started (got a slot) to its outcome; 0 if it never started. */
  readonly durationMs: number;
}

export interface BatchTotals {
  readonly total: number;
  readonly fulfilled: number;
  readonly rejected: number;
  readonly timeout: number;
  readonly cancelled: number;
  readonly durationMs: number;
}

export interface BatchResult<R> {
  /** In input order, one per item. */
  readonly items: ItemResult<R>[];
  readonly totals: BatchTotals;
}

export interface BatchProgress<R> {
  readonly done: number;
  readonly total: number;
  readonly index: number;
  readonly result: ItemResult<R>;
}

export interface WorkerContext {
  /** Aborted on the item's timeout or the batch's cancellation; the worker should stop promptly. */
  readonly signal: AbortSignal;
  readonly index: number;
}

export interface BatchProcessorOptions<I, R> {
  /** Does one item. Throwing fails that item only. */
  readonly worker: (item: I, context: WorkerContext) => Promise<R>;
  /** The queue an item belongs to (its exchange). */
  readonly groupOf: (item: I) => string;
  /** Items of one group running at once, per group. Groups not listed use `defaultBatchSize`. */
  readonly batchSizes?: Readonly<Record<string, number>>;
  /** Default 1. */
  readonly defaultBatchSize?: number;
  /** Per-item timeout in ms (clock time). Default: none. */
  readonly timeoutMs?: number;
  /** Default `systemClock`. */
  readonly clock?: Clock;
}

export interface RunBatchOptions<R> {
  /** Aborting cancels pending items and signals running ones. */
  readonly signal?: AbortSignal;
  /** Called as each item finishes (in completion order). */
  readonly onProgress?: (progress: BatchProgress<R>) => void;
}

/** Thrown into a worker's signal when its item runs out of time. */
export class ItemTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`The item did not finish within ${timeoutMs} ms`);
    this.name = 'ItemTimeoutError';
  }
}

/** A counting semaphore per group, shared by every batch run of the processor. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(): Promise<void> | undefined {
    if (this.#free > 0) {
      this.#free--;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/**
 * Runs items queued per group (exchange) with at most that group's batch size at once — across all
 * runs of this processor — and returns every item's outcome in input order. One item failing,
 * timing out or being cancelled never fails the batch.
 */
export class BatchProcessor<I, R> {
  readonly #options: BatchProcessorOptions<I, R>;
  readonly #clock: Clock;
  readonly #slots = new Map<string, Slots>();

  constructor(options: BatchProcessorOptions<I, R>) {
    validate(options);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async run(items: readonly I[], options: RunBatchOptions<R> = {}): Promise<BatchResult<R>> {
    const started = this.#clock.now();
    const results: ItemResult<R>[] = new Array<ItemResult<R>>(items.length);
    let done = 0;
    const finish = (index: number, result: ItemResult<R>): void => {
      results[index] = result;
      done++;
      safely(() => options.onProgress?.({ done, total: items.length, index, result }));
    };
    await Promise.all(items.map((item, index) => this.#runItem(item, index, options.signal).then((r) => finish(index, r))));
    return { items: results, totals: totalsOf(results, this.#clock.now() - started) };
  }

  async #runItem(item: I, index: number, batchSignal?: AbortSignal): Promise<ItemResult<R>> {
    const slots = this.#slotsFor(this.#options.groupOf(item));
    const gotSlot = await this.#waitForSlot(slots, batchSignal);
    if (!gotSlot) return { status: 'cancelled', error: batchSignal?.reason, durationMs: 0 };
    try {
      return await this.#execute(item, index, batchSignal);
    } finally {
      // The slot is held until the worker settles, so the batch size holds even for a slow worker.
      slots.release();
    }
  }

  /** false when the batch was cancelled before a slot came free. */
  async #waitForSlot(slots: Slots, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const waiting = slots.acquire();
    if (!waiting) return true;
    if (!signal) return waiting.then(() => true);
    let onAbort: (() => void) | undefined;
    const cancelled = new Promise<false>((resolve) => {
      onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const got = await Promise.race([waiting.then(() => true as const), cancelled]);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    if (!got) void waiting.then(() => slots.release()); // the slot arrives later: pass it on
    return got;
  }

  async #execute(item: I, index: number, batchSignal?: AbortSignal): Promise<ItemResult<R>> {
    const start = this.#clock.now();
    const controller = new AbortController();
    const onBatchAbort = (): void => controller.abort(batchSignal?.reason);
    batchSignal?.addEventListener('abort', onBatchAbort, { once: true });
    const stopTimer = new AbortController();
    const elapsed = (): number => this.#clock.now() - start;
    try {
      const work = this.#options.worker(item, { signal: controller.signal, index }).then(
        (value): ItemResult<R> => ({ status: 'fulfilled', value, durationMs: elapsed() }),
        (error: unknown): ItemResult<R> => ({ status: batchSignal?.aborted ? 'cancelled' : 'rejected', error, durationMs: elapsed() }),
      );
      const outcome = await Promise.race([work, this.#timeout(stopTimer.signal)]);
      if (outcome !== 'timeout') return outcome;
      const error = new ItemTimeoutError(this.#options.timeoutMs ?? 0);
      controller.abort(error);
      await work; // keep the slot until the worker really stops
      return { status: 'timeout', error, durationMs: this.#options.timeoutMs ?? elapsed() };
    } finally {
      stopTimer.abort();
      batchSignal?.removeEventListener('abort', onBatchAbort);
    }
  }

  #timeout(signal: AbortSignal): Promise<'timeout'> {
    const ms = this.#options.timeoutMs;
    if (ms === undefined) return new Promise(() => undefined);
    return this.#clock.sleep(ms, signal).then(
      () => 'timeout' as const,
      () => new Promise<'timeout'>(() => undefined), // cancelled because the item finished first
    );
  }

  #slotsFor(group: string): Slots {
    let slots = this.#slots.get(group);
    if (!slots) {
      slots = new Slots(this.#options.batchSizes?.[group] ?? this.#options.defaultBatchSize ?? 1);
      this.#slots.set(group, slots);
    }
    return slots;
  }
}

function validate<I, R>(options: BatchProcessorOptions<I, R>): void {
  if (typeof options?.worker !== 'function') throw new TypeError('Expected `worker` to be a function');
  if (typeof options.groupOf !== 'function') throw new TypeError('Expected `groupOf` to be a function');
  const sizes = { ...options.batchSizes, ...(options.defaultBatchSize === undefined ? {} : { defaultBatchSize: options.defaultBatchSize }) };
  for (const [name, size] of Object.entries(sizes)) {
    if (!Number.isInteger(size) || size < 1) {
      throw new TypeError(`Expected batch size \`${name}\` to be an integer >= 1, got \`${String(size)}\``);
    }
  }
  const t = options.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
    throw new TypeError(`Expected \`timeoutMs\` to be a finite number > 0, got \`${String(t)}\``);
  }
}

function totalsOf<R>(items: readonly ItemResult<R>[], durationMs: number): BatchTotals {
  const count = (status: ItemStatus): number => items.filter((i) => i.status === status).length;
  return {
    total: items.length,
    fulfilled: count('fulfilled'),
    rejected: count('rejected'),
    timeout: count('timeout'),
    cancelled: count('cancelled'),
    durationMs,
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A broken progress listener must not fail the batch.
  }
}
