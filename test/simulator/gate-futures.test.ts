import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.js';
import { FUNDING_INTERVAL_MS } from '../../simulator/matching/funding.js';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { ScriptedPath } from '../support/scripted-path.js';
import { idOf } from './clients.js';

/**
 * Gate USDT perpetual futures (/api/v4/futures/usdt) through unmodified ccxt 4.5.84 with
 * `defaultType: 'swap'`: contracts sized by quanto_multiplier (BTC_USDT 0.0001 BTC a contract), leverage
 * 0 = cross / positive = isolated, a 5× isolated short opened and closed reduce-only, Gate's labels for
 * refusals, funding in the account book at the 8 h boundary, a liquidation in /liquidates and its
 * trade, the futures account apart from spot. BTC follows a path the test moves by hand.
 */

const HOUR = 3_600_000;
const BTC = 'BTC/USDT:USDT';
const FIRST_OPEN = Date.UTC(2026, 0, 1, 0);
const flatAt = (start: string) => new ScriptedPath({ start: FIRST_OPEN, length: 50, priceAt: (_, previous) => previous ?? start });
const btcPath = flatAt('60000');
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ priceSource: (m) => (m.symbol === 'BTC/USDT' ? btcPath : flatAt(m.symbol === 'ETH/USDT' ? '3000' : '0.6')) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.reset();
  btcPath.trade('60000');
  sim.control.step(stepsToFunding());
  sim.control.addAccount('gate', { apiKey: 'gateKey1', secret: 'gateSecret1', balances: { USDT: '500' }, futuresBalances: { USDT: '10000' } });
});

