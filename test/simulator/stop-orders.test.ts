import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceHandler } from '../../simulator/exchanges/binance.js';
import { bybitHandler } from '../../simulator/exchanges/bybit.js';
import { okxHandler } from '../../simulator/exchanges/okx.js';
import { RandomWalkPath, type PricePath, type SimCandle } from '../../simulator/matching/price-path.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import type { SimAccount } from '../../simulator/types.js';

/**
 * Stop orders and time-in-force options through unmodified ccxt, on a BTC/USDT path the test moves:
 * each step takes the candle the test queued, else repeats a flat one at the last close.
 */
class QueuedPath implements PricePath {
  readonly intervalMs = 3_600_000;
  readonly #candles: SimCandle[];
  readonly #queue: SimCandle[] = [];

  constructor(price: string) {
    this.#candles = [{ openTime: 1_767_225_600_000, open: price, high: price, low: price, close: price, volume: '1000' }];
  }

  /** The next step's candle: open, high, low, close. */
  next(open: string, high: string, low: string, close: string): void {
    this.#queue.push({ openTime: 0, open, high, low, close, volume: '1000' });
  }

  current(): SimCandle {
    return this.#candles.at(-1) as SimCandle;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(-count);
  }

  step(): SimCandle {
    const last = this.current();
    const queued = this.#queue.shift();
    const c = last.close;
    const next = { ...(queued ?? { open: c, high: c, low: c, close: c, volume: '1000' }), openTime: last.openTime + this.intervalMs };
    this.#candles.push(next);
    return next;
  }
}

let sim: RunningSimulator;
const btc = new QueuedPath('60000');
let seq = 0;

beforeAll(async () => {
  sim = await startSimulator({
    handlers: [binanceHandler, bybitHandler, okxHandler],
    priceSource: (m, seed) => (m.symbol === 'BTC/USDT' ? btc : new RandomWalkPath({ seed, start: '3000', tickSize: m.tickSize })),
  });
});

afterAll(async () => {
  await sim.close();
});

/** A flat step so the next test starts from a calm 60000 (the queue empty). */
function resetPrice(): void {
  btc.next('60000', '60000', '60000', '60000');
  sim.control.step();
}

const FUNDS = { USDT: '300000', BTC: '1' };

