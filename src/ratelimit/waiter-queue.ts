import type { RequestLane } from './request-gate.js';
import type { AcquireRequest } from './bucket-store.js';

/** A request prepared once (keys, signature) so the hot path does no string work. */
export interface PreparedAcquire {
  readonly request: AcquireRequest;
  /** Every bucket key and pause scope the request touches. */
  readonly keys: readonly string[];
  /** Identical shapes share one FIFO queue. */
  readonly signature: string;
  readonly lane: RequestLane;
}

export interface Waiter {
  readonly prepared: PreparedAcquire;
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  /** The bucket key or scope it is waiting for; newcomers needing it queue behind. */
  blockedOn: string;
  detach?: () => void;
}

/**
 * One lane's waiters, FIFO per request shape. The scheduler only ever looks at the head of each
 * shape's queue, so a flood of 10,000 identical reads costs one check per wake-up, not 10,000.
 */
export class LaneQueue {
  readonly #shapes = new Map<string, Waiter[]>();
  /**
   * How many waiters wait on each key. Only the key a waiter is blocked on is reserved: its other
   * buckets stay usable by others (an order bucket that is full must not stall reads on the IP).
   */
  readonly #keyCounts = new Map<string, number>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The first of `keys` some waiter is blocked on. */
  conflict(keys: readonly string[]): string | undefined {
    if (this.#size === 0) return undefined;
    for (const key of keys) if (this.#keyCounts.has(key)) return key;
    return undefined;
  }

  /** Records that a queued waiter now waits on another key. */
  reblock(waiter: Waiter, key: string): void {
    if (waiter.blockedOn === key) return;
    this.#count(waiter.blockedOn, -1);
    waiter.blockedOn = key;
    this.#count(key, 1);
  }

  push(waiter: Waiter): void {
    const queue = this.#shapes.get(waiter.prepared.signature);
    if (queue) queue.push(waiter);
    else this.#shapes.set(waiter.prepared.signature, [waiter]);
    this.#count(waiter.blockedOn, 1);
    this.#size++;
  }

  /** Removes a waiter wherever it is (abort); false if it already left. */
  remove(waiter: Waiter): boolean {
    const queue = this.#shapes.get(waiter.prepared.signature);
    const index = queue ? queue.indexOf(waiter) : -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    this.#settled(waiter, queue);
    return true;
  }

  /** Heads of every shape's queue, oldest first. */
  heads(): Waiter[] {
    const heads: Waiter[] = [];
    for (const queue of this.#shapes.values()) if (queue[0]) heads.push(queue[0]);
    return heads.sort((a, b) => a.seq - b.seq);
  }

  /** Removes `waiter` (the head of its shape's queue) and returns the next waiter of that shape. */
  shiftHead(waiter: Waiter): Waiter | undefined {
    const queue = this.#shapes.get(waiter.prepared.signature);
    if (!queue || queue[0] !== waiter) return undefined;
    queue.shift();
    this.#settled(waiter, queue);
    return queue[0];
  }

  drain(): Waiter[] {
    const all = [...this.#shapes.values()].flat();
    this.#shapes.clear();
    this.#keyCounts.clear();
    this.#size = 0;
    return all;
  }

  #settled(waiter: Waiter, queue: Waiter[]): void {
    if (queue.length === 0) this.#shapes.delete(waiter.prepared.signature);
    this.#count(waiter.blockedOn, -1);
    this.#size--;
  }

  #count(key: string, delta: number): void {
    const next = (this.#keyCounts.get(key) ?? 0) + delta;
    if (next <= 0) this.#keyCounts.delete(key);
    else this.#keyCounts.set(key, next);
  }
}
