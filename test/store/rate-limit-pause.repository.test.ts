import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { SqlPauseJournal } from '../../src/store/rate-limit-pause.repository.js';
import { STORE_BACKENDS, useTestStore } from '../support/store-backends.js';

const bucket = { key: 'binance|ip|local#w', scope: 'binance|ip|local', limit: { type: 'sliding-window', capacity: 100, windowMs: 1_000 } } as const;

for (const backend of STORE_BACKENDS) {
  describe(`SqlPauseJournal on ${backend}`, () => {
    const store = useTestStore(backend);

    it('keeps the longest pause per scope, drops expired ones, and keeps the status code', async () => {
      const journal = new SqlPauseJournal(store().db);
      const t = 1_800_000_000_000;
      await journal.record({ scope: 'binance|ip|local', until: t + 120_000, reason: 'HTTP 418: IP banned', statusCode: 418 });
      // Arrives later but ends sooner: must not shorten the ban.
      await journal.record({ scope: 'binance|ip|local', until: t + 5_000, reason: 'HTTP 429: rate limited', statusCode: 429 });
      await journal.record({ scope: 'bybit|acct|c1', until: t + 1_000, reason: 'rate limited: slow down' });
      expect(await journal.active(t)).toEqual([
        { scope: 'binance|ip|local', until: t + 120_000, reason: 'HTTP 418: IP banned', statusCode: 418 },
        { scope: 'bybit|acct|c1', until: t + 1_000, reason: 'rate limited: slow down' },
      ]);
      await journal.record({ scope: 'binance|ip|local', until: t + 180_000, reason: 'HTTP 418: IP banned', statusCode: 418 });
      expect(await journal.active(t + 1_000)).toEqual([{ scope: 'binance|ip|local', until: t + 180_000, reason: 'HTTP 418: IP banned', statusCode: 418 }]);
      const rows = await store().db.selectFrom('rate_limit_pauses').select('scope').execute();
      expect(rows.map((r) => r.scope)).toEqual(['binance|ip|local']); // the expired one was deleted
      await store().db.deleteFrom('rate_limit_pauses').execute();
    });

    it('a pause journaled by one limiter holds in a new one (a restarted process) until it expires', async () => {
      const clock = new ManualClock(1_800_000_000_000);
      const journal = new SqlPauseJournal(store().db);
      const before = new RateLimiter({ clock, journal });
      await before.pause('binance|ip|local', clock.now() + 45_000, 'HTTP 418: IP banned', 418);
      before.close();

      const after = new RateLimiter({ clock, journal });
      expect(await after.restore()).toEqual([{ scope: 'binance|ip|local', until: clock.now() + 45_000, reason: 'HTTP 418: IP banned', statusCode: 418 }]);
      const sentAt: number[] = [];
      const run = after.run([bucket], 1, async () => sentAt.push(clock.now()));
      await clock.advance(44_999);
      expect(sentAt).toEqual([]);
      await clock.advance(1);
      await run;
      expect(sentAt).toEqual([1_800_000_045_000]);
      expect(await new RateLimiter({ clock, journal }).restore()).toEqual([]);
    });
  });
}
