import ccxt from 'ccxt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { krakenHandler } from '../../simulator/exchanges/kraken.js';
import { DUPLICATE_CL_ORD_ID } from '../../simulator/exchanges/kraken-trading.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { InvalidResponseError, OrderNotFoundError } from '../../src/domain/errors.js';
import { Dec } from '../../src/domain/money.js';
import { loadCcxt, type CcxtInstance, type CcxtModules } from '../../src/exchanges/ccxt/ccxt-classes.js';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchanges/ccxt/ccxt-exchange.js';
import { makeClientOrderId } from '../../src/exchanges/profiles/index.js';
import { openGate } from '../../src/ratelimit/request-gate.js';
import { installIncreasingNonce } from '../../src/exchanges/ccxt/kraken-nonce.js';

/**
 * Kraken spot trading on the wire (raw signed calls through unmodified ccxt) and the adapter's lookup
 * by cl_ord_id. Every test has its own key, so the per-key REST counter of one never limits another.
 */

let sim: RunningSimulator;
let modules: CcxtModules;
const adapters: CcxtExchange[] = [];

type Kraken = InstanceType<typeof ccxt.kraken>;
type Json = Record<string, unknown>;

function newKey(balances: Record<string, string> = { USDT: '10000', BTC: '1' }): { apiKey: string; secret: string } {
  const key = { apiKey: `kraken-trading-${ulid()}`, secret: Buffer.from(`secret ${ulid()}`).toString('base64') };
  sim.control.addAccount('kraken', { ...key, permissions: { trade: true, withdraw: false, ipRestricted: false }, balances });
  return key;
}

function client(key = newKey()): Kraken {
  const k = new ccxt.kraken({ proxyUrl: sim.url, enableRateLimit: false, ...key });
  // As the adapter does: ccxt's millisecond nonce repeats for an add and its cancel within one millisecond.
  installIncreasingNonce(k as unknown as CcxtInstance);
  return k;
}

async function call(k: Kraken, method: string, params: Json = {}): Promise<Json> {
  const fn = (k as unknown as Record<string, (p: Json) => Promise<Json>>)[method];
  if (!fn) throw new Error(`no ${method}`);
  return fn.call(k, params);
}

/** The Kraken error strings a call was refused with (ccxt throws; the raw body carries them). */
async function errorOf(k: Kraken, method: string, params: Json): Promise<string> {
  try {
    await call(k, method, params);
  } catch {
    const body = JSON.parse(k.last_http_response ?? '{}') as { error?: string[] };
    return (body.error ?? []).join(',');
  }
  return '';
}

/** A BTC volume worth about 20 USDT at `price` (above the 5 USDT cost minimum). */
function volumeFor(px: string): string {
  return new Dec(20).div(px).toDecimalPlaces(5, Dec.ROUND_UP).toFixed();
}

function price(offset: string): string {
  return new Dec(sim.control.price('BTC/USDT') ?? '0').mul(offset).toDecimalPlaces(2).toFixed();
}

beforeAll(async () => {
  modules = await loadCcxt();
  sim = await startSimulator({ handlers: [krakenHandler] });
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await sim.close();
});

