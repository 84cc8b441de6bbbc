// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatAge, quietAfterMs } from '../../web/src/features/live-trading/EngineStateBadge';

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;

function shown(props: Parameters<typeof HeartbeatAge>[0]): { text: string; stale: boolean } {
  const { container } = render(<HeartbeatAge {...props} />);
  const span = container.querySelector('.heartbeat') as HTMLElement;
  return { text: span.textContent ?? '', stale: span.classList.contains('heartbeat--stale') };
}

describe('HeartbeatAge', () => {
  afterEach(cleanup);

  it("judges a quiet bot against its timeframe: an hourly bot's 10 minutes are normal, a 1m bot's 3 are not", () => {
    expect(shown({ at: ago(10 * MIN), active: true, timeframe: '1h' })).toEqual({ text: 'Heartbeat 10 min ago', stale: false });
    expect(shown({ at: ago(90 * MIN), active: true, timeframe: '1h' }).stale).toBe(true);
    expect(shown({ at: ago(3 * MIN), active: true, timeframe: '1m' }).stale).toBe(true);
    expect(shown({ at: ago(50_000), active: true, timeframe: '1s' }).stale).toBe(false);
    expect(shown({ at: ago(90 * MIN), active: false, timeframe: '1h' }).stale).toBe(false); // a stopped bot is not stale
    expect(quietAfterMs('4h')).toBe(4 * 60 * MIN + 48 * MIN + MIN);
    expect(quietAfterMs(null)).toBe(MIN);
  });

  it('says a bot is waiting for its first candle, and when it is overdue', () => {
    const waiting = shown({ at: null, active: true, timeframe: '1h', startedAt: ago(5 * MIN) });
    expect(waiting.text).toMatch(/^Waiting for the first candle \(closes \d{1,2}:00( [AP]M)?\)$/);
    expect(waiting.stale).toBe(false);
    expect(shown({ at: null, active: true, timeframe: '5m', startedAt: ago(20 * MIN) })).toEqual({ text: 'No candle yet: the first one is overdue', stale: true });
    expect(shown({ at: null, active: false, timeframe: '1h', startedAt: null }).text).toBe('No heartbeat yet');
  });
});
