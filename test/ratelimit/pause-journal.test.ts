import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimiter, type LimiterEvent } from '../../src/ratelimit/limiter.js';
import type { JournaledPause, PauseJournal } from '../../src/ratelimit/pause-journal.js';

/** An in-memory journal whose writes can be held open or made to fail, to observe ordering. */
class ProbeJournal implements PauseJournal {
  readonly written: JournaledPause[] = [];
  failWith: Error | undefined;
  release: (() => void) | undefined;

  async record(pause: JournaledPause): Promise<void> {
    if (this.failWith) throw this.failWith;
    await new Promise<void>((resolve) => (this.release = resolve));
    this.written.push(pause);
  }

  async active(now: number): Promise<JournaledPause[]> {
    return this.written.filter((p) => p.until > now);
  }
}

describe('RateLimiter with a pause journal', () => {
  it('resolves pause() only once the journal holds it, and the pause blocks requests from the start', async () => {
    const clock = new ManualClock(0);
    const journal = new ProbeJournal();
    const limiter = new RateLimiter({ clock, journal });
    let resolved = false;
    const pausing = limiter.pause('x|ip|local', 10_000, 'HTTP 418: IP banned', 418).then(() => (resolved = true));
    await clock.advance(0);
    expect(resolved).toBe(false); // still writing: a caller awaiting it cannot send yet
    expect(await limiter.pauses()).toEqual([{ scope: 'x|ip|local', until: 10_000, reason: 'HTTP 418: IP banned' }]);
    journal.release?.();
    await pausing;
    expect(journal.written).toEqual([{ scope: 'x|ip|local', until: 10_000, reason: 'HTTP 418: IP banned', statusCode: 418 }]);
  });

  it('a failing journal leaves the pause in force and reports journal-failed', async () => {
    const clock = new ManualClock(0);
    const journal = new ProbeJournal();
    journal.failWith = new Error('database unreachable');
    const limiter = new RateLimiter({ clock, journal });
    const events: LimiterEvent[] = [];
    limiter.on((e) => events.push(e));
    await limiter.pause('x|ip|local', 5_000, 'HTTP 429: rate limited', 429);
    expect(await limiter.pauses()).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['paused', 'journal-failed']);
  });

  it('does not journal a pause already over', async () => {
    const clock = new ManualClock(1_000);
    const journal = new ProbeJournal();
    const limiter = new RateLimiter({ clock, journal });
    await limiter.pause('x|ip|local', 1_000, 'HTTP 429: rate limited');
    expect(journal.release).toBeUndefined();
  });
});