function binance(): { ex: InstanceType<typeof ccxt.binance>; account: SimAccount } {
  const apiKey = `stopsBinance${++seq}`;
  const account = sim.control.addAccount('binance', { apiKey, secret: 'stopsSecret', balances: FUNDS });
  const ex = new ccxt.binance({
    apiKey, secret: 'stopsSecret', proxyUrl: sim.url, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  return { ex, account };
}

function bybit(): { ex: InstanceType<typeof ccxt.bybit>; account: SimAccount } {
  const apiKey = `stopsBybit${++seq}`;
  const account = sim.control.addAccount('bybit', { apiKey, secret: 'stopsSecret', balances: FUNDS });
  const ex = new ccxt.bybit({
    apiKey, secret: 'stopsSecret', proxyUrl: sim.url, enableRateLimit: false,
    options: { enableUnifiedAccount: true, enableUnifiedMargin: false, fetchMarkets: { types: ['spot'] } },
  });
  ex.has['fetchCurrencies'] = false;
  return { ex, account };
}

function okx(): { ex: InstanceType<typeof ccxt.okx>; account: SimAccount } {
  const apiKey = `stopsOkx${++seq}`;
  const account = sim.control.addAccount('okx', { apiKey, secret: 'stopsSecret', passphrase: 'stopsPass', balances: FUNDS });
  const ex = new ccxt.okx({
    apiKey, secret: 'stopsSecret', password: 'stopsPass', proxyUrl: sim.url, enableRateLimit: false,
    options: { fetchMarkets: { types: ['spot'] }, createOrder: 'privatePostTradeOrder', tgtCcy: 'base_ccy' },
  });
  ex.has['fetchCurrencies'] = false;
  return { ex, account };
}

async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error('Expected the call to fail');
}

describe('binance spot stop orders and order options', () => {
  it('rests a stop-market sell with the base locked, triggers on a spike through it and fills at the trigger', async () => {
    resetPrice();
    const { ex, account } = binance();
    const placed = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopPrice: 59000 });
    expect(placed.status).toBe('open');
    expect(placed.triggerPrice).toBe(59000);
    expect(account.balances['BTC']).toEqual({ free: '0.9', used: '0.1' }); // the base locked (the fee comes from the quote)
    const open = await ex.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => [o.id, (o.info as { type: string }).type, o.triggerPrice])).toEqual([[placed.id, 'STOP_LOSS', 59000]]);

    // The candle dips to 58900 and closes back above the trigger: the spike triggers it.
    btc.next('60000', '60100', '58900', '59500');
    sim.control.step();
    const done = await ex.fetchOrder(String(placed.id), 'BTC/USDT');
    expect(done.status).toBe('closed');
    expect(done.average).toBe(59000);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.order, t.price, t.amount, t.takerOrMaker])).toEqual([[placed.id, 59000, 0.1, 'taker']]);
    expect(account.balances['BTC']).toEqual({ free: '0.9', used: '0' });
    expect(account.balances['USDT']).toEqual({ free: '305894.1', used: '0' }); // + 5900 − 0.1 % fee
  });

  it('fills a stop-market at the open when the price gaps through the trigger', async () => {
    resetPrice();
    const { ex } = binance();
    const placed = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopPrice: 59000 });
    btc.next('58000', '58200', '57500', '58100');
    sim.control.step();
    expect((await ex.fetchOrder(String(placed.id), 'BTC/USDT')).average).toBe(58000);
  });

  it('turns a stop-limit into a resting limit that fills when the price comes back to it', async () => {
    resetPrice();
    const { ex, account } = binance();
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 58500, { stopPrice: 59000 });
    expect((placed.info as { type: string }).type).toBe('STOP_LOSS_LIMIT');
    // Gaps to 58000, under the limit: triggered, but it rests at 58500.
    btc.next('58000', '58000', '57900', '58000');
    sim.control.step();
    const resting = await ex.fetchOrder(String(placed.id), 'BTC/USDT');
    expect([resting.status, resting.filled]).toEqual(['open', 0]);
    expect(account.balances['BTC']?.used).toBe('0.1');
    btc.next('58000', '58600', '58000', '58550');
    sim.control.step();
    const filled = await ex.fetchOrder(String(placed.id), 'BTC/USDT');
    expect([filled.status, filled.average]).toEqual(['closed', 58500]);
    expect((await ex.fetchMyTrades('BTC/USDT'))[0]?.takerOrMaker).toBe('maker');
  });

  it('cancels a resting stop and gives the base back; it never fires after', async () => {
    resetPrice();
    const { ex, account } = binance();
    const placed = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopPrice: 59000 });
    await ex.cancelOrder(String(placed.id), 'BTC/USDT');
    expect(account.balances['BTC']).toEqual({ free: '1', used: '0' });
    btc.next('60000', '60000', '58000', '58000');
    sim.control.step();
    expect((await ex.fetchOrder(String(placed.id), 'BTC/USDT')).status).toBe('canceled');
    expect(await ex.fetchMyTrades('BTC/USDT')).toEqual([]);
  });

  it('refuses a stop whose trigger the price already crossed, and a post-only limit that would take', async () => {
    resetPrice();
    const { ex } = binance();
    expect(await refusal(ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopPrice: 60500 }))).toContain(
      'binance Stop price would trigger immediately.',
    );
    expect(await refusal(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 60100, { postOnly: true }))).toContain(
      'binance Order would immediately match and take.',
    );
    const maker = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 59000, { postOnly: true });
    expect([maker.status, maker.postOnly]).toEqual(['open', true]);
  });

  it('IOC fills what the step offers and expires the rest; FOK fills all or nothing', async () => {
    resetPrice();
    const { ex } = binance();
    // The simulated BTC/USDT market offers 2 BTC per step and side.
    const ioc = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1.5, 60100, { timeInForce: 'IOC' });
    expect([ioc.status, ioc.filled]).toEqual(['closed', 1.5]);
    const partial = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 60100, { timeInForce: 'IOC' });
    expect([partial.status, partial.filled]).toEqual(['expired', 0.5]);
    const fok = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 60100, { timeInForce: 'FOK' });
    expect([fok.status, fok.filled]).toEqual(['expired', 0]);
    resetPrice();
    const whole = await ex.createOrder('BTC/USDT', 'limit', 'buy', 1, 60100, { timeInForce: 'FOK' });
    expect([whole.status, whole.filled]).toEqual(['closed', 1]);
  });
});

