import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { InsufficientFundsError, OrderNotFoundError, OrderRejectedError } from '../../src/domain/errors.js';
import { Dec } from '../../src/domain/money.js';
import type { ExchangeId, MarketType } from '../../src/domain/exchange-ids.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';

/**
 * Calls go to the API of the market's type: what reaches the wire — category, host, path, our client
 * id, signature — for a connection trading spot and perpetuals. The simulator serves both Bybit's
 * linear perpetuals (test/simulator/bybit-linear.test.ts) and Binance's USDⓈ-M futures host
 * (test/simulator/binance-futures.test.ts), so every answer here is the simulated exchange's own.
 */

let sim: RunningSimulator;
let ccxt: CcxtModules;
const adapters: CcxtExchange[] = [];

beforeAll(async () => {
  ccxt = await loadCcxt();
  sim = await startSimulator();
});
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await sim.close();
});

async function connect(exchange: ExchangeId, marketTypes: MarketType[]): Promise<{ adapter: CcxtExchange; apiKey: string }> {
  const apiKey = `ctskey${exchange}${ulid().slice(-8)}`;
  const secret = `cts${exchange}secret0123456789abcdef`;
  sim.control.addAccount(exchange, { apiKey, secret, balances: { USDT: '100000', BTC: '2' } });
  const adapter = await createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: `c-${exchange}-${marketTypes.join('-')}`, exchange, mode: 'live', credentials: { apiKey, apiSecret: secret }, marketTypes, proxyUrl: sim.url, timeoutMs: 2_000 },
  });
  adapters.push(adapter);
  return { adapter, apiKey };
}

const order = (symbol: string, clientOrderId: string) => ({ symbol, side: 'buy' as const, type: 'limit' as const, amount: '0.01', price: '20000', clientOrderId });

describe('Bybit: spot + USDT linear connection', () => {
  const linear = 'BTC/USDT:USDT';
  const sent = (path: string, since: number) => sim.control.requests({ exchange: 'bybit' }).filter((r) => r.path === path && r.seq > since);
  const lastSeq = () => sim.control.requests({ exchange: 'bybit' }).at(-1)?.seq ?? 0;

  it('lists the linear perpetuals as futures markets next to spot', async () => {
    const { adapter } = await connect('bybit', ['spot', 'futures']);
    const markets = await adapter.loadMarkets();
    expect(markets.find((m) => m.symbol === linear)?.type).toBe('futures');
    expect(markets.find((m) => m.symbol === 'BTC/USDT')?.type).toBe('spot');
  });

  it('reads the one unified wallet once, tagged with the market types it funds', async () => {
    const { adapter } = await connect('bybit', ['spot', 'futures']);
    await adapter.loadMarkets();
    const before = lastSeq();
    const balances = await adapter.fetchBalances();
    expect(sent('/v5/account/wallet-balance', before).map((r) => r.params['accountType'])).toEqual(['UNIFIED']);
    expect(balances.find((b) => b.asset === 'USDT')).toMatchObject({ total: '100000', account: 'unified', marketTypes: ['spot', 'futures'] });
  });

  it('sends a linear order with category=linear and our orderLinkId', async () => {
    const { adapter } = await connect('bybit', ['spot', 'futures']);
    await adapter.loadMarkets();
    const before = lastSeq();
    const clientOrderId = makeClientOrderId('bybit', ulid());
    expect(await adapter.createOrder(order(linear, clientOrderId))).toMatchObject({ clientOrderId });
    expect(sent('/v5/order/create', before).map((r) => [r.params['category'], r.params['symbol'], r.params['orderLinkId']])).toEqual([['linear', 'BTCUSDT', clientOrderId]]);
  });

  it('routes open orders, a lookup by client id and trades of a linear symbol to category=linear', async () => {
    const { adapter } = await connect('bybit', ['spot', 'futures']);
    await adapter.loadMarkets();
    const before = lastSeq();
    expect(await adapter.fetchOpenOrders(linear)).toEqual([]);
    await expect(adapter.fetchOrder({ symbol: linear, clientOrderId: makeClientOrderId('bybit', ulid()) })).rejects.toBeInstanceOf(OrderNotFoundError);
    expect(await adapter.fetchMyTrades({ symbol: linear })).toEqual([]);
    expect(sent('/v5/order/realtime', before).map((r) => r.params['category'])).toEqual(['linear', 'linear']);
    expect(sent('/v5/execution/list', before).map((r) => r.params['category'])).toEqual(['linear']);
  });

  it('lists all open orders per category the connection trades (linear needs settleCoin)', async () => {
    const { adapter } = await connect('bybit', ['spot', 'futures']);
    await adapter.loadMarkets();
    const before = lastSeq();
    expect(await adapter.fetchOpenOrders()).toEqual([]);
    expect(sent('/v5/order/realtime', before).map((r) => [r.params['category'], r.params['settleCoin']])).toEqual([
      ['spot', undefined],
      ['linear', 'USDT'],
    ]);
  });

  it('a spot-only connection refuses a linear symbol before sending anything', async () => {
    const { adapter } = await connect('bybit', ['spot']);
    await adapter.loadMarkets();
    const before = lastSeq();
    await expect(adapter.createOrder(order(linear, makeClientOrderId('bybit', ulid())))).rejects.toBeInstanceOf(OrderRejectedError);
    expect(sent('/v5/order/create', before)).toHaveLength(0);
  });
});

