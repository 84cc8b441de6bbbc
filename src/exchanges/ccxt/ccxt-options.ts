import type { Credentials } from '../../domain/connection.js';
import { ValidationError } from '../../domain/errors.js';
import type { ExchangeId, MarketType } from '../../domain/exchange-ids.js';
import type { ExchangeProfile } from '../profiles/index.js';

/** What the adapter needs of a stored connection (secrets already decrypted, in memory only). */
export interface CcxtConnection {
  /** Connection id: the limiter's account key. */
  readonly id: string;
  readonly exchange: ExchangeId;
  readonly mode: 'live' | 'testnet';
  readonly credentials: Credentials | null;
  readonly marketTypes: readonly MarketType[];
  /** `CTS_EXCHANGE_PROXY_URL` or the connection's own override, e.g. http://127.0.0.1:8123/ (the simulator). */
  readonly proxyUrl?: string;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Fails fast, with a message a person can act on, on a connection ccxt could not use. */
export function assertUsableConnection(connection: CcxtConnection, profile: ExchangeProfile): void {
  const unsupported = connection.marketTypes.filter((t) => !profile.marketTypes.includes(t));
  if (unsupported.length > 0) {
    throw new ValidationError(`${profile.displayName} does not support market type(s) ${unsupported.join(', ')}`, [
      { path: 'marketTypes', message: `supported: ${profile.marketTypes.join(', ')}` },
    ]);
  }
  if (connection.mode === 'testnet' && !profile.testnet.available) {
    throw new ValidationError(`${profile.displayName} has no testnet: use paper mode instead`, [{ path: 'mode', message: profile.testnet.notes }]);
  }
  if (connection.credentials && profile.credentials.passphrase && !connection.credentials.passphrase) {
    throw new ValidationError(`${profile.displayName} keys need a passphrase`, [{ path: 'passphrase', message: 'required' }]);
  }
  if (connection.proxyUrl !== undefined && !/^https?:\/\/[^/]+\/$/.test(connection.proxyUrl)) {
    throw new ValidationError(`Expected the exchange proxy URL to look like http://127.0.0.1:PORT/, got ${connection.proxyUrl}`, [
      { path: 'proxyUrl', message: 'must be scheme://host:port/ with a trailing slash' },
    ]);
  }
  const timeout = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new ValidationError(`Expected \`timeoutMs\` to be a finite number > 0, got ${timeout}`);
  }
}

/**
 * The ccxt constructor config: our gate is the only limiter (ccxt's throttler off), ccxt never
 * retries on its own (4.5.84 reads `options.maxRetriesOnFailure` in fetch2, default 0 — set
 * explicitly so a future default cannot sneak retries past the gate), and loadMarkets is trimmed.
 */
export function ccxtConfig(connection: CcxtConnection, profile: ExchangeProfile): Record<string, unknown> {
  const config: Record<string, unknown> = {
    enableRateLimit: false,
    timeout: connection.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options: { ...structuredClone(profile.ccxtOptions), ...structuredClone(profile.loadMarkets.options), ...fetchMarketsOption(connection.marketTypes, profile), maxRetriesOnFailure: 0 },
  };
  if (connection.credentials) {
    config['apiKey'] = connection.credentials.apiKey;
    config['secret'] = connection.credentials.apiSecret;
    if (connection.credentials.passphrase !== undefined) config['password'] = connection.credentials.passphrase;
  }
  if (connection.proxyUrl !== undefined) config['proxyUrl'] = connection.proxyUrl;
  return config;
}

/** `options.fetchMarkets` restricted to the connection's market types (or all the exchange supports). */
export function fetchMarketsOption(marketTypes: readonly MarketType[], profile: ExchangeProfile): Record<string, unknown> {
  const map = profile.loadMarkets.fetchMarketsTypes;
  if (map === null) return {};
  const wanted = marketTypes.length > 0 ? marketTypes : profile.marketTypes;
  const types = [...new Set(wanted.flatMap((t) => map[t] ?? []))];
  if (profile.loadMarkets.typesShape === 'list') return { fetchMarkets: { types } };
  // ccxt deep-merges option objects, so every known flag is set explicitly (defaults are all true).
  const all = [...new Set(Object.values(map).flatMap((v) => v ?? [])), 'inverse'];
  return { fetchMarkets: { types: Object.fromEntries(all.map((t) => [t, types.includes(t)])) } };
}
