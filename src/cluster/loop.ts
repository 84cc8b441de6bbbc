import type { Clock } from '../domain/clock.js';

/**
 * Runs `task` every `intervalMs` of the clock's time (the next run starts after the previous one
 * finished, so a slow database never piles runs up). Returns a stop function that resolves once the
 * running task, if any, has finished. A failing task is reported and the loop carries on.
 */
export function every(clock: Clock, intervalMs: number, task: () => Promise<void>, onError?: (error: unknown) => void): () => Promise<void> {
  const abort = new AbortController();
  const done = (async () => {
    while (!abort.signal.aborted) {
      try {
        await clock.sleep(intervalMs, abort.signal);
      } catch {
        return; // stopped while waiting
      }
      try {
        await task();
      } catch (error) {
        onError?.(error);
      }
    }
  })();
  return async () => {
    abort.abort();
    await done;
  };
}
