import { describe, expect, it } from 'vitest';
import { simulatorWsUrls } from '../../../src/exchanges/ccxt/ws-urls.js';

describe('simulatorWsUrls', () => {
  it('points every wss URL, however deep, at the simulator and leaves the rest alone', () => {
    const urls = {
      logo: 'https://example.com/logo.png',
      api: {
        ws: { spot: 'wss://stream.binance.com:9443/ws', 'ws-api': { spot: 'wss://ws-api.binance.com:443/ws-api/v3' } },
        public: 'https://api.binance.com/api/v3',
      },
      list: ['wss://a.example/ws', 'plain'],
      rateLimit: 50,
    };
    const out = simulatorWsUrls(urls, 'http://127.0.0.1:40123/');
    expect(out).toEqual({
      logo: 'https://example.com/logo.png',
      api: {
        ws: {
          spot: 'ws://127.0.0.1:40123/wss://stream.binance.com:9443/ws',
          'ws-api': { spot: 'ws://127.0.0.1:40123/wss://ws-api.binance.com:443/ws-api/v3' },
        },
        public: 'https://api.binance.com/api/v3',
      },
      list: ['ws://127.0.0.1:40123/wss://a.example/ws', 'plain'],
      rateLimit: 50,
    });
    expect(urls.api.ws.spot).toBe('wss://stream.binance.com:9443/ws');
  });

  it('adds the missing trailing slash and refuses a non-http base', () => {
    expect(simulatorWsUrls('wss://x.example/ws', 'http://127.0.0.1:1')).toBe('ws://127.0.0.1:1/wss://x.example/ws');
    expect(() => simulatorWsUrls({}, 'ftp://127.0.0.1:1/')).toThrow(/http/);
  });
});
