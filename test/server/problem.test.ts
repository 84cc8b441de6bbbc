import { describe, expect, it } from 'vitest';
import { AuthenticationFailedError, CredentialFormatError, InsufficientFundsError, OrderRejectedError, PermissionMissingError, RetryLaterError } from '../../src/domain/errors.js';
import { dec } from '../../src/domain/money.js';
import { problemFromError } from '../../src/server/problem.js';

describe('problemFromError', () => {
  it('a stray DecimalError (a non-decimal that got past a schema) is a 400, not a 500', () => {
    let thrown: unknown;
    try {
      dec('abc');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toMatch(/^\[DecimalError\] /);
    const p = problemFromError(thrown);
    expect(p).toMatchObject({ status: 400, type: 'https://cts.local/problems/invalid-decimal' });
    expect(p.detail).not.toContain('abc');
  });

  it('a secret that cannot sign is a 400 saying so; an exchange refusing credentials stays 502; faults 503', () => {
    expect(problemFromError(new CredentialFormatError('Kraken: secret format invalid'))).toMatchObject({ status: 400, type: 'https://cts.local/problems/credential-format-invalid' });
    expect(problemFromError(new AuthenticationFailedError('Kraken: authentication failed')).status).toBe(502);
    expect(problemFromError(new RetryLaterError('down')).status).toBe(503);
    expect(problemFromError(new Error('boom'))).toMatchObject({ status: 500, detail: 'An unexpected error occurred; it has been logged.' });
  });

  it('what the exchange refuses is never a 500: a missing key permission 502, a rejected order 422', () => {
    expect(problemFromError(new PermissionMissingError('Binance: the key may not trade'))).toMatchObject({ status: 502, type: 'https://cts.local/problems/exchange-permission-missing' });
    expect(problemFromError(new OrderRejectedError('Binance: price off tick')).status).toBe(422);
    expect(problemFromError(new InsufficientFundsError('Binance: insufficient balance')).status).toBe(422);
  });
});
