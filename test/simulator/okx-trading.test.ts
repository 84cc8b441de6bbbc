import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { okxHandler } from '../../simulator/exchanges/okx.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { SimAccount } from '../../simulator/types.js';
import { Dec } from '../../src/domain/money.js';

/** OKX v5 spot trading on the wire, through unmodified ccxt's raw endpoint methods and its unified ones. */

let sim: RunningSimulator;
let account: SimAccount;
let seq = 0;

type Raw = Record<string, unknown>;

function client(apiKey: string): InstanceType<typeof ccxt.okx> {
  const ex = new ccxt.okx({
    apiKey, secret: 'okx-trade-secret', password: 'okx-trade-pass', proxyUrl: sim.url, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, createOrder: 'privatePostTradeOrder', tgtCcy: 'base_ccy' },
  });
  ex.has['fetchCurrencies'] = false;
  return ex;
}

function newAccount(): { ex: InstanceType<typeof ccxt.okx>; account: SimAccount } {
  const apiKey = `okx-trade-${++seq}`;
  const acc = sim.control.addAccount('okx', {
    apiKey, secret: 'okx-trade-secret', passphrase: 'okx-trade-pass',
    permissions: { trade: true, withdraw: false, ipRestricted: true },
    balances: { USDT: '10000', BTC: '1', XRP: '1000' },
  });
  return { ex: client(apiKey), account: acc };
}

/** The raw body of a failed call: ccxt throws with "okx {json}" as the message. */
async function failure(call: Promise<unknown>): Promise<{ code: string; data: Raw[] }> {
  try {
    await call;
  } catch (error) {
    const text = String((error as Error).message);
    const body = JSON.parse(text.slice(text.indexOf('{'))) as { code: string; data: Raw[] };
    return body;
  }
  throw new Error('Expected the call to fail');
}

function clOrdId(): string {
  return `t${Date.now().toString(36)}${(++seq).toString(36)}`;
}

let ex: InstanceType<typeof ccxt.okx>;

beforeAll(async () => {
  sim = await startSimulator({ handlers: [okxHandler] });
  ({ ex, account } = newAccount());
  await ex.loadMarkets();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.control.clearRequests();
});

async function lastPrice(symbol: string): Promise<Dec> {
  return new Dec(String((await ex.fetchTicker(symbol)).last));
}

