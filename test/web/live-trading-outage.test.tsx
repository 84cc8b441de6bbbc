import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../web/src/api/engine-types';
import { describeEvent } from '../../web/src/features/live-trading/live-model';

const ev = (type: string, payload: Record<string, unknown>): EngineEvent => ({ engineId: 'e1', type, payload, time: '2026-03-01T00:00:00.000Z', seq: 1 });

describe('outage events in the live event log', () => {
  it('says the exchange is unreachable, counts attempts without a limit, and says when it answers again', () => {
    expect(describeEvent(ev('engine.exchange_unreachable', { since: '2026-03-01T00:00:00.000Z', error: 'ExchangeUnavailableError: 503' }))).toEqual({
      level: 'error',
      message: 'Exchange unreachable since 2026-03-01T00:00:00.000Z: ExchangeUnavailableError: 503; the open position has no protection until it answers',
    });
    expect(describeEvent(ev('engine.retry', { attempt: 7, delayMs: 45_000, error: 'RetryLaterError: timeout', transient: true })).message).toBe(
      'Attempt 7, next in 45 s: RetryLaterError: timeout',
    );
    expect(describeEvent(ev('engine.retry', { attempt: 2, of: 5, delayMs: 1_500, error: 'Error: bug' })).message).toBe('Retry 2 of 5, next in 2 s: Error: bug');
    expect(describeEvent(ev('engine.exchange_recovered', { since: 'x', downMs: 93_000, attempts: 9 }))).toEqual({
      level: 'success',
      message: 'Exchange answers again after 93 s (9 attempts); orders reconciled',
    });
    expect(describeEvent(ev('engine.resume_waiting', { attempt: 1, reason: 'Binance is unavailable (503)' })).level).toBe('warning');
  });
});
