import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ExchangeUnavailableError, OrderNotFoundError, OrderRejectedError } from '../../src/domain/errors.js';
import type { ExchangeId, MarketType } from '../../src/domain/exchange-ids.js';
import { loadCcxt, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';

/**
 * Calls go to the API of the market's type. The simulator trades Bybit's linear perpetuals
 * (test/simulator/bybit-linear.test.ts) but does not serve Binance's futures host at all (502). So
 * what is verified here is the routing — what reaches the wire: category, host, path, our client id,
 * signature — and that the simulator's answer is translated; CTS's futures *trading* itself is not
 * verified against a simulated venue (docs/exchanges.md says so).
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

async function connect(exchange: ExchangeId, marketTypes: MarketType[], proxyUrl = sim.url): Promise<{ adapter: CcxtExchange; apiKey: string }> {
  const apiKey = `ctskey${exchange}${ulid().slice(-8)}`;
  const secret = `cts${exchange}secret0123456789abcdef`;
  sim.control.addAccount(exchange, { apiKey, secret, balances: { USDT: '100000', BTC: '2' } });
  const adapter = await createCcxtExchange({
    ccxt,
    gate: openGate,
    connection: { id: `c-${exchange}-${marketTypes.join('-')}`, exchange, mode: 'live', credentials: { apiKey, apiSecret: secret }, marketTypes, proxyUrl, timeoutMs: 2_000 },
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

/** GET /fapi/v1/exchangeInfo as Binance documents it, one perpetual: the simulator does not serve fapi. */
const FAPI_EXCHANGE_INFO = {
  timezone: 'UTC',
  serverTime: 1_700_000_000_000,
  rateLimits: [],
  exchangeFilters: [],
  assets: [],
  symbols: [
    {
      symbol: 'BTCUSDT', pair: 'BTCUSDT', contractType: 'PERPETUAL', deliveryDate: 4133404800000, onboardDate: 1569398400000, status: 'TRADING',
      baseAsset: 'BTC', quoteAsset: 'USDT', marginAsset: 'USDT', pricePrecision: 2, quantityPrecision: 3, baseAssetPrecision: 8, quotePrecision: 8,
      underlyingType: 'COIN', filters: [
        { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' },
        { filterType: 'LOT_SIZE', maxQty: '1000', minQty: '0.001', stepSize: '0.001' },
        { filterType: 'MIN_NOTIONAL', notional: '100' },
      ],
      orderTypes: ['LIMIT', 'MARKET'], timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
    },
  ],
};

describe('Binance: spot + USDⓈ-M futures connection', () => {
  let proxy: RecordingProxy;
  beforeAll(async () => {
    proxy = await startRecordingProxy(sim.url, { 'fapi.binance.com/fapi/v1/exchangeInfo': FAPI_EXCHANGE_INFO });
  });
  afterAll(async () => {
    await proxy.close();
  });
  const since = (mark: number) => proxy.requests.slice(mark).map((r) => `${r.method} ${r.host}${r.path}`);
  const isSigned = (mark: number, host: string) =>
    proxy.requests.slice(mark).filter((r) => r.host === host).every((r) => r.headers['x-mbx-apikey'] !== undefined && (r.query.has('signature') || r.body.includes('signature=')));

  async function futuresConnection(): Promise<CcxtExchange> {
    const { adapter } = await connect('binance', ['spot', 'futures'], proxy.url);
    const markets = await adapter.loadMarkets();
    expect(markets.find((m) => m.symbol === 'BTC/USDT:USDT')?.type).toBe('futures');
    return adapter;
  }

  it('reads the spot and the futures wallet; the futures one goes to fapi.binance.com (simulator: 502 → ExchangeUnavailableError)', async () => {
    const adapter = await futuresConnection();
    const mark = proxy.requests.length;
    await expect(adapter.fetchBalances()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(since(mark)).toEqual(['GET api.binance.com/api/v3/account', 'GET fapi.binance.com/fapi/v3/account']);
    expect(isSigned(mark, 'fapi.binance.com')).toBe(true);
  });

  it('sends a futures order to POST fapi.binance.com/fapi/v1/order with our newClientOrderId', async () => {
    const adapter = await futuresConnection();
    const mark = proxy.requests.length;
    const clientOrderId = makeClientOrderId('binance', ulid());
    // 502 on an order: its state is unknown, the caller looks it up by client id.
    await expect(adapter.createOrder(order('BTC/USDT:USDT', clientOrderId))).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(since(mark)).toEqual(['POST fapi.binance.com/fapi/v1/order']);
    const sent = proxy.requests[mark];
    expect(new URLSearchParams(sent?.body ?? '').get('newClientOrderId') ?? sent?.query.get('newClientOrderId')).toBe(clientOrderId);
    expect(isSigned(mark, 'fapi.binance.com')).toBe(true);
  });

  it('routes open orders and trades of a futures symbol to fapi, and lists all open orders per API', async () => {
    const adapter = await futuresConnection();
    let mark = proxy.requests.length;
    await expect(adapter.fetchOpenOrders('BTC/USDT:USDT')).rejects.toBeInstanceOf(ExchangeUnavailableError);
    await expect(adapter.fetchMyTrades({ symbol: 'BTC/USDT:USDT' })).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(since(mark)).toEqual(['GET fapi.binance.com/fapi/v1/openOrders', 'GET fapi.binance.com/fapi/v1/userTrades']);
    mark = proxy.requests.length;
    await expect(adapter.fetchOpenOrders()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(since(mark)).toEqual(['GET api.binance.com/api/v3/openOrders', 'GET fapi.binance.com/fapi/v1/openOrders']);
  });

  it('keeps spot calls on the spot API', async () => {
    const adapter = await futuresConnection();
    const mark = proxy.requests.length;
    expect(await adapter.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect(since(mark)).toEqual(['GET api.binance.com/api/v3/openOrders']);
  });
});
