import { createHmac, createPrivateKey, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { SimAccount, SimContext, SimRequest } from '../../types.js';

/**
 * Coinbase Advanced Trade authentication as ccxt 4.5.84's `coinbase` class produces it. ccxt picks the
 * scheme from the credentials, and so does the simulator (from the account's stored secret):
 *
 *  - CDP ECDSA key: apiKey `organizations/{org}/apiKeys/{id}`, secret a SEC1 PEM
 *    (`-----BEGIN EC PRIVATE KEY-----`). ccxt sends `Authorization: Bearer <JWT>`, ES256, header
 *    `{ kid: apiKey, nonce }`, claims `{ iss: "coinbase-cloud", aud: ["retail_rest_api_proxy"], sub: apiKey,
 *    nbf, iat, exp: iat + 120, uri: "GET api.coinbase.com/api/v3/..." }`.
 *  - CDP Ed25519 key: secret the 88-character base64 of 64 bytes (seed ‖ public key). JWT EdDSA,
 *    `iss: "cdp"`, `aud: ["cdp_service"]`, `uris: [...]`.
 *  - Legacy API key (any other secret): CB-ACCESS-KEY / CB-ACCESS-TIMESTAMP (seconds) / CB-ACCESS-SIGN =
 *    hex HMAC-SHA256(secret, timestamp + METHOD + path + body); for /v2 GETs ccxt also signs `?query`.
 *
 * Only the public half of a CDP key is needed to verify; the simulator derives it from the stored secret.
 */

export type CoinbaseAuthFailure =
  /** Advanced Trade (/api/v3) answers 401 with a plain-text body. */
  | { kind: 'unauthorized' }
  /** The v2 (Coinbase App) API answers 401 with `{ errors: [{ id, message }] }`. */
  | { kind: 'error'; id: string; message: string };

export type CoinbaseAuthResult = { ok: true; account: SimAccount } | { ok: false; failure: CoinbaseAuthFailure };

/** Legacy keys: Coinbase rejects a CB-ACCESS-TIMESTAMP more than 30 s from its clock. */
const HMAC_WINDOW_MS = 30_000;
/** JWTs: accepted between nbf and exp; a little leeway for an nbf slightly in the future. */
const JWT_NBF_LEEWAY_MS = 5_000;
/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

type KeyKind = 'es256' | 'eddsa' | 'hmac';

export function keyKind(secret: string): KeyKind {
  if (secret.startsWith('-----BEGIN')) return 'es256';
  // ccxt's own test: an 88-character (or '='-terminated) secret is a base64 Ed25519 key.
  if (secret.length === 88 || secret.endsWith('=')) return 'eddsa';
  return 'hmac';
}

function publicKeyOf(account: SimAccount, kind: KeyKind): KeyObject | undefined {
  try {
    if (kind === 'es256') return createPublicKey(createPrivateKey(account.secret));
    const seed = Buffer.from(account.secret, 'base64').subarray(0, 32);
    return createPublicKey(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
  } catch {
    return undefined;
  }
}

function base64urlJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function fail(isV3: boolean, id: string, message: string): CoinbaseAuthResult {
  return { ok: false, failure: isV3 ? { kind: 'unauthorized' } : { kind: 'error', id, message } };
}

function verifyJwt(req: SimRequest, ctx: SimContext, token: string, isV3: boolean): CoinbaseAuthResult {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const header = base64urlJson(h);
  const claims = base64urlJson(p);
  if (header === undefined || claims === undefined) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const account = ctx.findAccount('coinbase', kid);
  if (account === undefined || claims.sub !== kid) return fail(isV3, 'authentication_error', 'invalid api key');
  const kind = keyKind(account.secret);
  const expectedAlg = kind === 'es256' ? 'ES256' : kind === 'eddsa' ? 'EdDSA' : '';
  if (header.alg !== expectedAlg) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const publicKey = publicKeyOf(account, kind);
  if (publicKey === undefined) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const signed = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const valid = kind === 'es256'
    ? verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    : verify(null, signed, publicKey, signature);
  if (!valid) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const [iss, aud] = kind === 'es256' ? ['coinbase-cloud', 'retail_rest_api_proxy'] : ['cdp', 'cdp_service'];
  if (claims.iss !== iss || !Array.isArray(claims.aud) || !claims.aud.includes(aud)) return fail(isV3, 'invalid_token', 'The access token is invalid');
  // The token is bound to one request line: "METHOD host/path" without the query.
  const uri = `${req.method.toUpperCase()} ${req.url.host}${req.url.pathname}`;
  const uris = kind === 'es256' ? [claims.uri] : Array.isArray(claims.uris) ? claims.uris : [];
  if (!uris.includes(uri)) return fail(isV3, 'invalid_token', 'The access token is invalid');
  const now = ctx.exchangeNow();
  const nbf = typeof claims.nbf === 'number' ? claims.nbf * 1000 : NaN;
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : NaN;
  if (Number.isNaN(nbf) || Number.isNaN(exp) || now >= exp || nbf - now > JWT_NBF_LEEWAY_MS) {
    return fail(isV3, 'expired_token', 'The access token expired');
  }
  return { ok: true, account };
}

function verifyHmac(req: SimRequest, ctx: SimContext, isV3: boolean): CoinbaseAuthResult {
  const key = req.headers['cb-access-key'] ?? '';
  const sign = req.headers['cb-access-sign'] ?? '';
  const timestamp = req.headers['cb-access-timestamp'] ?? '';
  if (key === '' || sign === '' || timestamp === '') return fail(isV3, 'authentication_error', 'invalid api key');
  const account = ctx.findAccount('coinbase', key);
  // A CDP key must sign with a JWT; HMAC headers with one are refused like an unknown key.
  if (account === undefined || keyKind(account.secret) !== 'hmac') return fail(isV3, 'authentication_error', 'invalid api key');
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(seconds) || Math.abs(ctx.exchangeNow() - seconds * 1000) > HMAC_WINDOW_MS) {
    return fail(isV3, 'authentication_error', 'request timestamp expired');
  }
  // v3 GETs sign the bare path; v2 GETs include the query string (as ccxt sends it).
  const path = isV3 ? req.url.pathname : req.url.pathname + req.url.search;
  const expected = createHmac('sha256', account.secret).update(timestamp + req.method.toUpperCase() + path + req.body).digest('hex');
  if (!sameText(expected, sign)) return fail(isV3, 'authentication_error', 'invalid signature');
  return { ok: true, account };
}

export function authenticateCoinbase(req: SimRequest, ctx: SimContext): CoinbaseAuthResult {
  const isV3 = req.url.pathname.startsWith('/api/v3/');
  const authorization = req.headers.authorization ?? '';
  if (authorization.startsWith('Bearer ')) return verifyJwt(req, ctx, authorization.slice('Bearer '.length).trim(), isV3);
  return verifyHmac(req, ctx, isV3);
}
