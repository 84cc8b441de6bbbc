import { useEffect, useState } from 'react';
import type { EngineState } from '../../api/engine-types';
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

/** "Heartbeat 2 s ago", turning to a warning when an active engine has been quiet for a while. */
export function HeartbeatAge({ at, active }: { at: string | null; active: boolean }) {
  const now = useNow();
  const quiet = active && at !== null && now - Date.parse(at) > 60_000;
  return (
    <span className={`heartbeat${quiet ? ' heartbeat--stale' : ''}`} title={at ?? undefined}>
      <span className={`heartbeat__pulse${active && !quiet ? ' heartbeat__pulse--live' : ''}`} aria-hidden="true" />
      Heartbeat {ageText(at, now)}
    </span>
  );
}