describe('Binance: spot + USDⓈ-M futures connection', () => {
  const lastSeq = () => sim.control.requests({ exchange: 'binance' }).at(-1)?.seq ?? 0;
  const sent = (since: number) =>
    sim.control
      .requests({ exchange: 'binance' })
      .filter((r) => r.seq > since)
      .map((r) => `${r.method} ${r.host}${r.path}`);
  const signed = (since: number, host: string) =>
    sim.control
      .requests({ exchange: 'binance' })
      .filter((r) => r.seq > since && r.host === host)
      .every((r) => r.headers['x-mbx-apikey'] !== undefined && r.params['signature'] !== undefined);

  async function futuresConnection(): Promise<CcxtExchange> {
    const { adapter } = await connect('binance', ['spot', 'futures']);
    const markets = await adapter.loadMarkets();
    expect(markets.find((m) => m.symbol === 'BTC/USDT:USDT')?.type).toBe('futures');
    expect(markets.find((m) => m.symbol === 'BTC/USDT')?.type).toBe('spot');
    return adapter;
  }

  it('loads the spot markets from api.binance.com and the perpetuals from fapi.binance.com', async () => {
    const before = lastSeq();
    await futuresConnection();
    expect(sent(before)).toEqual(['GET api.binance.com/api/v3/exchangeInfo', 'GET fapi.binance.com/fapi/v1/exchangeInfo']);
  });

  it('reads the spot and the futures wallet apart, each tagged with the account it is', async () => {
    const adapter = await futuresConnection();
    const before = lastSeq();
    const balances = await adapter.fetchBalances();
    expect(sent(before)).toEqual(['GET api.binance.com/api/v3/account', 'GET fapi.binance.com/fapi/v3/account']);
    expect(signed(before, 'fapi.binance.com')).toBe(true);
    // The spot wallet holds what the account was given; the futures wallet its own 10000 USDT.
    expect(balances.filter((b) => b.asset === 'USDT')).toEqual([
      { asset: 'USDT', free: '100000', used: '0', total: '100000', account: 'spot', marketTypes: ['spot'] },
      { asset: 'USDT', free: '10000', used: '0', total: '10000', account: 'futures', marketTypes: ['futures'] },
    ]);
  });

  it('sends a futures order to POST fapi.binance.com/fapi/v1/order with our newClientOrderId, and finds it by that id there', async () => {
    const adapter = await futuresConnection();
    const before = lastSeq();
    const clientOrderId = makeClientOrderId('binance', ulid());
    expect(await adapter.createOrder(order('BTC/USDT:USDT', clientOrderId))).toMatchObject({ clientOrderId, status: 'open' });
    expect(await adapter.fetchOrder({ symbol: 'BTC/USDT:USDT', clientOrderId })).toMatchObject({ clientOrderId, status: 'open', amount: '0.01', price: '20000' });
    expect(sent(before)).toEqual(['POST fapi.binance.com/fapi/v1/order', 'GET fapi.binance.com/fapi/v1/order']);
    expect(signed(before, 'fapi.binance.com')).toBe(true);
    const requests = sim.control.requests({ exchange: 'binance' }).filter((r) => r.seq > before);
    expect(requests[0]?.params).toMatchObject({ symbol: 'BTCUSDT', newClientOrderId: clientOrderId });
    expect(requests[1]?.params).toMatchObject({ symbol: 'BTCUSDT', origClientOrderId: clientOrderId });
  });

  it('routes open orders and trades of a futures symbol to fapi, and lists all open orders per API', async () => {
    const adapter = await futuresConnection();
    let before = lastSeq();
    expect(await adapter.fetchOpenOrders('BTC/USDT:USDT')).toEqual([]);
    expect(await adapter.fetchMyTrades({ symbol: 'BTC/USDT:USDT' })).toEqual([]);
    // A perpetual's resting stops are algo orders on USDⓈ-M: listed beside the plain ones.
    expect(sent(before)).toEqual(['GET fapi.binance.com/fapi/v1/openOrders', 'GET fapi.binance.com/fapi/v1/openAlgoOrders', 'GET fapi.binance.com/fapi/v1/userTrades']);
    before = lastSeq();
    expect(await adapter.fetchOpenOrders()).toEqual([]);
    expect(sent(before)).toEqual(['GET api.binance.com/api/v3/openOrders', 'GET fapi.binance.com/fapi/v1/openOrders', 'GET fapi.binance.com/fapi/v1/openAlgoOrders']);
  });

  it('sets and reads back margin type and leverage on fapi, reads the position from /fapi/v3/positionRisk, and tells -2019 / -2022 apart by code', async () => {
    const adapter = await futuresConnection();
    const perp = 'BTC/USDT:USDT';
    let before = lastSeq();
    expect(await adapter.configureDerivatives(perp, { leverage: '5', marginMode: 'isolated' })).toEqual({ settings: { leverage: '5', marginMode: 'isolated' }, refusals: [], positionMode: 'one-way' });
    expect(sent(before)).toEqual(['GET fapi.binance.com/fapi/v1/positionSide/dual', 'POST fapi.binance.com/fapi/v1/marginType', 'POST fapi.binance.com/fapi/v1/leverage', 'GET fapi.binance.com/fapi/v1/leverageBracket', 'GET fapi.binance.com/fapi/v1/symbolConfig', 'GET fapi.binance.com/fapi/v1/symbolConfig']);
    // Again: ccxt 4.5.84 throws -4046 "No need to change margin type." (MarginModeAlreadySet); the read-back decides.
    const again = await adapter.configureDerivatives(perp, { leverage: '5', marginMode: 'isolated' });
    expect(again.settings).toEqual({ leverage: '5', marginMode: 'isolated' });
    expect(again.refusals).toEqual([expect.stringMatching(/^margin mode isolated: .*-4046/)]);

    // ccxt's binance.fetchPosition serves options only: the adapter lists the symbol's positions instead.
    before = lastSeq();
    expect(await adapter.fetchPosition(perp)).toEqual({ symbol: perp, quantity: '0', entryPrice: null, markPrice: null, liquidationPrice: null, leverage: null });
    expect(sent(before)).toEqual(['GET fapi.binance.com/fapi/v3/positionRisk']);
    await adapter.createOrder({ symbol: perp, side: 'sell', type: 'market', amount: '0.1', clientOrderId: makeClientOrderId('binance', ulid()) });
    const short = await adapter.fetchPosition(perp);
    expect(short).toMatchObject({ symbol: perp, quantity: '-0.1', leverage: null });
    expect(new Dec(short.liquidationPrice ?? '0').gt(short.entryPrice ?? '0')).toBe(true);

    // Reached through a proxy URL, ccxt raises both as bare ExchangeError; the body's code decides.
    const exit = { symbol: perp, side: 'sell' as const, type: 'market' as const, amount: '0.01', reduceOnly: true };
    await expect(adapter.createOrder({ ...exit, clientOrderId: makeClientOrderId('binance', ulid()) })).rejects.toBeInstanceOf(OrderRejectedError);
    await expect(adapter.createOrder({ ...exit, amount: '10', reduceOnly: false, clientOrderId: makeClientOrderId('binance', ulid()) })).rejects.toBeInstanceOf(InsufficientFundsError);
  });

  it('keeps spot calls on the spot API', async () => {
    const adapter = await futuresConnection();
    const before = lastSeq();
    expect(await adapter.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect(sent(before)).toEqual(['GET api.binance.com/api/v3/openOrders']);
  });
});
