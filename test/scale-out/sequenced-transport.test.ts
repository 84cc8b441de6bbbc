import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { SequencedEventTransport, type EventRelay } from '../../src/engine/events/sequenced-transport.js';
import type { EngineEvent, NewEngineEvent } from '../../src/domain/engine-events.js';

/** An in-memory event log standing in for the shared table (what the other processes appended). */
class MemoryLog {
  readonly events: (EngineEvent & { seq: number })[] = [];
  append(event: NewEngineEvent): Promise<EngineEvent & { seq: number }> {
    const saved = { ...event, seq: this.events.length + 1 };
    this.events.push(saved);
    return Promise.resolve(saved);
  }
  since(after: number, options: { limit: number }): Promise<(EngineEvent & { seq: number })[]> {
    return Promise.resolve(this.events.filter((e) => e.seq > after).slice(0, options.limit));
  }
  lastSeq(): Promise<number> {
    return Promise.resolve(this.events.length);
  }
}

class FakeRelay implements EventRelay {
  handler: ((e: EngineEvent) => void) | undefined;
  readonly sent: EngineEvent[] = [];
  publish(event: EngineEvent): void {
    this.sent.push(event);
  }
  subscribe(onEvent: (e: EngineEvent) => void): Promise<void> {
    this.handler = onEvent;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const ev = (engineId: string, type: string): NewEngineEvent => ({ engineId, type, payload: {}, time: '2026-01-01T00:00:00.000Z' });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('SequencedEventTransport', () => {
  it('delivers local and relayed events in sequence order, each once, filling gaps from the log', async () => {
    const log = new MemoryLog();
    await log.append(ev('old', 'before-start')); // catch-up territory, never delivered live
    const relay = new FakeRelay();
    const clock = new ManualClock(0);
    const transport = new SequencedEventTransport({ log, relay, clock, pollMs: 1_000 });
    await transport.start();
    const seen: number[] = [];
    transport.subscribe((e) => seen.push(e.seq ?? -1));

    const a2 = await log.append(ev('A', 'x')); // another process's event (2)
    const a3 = await log.append(ev('A', 'y')); // (3)
    const mine = await log.append(ev('B', 'z')); // this process's (4)
    transport.publish(mine); // arrives before 2 and 3: they are read from the log first
    await settle();
    expect(seen).toEqual([2, 3, 4]);
    relay.handler?.(a3); // late relay messages: duplicates, dropped
    relay.handler?.(a2);
    await settle();
    expect(seen).toEqual([2, 3, 4]);
    expect(relay.sent.map((e) => e.seq)).toEqual([4]);

    relay.handler?.({ engineId: 'A', type: 'heartbeat', payload: {}, time: 't' }); // transient: straight through
    const lostOnRelay = await log.append(ev('A', 'w')); // (5) its relay message never arrives
    expect(lostOnRelay.seq).toBe(5);
    await clock.advance(1_000); // the poll finds it
    await settle();
    expect(seen).toEqual([2, 3, 4, -1, 5]);
    await transport.close();
  });
});
