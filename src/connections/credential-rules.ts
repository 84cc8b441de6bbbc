import { createPrivateKey } from 'node:crypto';
import type { FieldError } from '../domain/errors.js';
import { EXCHANGE_FACTS, type ExchangeId } from '../domain/exchange-ids.js';

/**
 * The shape of each exchange's credentials, checked at create and PATCH so that a secret ccxt cannot
 * sign with is refused at the edge instead of failing later as a confusing exchange error. Messages
 * describe the expected format and never echo a secret. The forms accepted are the ones ccxt 4.5
 * signs with (node_modules/ccxt/js/src/<exchange>.js `sign`):
 *
 * - Kraken: the private key is base64 (`base64ToBinary(this.secret)` in kraken.js; 64 bytes as Kraken
 *   issues it, https://docs.kraken.com/api/docs/guides/spot-rest-auth).
 * - Coinbase: a CDP key (https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication):
 *   either ECDSA — key name `organizations/{org_id}/apiKeys/{key_id}` with a SEC1
 *   `-----BEGIN EC PRIVATE KEY-----` P-256 PEM (ccxt's `ecdsa` decodes only that header) — or Ed25519 —
 *   a key id with the base64 private key of 64 bytes (ccxt takes its first 32 as the seed). ccxt still
 *   signs legacy HMAC keys (key and secret without whitespace), so those pass too.
 * - Binance and Bybit: an HMAC secret, or a PEM private key (RSA / Ed25519 keys: ccxt switches on
 *   `PRIVATE KEY` in the secret).
 * - OKX: the passphrase is required (checked in connection-rules.ts with the other cross-field rules).
 * - Every exchange: the API key has no whitespace; an HMAC secret has none either.
 */
export interface CredentialValues {
  readonly apiKey?: string | undefined;
  readonly apiSecret?: string | undefined;
  readonly passphrase?: string | undefined;
}

type Rule = (values: CredentialValues) => FieldError[];

const WHITESPACE = /\s/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CDP_KEY_NAME = /^organizations\/[A-Za-z0-9-]+\/apiKeys\/[A-Za-z0-9-]+$/;
const PEM_EC_HEADER = '-----BEGIN EC PRIVATE KEY-----';

export const CREDENTIAL_RULES: Readonly<Record<ExchangeId, Rule>> = {
  binance: hmacOrPemKey,
  bybit: hmacOrPemKey,
  okx: hmacOnly,
  gate: hmacOnly,
  htx: hmacOnly,
  kraken: krakenRule,
  coinbase: coinbaseRule,
};

/** Field errors for the credentials given (fields left out are not checked). */
export function credentialFormatErrors(exchange: ExchangeId, values: CredentialValues): FieldError[] {
  return CREDENTIAL_RULES[exchange](values);
}

function keyErrors(values: CredentialValues): FieldError[] {
  if (values.apiKey === undefined || !WHITESPACE.test(values.apiKey)) return [];
  return [{ path: 'apiKey', message: 'must not contain spaces or line breaks (copy the key again)' }];
}

function hmacSecretErrors(secret: string | undefined, exchange: string): FieldError[] {
  if (secret === undefined || !WHITESPACE.test(secret)) return [];
  return [{ path: 'apiSecret', message: `a ${exchange} API secret has no spaces or line breaks (copy the secret again)` }];
}

function hmacOnly(values: CredentialValues): FieldError[] {
  return [...keyErrors(values), ...hmacSecretErrors(values.apiSecret, 'secret key')];
}

function hmacOrPemKey(values: CredentialValues): FieldError[] {
  const secret = values.apiSecret;
  if (secret !== undefined && secret.includes('PRIVATE KEY')) {
    return [...keyErrors(values), ...(isPrivateKeyPem(secret) ? [] : [pemError('a PEM private key (RSA or Ed25519)')])];
  }
  return hmacOnly(values);
}

function krakenRule(values: CredentialValues): FieldError[] {
  const errors = keyErrors(values);
  const secret = values.apiSecret;
  if (secret !== undefined && decodedBase64Length(secret) < 32) {
    errors.push({
      path: 'apiSecret',
      message: `${EXCHANGE_FACTS.kraken.displayName} private keys are base64 (88 characters ending in "=="); this is not valid base64 of a key: copy the "Private key" again`,
    });
  }
  return errors;
}

function coinbaseRule(values: CredentialValues): FieldError[] {
  const { apiKey, apiSecret } = values;
  const errors = keyErrors(values);
  if (apiSecret === undefined) return errors;
  const cdpName = apiKey !== undefined && CDP_KEY_NAME.test(apiKey);
  if (apiSecret.includes('-----BEGIN')) {
    if (!isEcP256Pem(apiSecret)) errors.push(pemError(`an EC private key (P-256) starting with ${PEM_EC_HEADER}, with its line breaks kept`));
    if (apiKey !== undefined && !cdpName) errors.push({ path: 'apiKey', message: 'with a CDP private key, the API key is its name: organizations/{org_id}/apiKeys/{key_id}' });
    return errors;
  }
  if (cdpName) {
    errors.push({ path: 'apiSecret', message: `a key named organizations/…/apiKeys/… goes with its EC private key (PEM, ${PEM_EC_HEADER} …)` });
    return errors;
  }
  // Ed25519 CDP secrets are base64 of 64 bytes; ccxt treats any secret ending in "=" as one.
  if (apiSecret.endsWith('=') && decodedBase64Length(apiSecret) !== 64) {
    errors.push({ path: 'apiSecret', message: 'an Ed25519 CDP private key is base64 of 64 bytes (88 characters); copy the "privateKey" again' });
    return errors;
  }
  return [...errors, ...hmacSecretErrors(apiSecret, 'Coinbase')];
}

/** Bytes the text decodes to when it is strict (padded) base64, else -1. */
function decodedBase64Length(text: string): number {
  if (text.length === 0 || !BASE64.test(text)) return -1;
  return Buffer.from(text, 'base64').length;
}

function isPrivateKeyPem(text: string): boolean {
  try {
    return createPrivateKey({ key: text, format: 'pem' }).type === 'private';
  } catch {
    return false;
  }
}

function isEcP256Pem(text: string): boolean {
  if (!text.startsWith(PEM_EC_HEADER)) return false;
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

function pemError(expected: string): FieldError {
  return { path: 'apiSecret', message: `must be ${expected}; the text given is not a readable key (pasted with "\\n" instead of line breaks?)` };
}