describe('bybit v5 spot conditional orders and order options', () => {
  it('rests a triggerPrice sell as an untriggered StopOrder, lists it with trigger: true, fills it on the drop', async () => {
    resetPrice();
    const { ex, account } = bybit();
    const placed = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { triggerPrice: 59000 });
    const open = await ex.fetchOpenOrders('BTC/USDT', undefined, undefined, { trigger: true });
    expect(open.map((o) => [o.id, o.status, o.triggerPrice])).toEqual([[placed.id, 'open', 59000]]);
    expect(account.balances['BTC']?.used).toBe('0.1'); // Bybit spot takes a sell's fee from the quote
    btc.next('60000', '60000', '58800', '58900');
    sim.control.step();
    const done = await ex.fetchOrder(String(placed.id), 'BTC/USDT', { acknowledged: true });
    expect([done.status, done.average]).toEqual(['closed', 59000]);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.order, t.price, t.amount])).toEqual([[placed.id, 59000, 0.1]]);
    expect(account.balances['BTC']).toEqual({ free: '0.9', used: '0' });
  });

  it('cancels a conditional order with trigger: true (Deactivated → canceled)', async () => {
    resetPrice();
    const { ex, account } = bybit();
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 58500, { triggerPrice: 59000 });
    await ex.cancelOrder(String(placed.id), 'BTC/USDT', { trigger: true });
    expect(account.balances['BTC']).toEqual({ free: '1', used: '0' });
    const closed = await ex.fetchCanceledAndClosedOrders('BTC/USDT');
    expect(closed.find((o) => o.id === placed.id)?.status).toBe('canceled');
  });

  it('accepts and cancels a PostOnly that would take; IOC and FOK as Binance', async () => {
    resetPrice();
    const { ex } = bybit();
    const po = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 60100, { postOnly: true });
    expect((await ex.fetchOrder(String(po.id), 'BTC/USDT', { acknowledged: true })).status).toBe('canceled');
    const fok = await ex.createOrder('BTC/USDT', 'limit', 'buy', 3, 60100, { timeInForce: 'FOK' });
    expect((await ex.fetchOrder(String(fok.id), 'BTC/USDT', { acknowledged: true })).filled).toBe(0);
    const ioc = await ex.createOrder('BTC/USDT', 'limit', 'buy', 3, 60100, { timeInForce: 'IOC' });
    expect((await ex.fetchOrder(String(ioc.id), 'BTC/USDT', { acknowledged: true })).filled).toBe(2);
  });
});