function stepsToFunding(): number {
  const open = btcPath.current().openTime;
  return (Math.floor(open / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS - open) / HOUR;
}

function client(): InstanceType<typeof ccxt.gate> {
  const ex = new ccxt.gate({
    apiKey: 'gateKey1',
    secret: 'gateSecret1',
    proxyUrl: sim.url,
    enableRateLimit: false,
    timeout: 5_000,
    options: { defaultType: 'swap', unifiedAccount: false, fetchMarkets: { types: ['swap'] }, swap: { fetchMarkets: { settlementCurrencies: ['usdt'] } } },
  });
  ex.has['fetchCurrencies'] = false;
  return ex;
}

const calls = (path: string) => sim.control.requests({ exchange: 'gate' }).filter((r) => r.path === `/api/v4/futures/usdt${path}`);
const gateError = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('Gate USDT perpetual futures through unmodified ccxt', () => {
  it('lists the contracts with their multiplier, tick, leverage bounds and funding interval; ticker, candles and mark candles', async () => {
    const ex = client();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'XRP/USDT:USDT']);
    const m = ex.market(BTC);
    expect(m).toMatchObject({ id: 'BTC_USDT', swap: true, linear: true, settle: 'USDT', contractSize: 0.0001, precision: { amount: 1, price: 0.01 } });
    expect(m.limits.leverage).toMatchObject({ min: 1, max: 125 });
    const raw = (await ex.publicFuturesGetSettleContractsContract({ settle: 'usdt', contract: 'BTC_USDT' })) as Record<string, unknown>;
    expect(raw).toMatchObject({ quanto_multiplier: '0.0001', order_price_round: '0.01', maintenance_rate: '0.004', funding_interval: 28800, mark_price: '60000' });
    const ticker = await ex.fetchTicker(BTC);
    expect(ticker).toMatchObject({ symbol: BTC, last: 60000, markPrice: 60000 });
    const candles = await ex.fetchOHLCV(BTC, '1h', undefined, 5);
    expect(candles).toHaveLength(5);
    expect(candles.at(-1)?.[4]).toBe(60000);
    const mark = await ex.fetchOHLCV(BTC, '1h', undefined, 3, { price: 'mark' });
    expect(mark).toHaveLength(3);
    expect(calls('/candlesticks').at(-1)?.params['contract']).toBe('mark_BTC_USDT');
  });

  it('5× isolated: leverage set and read back from the position; a short of 1000 contracts (0.1 BTC) and its reduce-only exit', async () => {
    const ex = client();
    await ex.loadMarkets();
    await ex.setLeverage(5, BTC);
    expect(calls('/positions/BTC_USDT/leverage').at(-1)?.params).toMatchObject({ leverage: '5' });
    const flat = await ex.fetchPosition(BTC);
    expect(flat).toMatchObject({ leverage: 5, marginMode: 'isolated', contracts: 0 });

    const sold = await ex.createOrder(BTC, 'market', 'sell', 1000);
    const body = JSON.parse(calls('/orders').at(-1)?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ contract: 'BTC_USDT', size: -1000, price: '0', tif: 'ioc' });
    const order = await ex.fetchOrder(idOf(sold), BTC);
    expect(order).toMatchObject({ side: 'sell', type: 'market', status: 'closed', amount: 1000, filled: 1000 });
    const position = await ex.fetchPosition(BTC);
    expect(position).toMatchObject({ side: 'short', contracts: 1000, contractSize: 0.0001, leverage: 5, marginMode: 'isolated' });
    const entry = new Dec(String(position.entryPrice));
    // Margin 0.1 × entry ÷ 5 from the futures account; spot untouched.
    expect(sim.control.account('gate', 'gateKey1')?.futures?.balances['USDT']?.used).toBe(entry.mul('0.1').div(5).toFixed());
    expect(sim.control.account('gate', 'gateKey1')?.balances['USDT']).toEqual({ free: '500', used: '0' });
    const balance = await ex.fetchBalance({ type: 'swap' });
    expect(balance['USDT']?.total).toBeCloseTo(10000 - entry.mul('0.1').mul('0.0005').toNumber(), 6);

    btcPath.trade('59000');
    sim.control.step();
    const bought = await ex.createOrder(BTC, 'market', 'buy', 1000, undefined, { reduceOnly: true });
    expect(JSON.parse(calls('/orders').at(-1)?.body ?? '{}')).toMatchObject({ size: 1000, reduce_only: true });
    expect(await ex.fetchPosition(BTC)).toMatchObject({ contracts: 0 });
    const trades = await ex.fetchMyTrades(BTC, FIRST_OPEN);
    expect(calls('/my_trades_timerange').length).toBeGreaterThan(0);
    expect(trades.map((t) => [t.side, t.amount, t.fee?.currency])).toEqual([
      ['sell', 1000, 'USDT'],
      ['buy', 1000, 'USDT'],
    ]);
    expect(trades[1]?.order).toBe(idOf(bought));
    // A reduce-only order with nothing to reduce, and one that would increase a position.
    expect(String(await gateError(ex.createOrder(BTC, 'market', 'buy', 10, undefined, { reduceOnly: true })))).toContain('REDUCE_EXCEEDED');
    await ex.createOrder(BTC, 'market', 'buy', 10);
    const increase = await gateError(ex.createOrder(BTC, 'market', 'buy', 10, undefined, { reduceOnly: true }));
    expect(increase).toBeInstanceOf(ccxt.InvalidOrder);
    expect(String(increase)).toContain('INCREASE_POSITION');
  });

  it('leverage 0 is cross at cross_leverage_limit; beyond the maximum LEVERAGE_TOO_HIGH; a mode change with a position POSITION_HOLDING; hedge mode refused', async () => {
    const ex = client();
    await ex.loadMarkets();
    await ex.setLeverage(3, BTC, { marginMode: 'cross' });
    expect(calls('/positions/BTC_USDT/leverage').at(-1)?.params).toMatchObject({ leverage: '0', cross_leverage_limit: '3' });
    expect(await ex.fetchPosition(BTC)).toMatchObject({ marginMode: 'cross', leverage: 0, info: { cross_leverage_limit: '3' } });
    const high = await gateError(ex.privateFuturesPostSettlePositionsContractLeverage({ settle: 'usdt', contract: 'BTC_USDT', leverage: '200' }));
    expect(high).toBeInstanceOf(ccxt.InvalidOrder);
    expect(String(high)).toContain('LEVERAGE_TOO_HIGH');
    await ex.createOrder(BTC, 'market', 'buy', 10);
    const holding = await gateError(ex.setLeverage(5, BTC));
    expect(String(holding)).toContain('POSITION_HOLDING');
    const hedge = await gateError(ex.setPositionMode(true, BTC));
    expect(String(hedge)).toContain('INVALID_PARAM_VALUE');
    await ex.setPositionMode(false, BTC);
  });

  it('refuses an order the available balance cannot margin (INSUFFICIENT_AVAILABLE), a post-only that would take (ORDER_POC_IMMEDIATE), and rests a limit', async () => {
    const ex = client();
    await ex.loadMarkets();
    await ex.setLeverage(2, BTC);
    // 10000 contracts = 1 BTC = 60000 USDT notional, 30000 margin at 2×: more than the 10000 available.
    const error = await gateError(ex.createOrder(BTC, 'market', 'buy', 10000));
    expect(error).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(String(error)).toContain('INSUFFICIENT_AVAILABLE');
    const poc = await gateError(ex.createOrder(BTC, 'limit', 'buy', 10, 60100, { postOnly: true }));
    expect(poc).toBeInstanceOf(ccxt.OrderImmediatelyFillable);
    const resting = await ex.createOrder(BTC, 'limit', 'buy', 10, 59000, { clientOrderId: 't-rest1' });
    expect(resting).toMatchObject({ status: 'open', amount: 10, price: 59000, clientOrderId: 't-rest1' });
    expect((await ex.fetchOpenOrders(BTC)).map((o) => o.id)).toEqual([idOf(resting)]);
    const byText = (await ex.privateFuturesGetSettleOrdersOrderId({ settle: 'usdt', order_id: 't-rest1' })) as Record<string, unknown>;
    expect(byText).toMatchObject({ status: 'open', finish_as: '_new', size: '10', left: '10', text: 't-rest1' });
    const cancelled = await ex.cancelOrder(idOf(resting), BTC);
    expect(cancelled).toMatchObject({ status: 'canceled' });
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
  });

  it('books funding at the 8 h boundary in the account book (type fund, positive when received)', async () => {
    const ex = client();
    await ex.loadMarkets();
    await ex.setLeverage(5, BTC);
    await ex.createOrder(BTC, 'market', 'sell', 1000);
    sim.control.step(stepsToFunding());
    const history = await ex.fetchFundingHistory(BTC, FIRST_OPEN);
    expect(calls('/account_book').at(-1)?.params).toMatchObject({ type: 'fund', contract: 'BTC_USDT' });
    // 0.1 BTC short × 60000 × 0.0001, received.
    expect(history.map((h) => [h.symbol, h.amount, (h.info as Record<string, unknown>)['change']])).toEqual([[BTC, 0.6, '0.6']]);
    const rates = await ex.fetchFundingRateHistory(BTC);
    expect(rates.at(-1)).toMatchObject({ symbol: BTC, fundingRate: 0.0001 });
  });

  it('a liquidation shows in /liquidates with its order id, and its trade in the trade list', async () => {
    const ex = client();
    await ex.loadMarkets();
    await ex.setLeverage(5, BTC);
    await ex.createOrder(BTC, 'market', 'sell', 1000);
    btcPath.trade('75000');
    sim.control.step();
    expect(await ex.fetchPosition(BTC)).toMatchObject({ contracts: 0 });
    const liquidations = await ex.fetchMyLiquidations(BTC);
    expect(liquidations).toHaveLength(1);
    const info = liquidations[0]?.info as Record<string, unknown>;
    expect(info).toMatchObject({ contract: 'BTC_USDT', size: -1000, leverage: '5', left: 0 });
    const trades = await ex.fetchMyTrades(BTC, FIRST_OPEN);
    const forced = trades.find((t) => t.order === String(info['order_id']));
    expect(forced).toMatchObject({ side: 'buy', amount: 1000, price: Number(info['fill_price']) });
    expect((forced?.info as Record<string, unknown>)['text']).toBe('liquidation');
    const closes = (await ex.privateFuturesGetSettlePositionClose({ settle: 'usdt', contract: 'BTC_USDT' })) as Record<string, unknown>[];
    expect(closes[0]).toMatchObject({ side: 'short', text: 'liquidation' });
  });
});
