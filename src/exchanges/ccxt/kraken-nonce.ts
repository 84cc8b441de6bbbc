import type { CcxtInstance } from './ccxt-classes.js';

/**
 * Kraken refuses a private call whose nonce is not greater than the last one it saw for that API key
 * (`EAPI:Invalid nonce`, https://docs.kraken.com/api/docs/guides/spot-rest-auth). ccxt 4.5.84 uses the
 * current millisecond as the nonce, so two calls of one key signed in the same millisecond — an add
 * and its cancel, or two adapters of one connection (engine, health monitor) — collide, and the
 * second reads as a clock problem. The nonce is made strictly increasing per key across every
 * adapter of this process; it stays the millisecond clock whenever that is ahead.
 */
const lastNonceByKey = new Map<string, number>();

export function installIncreasingNonce(ex: CcxtInstance): void {
  const clockNonce = ex.nonce.bind(ex);
  ex.nonce = (() => {
    const key = String(ex.apiKey ?? '');
    const next = Math.max(Number(clockNonce()), (lastNonceByKey.get(key) ?? 0) + 1);
    lastNonceByKey.set(key, next);
    return next;
  }) as CcxtInstance['nonce'];
}
