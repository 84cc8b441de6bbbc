import {
  AuthenticationFailedError,
  CredentialFormatError,
  CtsError,
  ExchangeUnavailableError,
  InsufficientFundsError,
  InvalidResponseError,
  NotImplementedError,
  OrderNotFoundError,
  OrderRejectedError,
  PermissionMissingError,
  RateLimitedError,
  RetryLaterError,
  ValidationError,
} from '../../domain/errors.js';
import type { ResponseFeedback } from '../../ratelimit/request-gate.js';
import type { ExchangeProfile } from '../profiles/index.js';
import type { CcxtErrors, CcxtInstance } from './ccxt-classes.js';

/**
 * The exchange rejected our request timestamp (Binance -1021, Bybit 10002, ccxt `InvalidNonce`).
 * That is a clock problem, not a credentials problem: the caller must resynchronise its clock (or the
 * host's NTP) and retry. Reporting it as "authentication failed" would send a user off to regenerate
 * perfectly good keys. Kept here until domain/errors.ts grows an equivalent (additive).
 */
export class ClockSkewError extends RetryLaterError {
  override readonly code = 'clock_skew';
}

export interface TranslationContext {
  readonly profile: ExchangeProfile;
  readonly errors: CcxtErrors;
  /** Status and headers of the response that failed, when there was one. */
  readonly feedback: ResponseFeedback | undefined;
  /** Its parsed JSON body (for exchange error codes ccxt leaves unmapped). */
  readonly json?: unknown;
  /** Order-lane calls turn "bad request" into an order rejection; reads into a validation error. */
  readonly lane: 'order' | 'read';
  readonly now: number;
}

type Translator = (error: Error, ctx: TranslationContext) => CtsError | undefined;

/**
 * ccxt error → ours, by class only (never message text). Order matters: subclasses before their
 * parents (PermissionDenied < AuthenticationError, OrderNotFound < InvalidOrder, every network-ish
 * class < NetworkError < OperationFailed).
 */
const RULES: readonly Translator[] = [
  (e, c) => (isBare(e, c) && (c.feedback === undefined || (answeredOk(c) && exchangeErrorCodes(c.json).length === 0)) ? notTheExchangeFormat(e, c) : undefined),
  (e, c) => (isA(e, c.errors.DDoSProtection) || isA(e, c.errors.RateLimitExceeded) ? rateLimited(e, c) : undefined),
  (e, c) => (isA(e, c.errors.InvalidNonce) ? new ClockSkewError(`${c.profile.displayName} rejected the request timestamp: check this machine's clock`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.PermissionDenied) ? new PermissionMissingError(`${c.profile.displayName}: the API key lacks a permission this action needs`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.AuthenticationError) ? new AuthenticationFailedError(`${c.profile.displayName}: authentication failed (key, secret or passphrase rejected)`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.InsufficientFunds) ? new InsufficientFundsError(`${c.profile.displayName}: insufficient funds for the order`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.OrderNotFound) ? new OrderNotFoundError(`${c.profile.displayName}: order not found`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.InvalidOrder) ? new OrderRejectedError(`${c.profile.displayName} rejected the order`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.NotSupported) ? new NotImplementedError(`${c.profile.displayName}: not supported through ccxt`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.BadRequest) || isA(e, c.errors.ArgumentsRequired) || isA(e, c.errors.OperationRejected) ? badRequest(e, c) : undefined),
  (e, c) => (isA(e, c.errors.BadResponse) ? new InvalidResponseError(`${c.profile.displayName} sent a response that cannot be parsed`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.ExchangeNotAvailable) ? new ExchangeUnavailableError(`${c.profile.displayName} is unavailable (${statusText(c)})`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.RequestTimeout) ? new RetryLaterError(`${c.profile.displayName} did not answer in time`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.NetworkError) ? new RetryLaterError(`${c.profile.displayName}: network error`, { cause: e }) : undefined),
  // Bare OperationFailed: Binance -1001 "internal error" (503). The outcome of an order is unknown.
  (e, c) => (isA(e, c.errors.OperationFailed) ? new ExchangeUnavailableError(`${c.profile.displayName} failed to process the request (${statusText(c)})`, { cause: e }) : undefined),
  (e, c) => (isA(e, c.errors.ExchangeError) ? byExchangeCode(e, c) ?? unknownExchangeError(e, c) : undefined),
];

/** Translates anything thrown while talking to an exchange into one of our errors. Never throws. */
export function translateCcxtError(error: unknown, ctx: TranslationContext): CtsError {
  if (error instanceof CtsError) return error;
  if (error instanceof Error) {
    for (const rule of RULES) {
      const translated = rule(error, ctx);
      if (translated) return translated;
    }
    // Not a ccxt error: ccxt tripped over the payload (TypeError on a missing field and the like).
    return new InvalidResponseError(`${ctx.profile.displayName} sent a response ccxt could not process`, { cause: error });
  }
  return new InvalidResponseError(`${ctx.profile.displayName}: unexpected failure`, { cause: error });
}

/**
 * ccxt raises a bare ExchangeError / OperationFailed when a 2xx body is not the exchange's envelope at
 * all (no error code in it), or after the request while parsing ("fetchMarkets() returned an empty
 * response"): that is garbage from something in between, not an exchange decision.
 */
function isBare(error: Error, ctx: TranslationContext): boolean {
  return error.constructor === ctx.errors.ExchangeError || error.constructor === ctx.errors.OperationFailed;
}

