import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import type { ExchangeRequest, RequestGate, RequestLane, ResponseFeedback } from '../request-gate.js';
import type { CcxtInstance } from './ccxt-classes.js';

/** What the adapter method currently running wants its requests labelled with. */
export interface CallScope {
  readonly lane: RequestLane;
  readonly symbol?: string;
}

/** What we saw of the response a request failed with: for Retry-After and exchange error codes. */
export interface FailedResponse {
  readonly feedback: ResponseFeedback;
  /** The parsed JSON body, when there was one. */
  readonly json: unknown;
}

interface CallRecord {
  report(feedback: ResponseFeedback): void;
  feedback?: ResponseFeedback;
  json?: unknown;
}

export interface GateHookOptions {
  readonly exchange: ExchangeId;
  readonly accountKey: string;
  readonly gate: RequestGate;
}

/**
 * Routes every HTTP request of one ccxt instance through the gate. Hooking `fetch` on the instance (not
 * the adapter methods) means ccxt's own follow-up calls — loadMarkets, account-id lookups, pagination —
 * are gated too. `handleRestResponse` is where ccxt first sees the raw response, including the status
 * and headers of error responses (it throws from inside it), so the report is made there; an
 * AsyncLocalStorage ties it to the right concurrent call.
 */
export class GatedFetch {
  readonly #scope = new AsyncLocalStorage<CallScope>();
  readonly #calls = new AsyncLocalStorage<CallRecord>();
  /** The response each failed request carried, so error translation can read Retry-After and codes. */
  readonly #failures = new WeakMap<object, FailedResponse>();

  constructor(readonly options: GateHookOptions) {}

  /** Runs `fn` with its requests labelled `scope` (lane, symbol). */
  inScope<T>(scope: CallScope, fn: () => Promise<T>): Promise<T> {
    return this.#scope.run(scope, fn);
  }

  failureOf(error: unknown): FailedResponse | undefined {
    return typeof error === 'object' && error !== null ? this.#failures.get(error) : undefined;
  }

  install(instance: CcxtInstance): void {
    const originalFetch = instance.fetch.bind(instance);
    const originalHandle = instance.handleRestResponse.bind(instance) as (...args: unknown[]) => unknown;
    const originalErrors = instance.handleErrors.bind(instance) as (...args: unknown[]) => unknown;
    const calls = this.#calls;
    instance.handleRestResponse = (response: unknown, ...rest: unknown[]): unknown => {
      const call = calls.getStore();
      if (call) {
        call.feedback = toFeedback(instance, response);
        call.report(call.feedback);
      }
      return originalHandle(response, ...rest);
    };
    // ccxt hands the parsed body to handleErrors (args: code, reason, url, method, headers, body, json…).
    instance.handleErrors = ((...args: unknown[]): unknown => {
      const call = calls.getStore();
      if (call) call.json = args[6];
      return originalErrors(...args);
    }) as CcxtInstance['handleErrors'];
    instance.fetch = (url: string, method = 'GET', headers?: unknown, body?: unknown): Promise<unknown> =>
      this.#gated(url, method, () => originalFetch(url, method, headers, body));
  }

  async #gated(url: string, method: string, send: () => Promise<unknown>): Promise<unknown> {
    const request = describeRequest(this.options, this.#scope.getStore(), url, method);
    return this.options.gate.run(request, async (report) => {
      const call: CallRecord = { report };
      try {
        return await this.#calls.run(call, send);
      } catch (error) {
        if (call.feedback && typeof error === 'object' && error !== null) this.#failures.set(error, { feedback: call.feedback, json: call.json });
        throw error;
      }
    });
  }
}

/** Maps a ccxt request (absolute exchange URL) to what the limiter needs to know. */
export function describeRequest(options: GateHookOptions, scope: CallScope | undefined, url: string, method: string): ExchangeRequest {
  const request: ExchangeRequest = {
    exchange: options.exchange,
    accountKey: options.accountKey,
    method: method.toUpperCase(),
    path: safePath(url),
    lane: scope?.lane ?? 'read',
  };
  if (scope?.symbol !== undefined) request.symbol = scope.symbol;
  return request;
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

function toFeedback(instance: CcxtInstance, response: unknown): ResponseFeedback {
  const status = typeof response === 'object' && response !== null && 'status' in response ? Number(response.status) : 0;
  const raw = instance.getResponseHeaders(response) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) headers[key.toLowerCase()] = String(value);
  return { status, headers };
}
