import type { EventLog } from '../runtime/ports.js';
import type { EngineEvent, NewEngineEvent } from '../../domain/engine-events.js';

/**
 * Engine events: stored in the event log (which gives each its sequence number) and then delivered
 * to live subscribers (the SSE route). Built by the composition root, never a module singleton.
 *
 * Delivery goes through an `EventTransport` so a multi-process installation can fan events out through
 * Redis: the default `LocalEventTransport` delivers in-process only.
 */

export type EventListener = (event: EngineEvent) => void;

export interface EventTransport {
  publish(event: EngineEvent): void;
  subscribe(listener: EventListener): () => void;
}

/** In-process delivery. A throwing listener is isolated so it cannot break the engine that published. */
export class LocalEventTransport implements EventTransport {
  readonly #listeners = new Set<EventListener>();

  publish(event: EngineEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug (e.g. a closed socket) must never reach the engine.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }
}

export interface EventBusOptions {
  log: EventLog;
  transport?: EventTransport;
}

export class EngineEventBus {
  readonly #log: EventLog;
  readonly #transport: EventTransport;
  /** Appends run one after another so live delivery order equals sequence order (clients resume by seq). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: EventBusOptions) {
    this.#log = options.log;
    this.#transport = options.transport ?? new LocalEventTransport();
  }

  /** Stores the event, then delivers it; resolves with the stored event (with `seq`). */
  publish(event: NewEngineEvent): Promise<EngineEvent & { seq: number }> {
    const stored = this.#chain.then(async () => {
      const saved = await this.#log.append(event);
      this.#transport.publish(saved);
      return saved;
    });
    this.#chain = stored.catch(() => undefined);
    return stored;
  }

  /** Delivers an event without storing it (heartbeats: frequent, worthless after the fact). */
  publishTransient(event: NewEngineEvent): void {
    this.#transport.publish(event);
  }

  subscribe(listener: EventListener): () => void {
    return this.#transport.subscribe(listener);
  }

  since(after: number, options: { limit: number; engineId?: string }): Promise<(EngineEvent & { seq: number })[]> {
    return this.#log.since(after, options);
  }
}
