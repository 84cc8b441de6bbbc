import { Redis } from 'ioredis';
import type { EventRelay } from '../engine/events/sequenced-transport.js';
import type { EngineEvent } from '../domain/engine-events.js';

/**
 * Engine events fanned out through Redis pub/sub to the other processes of the installation. Pub/sub
 * is at-most-once: the SequencedEventTransport reads whatever it misses from the event log, so the
 * publisher never queues (no offline queue: a Redis outage must not grow this process's memory).
 */
export class RedisEventRelay implements EventRelay {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #instanceId: string;
  readonly #onError: (error: unknown) => void;

  constructor(options: { url: string; channel: string; instanceId: string; onError?: (error: unknown) => void }) {
    this.#channel = options.channel;
    this.#instanceId = options.instanceId;
    this.#onError = options.onError ?? (() => undefined);
    this.#pub = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.#sub = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.#pub.on('error', this.#onError);
    this.#sub.on('error', this.#onError);
  }

  publish(event: EngineEvent): void {
    this.#pub.publish(this.#channel, JSON.stringify({ from: this.#instanceId, event })).catch(this.#onError);
  }

  async subscribe(onEvent: (event: EngineEvent) => void): Promise<void> {
    this.#sub.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const event = parseMessage(message, this.#instanceId);
      if (event) onEvent(event);
    });
    await this.#sub.subscribe(this.#channel);
  }

  async close(): Promise<void> {
    await Promise.all([this.#pub, this.#sub].map((r) => r.quit().catch(() => r.disconnect())));
  }
}

/** The event of another process, or null for our own echo or a malformed message. */
function parseMessage(message: string, self: string): EngineEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { from, event } = parsed as { from?: unknown; event?: unknown };
  if (from === self || typeof event !== 'object' || event === null) return null;
  const e = event as Record<string, unknown>;
  if (typeof e['engineId'] !== 'string' || typeof e['type'] !== 'string' || typeof e['time'] !== 'string') return null;
  if (e['seq'] !== undefined && !Number.isSafeInteger(e['seq'])) return null;
  if (typeof e['payload'] !== 'object' || e['payload'] === null) return null;
  return {
    engineId: e['engineId'],
    type: e['type'],
    time: e['time'],
    payload: e['payload'] as Record<string, unknown>,
    ...(typeof e['seq'] === 'number' ? { seq: e['seq'] } : {}),
  };
}
