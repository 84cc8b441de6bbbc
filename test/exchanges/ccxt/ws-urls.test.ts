import { describe, expect, it } from 'vitest';
import { wsUrlsThrough } from '../../../src/exchanges/ccxt/ws-urls.js';

describe('websocket urls through the proxy', () => {
  it('prefixes every ws and wss address, deep, and leaves everything else alone', () => {
    const urls = { api: { ws: { spot: 'wss://stream.binance.com:9443/ws', 'ws-api': { spot: 'wss://ws-api.binance.com:443/ws-api/v3' } }, rest: 'https://api.binance.com' }, test: { ws: ['ws://x/y'] }, logo: 'https://x/logo.png', n: 3 };
    expect(wsUrlsThrough(urls, 'http://127.0.0.1:8123/')).toEqual({
      api: { ws: { spot: 'ws://127.0.0.1:8123/wss://stream.binance.com:9443/ws', 'ws-api': { spot: 'ws://127.0.0.1:8123/wss://ws-api.binance.com:443/ws-api/v3' } }, rest: 'https://api.binance.com' },
      test: { ws: ['ws://127.0.0.1:8123/ws://x/y'] },
      logo: 'https://x/logo.png',
      n: 3,
    });
    expect(urls.api.ws.spot).toBe('wss://stream.binance.com:9443/ws'); // a copy: ccxt's class defaults stay untouched
    expect(wsUrlsThrough({ a: 'wss://h/p' }, 'https://proxy.local:9/')).toEqual({ a: 'wss://proxy.local:9/wss://h/p' });
  });
});
