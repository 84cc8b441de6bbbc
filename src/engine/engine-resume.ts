import type { Clock } from '../domain/clock.js';
import type { ConnectionTestResult } from '../domain/connection-test.js';
import { AuthenticationFailedError, PermissionMissingError, RetryLaterError, ValidationError } from '../domain/errors.js';
import { needsHuman, backoffDelay } from './runtime/fault-policy.js';
import type { EngineRecord, EngineStore } from './runtime/ports.js';

/**
 * Resume after a restart that never drops an engine silently. A resume that cannot start now for a
 * reason that goes away by itself (the exchange is down, the last connection test failed on a network
 * error, a rate limit) keeps the resume flag, says so (`engine.resume_waiting`) and tries again in the
 * background with capped backoff; only what a human must fix (credentials, permissions, a strategy or
 * market that no longer validates, a deleted connection) gives up: resume false and
 * `engine.resume_failed` with the reason.
 */

export interface EngineResumerDeps {
  engines: EngineStore;
  clock: Clock;
  random: () => number;
  /** One full start of the stored configuration (re-testing the connection when its last test did not pass). */
  start: (record: EngineRecord) => Promise<void>;
  emit: (engineId: string, type: string, payload: Readonly<Record<string, unknown>>) => Promise<void>;
  /** Whether this process already runs (or is starting) the engine: a user got there first. */
  busy: (engineId: string) => boolean;
  /** false with several processes: the takeover scan is the retry there, and it needs the lease first. */
  retryInBackground: boolean;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export class EngineResumer {
  readonly #d: EngineResumerDeps;
  readonly #waiting = new Map<string, AbortController>();
  /** After `cancelAll` (process shutdown) nothing is scheduled until `reopen` (process start). */
  #closed = false;

  constructor(deps: EngineResumerDeps) {
    this.#d = deps;
  }

  isWaiting(engineId: string): boolean {
    return this.#waiting.has(engineId);
  }

  /** One attempt now; on a transient refusal the next ones follow in the background. Never throws. */
  async resume(engineId: string, attempt = 1): Promise<void> {
    try {
      const record = await this.#d.engines.find(engineId);
      if (!record?.resume || this.#d.busy(engineId)) return;
      try {
        await this.#d.start(record);
      } catch (error) {
        await this.#refused(engineId, error, attempt);
      }
    } catch {
      // The store itself failed: the flag is still set, the next process start (or scan) retries.
    }
  }

  /** A user's start or stop, or shutdown: the background retry is no longer wanted. */
  cancel(engineId: string): boolean {
    const wait = this.#waiting.get(engineId);
    wait?.abort();
    return this.#waiting.delete(engineId);
  }

  reopen(): void {
    this.#closed = false;
  }

  cancelAll(): void {
    this.#closed = true;
    for (const id of [...this.#waiting.keys()]) this.cancel(id);
  }

  async #refused(engineId: string, error: unknown, attempt: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const latest = await this.#d.engines.find(engineId);
    if (!latest || this.#d.busy(engineId)) return;
    const now = new Date(this.#d.clock.now()).toISOString();
    if (needsHuman(error)) {
      const message = `Could not resume after restart: ${reason}`;
      await this.#d.engines.save({ ...latest, state: latest.state === 'error' ? 'error' : 'stopped', lastError: message, resume: false, updatedAt: now });
      await this.#d.emit(engineId, 'engine.resume_failed', { error: message, needsHuman: true });
      return;
    }
    const retryInMs = backoffDelay(attempt, error, { baseMs: this.#d.backoffBaseMs ?? 1_000, maxMs: this.#d.backoffMaxMs ?? 60_000, random: this.#d.random });
    // A start that failed in its reconciliation left `error`: waiting to resume is not an error state.
    if (latest.state === 'error') await this.#d.emit(engineId, 'engine.state', { from: 'error', to: 'stopped', action: 'resume_waiting' });
    await this.#d.engines.save({ ...latest, state: latest.state === 'error' ? 'stopped' : latest.state, lastError: `Waiting to resume: ${reason}`, resume: true, updatedAt: now });
    await this.#d.emit(engineId, 'engine.resume_waiting', { reason, attempt, ...(this.#d.retryInBackground ? { retryInMs } : {}) });
    if (this.#d.retryInBackground) this.#schedule(engineId, attempt + 1, retryInMs);
  }

  #schedule(engineId: string, attempt: number, delayMs: number): void {
    this.cancel(engineId);
    if (this.#closed) return; // the flag stays set: the next process start resumes it
    const abort = new AbortController();
    this.#waiting.set(engineId, abort);
    this.#d.clock.sleep(delayMs, abort.signal).then(
      () => {
        if (this.#waiting.get(engineId) !== abort) return;
        this.#waiting.delete(engineId);
        void this.resume(engineId, attempt);
      },
      () => undefined, // cancelled
    );
  }
}

/**
 * What a failed connection test means for a resume: a rejected key or a missing permission needs a
 * human; a test that could not run on this configuration too; anything else (unreachable, timeouts,
 * clock, balances) may pass on the next try.
 */
export function testFailure(result: ConnectionTestResult): Error | null {
  if (result.outcome !== 'failed') return null;
  const step = result.steps.find((s) => s.outcome === 'failed');
  const message = `the connection test failed (${result.summary}${step ? `: ${step.message}` : ''})`;
  if (step?.name === 'authentication') return new AuthenticationFailedError(message);
  if (step?.name === 'permissions') return new PermissionMissingError(message);
  // ConnectionTestService's result for a connection its exchange cannot be opened for (configuration).
  if (result.summary === 'not testable') return new ValidationError(message);
  return new RetryLaterError(message);
}