describe('okx spot algo (stop) orders and order options', () => {
  it('places stopLossPrice as a conditional algo, lists it with trigger + ordType, fills it on the drop', async () => {
    resetPrice();
    const { ex, account } = okx();
    const placed = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopLossPrice: 59000 });
    const pending = await ex.fetchOpenOrders('BTC/USDT', undefined, undefined, { trigger: true, ordType: 'conditional' });
    expect(pending.map((o) => [o.id, o.status, o.stopLossPrice])).toEqual([[placed.id, 'open', 59000]]);
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]); // not a plain order until it fires
    expect(account.balances['BTC']).toEqual({ free: '0.9', used: '0.1' });
    btc.next('60000', '60000', '58900', '59100');
    sim.control.step();
    expect(await ex.fetchOpenOrders('BTC/USDT', undefined, undefined, { trigger: true, ordType: 'conditional' })).toEqual([]);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.price, t.amount, t.side])).toEqual([[59000, 0.1, 'sell']]);
    expect(account.balances['BTC']).toEqual({ free: '0.9', used: '0' });
  });

  it('places a triggerPrice stop-limit as a trigger algo and cancels it through cancel-algos', async () => {
    resetPrice();
    const { ex, account } = okx();
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 58500, { triggerPrice: 59000 });
    const pending = await ex.fetchOpenOrders('BTC/USDT', undefined, undefined, { trigger: true });
    expect(pending.map((o) => [o.id, o.triggerPrice, o.price])).toEqual([[placed.id, 59000, 58500]]);
    await ex.cancelOrder(String(placed.id), 'BTC/USDT', { trigger: true });
    expect(account.balances['BTC']).toEqual({ free: '1', used: '0' });
    expect(await ex.fetchOpenOrders('BTC/USDT', undefined, undefined, { trigger: true })).toEqual([]);
  });

  it('fires a trigger stop-limit: the algo turns effective naming the order it placed, which fills under an ordId of its own', async () => {
    resetPrice();
    const { ex } = okx();
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.1, 58500, { triggerPrice: 59000, algoClOrdId: 'ctsStopOne' });
    btc.next('60000', '60000', '58800', '58900');
    sim.control.step();
    const history = (await ex.privateGetTradeOrdersAlgoHistory({ ordType: 'trigger', state: 'effective' })) as { data: Array<Record<string, unknown>> };
    expect(history.data.map((a) => [a['algoId'], a['state']])).toEqual([[placed.id, 'effective']]);
    const ordId = String(history.data[0]?.['ordId']);
    expect(ordId).not.toBe(placed.id);
    expect(history.data[0]?.['ordIdList']).toEqual([ordId]);
    // The algo id is no plain order id.
    expect(await refusal(ex.fetchOrder(String(placed.id), 'BTC/USDT'))).toContain('51603');
    const raw = (await ex.privateGetTradeOrder({ instId: 'BTC-USDT', ordId })) as { data: Array<Record<string, unknown>> };
    expect(raw.data.map((o) => [o['ordId'], o['algoId'], o['algoClOrdId'], o['clOrdId'], o['state']])).toEqual([[ordId, placed.id, 'ctsStopOne', '', 'filled']]);
    // ccxt 4.5.84 reports the placed order under the algoId; its trades carry the ordId.
    const order = await ex.fetchOrder(ordId, 'BTC/USDT');
    expect([order.id, order.status, order.average, order.type]).toEqual([placed.id, 'closed', 59000, 'limit']);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.order, t.price, t.amount])).toEqual([[ordId, 59000, 0.1]]);
  });

  it('refuses a stop-loss above the last price with 51280', async () => {
    resetPrice();
    const { ex } = okx();
    expect(await refusal(ex.createOrder('BTC/USDT', 'market', 'sell', 0.1, undefined, { stopLossPrice: 60500 }))).toContain('51280');
  });

  it('cancels a post_only that would take; ioc and fok ordTypes fill as IOC and FOK', async () => {
    resetPrice();
    const { ex } = okx();
    const po = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 60100, { postOnly: true });
    expect((await ex.fetchOrder(String(po.id), 'BTC/USDT')).status).toBe('canceled');
    const fok = await ex.createOrder('BTC/USDT', 'limit', 'buy', 3, 60100, { timeInForce: 'FOK' });
    expect((await ex.fetchOrder(String(fok.id), 'BTC/USDT')).filled).toBe(0);
    const ioc = await ex.createOrder('BTC/USDT', 'limit', 'buy', 3, 60100, { timeInForce: 'IOC' });
    expect((await ex.fetchOrder(String(ioc.id), 'BTC/USDT')).filled).toBe(2);
  });
});