describe('Kraken AddOrder, CancelOrder and the order lists', () => {
  it('places a limit order with cl_ord_id, lists it, cancels it by cl_ord_id and then lists it as closed', async () => {
    const k = client();
    const clOrdId = makeClientOrderId('kraken', ulid());
    const add = await call(k, 'privatePostAddOrder', { pair: 'XBTUSDT', type: 'buy', ordertype: 'limit', volume: '0.001', price: price('0.5'), cl_ord_id: clOrdId });
    const txid = ((add['result'] as Json)['txid'] as string[])[0] ?? '';
    expect(txid).toMatch(/^O[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{6}$/);
    const open = ((await call(k, 'privatePostOpenOrders', { cl_ord_id: clOrdId }))['result'] as Json)['open'] as Record<string, Json>;
    expect(Object.keys(open)).toEqual([txid]);
    expect(open[txid]).toMatchObject({ cl_ord_id: clOrdId, status: 'open', oflags: 'fciq', vol: '0.00100000', descr: { pair: 'XBTUSDT', type: 'buy', ordertype: 'limit' } });
    const hold = ((await call(k, 'privatePostBalanceEx'))['result'] as Record<string, Json>)['USDT'];
    expect(new Dec(String(hold?.['hold_trade'])).gt(0)).toBe(true);
    expect((await call(k, 'privatePostCancelOrder', { cl_ord_id: clOrdId }))['result']).toEqual({ count: 1 });
    const closed = ((await call(k, 'privatePostClosedOrders', { cl_ord_id: clOrdId }))['result'] as Json)['closed'] as Record<string, Json>;
    expect(closed[txid]).toMatchObject({ cl_ord_id: clOrdId, status: 'canceled', reason: 'User requested' });
    expect(((await call(k, 'privatePostOpenOrders', { cl_ord_id: clOrdId }))['result'] as Json)['open']).toEqual({});
    // A second cancel finds nothing open.
    expect(await errorOf(k, 'privatePostCancelOrder', { cl_ord_id: clOrdId })).toBe('EOrder:Unknown order');
  });

  it('fills a market buy at once: fee in USDT, balances moved exactly, trades in TradesHistory and QueryTrades', async () => {
    const k = client(newKey({ USDT: '10000' }));
    await call(k, 'privatePostAddOrder', { pair: 'XBTUSDT', type: 'buy', ordertype: 'market', volume: '0.01' });
    const trades = ((await call(k, 'privatePostTradesHistory'))['result'] as Json)['trades'] as Record<string, Json>;
    const [tradeId, trade] = Object.entries(trades)[0] ?? [];
    expect(trade).toMatchObject({ pair: 'XBTUSDT', type: 'buy', ordertype: 'market', vol: '0.01000000' });
    const cost = new Dec(String(trade?.['cost']));
    const fee = new Dec(String(trade?.['fee']));
    expect(fee.gt(0)).toBe(true);
    const balances = (await call(k, 'privatePostBalanceEx'))['result'] as Record<string, Json>;
    expect(balances['XXBT']?.['balance']).toBe('0.01');
    expect(balances['USDT']?.['balance']).toBe(new Dec(10000).sub(cost).sub(fee).toFixed());
    const queried = (await call(k, 'privatePostQueryTrades', { txid: tradeId ?? '' }))['result'] as Json;
    expect(Object.keys(queried)).toEqual([tradeId]);
    const orderTxid = String(trade?.['ordertxid']);
    const order = ((await call(k, 'privatePostQueryOrders', { txid: orderTxid, trades: true }))['result'] as Record<string, Json>)[orderTxid];
    expect(order).toMatchObject({ status: 'closed', vol_exec: '0.01000000', fee: fee.toFixed(), trades: [tradeId] });
    expect(order?.['cl_ord_id']).toBeUndefined();
  });

  it('refuses orders with Kraken’s own error strings', async () => {
    const k = client(newKey({ USDT: '50' }));
    const limit = { pair: 'XBTUSDT', type: 'buy', ordertype: 'limit', price: price('0.5') };
    const ok = volumeFor(limit.price);
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: new Dec(ok).mul(3).toFixed() })).toBe('EOrder:Insufficient funds');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: '0' })).toBe('EGeneral:Invalid arguments:volume');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: '0.000001' })).toBe('EGeneral:Invalid arguments:volume');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: '0.00001' })).toBe('EOrder:Cost minimum not met');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: ok, price: `${price('0.5')}1` })).toMatch(/^EOrder:Invalid price:XBTUSDT price can only be specified up to 2 decimals\.$/);
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: ok, cl_ord_id: 'has a space' })).toBe('EGeneral:Invalid arguments:cl_ord_id');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: ok, cl_ord_id: 'x'.repeat(19) })).toBe('EGeneral:Invalid arguments:cl_ord_id');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: ok, cl_ord_id: 'abc', userref: '7' })).toBe('EGeneral:Invalid arguments:cl_ord_id');
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, pair: 'NOPEUSDT', volume: ok })).toBe('EQuery:Unknown asset pair');
    const clOrdId = makeClientOrderId('kraken', ulid());
    await call(k, 'privatePostAddOrder', { ...limit, volume: ok, cl_ord_id: clOrdId });
    expect(await errorOf(k, 'privatePostAddOrder', { ...limit, volume: ok, cl_ord_id: clOrdId })).toBe(DUPLICATE_CL_ORD_ID);
    expect(await errorOf(k, 'privatePostCancelOrder', { txid: 'O00000-00000-00000A' })).toBe('EOrder:Unknown order');
    expect(await errorOf(k, 'privatePostQueryOrders', { txid: 'not-an-order' })).toBe('EOrder:Invalid order');
  });

  it('keeps the below-minimum volume apart from the cost minimum', async () => {
    const k = client(newKey({ XRP: '100', USDT: '100' }));
    expect(await errorOf(k, 'privatePostAddOrder', { pair: 'XRPUSDT', type: 'sell', ordertype: 'market', volume: '0.05' })).toBe('EGeneral:Invalid arguments:volume');
    expect(await errorOf(k, 'privatePostAddOrder', { pair: 'XRPUSDT', type: 'sell', ordertype: 'limit', price: '0.00001', volume: '0' })).toBe('EGeneral:Invalid arguments:volume');
  });

  it('answers a burst of adds and early cancels past the per-pair order counter with EOrder:Rate limit exceeded', async () => {
    const k = client(newKey({ USDT: '100000' }));
    let refusal = '';
    for (let i = 0; i < 40 && refusal === ''; i++) {
      const clOrdId = makeClientOrderId('kraken', ulid());
      const px = price('0.5');
      refusal = await errorOf(k, 'privatePostAddOrder', { pair: 'XBTUSDT', type: 'buy', ordertype: 'limit', volume: volumeFor(px), price: px, cl_ord_id: clOrdId });
      // Each cancel of an order younger than 5 s adds 8 to the counter of 180.
      if (refusal === '') refusal = await errorOf(k, 'privatePostCancelOrder', { cl_ord_id: clOrdId });
    }
    expect(refusal).toBe('EOrder:Rate limit exceeded');
  });
});