function answeredOk(ctx: TranslationContext): boolean {
  const status = ctx.feedback?.status ?? 0;
  return status >= 200 && status < 300;
}

function notTheExchangeFormat(error: Error, ctx: TranslationContext): CtsError {
  const status = ctx.feedback ? `HTTP ${ctx.feedback.status} with ` : '';
  return new InvalidResponseError(`${ctx.profile.displayName} answered ${status}a body that is not its API format`, { cause: error });
}

function isA(error: Error, cls: abstract new (...args: never[]) => Error): boolean {
  return error instanceof cls;
}

function rateLimited(error: Error, ctx: TranslationContext): RateLimitedError {
  const status = ctx.feedback?.status;
  // 418 is Binance's IP ban; 403 on Bybit is the IP limit with a documented 10-minute wait.
  const banned = status === 418 || (status === 403 && ctx.profile.id === 'bybit');
  const fallback = banned ? ctx.profile.breachWaitMs.banned : ctx.profile.breachWaitMs.rateLimited;
  const retryAfterMs = retryAfterFromHeaders(ctx.feedback?.headers ?? {}, ctx.now) ?? fallback;
  const what = banned ? 'banned this IP' : 'rate-limited the request';
  return new RateLimitedError(`${ctx.profile.displayName} ${what}; retry after ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs, banned, {
    cause: error,
  });
}

/**
 * Retry-After (seconds or an HTTP date), else Bybit's X-Bapi-Limit-Reset-Timestamp (ms epoch).
 * Returns undefined when no header says how long.
 */
export function retryAfterFromHeaders(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers['x-bapi-limit-reset-timestamp']);
  if (Number.isFinite(reset) && reset > now) return reset - now;
  return undefined;
}

function badRequest(error: Error, ctx: TranslationContext): CtsError {
  if (ctx.lane === 'order') return new OrderRejectedError(`${ctx.profile.displayName} rejected the order request`, { cause: error });
  return new ValidationError(`${ctx.profile.displayName} rejected the request parameters`);
}

/** Exchange error codes from the body (Kraken's `error[]`, others' `code`/`retCode`/`label`) per the profile. */
export function exchangeErrorCodes(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const body = json as Record<string, unknown>;
  const codes: string[] = [];
  if (Array.isArray(body['error'])) codes.push(...body['error'].filter((c): c is string => typeof c === 'string'));
  for (const key of ['code', 'retCode', 'label', 'err-code']) {
    const value = body[key];
    if (typeof value === 'string' || typeof value === 'number') codes.push(String(value));
  }
  // OKX order operations fail with code "1" and the order's own code in data[].sCode.
  if (Array.isArray(body['data'])) {
    for (const entry of body['data']) {
      const sCode: unknown = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['sCode'] : undefined;
      if (typeof sCode === 'string' && sCode !== '' && sCode !== '0') codes.push(sCode);
    }
  }
  return codes;
}

function byExchangeCode(error: Error, ctx: TranslationContext): CtsError | undefined {
  const meaning = exchangeErrorCodes(ctx.json).map((code) => ctx.profile.errorCodes[code]).find((m) => m !== undefined);
  if (meaning === 'authentication_failed') return new AuthenticationFailedError(`${ctx.profile.displayName}: authentication failed (key, secret or passphrase rejected)`, { cause: error });
  if (meaning === 'clock_skew') return new ClockSkewError(`${ctx.profile.displayName} rejected the request timestamp: check this machine's clock`, { cause: error });
  if (meaning === 'rate_limited') return rateLimited(error, ctx);
  if (meaning === 'insufficient_funds') return new InsufficientFundsError(`${ctx.profile.displayName}: insufficient funds for the order`, { cause: error });
  if (meaning === 'order_rejected') return new OrderRejectedError(`${ctx.profile.displayName} rejected the order`, { cause: error });
  return undefined;
}

function unknownExchangeError(error: Error, ctx: TranslationContext): CtsError {
  if (ctx.lane === 'order') return new OrderRejectedError(`${ctx.profile.displayName} refused the order (unmapped exchange error)`, { cause: error });
  return new ExchangeUnavailableError(`${ctx.profile.displayName} returned an unmapped error (${statusText(ctx)})`, { cause: error });
}

function statusText(ctx: TranslationContext): string {
  return ctx.feedback ? `HTTP ${ctx.feedback.status}` : 'no response';
}

/**
 * ccxt signs a private request in `sign()`, before anything is sent. A throw from there that is not a
 * ccxt error is the secret failing to decode (Kraken's `base64ToBinary`, a PEM ccxt cannot parse):
 * told apart by where it was thrown, not by its text. It becomes CredentialFormatError, an
 * authentication-class error (not retried), instead of "a response ccxt could not process", which is
 * retryable and blames the exchange although nothing reached it. ccxt's own errors from `sign()`
 * (missing credentials: AuthenticationError) pass through to the rules above.
 */
export function guardSigning(instance: CcxtInstance, errors: CcxtErrors, displayName: string): void {
  const sign = instance.sign.bind(instance);
  instance.sign = (...args: Parameters<CcxtInstance['sign']>) => {
    try {
      return sign(...args);
    } catch (error) {
      if (error instanceof errors.BaseError) throw error;
      throw new CredentialFormatError(
        `${displayName}: secret format invalid — the API secret could not be used to sign the request, so nothing was sent. Enter the secret again exactly as ${displayName} shows it.`,
        { cause: error },
      );
    }
  };
}
