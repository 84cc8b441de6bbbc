import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { FUNDING_INTERVAL_MS } from '../../simulator/matching/funding.js';
import type { PricePath, SimCandle } from '../../simulator/matching/price-path.js';
import { amountOf, bybitClient, idOf } from './clients.js';

/**
 * Bybit v5 USDT perpetuals (category=linear) through unmodified ccxt 4.5.84: leverage and margin
 * mode, a 5× isolated short, reduce-only, funding at the 8 h boundary and a liquidation. BTC follows a
 * scripted path (each step's close is what the test queues, else unchanged) so every figure is exact.
 */

const HOUR = 3_600_000;
const BTC = 'BTC/USDT:USDT';

/** Hourly candles whose next closes the test decides; open = the previous close. */
class ScriptedPath implements PricePath {
  readonly intervalMs = HOUR;
  readonly #candles: SimCandle[] = [];
  readonly #queue: string[] = [];

  constructor(start: string, firstOpenTime: number, history: number) {
    for (let i = 0; i < history; i++) this.#candles.push(flat(start, firstOpenTime + i * HOUR));
  }

  queue(...closes: string[]): void {
    this.#queue.push(...closes);
  }

  current(): SimCandle {
    const last = this.#candles[this.#candles.length - 1];
    if (!last) throw new Error('empty path');
    return last;
  }

  history(count: number): SimCandle[] {
    return this.#candles.slice(-count);
  }

  step(): SimCandle {
    const prev = this.current();
    const close = this.#queue.shift() ?? prev.close;
    const [lo, hi] = new Dec(prev.close).lt(close) ? [prev.close, close] : [close, prev.close];
    this.#candles.push({ openTime: prev.openTime + HOUR, open: prev.close, high: hi, low: lo, close, volume: '100' });
    return this.current();
  }
}

function flat(price: string, openTime: number): SimCandle {
  return { openTime, open: price, high: price, low: price, close: price, volume: '100' };
}

// The current candle opens at 01:00 UTC, so the first funding time (08:00) is 7 steps away.
const FIRST_OPEN = Date.UTC(2026, 0, 1, 0);
const btcPath = new ScriptedPath('60000', FIRST_OPEN, 50);
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    priceSource: (m) => (m.symbol === 'BTC/USDT' ? btcPath : new ScriptedPath(m.symbol === 'ETH/USDT' ? '3000' : '0.6', FIRST_OPEN, 50)),
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  sim.control.addAccount('bybit', { apiKey: 'bybitKey1', secret: 'bybitSecret1', balances: { USDT: '10000' } });
});