describe('okx spot trading on the wire', () => {
  it('places a limit order with our clOrdId, finds it by clOrdId before and after a cancel, and locks then frees the quote', async () => {
    const id = clOrdId();
    const px = (await lastPrice('BTC/USDT')).div(2).toDecimalPlaces(1).toFixed();
    const ack = (await ex.privatePostTradeOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '0.001', px, clOrdId: id })) as { code: string; data: Raw[] };
    expect(ack.code).toBe('0');
    expect(ack.data[0]).toMatchObject({ clOrdId: id, sCode: '0', sMsg: 'Order placed' });
    expect(account.balances['USDT']?.used).toBe(new Dec(px).mul('0.001').toFixed());

    const open = (await ex.privateGetTradeOrder({ instId: 'BTC-USDT', clOrdId: id })) as { data: Raw[] };
    expect(open.data[0]).toMatchObject({ clOrdId: id, state: 'live', sz: '0.001', px, tdMode: 'cash', instType: 'SPOT' });
    const pending = (await ex.privateGetTradeOrdersPending({ instType: 'SPOT' })) as { data: Raw[] };
    expect(pending.data.map((o) => o['clOrdId'])).toContain(id);

    const cancel = (await ex.privatePostTradeCancelOrder({ instId: 'BTC-USDT', clOrdId: id })) as { code: string; data: Raw[] };
    expect(cancel.data[0]).toMatchObject({ clOrdId: id, sCode: '0' });
    expect(account.balances['USDT']?.used).toBe('0');
    const after = (await ex.privateGetTradeOrder({ instId: 'BTC-USDT', clOrdId: id })) as { data: Raw[] };
    expect(after.data[0]).toMatchObject({ clOrdId: id, state: 'canceled' });
    const history = (await ex.privateGetTradeOrdersHistory({ instType: 'SPOT', state: 'canceled' })) as { data: Raw[] };
    expect(history.data.map((o) => o['clOrdId'])).toContain(id);
  });

  it('sizes a spot market buy in quote by default and in base with tgtCcy=base_ccy; the fee is taken in the base received', async () => {
    sim.control.step();
    const quoteSized = clOrdId();
    await ex.privatePostTradeOrder({ instId: 'XRP-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '20', clOrdId: quoteSized });
    const q = ((await ex.privateGetTradeOrder({ instId: 'XRP-USDT', clOrdId: quoteSized })) as { data: Raw[] }).data[0];
    expect(q).toMatchObject({ tgtCcy: 'quote_ccy', sz: '20', state: 'filled', feeCcy: 'XRP' });
    expect(new Dec(String(q?.['accFillSz'])).mul(String(q?.['avgPx'])).lte(20)).toBe(true);

    const xrpBefore = new Dec(account.balances['XRP']?.free ?? '0');
    const usdtBefore = new Dec(account.balances['USDT']?.free ?? '0');
    const order = await ex.createOrder('XRP/USDT', 'market', 'buy', 15, undefined, { clOrdId: clOrdId() });
    const placed = sim.control.requests({ exchange: 'okx' }).filter((r) => r.path === '/api/v5/trade/order').at(-1);
    expect(placed?.params).toMatchObject({ tgtCcy: 'base_ccy', sz: '15', ordType: 'market', tdMode: 'cash' });
    const trades = await ex.fetchMyTrades('XRP/USDT');
    const mine = trades.filter((t) => t.order === order.id);
    expect(mine.length).toBeGreaterThan(0);
    const filled = mine.reduce((s, t) => s.add(String(t.amount)), new Dec(0));
    const fee = mine.reduce((s, t) => s.add(String(t.fee?.cost)), new Dec(0));
    const cost = mine.reduce((s, t) => s.add(new Dec(String(t.price)).mul(String(t.amount))), new Dec(0));
    expect(filled.toFixed()).toBe('15');
    expect(mine.every((t) => t.fee?.currency === 'XRP' && t.takerOrMaker === 'taker')).toBe(true);
    expect(new Dec(account.balances['XRP']?.free ?? '0').sub(xrpBefore).toFixed()).toBe(filled.sub(fee).toFixed());
    expect(usdtBefore.sub(account.balances['USDT']?.free ?? '0').toFixed()).toBe(cost.toFixed());
    const raw = ((await ex.privateGetTradeFills({ instType: 'SPOT', ordId: order.id })) as { data: Raw[] }).data[0];
    expect(String(raw?.['fee']).startsWith('-')).toBe(true);
  });

  it('answers code "1" with the real sCode per failure', async () => {
    const px = (await lastPrice('BTC/USDT')).div(2).toDecimalPlaces(1);
    const base = { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit' };
    const cases: [Raw, string][] = [
      [{ ...base, sz: '50', px: px.toFixed(), clOrdId: clOrdId() }, '51008'],
      [{ ...base, sz: '0.00000001', px: px.toFixed(), clOrdId: clOrdId() }, '51020'],
      [{ ...base, sz: '0.001', px: px.add('0.001').toFixed(), clOrdId: clOrdId() }, '51000'],
      [{ ...base, sz: '0.001', px: px.toFixed(), clOrdId: 'not-valid_id' }, '51000'],
    ];
    for (const [request, sCode] of cases) {
      const body = await failure(ex.privatePostTradeOrder(request));
      expect(body.code).toBe('1');
      expect(body.data[0]?.['sCode'], JSON.stringify(request)).toBe(sCode);
    }
    const dup = clOrdId();
    await ex.privatePostTradeOrder({ ...base, sz: '0.001', px: px.toFixed(), clOrdId: dup });
    const again = await failure(ex.privatePostTradeOrder({ ...base, sz: '0.001', px: px.toFixed(), clOrdId: dup }));
    expect(again.data[0]).toMatchObject({ sCode: '51016', clOrdId: dup });
    // ccxt maps them: unknown order → OrderNotFound for lookup (51603) and cancel (51400).
    await expect(ex.fetchOrder('', 'BTC/USDT', { clOrdId: clOrdId() })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(ex.cancelOrder('', 'BTC/USDT', { clOrdId: clOrdId() })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 50, px.toNumber(), { clOrdId: clOrdId() })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, px.toNumber(), { clOrdId: dup })).rejects.toBeInstanceOf(ccxt.InvalidOrder);
  });

  it('limits placing to 60 per 2 s per UID and instrument: HTTP 429 with code 50011', async () => {
    const { ex: own } = newAccount();
    await own.loadMarkets();
    const px = (await lastPrice('BTC/USDT')).div(2).toDecimalPlaces(1).toFixed();
    let limited: unknown;
    // Until the first breach (bounded): the 61st request inside one 2 s window is refused.
    for (let i = 0; i < 300 && limited === undefined; i++) {
      try {
        await own.privatePostTradeOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'limit', sz: '0.001', px, clOrdId: clOrdId() });
      } catch (error) {
        limited = error;
      }
    }
    expect(limited).toBeInstanceOf(ccxt.RateLimitExceeded);
    const last = sim.control.requests({ exchange: 'okx' }).at(-1);
    expect(last?.status).toBe(429);
    expect(String((limited as Error).message)).toContain('50011');
  });
});
