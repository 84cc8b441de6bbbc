import type { StreamState } from '../../api/engine';
import type { LogEntry } from './live-model';
import { clockTime } from './format';

const STREAM_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting to live updates…',
  open: 'Live',
  reconnecting: 'Reconnecting to live updates…',
};

export function StreamIndicator({ state }: { state: StreamState }) {
  return (
    <span className={`stream stream--${state}`} role="status" aria-live="polite">
      <span className="stream__dot" aria-hidden="true" />
      {STREAM_TEXT[state]}
    </span>
  );
}

/** The engine's events as sentences, newest first (heartbeats are counted in the status instead). */
export function EventLog({ entries }: { entries: readonly LogEntry[] }) {
  return (
    <section className="panel" aria-labelledby="event-log-title">
      <h2 id="event-log-title">Event log</h2>
      {entries.length === 0 ? (
        <p className="muted small">No events yet. State changes, orders, fills and errors appear here as they happen.</p>
      ) : (
        <ol className="event-log" aria-label="Engine events">
          {entries.map((e) => (
            <li key={e.key} className={`event-log__item event-log__item--${e.level}`}>
              <time dateTime={e.time}>{clockTime(e.time)}</time>
              <span className="event-log__type">{e.type}</span>
              <span className="event-log__message">{e.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
