/**
 * How data files are named (freqtrade's naming, shared by the server and the web UI):
 * `XRP_USDT_USDT-1h-futures.csv` is XRP/USDT:USDT at 1h, `ETH_BTC-1m.csv` is ETH/BTC at 1m.
 */
export function parseDataFileName(file: string): { symbol: string; timeframe: string } | null {
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const m = /^([A-Za-z0-9]+)_([A-Za-z0-9]+)(?:_([A-Za-z0-9]+))?-(\d+[smhdw])(?:-[a-z]+)?\.csv$/.exec(name);
  if (!m) return null;
  return { symbol: `${m[1]}/${m[2]}${m[3] ? `:${m[3]}` : ''}`, timeframe: m[4] as string };
}
