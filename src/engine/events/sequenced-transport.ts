import type { Clock } from '../../domain/clock.js';
import type { EventLog } from '../runtime/ports.js';
import type { EngineEvent } from '../../domain/engine-events.js';
import type { EventListener, EventTransport } from './event-bus.js';

/**
 * Event delivery for a multi-process installation: every process's subscribers (SSE streams) get
 * every engine's stored events, wherever the engine runs, in sequence order, each once.
 *
 * Sources: this process's own events (published here), other processes' events through an
 * `EventRelay` (Redis pub/sub: fast, but at-most-once and unordered across publishers), and a
 * periodic read of the shared event log (slow, but complete). The log is the truth: sequence order is
 * commit order (see SqlEventLog.append), so when an event with seq N arrives and N is not the next one
 * expected, the gap is read from the log before N is delivered; anything at or below the last
 * delivered seq is a duplicate and dropped. A lost or late relay message therefore costs latency,
 * never an event. Transient events (heartbeats, no seq) are passed straight through.
 */

export interface EventRelay {
  /** Fire and forget: a message the relay cannot send is recovered from the log by the poll. */
  publish(event: EngineEvent): void;
  /** Events published by the OTHER processes of the installation. */
  subscribe(onEvent: (event: EngineEvent) => void): Promise<void>;
  close(): Promise<void>;
}

export interface SequencedTransportOptions {
  log: EventLog & { lastSeq(): Promise<number> };
  relay?: EventRelay;
  clock: Clock;
  /** How often the log is read for events the relay did not bring (default 1 s). */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

const GAP_PAGE = 500;

export class SequencedEventTransport implements EventTransport {
  readonly #o: SequencedTransportOptions;
  readonly #listeners = new Set<EventListener>();
  readonly #abort = new AbortController();
  #last = 0;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  #poller: Promise<void> = Promise.resolve();

  constructor(options: SequencedTransportOptions) {
    this.#o = options;
  }

  /** Starts after the log's current end: what came before is catch-up, served by `since`. */
  async start(): Promise<void> {
    this.#last = await this.#o.log.lastSeq();
    await this.#o.relay?.subscribe((event) => this.#receive(event));
    this.#poller = this.#poll();
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#poller;
    await this.#queue;
    await this.#o.relay?.close();
  }

  publish(event: EngineEvent): void {
    this.#receive(event);
    this.#o.relay?.publish(event);
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get lastDelivered(): number {
    return this.#last;
  }

  #receive(event: EngineEvent): void {
    const seq = event.seq;
    if (seq === undefined) {
      this.#deliver(event);
      return;
    }
    // The common case stays synchronous: nothing queued and this is the next sequence number.
    if (this.#pending === 0 && seq === this.#last + 1) {
      this.#last = seq;
      this.#deliver(event);
      return;
    }
    this.#enqueue(async () => {
      if (seq <= this.#last) return; // duplicate (already delivered, or read from the log)
      if (seq > this.#last + 1) await this.#readLog(seq - 1);
      if (seq > this.#last) {
        this.#last = seq;
        this.#deliver(event);
      }
    });
  }

  /** Delivers stored events after the last delivered one, up to `upTo` (inclusive) or the log's end. */
  async #readLog(upTo = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      const page = await this.#o.log.since(this.#last, { limit: GAP_PAGE });
      for (const event of page) {
        if (event.seq > upTo) return;
        this.#last = event.seq;
        this.#deliver(event);
      }
      if (page.length < GAP_PAGE) return;
    }
  }

  #enqueue(task: () => Promise<void>): void {
    this.#pending++;
    this.#queue = this.#queue
      .then(task)
      .catch((error: unknown) => this.#o.onError?.(error))
      .finally(() => {
        this.#pending--;
      });
  }

  async #poll(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#o.clock.sleep(this.#o.pollMs ?? 1_000, signal);
      } catch {
        return;
      }
      this.#enqueue(() => this.#readLog());
      await this.#queue;
    }
  }

  #deliver(event: EngineEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug (e.g. a closed socket) must never reach the engine or the relay.
      }
    }
  }
}
