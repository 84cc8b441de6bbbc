import { InvalidResponseError } from '../../domain/errors.js';
import type { ExchangeId } from '../../domain/exchange-ids.js';
import { getProfile } from '../profiles/index.js';
import type { ExchangeRequest, RequestGate, RequestLane, ResponseFeedback } from '../../ratelimit/request-gate.js';
import type { CcxtInstance } from './ccxt-classes.js';

/** What an adapter call wants its requests labelled with. */
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
  readonly report: (feedback: ResponseFeedback) => void;
  feedback?: ResponseFeedback;
  json?: unknown;
}

export interface GateHookOptions {
  readonly exchange: ExchangeId;
  readonly accountKey: string;
  readonly gate: RequestGate;
}

type Params = Record<string, unknown>;
type FetchFn = (this: unknown, url: string, method?: string, headers?: unknown, body?: unknown) => Promise<unknown>;
type Fetch2Fn = (this: unknown, path: unknown, api?: unknown, method?: string, params?: Params, ...rest: unknown[]) => Promise<unknown>;
type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The key under which the scope travels inside ccxt's `params`. A symbol key survives ccxt's
 * `extend`/`omit` (both `Object.assign`-based) down to `fetch2`, and is invisible to everything that
 * could put it on the wire (`Object.keys`, `for…in`, `JSON.stringify`, urlencode); `fetch2` strips it
 * before `sign` anyway.
 */
const SCOPE = Symbol('cts.callScope');

/** `params` for a ccxt call whose requests are to be labelled `scope` (lane, symbol). */
export function scopedParams(scope: CallScope, params: Params = {}): Params {
  return { ...params, [SCOPE]: scope };
}

function scopeOf(params: unknown): CallScope | undefined {
  if (typeof params !== 'object' || params === null || !(SCOPE in params)) return undefined;
  return (params as { [SCOPE]: CallScope })[SCOPE];
}

function withoutScope(params: Params): Params {
  const { [SCOPE]: _scope, ...rest } = params as Params & { [SCOPE]?: CallScope };
  return rest;
}

/**
 * A per-request view of the ccxt instance: the named methods are replaced, every other read goes to the
 * instance, and every write lands on it (a Proxy without a `set` trap defines on its target), so ccxt's
 * caches (markets, the undici client) are shared as usual. Methods ccxt calls on `this` from inside a
 * method run on the view see the replacements; nothing else does.
 */
function viewWith(instance: CcxtInstance, overrides: ReadonlyMap<PropertyKey, unknown>): CcxtInstance {
  return new Proxy(instance, {
    get: (target, key) => (overrides.has(key) ? overrides.get(key) : Reflect.get(target, key)),
  });
}

/**
 * Routes every HTTP request of one ccxt instance through the gate. Deliberately without async context
 * tracking: on Node 20 that installs promise hooks for the whole process (~16 % of server CPU measured).
 *
 * - Labels: the adapter passes its scope inside the unified method's `params` (`scopedParams`); ccxt
 *   hands `params` down to `fetch2`, whose override reads and strips it and runs the original `fetch2`
 *   on a view whose `fetch` is gated with that scope. ccxt's own follow-up calls that do not forward
 *   `params` (e.g. a loadMarkets it triggers) and direct `fetch` calls are gated too, labelled as reads
 *   without symbol.
 * - Responses: each gated request runs ccxt's `fetch` on its own view, whose `handleRestResponse` (where
 *   ccxt first sees the raw response, including the status and headers of error responses: it throws
 *   from inside it) and `handleErrors` (which gets the parsed body) belong to that one request. So the
 *   report always reaches the right `gate.run`, even with identical requests in flight at once.
 */
export class GatedFetch {
  /** The response each failed request carried, so error translation can read Retry-After and codes. */
  readonly #failures = new WeakMap<object, FailedResponse>();

  constructor(readonly options: GateHookOptions) {}

  failureOf(error: unknown): FailedResponse | undefined {
    return typeof error === 'object' && error !== null ? this.#failures.get(error) : undefined;
  }

  install(instance: CcxtInstance): void {
    // Prototype methods (unbound): they are run with a per-request or per-call view as `this`.
    const originalFetch = instance.fetch as FetchFn;
    const originalFetch2 = instance.fetch2 as Fetch2Fn;
    const gatedFetch = (scope: CallScope | undefined): FetchFn => {
      return (url, method = 'GET', headers, body) => this.#gated(instance, originalFetch, scope, url, method, headers, body);
    };
    const unscoped = gatedFetch(undefined);
    instance.fetch = unscoped as CcxtInstance['fetch'];
    instance.fetch2 = ((path: unknown, api?: unknown, method?: string, params?: Params, ...rest: unknown[]): Promise<unknown> => {
      const scope = scopeOf(params);
      if (scope === undefined || params === undefined) return originalFetch2.call(instance, path, api, method, params, ...rest);
      const view = viewWith(instance, new Map([['fetch', gatedFetch(scope)]]));
      return originalFetch2.call(view, path, api, method, withoutScope(params), ...rest);
    }) as CcxtInstance['fetch2'];
  }

  async #gated(instance: CcxtInstance, originalFetch: FetchFn, scope: CallScope | undefined, url: string, method: string, headers: unknown, body: unknown): Promise<unknown> {
    const request = describeRequest(this.options, scope, url, method);
    return this.options.gate.run(request, async (report) => {
      const call: CallRecord = { report };
      try {
        const answer = await originalFetch.call(responseView(instance, call), url, method, headers, body);
        // ccxt hands an empty body back as '', which its parsers read as "no candles", "no open orders":
        // none of our exchanges answers a read that way, so it is garbage from something in between.
        if (answer === '' && request.lane === 'read') {
          throw new InvalidResponseError(`${getProfile(this.options.exchange).displayName} answered ${request.method} ${request.path} with HTTP ${call.feedback?.status ?? '?'} and an empty body`);
        }
        return answer;
      } catch (error) {
        if (call.feedback && typeof error === 'object' && error !== null) this.#failures.set(error, { feedback: call.feedback, json: call.json });
        throw error;
      }
    });
  }
}

/** The instance as seen by one request's `fetch`: its response handling reports to `call`. */
function responseView(instance: CcxtInstance, call: CallRecord): CcxtInstance {
  const originalHandle = instance.handleRestResponse as AnyMethod;
  const originalErrors = instance.handleErrors as AnyMethod;
  return viewWith(
    instance,
    new Map<PropertyKey, AnyMethod>([
      [
        'handleRestResponse',
        function (this: unknown, ...args: unknown[]): unknown {
          call.feedback = toFeedback(instance, args[0]);
          call.report(call.feedback);
          return originalHandle.apply(this, args);
        },
      ],
      [
        // ccxt hands the parsed body to handleErrors (args: code, reason, url, method, headers, body, json…).
        'handleErrors',
        function (this: unknown, ...args: unknown[]): unknown {
          call.json = args[6];
          return originalErrors.apply(this, args);
        },
      ],
    ]),
  );
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
