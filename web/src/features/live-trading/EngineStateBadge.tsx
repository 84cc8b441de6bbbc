import { useEffect, useState } from 'react';
import type { EngineState } from '../../api/engine-types';
import { TIMEFRAME_PATTERN, timeframeMs } from '../../../../src/domain/timeframe.js';
import { STATE_LABELS, ageText } from './format';

const STATE_TONE: Record<EngineState, string> = {
  stopped: 'neutral',
  starting: 'pending',
  running: 'ok',
  paused: 'degraded',
  stopping: 'pending',
  error: 'failing',
};

export function EngineStateBadge({ state }: { state: EngineState }) {
  return (
    <span className={`status status--${STATE_TONE[state]}`} data-state={state}>
      <span className="status__dot" aria-hidden="true" />
      <span className="visually-hidden">Engine state: </span>
      {STATE_LABELS[state]}
    </span>
  );
}

/** The current time, refreshed every `ms` (for ages that must keep counting). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * How long an active bot may be quiet before it looks stale: the engine beats once per closed
 * candle, which a polling feed may read up to a fifth of a candle late, plus a minute for the
 * exchange's answers; never less than a minute (a 1 s bot).
 */
export function quietAfterMs(timeframe: string | null): number {
  const candle = timeframe !== null && TIMEFRAME_PATTERN.test(timeframe) ? timeframeMs(timeframe) : 0;
  return Math.max(60_000, candle + candle / 5 + 60_000);
}

/**
 * "Heartbeat 2 s ago", turning to a warning when an active engine has been quiet for longer than its
 * timeframe allows; before its first candle, when that candle closes.
 */
export function HeartbeatAge({ at, active, timeframe = null, startedAt = null }: { at: string | null; active: boolean; timeframe?: string | null; startedAt?: string | null }) {
  const now = useNow();
  const since = at ?? startedAt;
  const quiet = active && since !== null && now - Date.parse(since) > quietAfterMs(timeframe);
  return (
    <span className={`heartbeat${quiet ? ' heartbeat--stale' : ''}`} title={at ?? undefined}>
      <span className={`heartbeat__pulse${active && !quiet ? ' heartbeat__pulse--live' : ''}`} aria-hidden="true" />
      {at === null ? (active ? waitingText(timeframe, startedAt, quiet) : 'No heartbeat yet') : `Heartbeat ${ageText(at, now)}`}
    </span>
  );
}

function waitingText(timeframe: string | null, startedAt: string | null, quiet: boolean): string {
  if (quiet) return 'No candle yet: the first one is overdue';
  if (timeframe === null || !TIMEFRAME_PATTERN.test(timeframe) || startedAt === null) return 'Waiting for the first candle';
  const size = timeframeMs(timeframe);
  const closes = Math.ceil(Date.parse(startedAt) / size) * size;
  return `Waiting for the first candle (closes ${new Date(closes).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })})`;
}
