import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htxHandler } from '../../simulator/exchanges/htx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { Dec } from '../../src/domain/money.js';

/** HTX spot trading on the wire: unmodified ccxt's raw endpoint methods against the simulator. */

const KEY = { apiKey: 'htx-trade-key-1', secret: 'htx-trade-secret-1' };
const ACCOUNT = '10000001';
let sim: RunningSimulator;
let client: InstanceType<typeof ccxt.htx>;

type Raw = Record<string, unknown>;
type RawMethod = (params: Raw) => Promise<Raw>;

function raw(method: string): RawMethod {
  const fn = (client as unknown as Record<string, RawMethod>)[method];
  if (!fn) throw new Error(`ccxt htx has no ${method}`);
  return fn.bind(client);
}

/** The HTX error body ccxt put in its exception message ("htx {json}"). */
async function failure(p: Promise<unknown>): Promise<Raw> {
  try {
    await p;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return JSON.parse(message.slice(message.indexOf('{'))) as Raw;
  }
  throw new Error('Expected the call to fail');
}

const place = (params: Raw): Promise<Raw> => raw('spotPrivatePostV1OrderOrdersPlace')({ 'account-id': ACCOUNT, ...params });
const byClientId = (clientOrderId: string): Promise<Raw> => raw('spotPrivateGetV1OrderOrdersGetClientOrder')({ clientOrderId });
let seq = 0;
const newId = (): string => `ctshtx${Date.now().toString(36)}${seq++}`;

function lastPrice(symbol: string): Dec {
  const top = sim.control.venue('htx').top(symbol);
  if (!top) throw new Error(`no price for ${symbol}`);
  return new Dec(top.ask);
}

beforeAll(async () => {
  sim = await startSimulator({ handlers: [htxHandler] });
  sim.control.addAccount('htx', { ...KEY, permissions: { trade: true, withdraw: false, ipRestricted: true }, balances: { USDT: '10000', XRP: '1000', BTC: '0.01' } });
  client = new ccxt.htx({ proxyUrl: sim.url, enableRateLimit: false, ...KEY });
});

afterAll(async () => {
  await sim.close();
});

