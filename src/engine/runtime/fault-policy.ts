import {
  AuthenticationFailedError,
  ConfigError,
  NotFoundError,
  NotImplementedError,
  PermissionMissingError,
  RateLimitedError,
  RetryLaterError,
  SecretDecryptionError,
  ValidationError,
} from '../../domain/errors.js';

/**
 * The engine's fault policy (docs/engine.md, "Errors and recovery"), by error class only:
 *  - transient: the exchange is unreachable, slow, overloaded or rate-limiting us. It goes away by
 *    itself, so the engine waits it out (capped backoff, Retry-After honoured) and resumes; it never
 *    ends an engine unless `options.maxOutageMs` is set and exceeded.
 *  - fatal: only a human can fix it (key, permission, configuration, secrets). Retrying cannot help
 *    and would only hammer the exchange, so the engine ends at once with the cause.
 *  - unexpected: anything else, i.e. a bug. Retried, but a bounded number of times in a row
 *    (`options.maxConsecutiveFailures`): a bug that repeats on every tick must not spin for ever.
 */
export type FaultKind = 'transient' | 'fatal' | 'unexpected';

export function classifyFault(error: unknown): FaultKind {
  // RetryLaterError covers ExchangeUnavailableError (5xx), InvalidResponseError (garbage) and timeouts.
  if (error instanceof RetryLaterError || error instanceof RateLimitedError) return 'transient';
  if (needsHuman(error)) return 'fatal';
  return 'unexpected';
}

/**
 * Errors a human must fix before the engine can run: bad or revoked credentials, a key without the
 * trading permission, an invalid configuration (a strategy, market or parameter that no longer
 * validates, an exchange that does not support a call), undecryptable secrets, a deleted connection.
 */
export function needsHuman(error: unknown): boolean {
  return (
    error instanceof AuthenticationFailedError ||
    error instanceof PermissionMissingError ||
    error instanceof ValidationError ||
    error instanceof ConfigError ||
    error instanceof SecretDecryptionError ||
    error instanceof NotImplementedError ||
    error instanceof NotFoundError
  );
}

/** Exponential, capped, with jitter in [50 %, 100 %] so engines sharing an exchange do not retry in step; at least Retry-After. */
export function backoffDelay(attempt: number, error: unknown, options: { baseMs: number; maxMs: number; random: () => number }): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(30, attempt - 1));
  const jittered = Math.round(exponential * (0.5 + options.random() * 0.5));
  return error instanceof RateLimitedError ? Math.max(jittered, error.retryAfterMs) : jittered;
}

