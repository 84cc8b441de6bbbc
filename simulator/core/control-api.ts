import { z } from 'zod';
import { wsFaultInputSchema } from '../ws/faults.js';
import type { SimControl } from './control.js';
import {
  accountInputSchema,
  balancesInputSchema,
  clockSkewSchema,
  exchangeIdSchema,
  faultRuleInputSchema,
  requestFilterSchema,
  stepSchema,
} from './schemas.js';

/** Everything under this prefix is the simulator's own control API, never an exchange request. */
export const CONTROL_PREFIX = '/__sim/';

export interface ControlAnswer {
  status: number;
  body: unknown;
}

type Route = (match: RegExpMatchArray, body: unknown, query: URLSearchParams) => ControlAnswer;

/**
 * The HTTP control API (JSON in and out, validated with the same zod schemas as the in-process
 * control object):
 *
 *   GET    /__sim/health
 *   PUT    /__sim/accounts/{exchange}            body: account            → the account
 *   PUT    /__sim/accounts/{exchange}/{apiKey}/futures-balances  body: balances → the account (Binance's futures wallet)
 *   GET    /__sim/accounts/{exchange}/{apiKey}                            → the account (balances)
 *   DELETE /__sim/accounts/{exchange}/{apiKey}
 *   POST   /__sim/faults                         body: fault rule         → the rule with its id
 *   GET    /__sim/faults
 *   DELETE /__sim/faults[/{id}]
 *   PUT    /__sim/clock-skew/{exchange}          body: { ms }
 *   GET    /__sim/requests?exchange=&method=&path=
 *   DELETE /__sim/requests
 *   POST   /__sim/step                           body: { steps? }         → fills and prices
 *   PUT    /__sim/fee-assets/{exchange}          body: { buy, sell, apiKey? } → the setting in force
 *   GET    /__sim/fee-assets/{exchange}?apiKey=                       → { buy, sell }
 *   GET    /__sim/prices
 *   POST   /__sim/reset
 *   POST   /__sim/ws-faults                      body: { kind, exchange, … } → that exchange's ws fault state
 *   DELETE /__sim/ws-faults[/{exchange}]
 */
export function handleControl(control: SimControl, method: string, url: URL, rawBody: string): ControlAnswer {
  const path = url.pathname.slice(CONTROL_PREFIX.length - 1);
  let body: unknown = undefined;
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return problem(400, 'Request body is not valid JSON');
    }
  }
  const routes = routesFor(control);
  for (const [routeMethod, pattern, route] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    if (routeMethod !== method) continue;
    try {
      return route(match, body, url.searchParams);
    } catch (error) {
      if (error instanceof z.ZodError) {
        return problem(400, 'Invalid control request', error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      }
      throw error;
    }
  }
  return problem(404, `No control route ${method} ${url.pathname}`);
}

const feeAsset = z.enum(['base', 'quote']);
/** The asset each side's fee is taken from; `apiKey` sets one account's instead of the exchange's. */
const feeAssetsSchema = z.object({ buy: feeAsset, sell: feeAsset, apiKey: z.string().min(1).max(200).optional() }).strict();

function routesFor(control: SimControl): Array<[string, RegExp, Route]> {
  return [
    [
      'PUT',
      /^\/fee-assets\/([^/]+)$/,
      (m, body) => {
        const { apiKey, ...assets } = feeAssetsSchema.parse(body);
        return ok(control.setFeeAssets(exchangeIdSchema.parse(m[1]), assets, apiKey));
      },
    ],
    ['GET', /^\/fee-assets\/([^/]+)$/, (m, _b, q) => ok(control.feeAssets(exchangeIdSchema.parse(m[1]), q.get('apiKey') ?? undefined))],
    ['GET', /^\/health$/, () => ok({ ok: true, now: control.now() })],
    ['PUT', /^\/accounts\/([^/]+)$/, (m, body) => ok(control.addAccount(exchangeIdSchema.parse(m[1]), accountInputSchema.parse(body)))],
    [
      'PUT',
      /^\/accounts\/([^/]+)\/([^/]+)\/futures-balances$/,
      (m, body) => {
        const account = control.setFuturesBalances(exchangeIdSchema.parse(m[1]), decodeURIComponent(m[2] ?? ''), balancesInputSchema.parse(body));
        return account ? ok(account) : problem(404, 'No such account');
      },
    ],
    [
      'GET',
      /^\/accounts\/([^/]+)\/([^/]+)$/,
      (m) => {
        const account = control.account(exchangeIdSchema.parse(m[1]), decodeURIComponent(m[2] ?? ''));
        return account ? ok(account) : problem(404, 'No such account');
      },
    ],
    [
      'DELETE',
      /^\/accounts\/([^/]+)\/([^/]+)$/,
      (m) => ok({ removed: control.removeAccount(exchangeIdSchema.parse(m[1]), decodeURIComponent(m[2] ?? '')) }),
    ],
    ['POST', /^\/faults$/, (_m, body) => ({ status: 201, body: control.injectFault(faultRuleInputSchema.parse(body)) })],
    ['GET', /^\/faults$/, () => ok(control.faults())],
    ['DELETE', /^\/faults$/, () => ok({ removed: control.clearFaults() })],
    ['DELETE', /^\/faults\/([^/]+)$/, (m) => ok({ removed: control.clearFaults(m[1]) })],
    [
      'PUT',
      /^\/clock-skew\/([^/]+)$/,
      (m, body) => {
        const exchange = exchangeIdSchema.parse(m[1]);
        control.setClockSkew(exchange, clockSkewSchema.parse(body).ms);
        return ok({ exchange, ms: control.clockSkew(exchange) });
      },
    ],
    ['GET', /^\/requests$/, (_m, _b, q) => ok(control.requests(requestFilterSchema.parse(Object.fromEntries(q))))],
    [
      'DELETE',
      /^\/requests$/,
      () => {
        control.clearRequests();
        return ok({ cleared: true });
      },
    ],
    [
      'POST',
      /^\/step$/,
      (_m, body) => {
        const fills = control.step(stepSchema.parse(body ?? {}).steps);
        return ok({ fills, prices: control.prices() });
      },
    ],
    ['GET', /^\/prices$/, () => ok(control.prices())],
    ['POST', /^\/ws-faults$/, (_m, body) => ok(control.wsFaults.inject(wsFaultInputSchema.parse(body)))],
    [
      'DELETE',
      /^\/ws-faults(?:\/([^/]+))?$/,
      (m) => {
        control.wsFaults.clear(m[1] === undefined ? undefined : exchangeIdSchema.parse(m[1]));
        return ok({ cleared: true });
      },
    ],
    [
      'POST',
      /^\/reset$/,
      () => {
        control.reset();
        return ok({ reset: true });
      },
    ],
  ];
}


function ok(body: unknown): ControlAnswer {
  return { status: 200, body };
}

function problem(status: number, title: string, errors?: Array<{ path: string; message: string }>): ControlAnswer {
  return { status, body: { type: 'about:blank', title, status, ...(errors ? { errors } : {}) } };
}
