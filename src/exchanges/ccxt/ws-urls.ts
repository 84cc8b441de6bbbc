/**
 * ccxt's `urls` with every websocket address sent through a proxy base the way REST goes through
 * `proxyUrl`: `wss://stream.binance.com:9443/ws` becomes `ws://127.0.0.1:8123/wss://stream.binance.com:9443/ws`
 * for base `http://127.0.0.1:8123/` (the simulator reads the original address from the path). Only
 * `ws://` and `wss://` strings change; the rest of the tree is copied as it is.
 */
export function wsUrlsThrough(urls: unknown, proxyBase: string): unknown {
  const base = proxyBase.replace(/^http(s?):\/\//, 'ws$1://');
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return /^wss?:\/\//.test(value) ? `${base}${value}` : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return rewrite(urls);
}
