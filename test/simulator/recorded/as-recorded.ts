/**
 * ccxt's recorder stores every JSON number of a real answer as a string (Binance's "orderId":
 * "9780331417", Bybit's "retCode": "0"), while the exchanges' docs and the simulator send numbers.
 * Comparing shapes, the simulator's numbers are turned into strings the same way first, so a real type
 * difference (a price sent as a number where the exchange sends a string) still shows.
 */
export function asRecorded(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(asRecorded);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asRecorded(v)]));
  }
  return value;
}
