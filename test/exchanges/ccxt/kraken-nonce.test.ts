import { describe, expect, it } from 'vitest';
import { loadCcxt } from '../../../src/exchanges/ccxt/ccxt-classes.js';
import { installIncreasingNonce } from '../../../src/exchanges/ccxt/kraken-nonce.js';

describe('Kraken nonces', () => {
  it('strictly increase per API key across instances, even within one millisecond', async () => {
    const { classes } = await loadCcxt();
    const frozen = 1_796_000_000_000;
    const instance = (apiKey: string) => {
      const ex = new classes.kraken({ apiKey, secret: Buffer.from('secret').toString('base64') });
      // ccxt's own nonce is the millisecond clock: freeze it, as two calls in one millisecond see it.
      ex.milliseconds = () => frozen;
      installIncreasingNonce(ex);
      return ex;
    };
    const engine = instance('key-a');
    const monitor = instance('key-a');
    const other = instance('key-b');
    const nonces = [engine.nonce(), engine.nonce(), monitor.nonce(), engine.nonce()].map(Number);
    expect(nonces).toEqual([frozen, frozen + 1, frozen + 2, frozen + 3]);
    // Another key has its own sequence; the clock wins again once it is ahead.
    expect(Number(other.nonce())).toBe(frozen);
    engine.milliseconds = () => frozen + 1_000;
    expect(Number(engine.nonce())).toBe(frozen + 1_000);
  });
});