/** Steps left until the next 8 h funding time (when the current candle opens on it). */
function stepsToFunding(): number {
  const open = btcPath.current().openTime;
  return (Math.floor(open / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS - open) / HOUR;
}

/** Steps until just before a funding time, so the next trade-and-step sees none. */
function stepPastFunding(): void {
  sim.control.step(stepsToFunding());
}

async function isolatedShort(ex: ReturnType<typeof bybitClient>, amount: number): Promise<string> {
  await ex.loadMarkets();
  await ex.setMarginMode('isolated', BTC);
  await ex.setLeverage(5, BTC);
  return idOf(await ex.createOrder(BTC, 'market', 'sell', amount));
}

describe('Bybit v5 linear perpetuals through unmodified ccxt', () => {
  it('sets 5× leverage and isolated margin and reads both back; refuses the same leverage, too much of it, and hedge mode', async () => {
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    expect(ex.market(BTC).limits?.leverage?.max).toBe(100);
    expect((await ex.fetchMarginMode(BTC)).marginMode).toBe('cross');
    await ex.setMarginMode('isolated', BTC);
    expect(sim.control.requests({ path: '/v5/account/set-margin-mode' })[0]?.params).toMatchObject({ setMarginMode: 'ISOLATED_MARGIN' });
    expect((await ex.fetchMarginMode(BTC)).marginMode).toBe('isolated');

    await ex.setLeverage(5, BTC);
    expect(sim.control.requests({ path: '/v5/position/set-leverage' })[0]?.params).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', buyLeverage: '5', sellLeverage: '5' });
    expect(await ex.fetchLeverage(BTC)).toMatchObject({ longLeverage: 5, shortLeverage: 5 });
    const [flatPosition] = await ex.fetchPositions([BTC]);
    expect(flatPosition).toMatchObject({ contracts: 0, leverage: 5 });

    await expect(ex.setLeverage(5, BTC)).rejects.toThrow(/110043/);
    await expect(ex.setLeverage(5, BTC)).rejects.toThrow(ccxt.BadRequest);
    await expect(ex.setLeverage(101, BTC)).rejects.toThrow(/110013/);
    await expect(ex.setPositionMode(true, BTC)).rejects.toThrow(/110029/);
  });

  it('opens a 5× isolated short with a market order: the position, its margin in the balance, and the refusals', async () => {
    const ex = bybitClient(sim);
    const orderId = await isolatedShort(ex, 0.1);
    expect(sim.control.requests({ method: 'POST', path: '/v5/order/create' })[0]?.params).toMatchObject({ category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.1' });
    expect(await ex.fetchClosedOrder(orderId, BTC)).toMatchObject({ status: 'closed', filled: 0.1, average: 59999.99, reduceOnly: false });

    const [position] = await ex.fetchPositions([BTC]);
    // Entry at the bid (close − one tick); margin 0.1 × 59999.99 / 5; liquidation where margin − MM
    // (0.5 % of the entry value) is gone: 59999.99 + (1199.9998 − 29.99999500) / 0.1, to the tick below.
    expect(position).toMatchObject({
      side: 'short',
      contracts: 0.1,
      entryPrice: 59999.99,
      markPrice: 60000,
      leverage: 5,
      initialMargin: 1199.9998,
      liquidationPrice: 71699.98,
      notional: 5999.999,
    });
    expect(position?.info).toMatchObject({ positionIdx: 0, bustPrice: '71999.99', positionBalance: '1199.9998' });

    // Taker fee 0.055 % of 5999.999 = 3.29999945; the margin is used, not spent.
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.total, 'USDT')).toBe(9996.70000055);
    expect(amountOf(balance.used, 'USDT')).toBe(1199.9998);
    expect(amountOf(balance.free, 'USDT')).toBe(8796.70020055);

    await expect(ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true })).rejects.toThrow(ccxt.InvalidOrder);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true })).rejects.toThrow(/110017/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 1)).rejects.toThrow(ccxt.InsufficientFunds);
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { positionIdx: 1 })).rejects.toThrow(ccxt.BadRequest);
  });

  it('closes the short with a reduce-only buy and books the realized PnL into the balance', async () => {
    stepPastFunding();
    const ex = bybitClient(sim);
    await isolatedShort(ex, 0.1);
    btcPath.queue('59000');
    sim.control.step();
    const close = await ex.createOrder(BTC, 'market', 'buy', 0.2, undefined, { reduceOnly: true });
    // A reduce-only order larger than the position is cut to it.
    expect(await ex.fetchClosedOrder(idOf(close), BTC)).toMatchObject({ filled: 0.1, average: 59000.01, reduceOnly: true });
    expect(await ex.fetchPositions()).toEqual([]);

    // PnL 0.1 × (59999.99 − 59000.01) = 99.998; fees 3.29999945 + 0.055 % of 5900.001 = 3.24500055.
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.total, 'USDT')).toBe(10093.453);
    expect(amountOf(balance.used, 'USDT')).toBe(0);
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.map((t) => [t.side, t.amount, t.price, t.fee?.cost, t.fee?.currency])).toEqual([
      ['sell', 0.1, 59999.99, 3.29999945, 'USDT'],
      ['buy', 0.1, 59000.01, 3.24500055, 'USDT'],
    ]);
    expect(trades[1]?.info).toMatchObject({ execType: 'Trade', closedSize: '0.1' });
    btcPath.queue('60000');
    sim.control.step();
  });

  it('rests a reduce-only stop-loss as a conditional order: listed, cancelable, refused when already crossed, and filled at its trigger without ever opening a position', async () => {
    stepPastFunding();
    const ex = bybitClient(sim);
    await isolatedShort(ex, 0.1);
    // ccxt sends stopLossPrice on a buy as triggerDirection 1 (rises to it), reduce-only, Market.
    const stop = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '61000' });
    expect(sim.control.requests({ method: 'POST', path: '/v5/order/create' }).at(-1)?.params).toMatchObject({ category: 'linear', side: 'Buy', orderType: 'Market', qty: '0.1', triggerPrice: '61000', triggerDirection: '1', reduceOnly: 'true' });
    // A second stop above it, and a take-profit below (triggerDirection 2).
    const second = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '61200' });
    const takeProfit = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { takeProfitPrice: '58000' });
    expect(sim.control.requests({ method: 'POST', path: '/v5/order/create' }).at(-1)?.params).toMatchObject({ triggerPrice: '58000', triggerDirection: '2', reduceOnly: 'true' });
    // The plain listing holds every kind; { trigger: true } (orderFilter StopOrder) the conditional ones.
    const open = await ex.fetchOpenOrders(BTC);
    expect(open.map((o) => [o.id, o.status, o.side, o.stopLossPrice, o.takeProfitPrice, o.reduceOnly])).toEqual([
      [idOf(stop), 'open', 'buy', 61000, undefined, true],
      [idOf(second), 'open', 'buy', 61200, undefined, true],
      [idOf(takeProfit), 'open', 'buy', undefined, 58000, true],
    ]);
    expect(open[0]?.info).toMatchObject({ orderStatus: 'Untriggered', stopOrderType: 'Stop', triggerBy: 'LastPrice', triggerDirection: 1 });
    expect((await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).map((o) => o.id)).toEqual([idOf(stop), idOf(second), idOf(takeProfit)]);
    // A resting stop holds no margin.
    expect(amountOf((await ex.fetchBalance()).used, 'USDT')).toBe(1199.9998);
    // Cancelled before its trigger: Deactivated.
    await ex.cancelOrder(idOf(takeProfit), BTC);
    const cancelled = (await ex.fetchCanceledAndClosedOrders(BTC)).find((o) => o.id === idOf(takeProfit));
    expect(cancelled).toMatchObject({ status: 'canceled' });
    expect(cancelled?.info).toMatchObject({ orderStatus: 'Deactivated' });
    // cancelAllOrders with { trigger: true } (orderFilter StopOrder) takes only conditional orders.
    const limit = await ex.createOrder(BTC, 'limit', 'buy', 0.05, 50000, { reduceOnly: true });
    const extra = await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '62000' });
    await ex.cancelAllOrders(BTC, { trigger: true });
    expect(sim.control.requests({ method: 'POST', path: '/v5/order/cancel-all' }).at(-1)?.params).toMatchObject({ orderFilter: 'StopOrder' });
    expect((await ex.fetchOpenOrders(BTC)).map((o) => o.id)).toEqual([idOf(limit)]);
    expect((await ex.fetchCanceledAndClosedOrders(BTC)).find((o) => o.id === idOf(extra))).toMatchObject({ status: 'canceled' });
    await ex.cancelOrder(idOf(limit), BTC);
    // The two stops went with it: place them again.
    const [stopAgain, secondAgain] = [
      await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '61000' }),
      await ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '61200' }),
    ];
    // A trigger the price already passed is refused (110092), and a stop with nothing to reduce too.
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.1, undefined, { stopLossPrice: '59000' })).rejects.toThrow(/110092/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.1, undefined, { stopLossPrice: '59000' })).rejects.toThrow(/110017/);

    // The price spikes through both stops inside one step: the first fills at its trigger and flattens
    // the short; the second has nothing left to reduce and is cancelled, so no long is opened.
    btcPath.queue('61500');
    sim.control.step();
    expect(await ex.fetchPositions()).toEqual([]);
    const closed = await ex.fetchCanceledAndClosedOrders(BTC);
    expect(closed.find((o) => o.id === idOf(stopAgain))).toMatchObject({ status: 'closed', filled: 0.1, average: 61000 });
    expect(closed.find((o) => o.id === idOf(secondAgain))).toMatchObject({ status: 'canceled', filled: 0 });
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    // Taker fee 0.055 % of 6100 = 3.355; loss 0.1 × (61000 − 59999.99) = 100.001.
    expect(trades.map((t) => [t.order, t.side, t.amount, t.price, t.fee?.cost])).toEqual([
      [trades[0]?.order, 'sell', 0.1, 59999.99, 3.29999945],
      [idOf(stopAgain), 'buy', 0.1, 61000, 3.355],
    ]);
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.total, 'USDT')).toBe(new Dec('10000').sub('3.29999945').sub('3.355').sub('100.001').toNumber());
    expect(amountOf(balance.used, 'USDT')).toBe(0);
    btcPath.queue('60000');
    sim.control.step();
  });

  it('books funding at the 8 h boundary: the short receives size × mark × rate, listed by fetchFundingHistory', async () => {
    const ex = bybitClient(sim);
    await isolatedShort(ex, 0.1);
    const before = amountOf((await ex.fetchBalance()).total, 'USDT') ?? 0;
    const rate = await ex.fetchFundingRate(BTC);
    expect(rate).toMatchObject({ fundingRate: 0.0001, markPrice: 60000 });
    const fundingTime = btcPath.current().openTime + stepsToFunding() * HOUR;
    expect(rate.fundingTimestamp).toBe(fundingTime);
    expect(new Date(fundingTime).getUTCHours() % 8).toBe(0);

    sim.control.step(stepsToFunding() - 1);
    expect(await ex.fetchFundingHistory(BTC)).toEqual([]);
    sim.control.step();
    // 0.1 × 60000 × 0.0001 = 0.6 USDT, from the longs to the short.
    expect(amountOf((await ex.fetchBalance()).total, 'USDT')).toBe(Number(new Dec(before).add('0.6').toFixed()));
    const history = await ex.fetchFundingHistory(BTC);
    expect(history).toHaveLength(1);
    // Bybit reports funding as a fee (execType Funding): execFee −0.6 is received, and ccxt 4.5.84
    // passes execFee through unchanged, so its `amount` is negative for money received.
    expect(history[0]).toMatchObject({ symbol: BTC, code: 'USDT', timestamp: fundingTime, amount: -0.6, rate: -0.0001 });
    expect(history[0]?.info).toMatchObject({ execType: 'Funding', side: 'Sell', execQty: '0.1', execValue: '6000' });
    const [position] = await ex.fetchPositions([BTC]);
    expect(position?.realizedPnl).toBe(Number(new Dec('0.6').sub('3.29999945').toFixed()));
    const rates = await ex.fetchFundingRateHistory(BTC);
    expect(rates.at(-1)).toMatchObject({ fundingRate: 0.0001, timestamp: fundingTime });
  });

  it('liquidates an isolated 5× short when the price runs against it: the position is gone, its margin lost, the liquidation in the order and trade history', async () => {
    stepPastFunding();
    const ex = bybitClient(sim);
    await isolatedShort(ex, 0.1);
    await ex.createOrder(BTC, 'limit', 'sell', 0.01, 80000);
    btcPath.queue('71000');
    sim.control.step();
    expect((await ex.fetchPositions([BTC]))[0]).toMatchObject({ contracts: 0.1, markPrice: 71000 });
    btcPath.queue('72000');
    sim.control.step();

    expect(await ex.fetchPositions()).toEqual([]);
    // The resting order was cancelled first; the whole 1199.9998 margin is lost, no more.
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    const balance = await ex.fetchBalance();
    expect(amountOf(balance.used, 'USDT')).toBe(0);
    expect(amountOf(balance.total, 'USDT')).toBe(Number(new Dec('10000').sub('3.29999945').sub('1199.9998').toFixed()));

    const liquidation = (await ex.fetchClosedOrders(BTC)).find((o) => (o.info as Record<string, unknown>)['createType'] === 'CreateByLiq');
    expect(liquidation).toMatchObject({ side: 'buy', type: 'market', filled: 0.1, reduceOnly: true, status: 'closed' });
    // ccxt's fetchMyTrades asks for execType Trade, so the liquidation's BustTrade needs asking for.
    expect((await ex.fetchMyTrades(BTC)).map((t) => t.side)).toEqual(['sell']);
    const [bust] = await ex.fetchMyTrades(BTC, undefined, undefined, { execType: 'BustTrade' });
    expect(bust).toMatchObject({ side: 'buy', amount: 0.1, price: 71999.99, order: liquidation?.id, fee: { cost: 0, currency: 'USDT' } });
    btcPath.queue('60000');
    sim.control.step();
  });

  it('lists the perpetual tickers with mark price and funding, and mark price candles', async () => {
    const ex = bybitClient(sim);
    await ex.loadMarkets();
    const ticker = await ex.fetchTicker(BTC);
    expect(ticker.info).toMatchObject({ markPrice: '60000', fundingRate: '0.0001', fundingIntervalHour: '8' });
    const candles = await ex.fetchMarkOHLCV(BTC, '1h', undefined, 3);
    expect(candles).toHaveLength(3);
    expect(candles.at(-1)?.[4]).toBe(60000);
  });
});
