import type { PauseInfo } from './bucket-store.js';

/** A pause as kept across restarts: what `PauseInfo` says, and the HTTP status that started it. */
export interface JournaledPause extends PauseInfo {
  readonly statusCode?: number;
}

/**
 * Where pauses outlive the process. The in-process bucket store forgets a ban on restart, and a
 * restarted (or crash-looping) process would otherwise resend inside it at once; pauses are few, so
 * each is written as it starts and read back when the limiter starts.
 */
export interface PauseJournal {
  /** Keeps the pause; a later `until` for the same scope replaces an earlier one, never the reverse. */
  record(pause: JournaledPause): Promise<void>;
  /** The pauses still in force at `now`; expired ones are deleted. */
  active(now: number): Promise<JournaledPause[]>;
}
