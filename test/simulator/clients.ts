import ccxt from 'ccxt';
import type { RunningSimulator } from '../../simulator/server.js';

/**
 * Unmodified ccxt classes pointed at the simulator through `proxyUrl`, with the trimmed loadMarkets
 * options from shared/exchange-limits.md and ccxt's own throttle off (tests measure nothing with it).
 */

export interface ClientOptions {
  apiKey?: string;
  secret?: string;
  timeout?: number;
  sandbox?: boolean;
}

export function binanceClient(sim: RunningSimulator, o: ClientOptions = {}): InstanceType<typeof ccxt.binance> {
  const ex = new ccxt.binance({
    apiKey: o.apiKey ?? 'binanceKey1',
    secret: o.secret ?? 'binanceSecret1',
    proxyUrl: sim.url,
    enableRateLimit: false,
    timeout: o.timeout ?? 5_000,
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  if (o.sandbox) ex.setSandboxMode(true);
  return ex;
}

/**
 * ccxt's Binance on the USDⓈ-M futures API: `defaultType: 'swap'` sends calls without a symbol
 * (balance, positions, leverage) to fapi, and only the linear markets are loaded.
 */
export function binanceFuturesClient(sim: RunningSimulator, o: ClientOptions = {}): InstanceType<typeof ccxt.binance> {
  const ex = new ccxt.binance({
    apiKey: o.apiKey ?? 'binanceKey1',
    secret: o.secret ?? 'binanceSecret1',
    proxyUrl: sim.url,
    enableRateLimit: false,
    timeout: o.timeout ?? 5_000,
    options: { defaultType: 'swap', fetchMarkets: { types: ['linear'] }, fetchCurrencies: false, fetchMargins: false },
  });
  if (o.sandbox) ex.setSandboxMode(true);
  return ex;
}

export function bybitClient(sim: RunningSimulator, o: ClientOptions = {}): InstanceType<typeof ccxt.bybit> {
  const ex = new ccxt.bybit({
    apiKey: o.apiKey ?? 'bybitKey1',
    secret: o.secret ?? 'bybitSecret1',
    proxyUrl: sim.url,
    enableRateLimit: false,
    timeout: o.timeout ?? 5_000,
    options: { enableUnifiedAccount: true, enableUnifiedMargin: false, fetchMarkets: { types: ['spot', 'linear'] } },
  });
  // Bybit ignores options.fetchCurrencies; only `has` stops the extra call (exchange-limits.md).
  ex.has['fetchCurrencies'] = false;
  if (o.sandbox) ex.setSandboxMode(true);
  return ex;
}

export function provisionDefaults(sim: RunningSimulator): void {
  sim.control.addAccount('binance', {
    apiKey: 'binanceKey1',
    secret: 'binanceSecret1',
    balances: { USDT: '10000', BTC: '0.5', XRP: '1000' },
  });
  sim.control.addAccount('bybit', {
    apiKey: 'bybitKey1',
    secret: 'bybitSecret1',
    balances: { USDT: '10000', BTC: '0.5', XRP: '1000' },
  });
}

/** ccxt's balance and order types are loose (everything optional); these keep tests strict. */
export function amountOf(part: unknown, asset: string): number | undefined {
  return (part as Record<string, number | undefined> | undefined)?.[asset];
}

export function idOf(order: { id?: string | undefined }): string {
  if (order.id === undefined) throw new Error('ccxt returned an order without an id');
  return order.id;
}

export function header(ex: { last_response_headers?: Record<string, string> | undefined }, name: string): string | undefined {
  return ex.last_response_headers?.[name];
}
