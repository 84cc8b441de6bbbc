/**
 * The exchange URL ccxt meant: it appends it to proxyUrl as is, or URI-encoded as a whole when it has
 * a query string (ccxt's urlEncoderForProxyUrl), e.g. /https%3A%2F%2Fapi.binance.com%2Fapi%2Fv3%2Faccount%3F….
 * Websocket URLs come the same way (`/wss://stream.binance.com:9443/ws`, see src/exchanges/ccxt/ws-urls.ts).
 */
export function originalUrl(rawPath: string): URL {
  const rest = rawPath.slice(1);
  return new URL(/^(?:https?|wss?)%3A/i.test(rest) ? decodeURIComponent(rest) : rest);
}
