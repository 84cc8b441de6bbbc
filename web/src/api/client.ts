import { currentToken, markAuthRequired } from '../auth/token';
import type { FieldError, Problem } from './types';

/** Any failed API call: the HTTP status (0 when the server could not be reached) and its problem body. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, message: string, problem: Problem | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem?.errors ?? [];
  }

  /** The endpoint does not exist yet in this server version (404 route / 501 not implemented). */
  get notAvailable(): boolean {
    return this.status === 501 || (this.status === 404 && this.problem?.type?.endsWith('/route-not-found') === true);
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && ('detail' in value || 'title' in value);
}

const FALLBACK_MESSAGES: Record<number, string> = {
  0: 'Cannot reach the CTS server. Check that it is running.',
  401: 'The admin token is required.',
  404: 'Not found.',
  409: 'That conflicts with the current state.',
  429: 'Too many requests; try again in a moment.',
  500: 'The server hit an unexpected error; details are in its log.',
  501: 'Not available in this version yet.',
  503: 'The service is unavailable right now; try again shortly.',
};

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, FALLBACK_MESSAGES[0] ?? 'Network error');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    if (response.status === 401) markAuthRequired();
    const problem = isProblem(parsed) ? parsed : null;
    const message = problem?.detail ?? FALLBACK_MESSAGES[response.status] ?? `The server answered ${response.status}.`;
    throw new ApiError(response.status, message, problem);
  }
  return parsed as T;
}

/** A sentence for the user about any error a query or mutation produced. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.notAvailable) return 'Not available in this version yet.';
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** Don't retry what a retry cannot fix (4xx, not-implemented); retry network blips and 5xx twice. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  if (error instanceof ApiError && error.status === 501) return false;
  return failureCount < 2;
}
