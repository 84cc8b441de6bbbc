import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';
import {
  AuthenticationFailedError,
  ConflictError,
  ConnectionNotTestedError,
  CredentialFormatError,
  CtsError,
  InsufficientFundsError,
  NotFoundError,
  NotImplementedError,
  OrderRejectedError,
  PermissionMissingError,
  RateLimitedError,
  RetryLaterError,
  StorageUnavailableError,
  ValidationError,
  type FieldError,
} from '../domain/errors.js';

/** The one error shape of the API (RFC 9457 problem details), with field errors for validation. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  /** connection-not-tested: the connection to test. */
  connectionId?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problem(status: number, slug: string, detail: string, errors?: FieldError[]): Problem {
  return {
    type: `https://cts.local/problems/${slug}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

export function zodFieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const parts = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return { path: parts.join('.') || '(root)', message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path: parts.join('.') || '(root)', message: issue.message };
  });
}

/** Our errors → HTTP. Anything unknown is a 500 with no internals in the body (the log has them). */
export function problemFromError(error: unknown): Problem {
  if (error instanceof ValidationError) return problem(400, 'validation-failed', error.message, error.fields);
  if (error instanceof NotFoundError) return problem(404, 'not-found', error.message);
  // Its own type, so a client can offer to run the test instead of showing the API path.
  if (error instanceof ConnectionNotTestedError) return { ...problem(409, 'connection-not-tested', error.message), connectionId: error.connectionId };
  if (error instanceof ConflictError) return problem(409, 'conflict', error.message);
  if (error instanceof NotImplementedError) return problem(501, 'not-implemented', error.message);
  // decimal.js throws a plain Error whose only mark is its message prefix (its `decimalError` constant;
  // it exports no class). Reaching here means a schema let a non-decimal through: still the caller's
  // input, never a 500.
  if (isDecimalJsError(error)) return problem(400, 'invalid-decimal', 'A number in the request is not a valid decimal');
  // The stored secret cannot sign (nothing was sent): the user must re-enter it on the connection.
  if (error instanceof CredentialFormatError) return problem(400, 'credential-format-invalid', error.message);
  if (error instanceof RateLimitedError) return problem(429, 'rate-limited', error.message);
  if (error instanceof AuthenticationFailedError) return problem(502, 'exchange-authentication-failed', error.message);
  // The key works but may not do this (trade, read balances): the user must change the key.
  if (error instanceof PermissionMissingError) return problem(502, 'exchange-permission-missing', error.message);
  // The exchange refused the order as it is (size, price, funds): nothing to retry unchanged.
  if (error instanceof InsufficientFundsError || error instanceof OrderRejectedError) return problem(422, 'exchange-rejected', error.message);
  if (error instanceof StorageUnavailableError) return problem(503, 'storage-unavailable', error.message);
  if (error instanceof RetryLaterError) return problem(503, 'exchange-unavailable', error.message);
  if (error instanceof CtsError) return problem(500, error.code, error.message);
  return problem(500, 'internal', 'An unexpected error occurred; it has been logged.');
}

function isDecimalJsError(error: unknown): boolean {
  return error instanceof Error && error.constructor === Error && error.message.startsWith('[DecimalError] ');
}