describe('the adapter’s lookup by cl_ord_id (OpenOrders, then ClosedOrders)', () => {
  async function adapter(): Promise<CcxtExchange> {
    const key = newKey({ USDT: '100000', BTC: '2' });
    const a = await createCcxtExchange({
      ccxt: modules,
      gate: openGate,
      connection: { id: `c-${key.apiKey}`, exchange: 'kraken', mode: 'live', credentials: { apiKey: key.apiKey, apiSecret: key.secret }, marketTypes: ['spot'], proxyUrl: sim.url, timeoutMs: 2_000 },
    });
    adapters.push(a);
    return a;
  }

  it('finds a filled market order by our client id, with its fill (no false not-found)', async () => {
    const a = await adapter();
    const clientOrderId = makeClientOrderId('kraken', ulid());
    await a.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '0.001', clientOrderId });
    const found = await a.fetchOrder({ symbol: 'BTC/USDT', clientOrderId });
    expect(found).toMatchObject({ clientOrderId, status: 'closed', filled: '0.001' });
    const lookups = sim.control.requests({ exchange: 'kraken' }).filter((r) => r.params['cl_ord_id'] === clientOrderId).map((r) => r.path);
    expect(lookups).toEqual(['/0/private/AddOrder', '/0/private/OpenOrders', '/0/private/ClosedOrders']);
  });

  it('a canceled order is found by our client id with its final state', async () => {
    const a = await adapter();
    const clientOrderId = makeClientOrderId('kraken', ulid());
    const created = await a.createOrder({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.001', price: price('0.5'), clientOrderId });
    const canceled = await a.cancelOrder({ symbol: 'BTC/USDT', clientOrderId });
    expect(canceled).toMatchObject({ id: created.id, status: 'canceled' });
    expect(await a.fetchOrder({ symbol: 'BTC/USDT', clientOrderId })).toMatchObject({ id: created.id, clientOrderId, status: 'canceled' });
  });

  it('an order that never existed → OrderNotFoundError for fetch and cancel', async () => {
    const a = await adapter();
    const clientOrderId = makeClientOrderId('kraken', ulid());
    await expect(a.fetchOrder({ symbol: 'BTC/USDT', clientOrderId })).rejects.toBeInstanceOf(OrderNotFoundError);
    await expect(a.cancelOrder({ symbol: 'BTC/USDT', clientOrderId })).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('garbage from either list is InvalidResponseError, never "not placed"', async () => {
    const a = await adapter();
    for (const path of ['/0/private/OpenOrders', '/0/private/ClosedOrders']) {
      sim.control.injectFault({ exchange: 'kraken', method: 'POST', path, fault: { kind: 'garbage', mode: 'wrongShape' } });
      await expect(a.fetchOrder({ symbol: 'BTC/USDT', clientOrderId: makeClientOrderId('kraken', ulid()) })).rejects.toBeInstanceOf(InvalidResponseError);
      sim.control.clearFaults();
    }
  });
});
