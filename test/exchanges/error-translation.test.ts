import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationFailedError,
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
} from '../../src/domain/errors.js';
import { loadCcxt, type CcxtErrors } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { ClockSkewError, retryAfterFromHeaders, translateCcxtError, type TranslationContext } from '../../src/exchanges/ccxt/error-translation.js';
import { getProfile } from '../../src/exchanges/profiles/index.js';
import type { ExchangeId } from '../../src/domain/exchange-ids.js';
import type { ResponseFeedback } from '../../src/ratelimit/request-gate.js';

let errors: CcxtErrors;
beforeAll(async () => {
  errors = (await loadCcxt()).errors;
});

const NOW = 1_700_000_000_000;
function ctx(exchange: ExchangeId, feedback?: ResponseFeedback, lane: 'order' | 'read' = 'read', json?: unknown): TranslationContext {
  return { profile: getProfile(exchange), errors, feedback, lane, now: NOW, json };
}
const answered = (status: number, headers: Record<string, string> = {}, ): ResponseFeedback => ({ status, headers });

describe('translateCcxtError (by class, never by message)', () => {
  it.each([
    ['InsufficientFunds', InsufficientFundsError],
    ['OrderNotFound', OrderNotFoundError],
    ['InvalidOrder', OrderRejectedError],
    ['AuthenticationError', AuthenticationFailedError],
    ['PermissionDenied', PermissionMissingError],
    ['AccountSuspended', AuthenticationFailedError],
    ['ExchangeNotAvailable', ExchangeUnavailableError],
    ['OnMaintenance', ExchangeUnavailableError],
    ['RequestTimeout', RetryLaterError],
    ['NetworkError', RetryLaterError],
    ['BadResponse', InvalidResponseError],
    ['NullResponse', InvalidResponseError],
    ['NotSupported', NotImplementedError],
    ['InvalidNonce', ClockSkewError],
  ] as const)('%s → %s', (ccxtName, ours) => {
    const error = new errors[ccxtName]('message text is ignored: insufficient funds / order not found');
    expect(translateCcxtError(error, ctx('binance', answered(400), 'order'))).toBeInstanceOf(ours);
  });

  it('keeps the subclass before the parent (OrderNotFound is an InvalidOrder)', () => {
    const out = translateCcxtError(new errors.OrderNotFound('x'), ctx('binance', answered(400), 'order'));
    expect(out).toBeInstanceOf(OrderNotFoundError);
    expect(out).not.toBeInstanceOf(OrderRejectedError);
  });

  it('Binance 429 (DDoSProtection) → rate limited with Retry-After', () => {
    const out = translateCcxtError(new errors.DDoSProtection('x'), ctx('binance', answered(429, { 'retry-after': '7' })));
    expect(out).toBeInstanceOf(RateLimitedError);
    expect((out as RateLimitedError).retryAfterMs).toBe(7_000);
    expect((out as RateLimitedError).banned).toBe(false);
  });

  it('Binance 418 → banned, for as long as Retry-After says', () => {
    const out = translateCcxtError(new errors.DDoSProtection('x'), ctx('binance', answered(418, { 'retry-after': '300' }))) as RateLimitedError;
    expect(out.banned).toBe(true);
    expect(out.retryAfterMs).toBe(300_000);
  });

  it('Bybit 403 (RateLimitExceeded) → banned with the documented 10 minutes when no header says otherwise', () => {
    const out = translateCcxtError(new errors.RateLimitExceeded('x'), ctx('bybit', answered(403))) as RateLimitedError;
    expect(out.banned).toBe(true);
    expect(out.retryAfterMs).toBe(600_000);
  });

  it('Bybit 10006 → waits until X-Bapi-Limit-Reset-Timestamp', () => {
    const out = translateCcxtError(new errors.RateLimitExceeded('x'), ctx('bybit', answered(200, { 'x-bapi-limit-reset-timestamp': String(NOW + 1_500) }))) as RateLimitedError;
    expect(out.banned).toBe(false);
    expect(out.retryAfterMs).toBe(1_500);
  });

  it('Binance -1001 (bare OperationFailed on a 503) → exchange unavailable (order state unknown)', () => {
    const out = translateCcxtError(new errors.OperationFailed('x'), ctx('binance', answered(503), 'order', { code: -1001, msg: 'Internal error' }));
    expect(out).toBeInstanceOf(ExchangeUnavailableError);
  });

  it('a bare ExchangeError on a 200 without an exchange error code is garbage → invalid response', () => {
    const out = translateCcxtError(new errors.ExchangeError('x'), ctx('bybit', answered(200), 'read', { unexpected: [1] }));
    expect(out).toBeInstanceOf(InvalidResponseError);
  });

  it("OKX swap 51169 / 51170 (a reduce-only order with no position or in its direction; ccxt has no entry: a bare ExchangeError) → order rejected, by the order's sCode", () => {
    const body = (sCode: string) => ({ code: '1', msg: 'All operations failed', data: [{ clOrdId: 'cts1', ordId: '', sCode, sMsg: 'refused', tag: '', ts: '1' }] });
    expect(translateCcxtError(new errors.ExchangeError('x'), ctx('okx', answered(200), 'order', body('51169')))).toBeInstanceOf(OrderRejectedError);
    expect(translateCcxtError(new errors.ExchangeError('x'), ctx('okx', answered(200), 'read', body('51170')))).toBeInstanceOf(OrderRejectedError);
    // A success's sCode "0" names nothing.
    expect(translateCcxtError(new errors.ExchangeError('x'), ctx('okx', answered(200), 'read', body('0')))).toBeInstanceOf(ExchangeUnavailableError);
  });

  it('Binance USDⓈ-M -2019 / -2022 (bare ExchangeError when ccxt is reached through a proxy URL) → insufficient funds / order rejected, by the body code', () => {
    const margin = translateCcxtError(new errors.ExchangeError('x'), ctx('binance', answered(400), 'order', { code: -2019, msg: 'Margin is insufficient.' }));
    expect(margin).toBeInstanceOf(InsufficientFundsError);
    const reduceOnly = translateCcxtError(new errors.ExchangeError('x'), ctx('binance', answered(400), 'read', { code: -2022, msg: 'ReduceOnly Order is rejected.' }));
    expect(reduceOnly).toBeInstanceOf(OrderRejectedError);
    // Another exchange's same number means nothing.
    expect(translateCcxtError(new errors.ExchangeError('x'), ctx('bybit', answered(400), 'read', { code: -2019 }))).toBeInstanceOf(ExchangeUnavailableError);
  });

  it('Kraken EAPI:Invalid signature (a bare ExchangeError in ccxt) → authentication failed, by the body code', () => {
    const out = translateCcxtError(new errors.ExchangeError('x'), ctx('kraken', answered(200), 'read', { error: ['EAPI:Invalid signature'] }));
    expect(out).toBeInstanceOf(AuthenticationFailedError);
  });

  it('BadRequest is an order rejection in the order lane and a validation error for reads', () => {
    expect(translateCcxtError(new errors.BadSymbol('x'), ctx('binance', answered(400), 'order'))).toBeInstanceOf(OrderRejectedError);
    expect(translateCcxtError(new errors.BadSymbol('x'), ctx('binance', answered(400), 'read'))).toBeInstanceOf(ValidationError);
  });

  it('anything that is not a ccxt error (ccxt tripping over a payload) → invalid response', () => {
    expect(translateCcxtError(new TypeError("Cannot read properties of undefined (reading 'x')"), ctx('okx'))).toBeInstanceOf(InvalidResponseError);
    expect(translateCcxtError('a string', ctx('okx'))).toBeInstanceOf(InvalidResponseError);
  });

  it('passes our own errors through untouched', () => {
    const ours = new OrderNotFoundError('x');
    expect(translateCcxtError(ours, ctx('okx'))).toBe(ours);
  });
});

describe('retryAfterFromHeaders', () => {
  it('reads seconds, HTTP dates, and nothing', () => {
    expect(retryAfterFromHeaders({ 'retry-after': '2' }, NOW)).toBe(2_000);
    expect(retryAfterFromHeaders({ 'retry-after': new Date(NOW + 5_000).toUTCString() }, NOW)).toBe(5_000);
    expect(retryAfterFromHeaders({}, NOW)).toBeUndefined();
    expect(retryAfterFromHeaders({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
  });
});