describe('htx spot orders on the wire', () => {
  it('places a limit order, finds it by id and client id, cancels it by client id and still finds it canceled', async () => {
    const clientOrderId = newId();
    const price = lastPrice('BTC/USDT').div(2).toDecimalPlaces(2).toFixed();
    const placed = await place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.001', price, 'client-order-id': clientOrderId });
    expect(placed).toMatchObject({ status: 'ok' });
    const id = String(placed['data']);
    const one = await raw('spotPrivateGetV1OrderOrdersOrderId')({ 'order-id': id });
    expect(one['data']).toMatchObject({ id: Number(id), 'client-order-id': clientOrderId, state: 'submitted', type: 'buy-limit', amount: '0.001', price });
    expect((await byClientId(clientOrderId))['data']).toMatchObject({ id: Number(id) });
    const open = await raw('spotPrivateGetV1OrderOpenOrders')({ 'account-id': ACCOUNT, symbol: 'btcusdt' });
    expect((open['data'] as Raw[]).map((o) => o['client-order-id'])).toContain(clientOrderId);

    expect(await raw('spotPrivatePostV1OrderOrdersSubmitCancelClientOrder')({ 'client-order-id': clientOrderId })).toMatchObject({ status: 'ok', data: 10 });
    expect((await byClientId(clientOrderId))['data']).toMatchObject({ state: 'canceled', 'field-amount': '0' });
    // A second cancel: order-orderstate-error with the state (7: canceled).
    expect(await failure(raw('spotPrivatePostV1OrderOrdersOrderIdSubmitcancel')({ 'order-id': id }))).toMatchObject({ 'err-code': 'order-orderstate-error', 'order-state': 7 });
  });

  it('a filled market buy stays findable by client id; the fee is taken in the received coin (XRP on a buy, USDT on a sell)', async () => {
    const buyId = newId();
    // buy-market is sized in the quote: spend 20 USDT.
    const placed = await place({ symbol: 'xrpusdt', type: 'buy-market', amount: '20', 'client-order-id': buyId });
    const order = (await byClientId(buyId))['data'] as Raw;
    expect(order).toMatchObject({ id: Number(placed['data']), state: 'filled', amount: '20', type: 'buy-market' });
    expect(new Dec(String(order['field-cash-amount'])).lte(20)).toBe(true);
    const fills = (await raw('spotPrivateGetV1OrderOrdersOrderIdMatchresults')({ 'order-id': String(placed['data']) }))['data'] as Raw[];
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(f).toMatchObject({ 'order-id': Number(placed['data']), 'fee-currency': 'xrp', role: 'taker' });

    const sellId = newId();
    await place({ symbol: 'xrpusdt', type: 'sell-market', amount: '10', 'client-order-id': sellId });
    const sold = (await byClientId(sellId))['data'] as Raw;
    expect(sold).toMatchObject({ state: 'filled', 'field-amount': '10' });
    const mine = (await raw('spotPrivateGetV1OrderMatchresults')({ symbol: 'xrpusdt' }))['data'] as Raw[];
    expect(mine.find((f) => f['order-id'] === sold['id'])).toMatchObject({ 'fee-currency': 'usdt' });
  });

  it('answers an unknown order with base-record-invalid and an unknown cancel with order-state 0', async () => {
    expect(await failure(byClientId(newId()))).toMatchObject({ status: 'error', 'err-code': 'base-record-invalid' });
    expect(await failure(raw('spotPrivateGetV1OrderOrdersOrderId')({ 'order-id': '987654321' }))).toMatchObject({ 'err-code': 'base-record-invalid' });
    expect(await failure(raw('spotPrivatePostV1OrderOrdersSubmitCancelClientOrder')({ 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'order-orderstate-error', 'order-state': 0 });
  });

  it('rejects with HTX codes: balance, minimums, precision, client ids', async () => {
    const price = lastPrice('BTC/USDT').toDecimalPlaces(2).toFixed();
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '1', price, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'account-frozen-balance-insufficient-error' });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0', price, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'order-limitorder-amount-min-error' });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.00001', price, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'order-value-min-error' });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.000001', price, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'order-orderamount-precision-error' });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.001', price: `${price}1`, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'order-orderprice-precision-error' });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.001', price, 'client-order-id': 'not valid!' }))).toMatchObject({ 'err-code': 'validation-format-error' });
    expect(await failure(place({ symbol: 'nosuchusdt', type: 'buy-limit', amount: '0.001', price, 'client-order-id': newId() }))).toMatchObject({ 'err-code': 'base-symbol-error' });

    // Unique for 24 hours, even after the first order was canceled.
    const clientOrderId = newId();
    const low = lastPrice('BTC/USDT').div(2).toDecimalPlaces(2).toFixed();
    await place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.001', price: low, 'client-order-id': clientOrderId });
    await raw('spotPrivatePostV1OrderOrdersSubmitCancelClientOrder')({ 'client-order-id': clientOrderId });
    expect(await failure(place({ symbol: 'btcusdt', type: 'buy-limit', amount: '0.001', price: low, 'client-order-id': clientOrderId }))).toMatchObject({ 'err-code': 'order-client-order-id-duplicate' });
  });

  it('reports usage in X-HB-RateLimit-* and answers 429 base-request-exceed-frequency-limit past 100 per 2 s', async () => {
    const open = raw('spotPrivateGetV1OrderOpenOrders');
    await open({ 'account-id': ACCOUNT });
    const headers = (client.last_response_headers ?? {}) as Record<string, string>;
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(Number(lower['x-hb-ratelimit-requests-remain'])).toBeLessThan(100);
    expect(Number(lower['x-hb-ratelimit-requests-expire'])).toBeGreaterThan(0);
    let limited: Raw | undefined;
    // Bounded: two windows' worth at most.
    for (let i = 0; i < 250 && !limited; i++) {
      try {
        await open({ 'account-id': ACCOUNT });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        limited = JSON.parse(message.slice(message.indexOf('{'))) as Raw;
      }
    }
    expect(limited).toMatchObject({ status: 'error', 'err-code': 'base-request-exceed-frequency-limit' });
  });
});
