import type { MarketSpec } from '../matching/types.js';
import type { SimAccount, SimContext, SimRequest, SimResponse } from '../types.js';
import { hmacSha256Hex, json, marketByCompactId, sameSignature } from './common.js';

/** Pieces shared by the Binance spot and USDⓈ-M futures endpoint tables. */

export type Params = Record<string, string>;

export interface BinanceCall {
  params: Params;
  ctx: SimContext;
  /** The authenticated account (a placeholder without rights on public endpoints). */
  account: SimAccount;
}

/** none: public; signed: USER_DATA; trade: TRADE (needs the key's trading permission). */
export type Security = 'none' | 'signed' | 'trade';

export interface Endpoint {
  security: Security;
  /** Request weight, from https://developers.binance.com/docs/binance-spot-api-docs/rest-api. */
  weight: (p: Params) => number;
  run: (call: BinanceCall) => SimResponse;
}

/** The account a public endpoint runs with: no key, no rights, nothing held. */
export const NO_ACCOUNT: SimAccount = {
  apiKey: '',
  secret: '',
  permissions: { trade: false, withdraw: false, ipRestricted: false },
  balances: {},
};

export function binanceError(status: number, code: number, msg: string): SimResponse {
  return json(status, { code, msg });
}

export function missingParam(name: string): SimResponse {
  return binanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

export function withMarket(ctx: SimContext, params: Params, run: (m: MarketSpec) => SimResponse): SimResponse {
  if (params['symbol'] === undefined) return missingParam('symbol');
  const market = marketByCompactId(ctx.venue().markets(), params['symbol']);
  return market ? run(market) : binanceError(400, -1121, 'Invalid symbol.');
}

/** SIGNED endpoint security, in the order Binance checks it. */
export function authenticate(req: SimRequest, ctx: SimContext, params: Params, security: Security): { account: SimAccount } | { error: SimResponse } {
  const apiKey = req.headers['x-mbx-apikey'];
  if (apiKey === undefined || !/^[A-Za-z0-9]{1,128}$/.test(apiKey)) return { error: binanceError(401, -2014, 'API-key format invalid.') };
  const account = ctx.findAccount('binance', apiKey);
  if (!account) return { error: binanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.') };
  const timestamp = Number(params['timestamp']);
  if (params['timestamp'] === undefined || !Number.isFinite(timestamp)) return { error: missingParam('timestamp') };
  const recvWindow = Number(params['recvWindow'] ?? 5000);
  if (!Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > 60_000) {
    return { error: binanceError(400, -1131, 'recvWindow must be less than 60000') };
  }
  const now = ctx.exchangeNow();
  if (timestamp > now + 1000) return { error: binanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.") };
  if (now - timestamp > recvWindow) return { error: binanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.') };
  const query = withoutSignature(req.url.search.slice(1));
  const body = withoutSignature(req.body);
  const signature = query.signature ?? body.signature;
  if (signature === undefined) return { error: missingParam('signature') };
  const expected = hmacSha256Hex(account.secret, query.payload + body.payload);
  if (!sameSignature(expected, signature)) return { error: binanceError(400, -1022, 'Signature for this request is not valid.') };
  if (security === 'trade' && !account.permissions.trade) {
    return { error: binanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.') };
  }
  return { account };
}

/** Splits `signature=…` off a raw query or form body, keeping the rest byte for byte (that is what was signed). */
function withoutSignature(raw: string): { payload: string; signature?: string } {
  if (raw === '') return { payload: '' };
  let signature: string | undefined;
  const kept = raw.split('&').filter((part) => {
    if (!part.startsWith('signature=')) return true;
    signature = decodeURIComponent(part.slice('signature='.length));
    return false;
  });
  return signature === undefined ? { payload: raw } : { payload: kept.join('&'), signature };
}

/**
 * Answers one endpoint after its request weight was counted: 429 with Retry-After past the IP limit,
 * else the endpoint run as its security asks (public, or authenticated by API key and signature).
 * The weight headers of the caller's API family go on every answer, the refusal included.
 */
export function answerWeighted(
  req: SimRequest,
  ctx: SimContext,
  call: { endpoint: Endpoint; params: Params; weight: { used: number; resetAt: number }; limit: number; headers: Record<string, string>; rateLimitBody: unknown },
): SimResponse {
  const { endpoint, params, weight } = call;
  let answer: SimResponse;
  if (weight.used > call.limit) {
    const retryAfter = Math.max(1, Math.ceil((weight.resetAt - ctx.exchangeNow()) / 1000));
    answer = { ...json(429, call.rateLimitBody), headers: { 'Retry-After': String(retryAfter) } };
  } else if (endpoint.security === 'none') {
    answer = endpoint.run({ params, ctx, account: NO_ACCOUNT });
  } else {
    const auth = authenticate(req, ctx, params, endpoint.security);
    answer = 'account' in auth ? endpoint.run({ params, ctx, account: auth.account }) : auth.error;
  }
  return { ...answer, headers: { ...call.headers, ...answer.headers } };
}

/** An endpoint's request weight that does not depend on its parameters. */
export const fixed = (w: number) => (): number => w;

/** Binance's client order id rule (newClientOrderId, origClientOrderId, clientAlgoId): 1–36 of these characters. */
export const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
