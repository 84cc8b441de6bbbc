import type { Exchange, KeyPermissions } from '../../src/exchanges/exchange.port.js';

/** A scriptable Exchange for the tester's pure logic; the real adapter is covered through the simulator. */
export function fakeExchange(overrides: Partial<Exchange> & { permissions?: KeyPermissions | null } = {}): Exchange {
  const fail = (): Promise<never> => Promise.reject(new Error('not scripted'));
  const { permissions, ...rest } = overrides;
  const base: Exchange = {
    id: 'fake',
    fetchServerTime: async () => Date.now(),
    loadMarkets: async () => [],
    fetchBalances: async () => [
      { asset: 'BTC', free: '1', used: '0', total: '1' },
      { asset: 'ETH', free: '0', used: '0', total: '0' },
    ],
    fetchTicker: fail,
    fetchCandles: fail,
    createOrder: fail,
    cancelOrder: fail,
    fetchOrder: fail,
    fetchOpenOrders: fail,
    fetchMyTrades: fail,
    close: async () => undefined,
  };
  if (permissions !== null) base.fetchPermissions = async () => permissions ?? { canTrade: true, canWithdraw: false, ipRestricted: true };
  return { ...base, ...rest };
}
