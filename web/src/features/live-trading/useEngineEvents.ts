import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useRef, useState } from 'react';
import { openEventStream, type StreamState } from '../../api/engine';
import type { EngineEvent } from '../../api/engine-types';
import { INITIAL_LIVE, applyEventsToCache, liveReducer, type LiveState } from './live-model';

/** Events are applied in batches: a replay at speed sends dozens a second, the screen needs ~10 updates. */
const FLUSH_MS = 100;

/**
 * Subscribes to the engine events stream for as long as the page is open: folds every event into the
 * live view (event log, price line) and the query cache. The stream resumes after the last sequence
 * number it saw, so a reconnect neither loses nor repeats events.
 */
export function useEngineEvents(): { live: LiveState; stream: StreamState } {
  const client = useQueryClient();
  const [live, dispatch] = useReducer(liveReducer, INITIAL_LIVE);
  const [stream, setStream] = useState<StreamState>('connecting');
  const lastSeq = useRef(0);

  useEffect(() => {
    let pending: EngineEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      applyEventsToCache(client, batch);
      dispatch(batch);
    };
    const close = openEventStream({
      since: lastSeq.current,
      onEvent: (event) => {
        if (event.seq !== undefined) lastSeq.current = Math.max(lastSeq.current, event.seq);
        pending.push(event);
        timer ??= setTimeout(flush, FLUSH_MS);
      },
      onState: setStream,
    });
    return () => {
      close();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client]);

  return { live, stream };
}
