import { describe, expect, it } from 'vitest';
import type { Exchange, MarketTicker } from '../../../src/exchanges/exchange.port.js';
import { LeaseLostError, type EngineLease } from '../../../src/engine/ownership.js';
import { fenceExchange } from '../../../src/engine/runtime/fenced.js';
import { haltableExchange } from '../../../src/engine/runtime/halt.js';

const ticker: MarketTicker = { symbol: 'XRP/USDT', bid: '0.5', ask: '0.51', last: '0.505', timestamp: 1, high: '0.6', low: '0.4', baseVolume: '10', quoteVolume: '5', changePercent: '1.5' };

/** The wrappers only delegate: a port that answers the reads is all they need (the real adapter is tested elsewhere). */
function venue(): { exchange: Exchange; asked: (readonly string[] | undefined)[] } {
  const asked: (readonly string[] | undefined)[] = [];
  const unused = (): never => {
    throw new Error('not used here');
  };
  const exchange: Exchange = {
    id: 'binance',
    fetchServerTime: unused,
    loadMarkets: unused,
    fetchBalances: unused,
    fetchTicker: unused,
    fetchCandles: unused,
    createOrder: unused,
    cancelOrder: unused,
    fetchOrder: unused,
    fetchOpenOrders: unused,
    fetchMyTrades: unused,
    close: async () => undefined,
    fetchTickers: async (symbols) => {
      asked.push(symbols);
      return [ticker];
    },
  };
  return { exchange, asked };
}

function lease(valid: () => boolean): EngineLease {
  return {
    engineId: 'e1',
    token: 1,
    isValid: valid,
    assertValid: () => {
      if (!valid()) throw new LeaseLostError('lease lost');
    },
    onLost: () => undefined,
    release: async () => undefined,
  };
}

describe('engine exchange wrappers', () => {
  it('pass batched tickers through, fenced or halted (reads stay free)', async () => {
    const { exchange, asked } = venue();
    const fenced = fenceExchange(exchange, lease(() => false));
    const halted = haltableExchange(exchange, () => true);
    expect(await fenced.fetchTickers?.(['XRP/USDT'])).toEqual([ticker]);
    expect(await halted.fetchTickers?.()).toEqual([ticker]);
    expect(asked).toEqual([['XRP/USDT'], undefined]);
  });

  it('leave fetchTickers absent where the exchange has none', () => {
    const { exchange } = venue();
    const bare: Exchange = { ...exchange };
    delete bare.fetchTickers;
    expect(fenceExchange(bare, lease(() => true)).fetchTickers).toBeUndefined();
    expect(haltableExchange(bare, () => false).fetchTickers).toBeUndefined();
  });
});
