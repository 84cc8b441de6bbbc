/**
 * Errors named for what the caller must do. Library errors (ccxt, drivers) are translated into these
 * at the edge, by class or code, never by message text. Only the engine loop decides retry, pause or
 * stop; the HTTP layer maps them to problem responses.
 */
export abstract class CtsError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

// ---- Application errors (HTTP-facing) --------------------------------------------------------

export interface FieldError {
  path: string;
  message: string;
}

/** The input is wrong; the caller must change it. */
export class ValidationError extends CtsError {
  readonly code = 'validation_failed';
  constructor(message: string, readonly fields: FieldError[] = []) {
    super(message);
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends CtsError {
  readonly code = 'not_found';
}

/** The request conflicts with the current state (duplicate name, illegal transition). */
export class ConflictError extends CtsError {
  readonly code = 'conflict';
}

/** A live or testnet start on a connection whose last test did not pass (or no longer applies): test it first. */
export class ConnectionNotTestedError extends ConflictError {
  constructor(
    message: string,
    readonly connectionId: string,
  ) {
    super(message);
  }
}

/** The feature exists but is not available in this build or configuration. */
export class NotImplementedError extends CtsError {
  readonly code = 'not_implemented';
}

/** Stored secret material could not be decrypted: wrong master key or tampered data. Stop, tell a human. */
export class SecretDecryptionError extends CtsError {
  readonly code = 'secret_decryption_failed';
}

/** Configuration is unusable; the process must not start. */
export class ConfigError extends CtsError {
  readonly code = 'config_invalid';
}

// ---- Exchange errors (what the caller must do) -----------------------------------------------

/** A transient fault (network, timeout): retry later with backoff. */
export class RetryLaterError extends CtsError {
  readonly code: string = 'retry_later';
}

/**
 * The database cannot be reached (connection refused, dropped, timed out): nothing that must be stored
 * first may proceed. Transient: retry later; the pool reconnects when the database is back.
 */
export class StorageUnavailableError extends RetryLaterError {
  override readonly code = 'storage_unavailable';
}

/** The exchange is down or answered 5xx: retry later; an order's state is UNKNOWN until looked up. */
export class ExchangeUnavailableError extends RetryLaterError {
  override readonly code = 'exchange_unavailable';
}

/**
 * A websocket connection or subscription would pass the exchange's documented limit (the exchange
 * profile's `websocket`): it is not opened; the feed stays on REST and asks again after its backoff.
 */
export class StreamLimitError extends CtsError {
  readonly code = 'stream_limit';
}

/** The limit was hit: do not send anything on this scope for `retryAfterMs`. */
export class RateLimitedError extends CtsError {
  readonly code = 'rate_limited';
  constructor(message: string, readonly retryAfterMs: number, readonly banned = false, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Key, secret, passphrase or signature rejected: stop and ask the user to fix the credentials. */
export class AuthenticationFailedError extends CtsError {
  readonly code = 'authentication_failed';
}

/** The key works but lacks a permission the action needs: ask the user to change the key. */
export class PermissionMissingError extends CtsError {
  readonly code = 'permission_missing';
}

/** Not enough balance for the order: do not retry as is. */
export class InsufficientFundsError extends CtsError {
  readonly code = 'insufficient_funds';
}

/** The exchange refused the order (size, price, symbol): do not retry as is. */
export class OrderRejectedError extends CtsError {
  readonly code = 'order_rejected';
}

/** The exchange does not know the order: apply the lost-order policy. */
export class OrderNotFoundError extends CtsError {
  readonly code = 'order_not_found';
}

/** The exchange answered something we cannot trust (garbage, missing fields): treat as a fault, never as data. */
export class InvalidResponseError extends RetryLaterError {
  override readonly code = 'invalid_response';
}

/**
 * The stored secret could not even be used to sign a request (a Kraken secret that is not base64, a
 * PEM that is not a key): nothing was sent to the exchange. An authentication failure in every
 * respect — never retry, end what runs on the credentials — but the user must re-enter the secret in
 * the format the exchange issues, not regenerate the key.
 */
export class CredentialFormatError extends AuthenticationFailedError {}
