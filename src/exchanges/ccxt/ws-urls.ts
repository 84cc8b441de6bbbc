/**
 * Points every websocket URL of a ccxt `urls` tree at the loopback simulator: `wss://host/path`
 * becomes `ws://127.0.0.1:PORT/wss://host/path`, the websocket twin of REST's `proxyUrl` (the
 * simulator reads the original URL from the path). Non-websocket strings are left as they are, so
 * the result can be given to ccxt as its `urls` config without losing REST endpoints.
 */
export function simulatorWsUrls<T>(urls: T, proxyBase: string): T {
  const base = wsBase(proxyBase);
  return rewrite(urls, base) as T;
}

function wsBase(proxyBase: string): string {
  const url = new URL(proxyBase);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Expected an http(s) proxy base, got ${proxyBase}`);
  const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${url.host}${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}`;
}

function rewrite(value: unknown, base: string): unknown {
  if (typeof value === 'string') return /^wss?:\/\//i.test(value) ? base + value : value;
  if (Array.isArray(value)) return value.map((v: unknown) => rewrite(v, base));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, base);
    return out;
  }
  return value;
}
